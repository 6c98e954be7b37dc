-- +goose Up
-- One deliverer per conversation at a time: the holder's lease runs until this.
ALTER TABLE conversations ADD COLUMN delivering_until TIMESTAMPTZ;
CREATE INDEX outbound_queued_since ON outbound_messages (created_at) WHERE status = 'queued';

-- +goose Down
DROP INDEX outbound_queued_since;
ALTER TABLE conversations DROP COLUMN delivering_until;
