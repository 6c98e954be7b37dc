// Package flightstatusfake is a fake flight-status provider serving the contract of
// integrations/flightstatus/openapi.yaml (FlightAware AeroAPI v4's
// GET /operators/{carrier_iata}/flights), for testing and demonstrating the REST
// adapter without a provider.
//
// A Server is an http.Handler: serve it with httptest.NewServer or any
// http.Server. Tests put canonical reports in with Set or SetMany; the fake
// answers them in the provider's shape (times in UTC, nulls for what is unknown,
// an AeroAPI-like status text), checks the x-apikey header, paginates with an
// opaque cursor (PageSize flights a page) and counts every request. Faults are
// injected at run time: FailNext answers the next requests with an error status
// (500, 429 with Retry-After, …), SetLatency delays every answer.
//
// The fake keeps everything in memory and is safe for concurrent use.
package flightstatusfake
