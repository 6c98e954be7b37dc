-- +goose Up
ALTER TABLE conversations ADD COLUMN alt_user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN profile_name TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN last_inbound_at DATETIME;

ALTER TABLE inbound_messages ADD COLUMN unsupported TEXT NOT NULL DEFAULT '';

ALTER TABLE outbound_messages ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
ALTER TABLE outbound_messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbound_messages ADD COLUMN error_code INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbound_by_channel_id ON outbound_messages (channel_message_id) WHERE channel_message_id <> '';
CREATE INDEX outbound_pending ON outbound_messages (conversation_id, seq) WHERE status = 'queued';

-- Raw webhook bodies, stored (sealed) before Meta gets its 200 and parsed by a job.
CREATE TABLE webhook_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel      TEXT NOT NULL,
    body         TEXT NOT NULL,
    received_at  DATETIME NOT NULL,
    processed_at DATETIME
);
CREATE INDEX webhook_events_pending ON webhook_events (id) WHERE processed_at IS NULL;

-- What a traveller agreed to receive proactively, per category.
CREATE TABLE preferences (
    channel    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    category   TEXT NOT NULL,
    opted_out  BOOLEAN NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (channel, user_id, category)
);

-- +goose Down
DROP TABLE preferences;
DROP TABLE webhook_events;
DROP INDEX outbound_pending;
DROP INDEX outbound_by_channel_id;
ALTER TABLE outbound_messages DROP COLUMN error_code;
ALTER TABLE outbound_messages DROP COLUMN attempts;
ALTER TABLE outbound_messages DROP COLUMN purpose;
ALTER TABLE inbound_messages DROP COLUMN unsupported;
ALTER TABLE conversations DROP COLUMN last_inbound_at;
ALTER TABLE conversations DROP COLUMN profile_name;
ALTER TABLE conversations DROP COLUMN alt_user_id;
