// Package fake is a booking system that speaks the REST contract of
// ../openapi.yaml from memory, for tests and measurements of the pssrest client: a
// small airline (AMS-LHR several times a day, AMS-CDG) with a few bookings, and
// faults to inject — latency, no answer at all, a share of calls failing with a
// chosen status.
package fake
