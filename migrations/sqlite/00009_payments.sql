-- +goose Up
-- Skybridge's record of each payment it asked a provider for: what it is for (an
-- order or a flight change, by reference), whose conversation hears of it, and
-- where it stands. The status only moves forward (pending → failed/expired →
-- paid → refunded); late marks a payment completed after its offer ended, which
-- the order flow refunds.
CREATE TABLE payments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reference       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    provider        TEXT NOT NULL,
    provider_ref    TEXT NOT NULL DEFAULT '',
    amount_minor    INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    status          TEXT NOT NULL,
    payment_id      TEXT NOT NULL DEFAULT '',
    late            BOOLEAN NOT NULL DEFAULT FALSE,
    expires_at      DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX payments_by_provider_ref ON payments (provider_ref);
CREATE INDEX payments_by_payment_id ON payments (payment_id);

-- Every verified provider event, once: a redelivered event finds its id here and
-- changes nothing.
CREATE TABLE payment_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT NOT NULL UNIQUE,
    reference   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    payment_id  TEXT NOT NULL DEFAULT '',
    changed     BOOLEAN NOT NULL DEFAULT FALSE,
    received_at DATETIME NOT NULL
);
CREATE INDEX payment_events_by_reference ON payment_events (reference);

-- The built-in demo provider's hosted checkouts (its id is the page's
-- unguessable URL) and refunds, so that a link works on every instance and
-- after a restart.
CREATE TABLE demo_checkouts (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    reference       TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    amount_minor    INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    lang            TEXT NOT NULL DEFAULT '',
    return_url      TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,
    payment_id      TEXT NOT NULL DEFAULT '',
    delivered       BOOLEAN NOT NULL DEFAULT FALSE,
    refunded_minor  INTEGER NOT NULL DEFAULT 0,
    expires_at      DATETIME NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX demo_checkouts_by_payment ON demo_checkouts (payment_id);

CREATE TABLE demo_refunds (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    checkout_id     TEXT NOT NULL REFERENCES demo_checkouts(id) ON DELETE CASCADE,
    amount_minor    INTEGER NOT NULL,
    currency        TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    delivered       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      DATETIME NOT NULL
);

-- +goose Down
DROP TABLE demo_refunds;
DROP TABLE demo_checkouts;
DROP TABLE payment_events;
DROP TABLE payments;
