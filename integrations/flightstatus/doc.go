// Package flightstatus gives Skybridge the status of an airline's flights: two
// implementations of domain.FlightStatusSource, polled by the flight-update flows.
//
// Client polls a REST provider whose contract, openapi.yaml, is shaped like
// FlightAware AeroAPI v4's GET /operators/{carrier_iata}/flights (airline.md §3.2):
// it follows links.next up to a page limit, bounds every request with a timeout,
// retries 429, 5xx, network errors and timeouts with exponential backoff and
// jitter, honouring Retry-After, and maps each flight to the canonical
// domain.FlightStatusReport (source "poll:rest"): the key's date is the scheduled
// departure's date at the origin, read through the configured airport zones; the
// phase comes from the cancelled and diverted flags, then the actual gate times
// (in: arrived, out: departed), then the status text where it says "Boarding" or
// "Gate Closed", else scheduled. Errors carry domain.Unavailable; a refused API key
// is ErrKeyRefused. Subpackage fake (package flightstatusfake) serves the same
// contract for tests.
//
// Simulator is the demo airline's source (source "demo"): it gives every flight
// the booking system schedules a status that evolves with the clock,
// deterministically from a hash of the flight's key and a seed, so that every
// instance and every poll agree and a restart changes nothing. With
// DefaultProportions:
//
//   - 20% of the flights are delayed by 15 to 120 minutes, told 1 to 4 hours
//     before departure (at least half an hour before boarding would start); 30%
//     of those grow once, by 15 to 60 minutes, half-way to boarding.
//   - A flight without a gate in the schedule gets one about 2 hours before
//     departure; 10% of the flights change gate about an hour before, always
//     before boarding.
//   - 3% are cancelled about 5 hours before departure (4h30 to 5h30); a tenth of
//     those are reinstated 60 to 90 minutes later, leaving 30 to 90 minutes late.
//     A flight the booking system has cancelled is cancelled throughout.
//   - Boarding runs from the flight's boarding time (departure less BoardingMin,
//     40 minutes when unset, moved by any delay) to 15 minutes before departure,
//     the gate is closed until departure, the flight is departed until its
//     arrival, then arrived with a baggage belt.
//
// Diversions and early departures are not simulated. Every proportion is
// configurable (Proportions); the other flights run to schedule.
package flightstatus
