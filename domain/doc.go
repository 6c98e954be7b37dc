// Package domain holds Skybridge's entities and value types (bookings, passengers,
// flights, conversations, messages), the domain errors, the check-in policy and the
// ports that the domain consumes (the booking system, the boarding-pass renderer).
//
// It imports the standard library only; adapters in integrations implement its ports
// and cmd wires them together.
package domain
