-- +goose Up
-- Conversations in the middle of a flow are swept every minute for reminders and
-- expiry; the partial index keeps that sweep to the few conversations concerned.
CREATE INDEX conversations_in_flow ON conversations (updated_at) WHERE flow <> '' AND flow <> 'handoff';

-- +goose Down
DROP INDEX conversations_in_flow;
