-- +goose Up
-- The demo booking system (integrations/pss). Airports live in the binary; flights
-- keep the IANA zones of their airports so that local times survive a changed list.
-- Columns ending in _sealed hold domain.Sealer output, never clear personal data.
CREATE TABLE pss_airlines (
    code                TEXT PRIMARY KEY,
    icao                TEXT NOT NULL,
    name                TEXT NOT NULL,
    ticket_prefix       TEXT NOT NULL,
    checkin_opens_min   INTEGER NOT NULL DEFAULT 0,
    checkin_closes_min  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE pss_flights (
    id               BIGSERIAL PRIMARY KEY,
    carrier          TEXT NOT NULL,
    number           INTEGER NOT NULL,
    suffix           TEXT NOT NULL DEFAULT '',
    flight_date      DATE NOT NULL,
    origin           TEXT NOT NULL,
    destination      TEXT NOT NULL,
    origin_zone      TEXT NOT NULL,
    destination_zone TEXT NOT NULL,
    departure        TIMESTAMPTZ NOT NULL,
    arrival          TIMESTAMPTZ NOT NULL,
    aircraft         TEXT NOT NULL DEFAULT '',
    gate             TEXT NOT NULL DEFAULT '',
    terminal         TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'scheduled',
    boarding_min     INTEGER NOT NULL DEFAULT 40,
    last_sequence    BIGINT NOT NULL DEFAULT 0,
    UNIQUE (carrier, number, flight_date)
);
CREATE INDEX pss_flights_by_departure ON pss_flights (departure);

CREATE TABLE pss_bookings (
    id               BIGSERIAL PRIMARY KEY,
    locator          TEXT NOT NULL UNIQUE,
    whatsapp_sealed  TEXT NOT NULL DEFAULT '',
    email_sealed     TEXT NOT NULL DEFAULT '',
    messenger_id     TEXT NOT NULL DEFAULT '',
    lang             TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX pss_bookings_by_messenger ON pss_bookings (messenger_id) WHERE messenger_id <> '';

CREATE TABLE pss_passengers (
    id            BIGSERIAL PRIMARY KEY,
    booking_id    BIGINT NOT NULL REFERENCES pss_bookings(id) ON DELETE CASCADE,
    pos           INTEGER NOT NULL,
    given         TEXT NOT NULL,
    surname       TEXT NOT NULL,
    title         TEXT NOT NULL DEFAULT '',
    pax_type      TEXT NOT NULL,
    ticket_number TEXT NOT NULL DEFAULT '',
    infant_of     BIGINT REFERENCES pss_passengers(id),
    UNIQUE (booking_id, pos)
);
CREATE UNIQUE INDEX pss_passengers_by_ticket ON pss_passengers (ticket_number) WHERE ticket_number <> '';

CREATE TABLE pss_segments (
    id            BIGSERIAL PRIMARY KEY,
    booking_id    BIGINT NOT NULL REFERENCES pss_bookings(id) ON DELETE CASCADE,
    flight_id     BIGINT NOT NULL REFERENCES pss_flights(id),
    cabin         TEXT NOT NULL,
    booking_class TEXT NOT NULL,
    status        TEXT NOT NULL,
    UNIQUE (booking_id, flight_id)
);
CREATE INDEX pss_segments_by_flight ON pss_segments (flight_id);

CREATE TABLE pss_seats (
    id           BIGSERIAL PRIMARY KEY,
    flight_id    BIGINT NOT NULL REFERENCES pss_flights(id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    seat_row     INTEGER NOT NULL,
    letter       TEXT NOT NULL,
    cabin        TEXT NOT NULL,
    is_window    BOOLEAN NOT NULL DEFAULT FALSE,
    is_aisle     BOOLEAN NOT NULL DEFAULT FALSE,
    is_exit      BOOLEAN NOT NULL DEFAULT FALSE,
    blocked      BOOLEAN NOT NULL DEFAULT FALSE,
    passenger_id BIGINT REFERENCES pss_passengers(id) ON DELETE SET NULL,
    segment_id   BIGINT REFERENCES pss_segments(id) ON DELETE SET NULL,
    UNIQUE (flight_id, code)
);
CREATE INDEX pss_seats_by_passenger ON pss_seats (passenger_id, segment_id) WHERE passenger_id IS NOT NULL;

CREATE TABLE pss_seat_assignments (
    id           BIGSERIAL PRIMARY KEY,
    passenger_id BIGINT NOT NULL REFERENCES pss_passengers(id) ON DELETE CASCADE,
    segment_id   BIGINT NOT NULL REFERENCES pss_segments(id) ON DELETE CASCADE,
    seat         TEXT NOT NULL,
    UNIQUE (passenger_id, segment_id)
);
CREATE INDEX pss_seat_assignments_by_segment ON pss_seat_assignments (segment_id);

CREATE TABLE pss_checkins (
    id              BIGSERIAL PRIMARY KEY,
    passenger_id    BIGINT NOT NULL REFERENCES pss_passengers(id) ON DELETE CASCADE,
    segment_id      BIGINT NOT NULL REFERENCES pss_segments(id) ON DELETE CASCADE,
    seat            TEXT NOT NULL DEFAULT '',
    sequence        INTEGER NOT NULL,
    checked_in_at   TIMESTAMPTZ NOT NULL,
    dangerous_goods BOOLEAN NOT NULL DEFAULT FALSE,
    idempotency_key TEXT NOT NULL DEFAULT '',
    UNIQUE (passenger_id, segment_id)
);
CREATE INDEX pss_checkins_by_segment ON pss_checkins (segment_id);

CREATE TABLE pss_documents (
    id               BIGSERIAL PRIMARY KEY,
    passenger_id     BIGINT NOT NULL REFERENCES pss_passengers(id) ON DELETE CASCADE,
    -- NULL for a document given for the whole booking rather than one segment.
    segment_id       BIGINT REFERENCES pss_segments(id) ON DELETE CASCADE,
    doc_type         TEXT NOT NULL,
    number_sealed    TEXT NOT NULL,
    nationality      TEXT NOT NULL,
    issuing_country  TEXT NOT NULL,
    expiry           DATE NOT NULL,
    birth_date_sealed TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX pss_documents_by_passenger ON pss_documents (passenger_id, segment_id);

CREATE TABLE pss_checkin_requests (
    idempotency_key TEXT PRIMARY KEY,
    fingerprint     TEXT NOT NULL,
    result          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE pss_checkin_requests;
DROP TABLE pss_documents;
DROP TABLE pss_checkins;
DROP TABLE pss_seat_assignments;
DROP TABLE pss_seats;
DROP TABLE pss_segments;
DROP TABLE pss_passengers;
DROP TABLE pss_bookings;
DROP TABLE pss_flights;
DROP TABLE pss_airlines;
