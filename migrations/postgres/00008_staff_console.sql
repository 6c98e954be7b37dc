-- +goose Up
-- Staff who sign in to the console. Names are stored lower case; the password only
-- as an argon2id PHC string.
CREATE TABLE staff (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    disabled_at   TIMESTAMPTZ
);

-- Console sessions: the cookie's secret is stored only as its SHA-256.
CREATE TABLE staff_sessions (
    id_hash    TEXT PRIMARY KEY,
    staff_id   BIGINT NOT NULL REFERENCES staff (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    seen_at    TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_sessions_by_staff ON staff_sessions (staff_id);

-- The append-only audit log. The code has no path that updates or deletes it.
CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT ''
);
-- Failed sign-ins per name and address are counted for the rate limit.
CREATE INDEX audit_log_by_action ON audit_log (action, subject, at);

-- The one shared working draft of the content (id is always 1).
CREATE TABLE content_draft (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    body         TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    revision     BIGINT NOT NULL,
    updated_by   TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE content_draft;
DROP TABLE audit_log;
DROP TABLE staff_sessions;
DROP TABLE staff;
