// Package pss is Skybridge's built-in demo booking system: reservations, flights,
// seat maps and check-in kept in the application's own database (the pss_ tables),
// so that a newcomer can try every flow without an airline's passenger service system.
//
// Demo implements domain.BookingSystem, domain.Changes, domain.Ancillaries and
// domain.Manifest (who is booked on a
// flight and how to reach them, read a page at a time in three queries through
// pss_segments_by_flight, for flight-status notifications). AirportZone dates
// flights for the flight-status adapters. Import loads a JSON document (described by
// import.schema.json and IMPORT.md) with an airline, its flights and seat layouts and
// its bookings; it validates everything first and writes all or nothing. demo.json is
// such a document for the fictional Skybridge Air (SB): loaded with LoadDemoIfEmpty,
// its times move with the clock so that there is always a flight to check in for.
//
// Fares and extras (fares.go): carriers sell fare brands whose rules decide changes
// and refunds; flights have a base fare per cabin; segments keep the fare they were
// sold at. Offers of extras and priced alternatives are stored with an expiry so that
// a basket or a reissue is checked against exactly what was quoted. Every mutation of
// a booking (fulfil, reissue, cancel) takes the booking's row lock first and records
// its result under its idempotency key in the same transaction, so that retries and
// concurrent attempts from several instances act once.
//
// Airports come from a curated list compiled into the binary (airports.csv), with IANA
// time zones read from the embedded tz database so that local times never depend on
// the host.
package pss
