-- +goose Up
-- Why a person set an undelivered message aside, sealed with the data keys like
-- the message body: an agent may paste a phone or passport number into it. The
-- audit entry of the dismissal records the reason's length only.
ALTER TABLE outbound_messages ADD COLUMN dismiss_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbound_messages DROP COLUMN dismiss_reason;
