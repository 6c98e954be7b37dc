-- +goose Up
-- How many wire requests the message's parts_sent counts parts of, as the
-- platform's echo or status of a part named it (0: not named). A retry whose
-- rendering has another count skips nothing: a part sent twice rather than one
-- lost.
ALTER TABLE outbound_messages ADD COLUMN parts_total INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE outbound_messages DROP COLUMN parts_total;
