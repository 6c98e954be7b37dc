-- +goose Up
-- Aggregated analytics: daily counts that outlive the transcripts they are
-- computed from. No conversation, no user, no text: only flow and state names,
-- content versions, languages, channels, message purposes and statuses. day is
-- the UTC date as YYYY-MM-DD.

-- The days already folded into the aggregates: a day is aggregated once, in the
-- transaction that inserts this row, and never again (later erasures or
-- retention do not change its counts). Rows are kept for ever so that a day is
-- not folded again after its aggregates expire.
CREATE TABLE analytics_days (
    day           TEXT PRIMARY KEY,
    aggregated_at DATETIME NOT NULL
);

-- Transitions of the flows per day: runs started are event 'start', drop-off
-- is event 'abandon:<reason>' by from_state, completions are to_state.
CREATE TABLE analytics_daily (
    day             TEXT    NOT NULL,
    flow            TEXT    NOT NULL,
    from_state      TEXT    NOT NULL,
    to_state        TEXT    NOT NULL,
    event           TEXT    NOT NULL,
    content_version INTEGER NOT NULL,
    lang            TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    transitions     INTEGER NOT NULL,
    UNIQUE (day, flow, from_state, to_state, event, content_version, lang, channel)
);

-- Outbound messages per day by purpose (flight_<kind> for flight updates, empty
-- for replies), channel and the status they had when the day was aggregated.
CREATE TABLE analytics_outbound_daily (
    day      TEXT    NOT NULL,
    purpose  TEXT    NOT NULL,
    channel  TEXT    NOT NULL,
    status   TEXT    NOT NULL,
    messages INTEGER NOT NULL,
    UNIQUE (day, purpose, channel, status)
);

-- +goose Down
DROP TABLE analytics_outbound_daily;
DROP TABLE analytics_daily;
DROP TABLE analytics_days;
