package domain

import (
	"context"
	"time"
)

// PaymentStatus is where a payment stands at the provider.
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending  PaymentStatus = "pending"
	PaymentPaid     PaymentStatus = "paid"
	PaymentFailed   PaymentStatus = "failed"
	PaymentExpired  PaymentStatus = "expired"
	PaymentRefunded PaymentStatus = "refunded"
)

// PaymentRequest asks a provider for a hosted payment page. Card data never passes
// through Skybridge: the traveller pays on the provider's page.
type PaymentRequest struct {
	// IdempotencyKey makes a retried request return the same link.
	IdempotencyKey string
	// Reference is Skybridge's id of what is paid for (an order or a change), echoed
	// back in the provider's events.
	Reference   string
	Description string
	Amount      Money
	Lang        Lang
	// ExpiresAt is when the link stops accepting payment (the offer's expiry).
	ExpiresAt time.Time
	// ReturnURL is where the provider sends the traveller when done.
	ReturnURL string
}

// PaymentLink is a hosted payment page for one request.
type PaymentLink struct {
	// ProviderRef is the provider's id of the checkout (a Stripe Checkout Session id).
	ProviderRef string
	URL         string
	ExpiresAt   time.Time
}

// PaymentEvent is what a provider's webhook tells, once its signature is verified.
type PaymentEvent struct {
	// ID is the provider's event id: the same event delivered twice has the same ID.
	ID          string
	ProviderRef string
	Reference   string
	Status      PaymentStatus
	Amount      Money
	// PaymentID identifies the captured payment (Stripe's PaymentIntent id), what a
	// refund refers to.
	PaymentID string
	At        time.Time
}

// RefundRequest returns money to the traveller.
type RefundRequest struct {
	IdempotencyKey string
	PaymentID      string
	Amount         Money
	Reason         string
}

// Refund is a refund the provider accepted.
type Refund struct {
	ID     string
	Amount Money
}

// Payments is a payment provider with hosted pages. Implementations: Stripe Checkout
// and the built-in demo provider.
type Payments interface {
	// CreateLink creates a hosted payment page. A retried request with the same
	// idempotency key returns the same link.
	CreateLink(ctx context.Context, req PaymentRequest) (PaymentLink, error)
	// Refund refunds a captured payment, fully or partly; idempotent by key.
	Refund(ctx context.Context, req RefundRequest) (Refund, error)
	// ParseEvent verifies a webhook's signature over the raw body and decodes it.
	// A bad signature is a Forbidden error; an event of a kind that does not concern
	// payments returns ok=false.
	ParseEvent(payload []byte, header map[string][]string) (ev PaymentEvent, ok bool, err error)
}
