// Package demopay is the built-in payment provider of the embedded default: it
// serves its own hosted payment page, so that a newcomer can complete an order in
// the browser without a payment account. The page shows what is paid for and the
// amount, with "Pay" and "Decline" buttons and no card fields: no card data ever
// passes through Skybridge, with this provider or a real one.
//
// Checkouts and refunds live in the database (demo_checkouts, demo_refunds), so a
// link works on every instance and after a restart. Paying, declining, expiry and
// refunds become domain.PaymentEvents handed to the same sink that Stripe's
// verified webhook feeds, with ids derived from the checkout, so a delivery retried
// after a crash is recognised as the same event. The events can also travel over
// HTTP, signed like Stripe's (Skybridge-Signature: t=…,v1=… over "t.payload"),
// and ParseEvent verifies them.
package demopay
