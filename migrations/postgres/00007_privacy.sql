-- +goose Up
-- The key of the blind indexes (keyed HMAC-SHA256 of contact identifiers), random,
-- sealed with the data key: a key rotation reseals it and the indexes stay valid.
CREATE TABLE blind_keys (
    purpose    TEXT PRIMARY KEY,
    sealed     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Contact identifiers (WhatsApp number, Messenger id, web chat session) sealed;
-- user_id and alt_user_id then hold their blind index ("bi1:…") for lookups.
ALTER TABLE conversations ADD COLUMN user_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN alt_user_sealed TEXT NOT NULL DEFAULT '';

-- Subject access and erasure requests: who asked, for whom (a blind index, never
-- the identifier itself) and what was done.
CREATE TABLE privacy_requests (
    id      BIGSERIAL PRIMARY KEY,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL,
    actor   TEXT NOT NULL,
    result  TEXT NOT NULL DEFAULT '',
    at      TIMESTAMPTZ NOT NULL
);

-- Retention deletes by age, in batches.
CREATE INDEX inbound_by_received ON inbound_messages (received_at);
CREATE INDEX outbound_by_created ON outbound_messages (created_at);
CREATE INDEX conversations_by_updated ON conversations (updated_at);
CREATE INDEX webhook_events_by_received ON webhook_events (received_at);
CREATE INDEX notifications_by_created ON notifications (created_at);
CREATE INDEX lookup_failures_by_at ON lookup_failures (at);

-- +goose Down
DROP INDEX lookup_failures_by_at;
DROP INDEX notifications_by_created;
DROP INDEX webhook_events_by_received;
DROP INDEX conversations_by_updated;
DROP INDEX outbound_by_created;
DROP INDEX inbound_by_received;
DROP TABLE privacy_requests;
ALTER TABLE conversations DROP COLUMN alt_user_sealed;
ALTER TABLE conversations DROP COLUMN user_sealed;
DROP TABLE blind_keys;
