-- +goose Up
-- A seat chosen in a priced basket of extras is held for its passenger until the
-- offer expires: nobody else can choose or be given it meanwhile. Paying turns the
-- hold into the passenger's seat; an expired hold is ignored and replaced by the
-- next one on the same seat.
CREATE TABLE pss_seat_holds (
    flight_id    INTEGER NOT NULL REFERENCES pss_flights(id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    passenger_id INTEGER NOT NULL REFERENCES pss_passengers(id) ON DELETE CASCADE,
    segment_id   INTEGER NOT NULL REFERENCES pss_segments(id) ON DELETE CASCADE,
    offer_id     TEXT NOT NULL,
    expires_at   DATETIME NOT NULL,
    PRIMARY KEY (flight_id, code)
);
CREATE INDEX pss_seat_holds_by_passenger ON pss_seat_holds (passenger_id, segment_id);

-- +goose Down
DROP TABLE pss_seat_holds;
