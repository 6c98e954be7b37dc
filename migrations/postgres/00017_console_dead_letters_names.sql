-- +goose Up
-- A message that did not go out may be sent again once, by a person from the
-- console (retried_at), or set aside with a reason (dismissed_at; the reason is in
-- the audit log). A dismissed message leaves the inbox.
ALTER TABLE outbound_messages ADD COLUMN retried_at TIMESTAMPTZ;
ALTER TABLE outbound_messages ADD COLUMN dismissed_at TIMESTAMPTZ;

-- The names of the passengers of the bookings a traveller proved they hold in a
-- conversation, so that staff find the conversation by a name whatever booking
-- system holds the booking. Only a keyed blind index ("bn1:…") of each folded
-- name is stored, never the name.
CREATE TABLE conversation_names (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    name_index      TEXT NOT NULL,
    PRIMARY KEY (conversation_id, name_index)
);
CREATE INDEX conversation_names_by_index ON conversation_names (name_index);

-- +goose Down
DROP TABLE conversation_names;
ALTER TABLE outbound_messages DROP COLUMN dismissed_at;
ALTER TABLE outbound_messages DROP COLUMN retried_at;
