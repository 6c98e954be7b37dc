-- +goose Up
-- Fares, extras, changes and orders of the demo booking system (integrations/pss).
-- Amounts are integers in the currency's minor unit, never floating point.

-- The currency a carrier sells its fares and extras in.
ALTER TABLE pss_airlines ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';

-- Fare brands of a carrier: what a fare allows. A flight's price for a brand is the
-- flight's cabin base (pss_flight_fares) plus the brand's supplement.
CREATE TABLE pss_fare_brands (
    carrier          TEXT NOT NULL,
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    cabin            TEXT NOT NULL,
    pos              INTEGER NOT NULL DEFAULT 0,
    supplement_minor INTEGER NOT NULL DEFAULT 0,
    changeable       BOOLEAN NOT NULL,
    change_fee_minor INTEGER NOT NULL DEFAULT 0,
    refundable       BOOLEAN NOT NULL,
    currency         TEXT NOT NULL,
    PRIMARY KEY (carrier, code)
);

-- The lowest fare per passenger of a cabin on a flight.
CREATE TABLE pss_flight_fares (
    flight_id    INTEGER NOT NULL REFERENCES pss_flights(id) ON DELETE CASCADE,
    cabin        TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    PRIMARY KEY (flight_id, cabin)
);

-- The fare a booking segment was sold at, per passenger.
CREATE TABLE pss_segment_fares (
    segment_id   INTEGER PRIMARY KEY REFERENCES pss_segments(id) ON DELETE CASCADE,
    brand        TEXT NOT NULL,
    basis        TEXT NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL
);

-- The extras a carrier sells.
CREATE TABLE pss_ancillaries (
    carrier     TEXT NOT NULL,
    code        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    seat_type   TEXT NOT NULL DEFAULT '',
    cabins      TEXT NOT NULL DEFAULT '',
    price_minor INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    max_qty     INTEGER NOT NULL DEFAULT 1,
    requires    TEXT NOT NULL DEFAULT '',
    pos         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (carrier, code)
);

-- Ticket and EMD serial numbers per ticketing prefix.
CREATE TABLE pss_document_numbers (
    prefix TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);

-- Priced offers (extras) and alternatives (changes), kept until they expire so that
-- a later call can be checked against exactly what was quoted.
CREATE TABLE pss_offers (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    booking_id INTEGER NOT NULL REFERENCES pss_bookings(id) ON DELETE CASCADE,
    payload    TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX pss_offers_by_expiry ON pss_offers (expires_at);

-- One electronic miscellaneous document per paid extra.
CREATE TABLE pss_emds (
    number       TEXT PRIMARY KEY,
    booking_id   INTEGER NOT NULL REFERENCES pss_bookings(id) ON DELETE CASCADE,
    passenger_id INTEGER NOT NULL REFERENCES pss_passengers(id) ON DELETE CASCADE,
    segment_id   INTEGER NOT NULL REFERENCES pss_segments(id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    currency     TEXT NOT NULL,
    seat         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    offer_id     TEXT NOT NULL,
    payment_id   TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL
);
CREATE INDEX pss_emds_by_segment ON pss_emds (segment_id, passenger_id);

-- Results of mutations (fulfil, reissue, cancel) by idempotency key: a retry with
-- the same key gets the stored result and changes nothing.
CREATE TABLE pss_requests (
    idempotency_key TEXT PRIMARY KEY,
    operation       TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    result          TEXT NOT NULL,
    created_at      DATETIME NOT NULL
);

-- +goose Down
DROP TABLE pss_requests;
DROP TABLE pss_emds;
DROP TABLE pss_offers;
DROP TABLE pss_document_numbers;
DROP TABLE pss_ancillaries;
DROP TABLE pss_segment_fares;
DROP TABLE pss_flight_fares;
DROP TABLE pss_fare_brands;
ALTER TABLE pss_airlines DROP COLUMN currency;
