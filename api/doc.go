// Package api is Skybridge's HTTP edge (gin): the web chat (page, message intake,
// server-sent events), boarding-pass downloads, and health checks. It verifies and
// bounds what comes in, stores an inbound message before acknowledging it, and maps
// domain error codes to HTTP statuses — nowhere else knows about HTTP.
package api
