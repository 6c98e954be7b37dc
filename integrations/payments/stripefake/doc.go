// Package stripefake is a local fake of the parts of Stripe's API that Skybridge
// uses, speaking Stripe's wire format, for tests and manual runs without Stripe.
//
// It serves POST /v1/checkout/sessions (form-encoded with nested keys such as
// line_items[0][price_data][unit_amount]), GET /v1/checkout/sessions/{id} and
// POST /v1/refunds, authenticated with the secret key as a Bearer token. Answers
// are JSON objects shaped like Stripe's, errors are Stripe's error envelope
// ({"error":{"type":"invalid_request_error","message":…}}) with its HTTP status.
// The Idempotency-Key header is honoured as Stripe does: the same key with the
// same parameters replays the first answer (Idempotent-Replayed: true), the same
// key with other parameters is refused with a 400 idempotency_error.
//
// Test hooks play the traveller and Stripe's event delivery: Complete, Expire and
// AsyncResult change a session and POST the event Stripe would send to the
// configured webhook URL, signed the way Stripe signs (Stripe-Signature:
// t=<unix>,v1=<hex HMAC-SHA256 of "t.payload" under the webhook secret>); a
// refund sends charge.refunded; Deliver sends any event again, as Stripe's
// retries do. Everything is kept in memory.
package stripefake
