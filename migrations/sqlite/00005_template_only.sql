-- +goose Up
-- A message the platform refused as outside the window, queued again to go as a template.
ALTER TABLE outbound_messages ADD COLUMN template_only BOOLEAN NOT NULL DEFAULT FALSE;
-- Wire requests of a message already sent by an attempt that failed part-way.
ALTER TABLE outbound_messages ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
-- A WhatsApp traveller is found by phone number or by business-scoped id.
CREATE INDEX conversations_by_alt_user ON conversations (channel, alt_user_id);

-- +goose Down
DROP INDEX conversations_by_alt_user;
ALTER TABLE outbound_messages DROP COLUMN parts_sent;
ALTER TABLE outbound_messages DROP COLUMN template_only;
