// Package telemetry is Skybridge's production observability: Prometheus metrics
// on a registry of their own (inbound events, turns, deliveries, retries, queue
// depth, push lag, outside calls, circuit breakers), the /metrics handler with its
// optional bearer token, an instrumented decorator of domain.BookingSystem, and a
// log/slog handler that adds the attributes carried in a context (request id,
// conversation) to every record logged with it.
//
// The packages that emit metrics declare the small interface they need
// (flows.Metrics, api.Metrics); *Metrics implements them, and cmd/skybridge wires
// it. Recording is a map look-up and an atomic add: cheap enough for every turn.
package telemetry
