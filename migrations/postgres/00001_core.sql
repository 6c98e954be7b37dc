-- +goose Up
CREATE TABLE conversations (
    id              BIGSERIAL PRIMARY KEY,
    channel         TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    lang            TEXT NOT NULL DEFAULT '',
    lang_explicit   BOOLEAN NOT NULL DEFAULT FALSE,
    flow            TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL DEFAULT '',
    content_version INTEGER NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (channel, user_id)
);

CREATE TABLE inbound_messages (
    id                 BIGSERIAL PRIMARY KEY,
    conversation_id    BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    channel            TEXT NOT NULL,
    channel_message_id TEXT NOT NULL,
    text               TEXT NOT NULL DEFAULT '',
    payload            TEXT NOT NULL DEFAULT '',
    received_at        TIMESTAMPTZ NOT NULL,
    processed_at       TIMESTAMPTZ,
    UNIQUE (channel, channel_message_id)
);
CREATE INDEX inbound_pending ON inbound_messages (conversation_id, id) WHERE processed_at IS NULL;

CREATE TABLE outbound_messages (
    id                 BIGSERIAL PRIMARY KEY,
    conversation_id    BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq                INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    body               TEXT NOT NULL,
    status             TEXT NOT NULL,
    channel_message_id TEXT NOT NULL DEFAULT '',
    error              TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (conversation_id, seq)
);

CREATE TABLE transitions (
    id              BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    flow            TEXT NOT NULL,
    from_state      TEXT NOT NULL,
    to_state        TEXT NOT NULL,
    event           TEXT NOT NULL,
    content_version INTEGER NOT NULL,
    lang            TEXT NOT NULL,
    at              TIMESTAMPTZ NOT NULL
);
CREATE INDEX transitions_by_flow ON transitions (flow, at);
CREATE INDEX transitions_by_conversation ON transitions (conversation_id, id);

CREATE TABLE content_versions (
    version    INTEGER PRIMARY KEY,
    body       TEXT NOT NULL,
    author     TEXT NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE boarding_passes (
    token        TEXT PRIMARY KEY,
    locator      TEXT NOT NULL,
    passenger_id BIGINT NOT NULL,
    segment_id   BIGINT NOT NULL,
    body         TEXT NOT NULL,
    valid        BOOLEAN NOT NULL DEFAULT TRUE,
    issued_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX boarding_passes_by_passenger ON boarding_passes (locator, passenger_id, segment_id);

CREATE TABLE lookup_failures (
    id  BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX lookup_failures_by_key ON lookup_failures (key, at);

-- +goose Down
DROP TABLE lookup_failures;
DROP TABLE boarding_passes;
DROP TABLE content_versions;
DROP TABLE transitions;
DROP TABLE outbound_messages;
DROP TABLE inbound_messages;
DROP TABLE conversations;
