-- +goose Up
-- The id of the HTTP request that delivered a message, carried to the log lines of
-- the turn that answers it. Not personal data.
ALTER TABLE inbound_messages ADD COLUMN request_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE inbound_messages DROP COLUMN request_id;
