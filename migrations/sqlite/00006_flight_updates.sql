-- +goose Up
-- The last status seen of each watched flight, the baseline of what travellers were
-- told (JSON of domain.Notified) and a version for compare-and-swap. departure is
-- the best known departure, for queries.
CREATE TABLE flight_watches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    carrier     TEXT NOT NULL,
    number      INTEGER NOT NULL,
    suffix      TEXT NOT NULL DEFAULT '',
    flight_date TEXT NOT NULL, -- YYYY-MM-DD, local to the origin
    status      TEXT NOT NULL,
    notified    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    departure   DATETIME,
    seen_at     DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (carrier, number, suffix, flight_date)
);
CREATE INDEX flight_watches_by_departure ON flight_watches (departure);

-- Every status saved, for audit and for measuring the sources.
CREATE TABLE flight_status_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    carrier     TEXT NOT NULL,
    number      INTEGER NOT NULL,
    suffix      TEXT NOT NULL DEFAULT '',
    flight_date TEXT NOT NULL,
    status      TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    seen_at     DATETIME NOT NULL
);
CREATE INDEX flight_status_history_by_flight ON flight_status_history (carrier, number, flight_date, seen_at);

-- Changes worth telling travellers: one row per (flight, kind, version).
CREATE TABLE flight_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    carrier     TEXT NOT NULL,
    number      INTEGER NOT NULL,
    suffix      TEXT NOT NULL DEFAULT '',
    flight_date TEXT NOT NULL,
    kind        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    seen_at     DATETIME NOT NULL,
    UNIQUE (carrier, number, suffix, flight_date, kind, version)
);

-- One row per passenger and event: what became of their notification.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT NOT NULL UNIQUE,
    event_id        INTEGER NOT NULL REFERENCES flight_events(id) ON DELETE CASCADE,
    passenger_id    INTEGER NOT NULL,
    locator         TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    status          TEXT NOT NULL,
    created_at      DATETIME NOT NULL
);
CREATE INDEX notifications_by_event ON notifications (event_id);
CREATE INDEX notifications_by_status ON notifications (status);

-- The bookings travellers proved they hold in a conversation: flight updates for
-- them reach it.
CREATE TABLE conversation_bookings (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    locator         TEXT NOT NULL,
    linked_at       DATETIME NOT NULL,
    PRIMARY KEY (conversation_id, locator)
);
CREATE INDEX conversation_bookings_by_locator ON conversation_bookings (locator);

-- A proactive message is queued at most once per conversation and key.
ALTER TABLE outbound_messages ADD COLUMN dedupe_key TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX outbound_dedupe ON outbound_messages (conversation_id, dedupe_key) WHERE dedupe_key <> '';

-- Machine clients' credentials, stored as SHA-256 hashes.
CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL,
    revoked_at DATETIME
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_at IS NULL;

-- The WhatsApp messaging tier: when each traveller was last reached outside the
-- service window (unique travellers per moving 24 hours).
CREATE TABLE tier_reach (
    channel    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    reached_at DATETIME NOT NULL,
    PRIMARY KEY (channel, user_id)
);
CREATE INDEX tier_reach_by_time ON tier_reach (channel, reached_at);

-- +goose Down
DROP TABLE tier_reach;
DROP TABLE api_tokens;
DROP INDEX outbound_dedupe;
ALTER TABLE outbound_messages DROP COLUMN dedupe_key;
DROP TABLE conversation_bookings;
DROP TABLE notifications;
DROP TABLE flight_events;
DROP TABLE flight_status_history;
DROP TABLE flight_watches;
