-- +goose Up
-- A message the platform refused as outside the window, queued again to go as a template.
ALTER TABLE outbound_messages ADD COLUMN template_only BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE outbound_messages DROP COLUMN template_only;
