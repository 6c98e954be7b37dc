// Package stripepay takes payments with Stripe Checkout through Stripe's official
// Go SDK: a hosted Checkout Session per payment (card data never passes through
// Skybridge), refunds on the PaymentIntent, and the verification and reading of
// Stripe's webhook events. Every creating call carries an idempotency key, so a
// retried turn gets the same session and a retried refund refunds once. The API's
// base URL is configurable, which is how tests point it at stripefake.
package stripepay
