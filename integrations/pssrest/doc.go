// Package pssrest is the adapter for an external booking system that speaks the REST
// contract in openapi.yaml. Client implements domain.BookingSystem, domain.Changes
// and domain.Ancillaries over HTTP.
//
// A traveller waits for the answer, so every call is bounded: Config.Timeout (4.5 s
// by default) covers the whole call, retries included, and a circuit breaker
// (github.com/sony/gobreaker/v2) fails calls at once with a domain Unavailable error
// while the booking system is down, so that the flows can say "try again shortly"
// instead of hanging.
//
// Retries follow idempotency. GETs have no effect and are retried. Mutations are
// retried only because each carries an Idempotency-Key header that the contract
// obliges the server to apply once: the domain request's own key (check-in,
// reissue, cancellation, fulfilment), or a key made once per call for pricing a
// basket, the same on every attempt. The client refuses to send a mutation without a
// key rather than send one it could not retry safely. Retries happen after transport
// errors, 429 and 5xx answers, with jittered exponential backoff (honouring
// Retry-After when it fits the budget); 4xx answers are the booking system's verdict
// and become domain errors without a retry.
//
// The fake sub-package implements the contract in memory with fault injection
// (latency, no answer, a share of failed calls) for tests and measurements.
package pssrest
