-- +goose Up
-- idle_since is when a conversation's flow last waited on the traveller without
-- their writing: a person handed the conversation back to the bot. Reminders and
-- expiry count from the later of it and last_inbound_at, which keeps meaning the
-- channel's customer-service window and is not moved by a hand-back.
ALTER TABLE conversations ADD COLUMN idle_since DATETIME;
-- The sweep pages through the conversations in a flow by id.
DROP INDEX conversations_in_flow;
CREATE INDEX conversations_in_flow ON conversations (id) WHERE flow <> '' AND flow <> 'handoff';

-- +goose Down
DROP INDEX conversations_in_flow;
CREATE INDEX conversations_in_flow ON conversations (updated_at) WHERE flow <> '' AND flow <> 'handoff';
ALTER TABLE conversations DROP COLUMN idle_since;
