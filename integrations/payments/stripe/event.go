package stripepay

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/skybridge/skybridge/domain"
)

// stripeEvent is the part of a Stripe event Skybridge reads. Only fields stable
// across API versions are read, so an endpoint pinned to another API version than
// the SDK's still works.
type stripeEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object eventObject `json:"object"`
	} `json:"data"`
}

// eventObject holds the fields read from a checkout.session or a charge.
type eventObject struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	ClientReferenceID string            `json:"client_reference_id"`
	Metadata          map[string]string `json:"metadata"`
	PaymentStatus     string            `json:"payment_status"`
	AmountTotal       int64             `json:"amount_total"`
	AmountRefunded    int64             `json:"amount_refunded"`
	Currency          string            `json:"currency"`
	PaymentIntent     json.RawMessage   `json:"payment_intent"` // an id, or the expanded object
}

func (o eventObject) paymentIntent() string {
	var id string
	if json.Unmarshal(o.PaymentIntent, &id) == nil {
		return id
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(o.PaymentIntent, &obj) == nil {
		return obj.ID
	}
	return ""
}

func (o eventObject) reference() string {
	if o.ClientReferenceID != "" {
		return o.ClientReferenceID
	}
	return o.Metadata["reference"]
}

// ParseEvent verifies the Stripe-Signature header over the raw body (signing
// secret, timestamp within the tolerance) before reading anything, then maps the
// event: checkout.session.completed is paid when its payment_status says so and
// pending when an asynchronous payment method is still settling;
// async_payment_succeeded / _failed settle it; checkout.session.expired is
// expired; charge.refunded is refunded (Amount is the total refunded so far).
// Other event types return ok=false.
func (c *Client) ParseEvent(payload []byte, header map[string][]string) (domain.PaymentEvent, bool, error) {
	const op = "parse stripe event"
	sig := http.Header(header).Get("Stripe-Signature")
	if c.cfg.WebhookSecret == "" {
		return domain.PaymentEvent{}, false, domain.Errorf(domain.Forbidden, op, "no webhook signing secret configured")
	}
	if err := webhook.ValidatePayloadWithTolerance(payload, sig, c.cfg.WebhookSecret, c.cfg.Tolerance); err != nil {
		return domain.PaymentEvent{}, false, domain.Errorf(domain.Forbidden, op, "%v", err)
	}
	var e stripeEvent
	if err := json.Unmarshal(payload, &e); err != nil || e.ID == "" {
		return domain.PaymentEvent{}, false, domain.Errorf(domain.Invalid, op, "signed body is not a Stripe event")
	}
	obj := e.Data.Object
	ev := domain.PaymentEvent{
		ID: e.ID, Reference: obj.reference(), PaymentID: obj.paymentIntent(),
		At: time.Unix(e.Created, 0).UTC(),
	}
	cur := domain.Currency(strings.ToUpper(obj.Currency))
	switch e.Type {
	case "checkout.session.completed":
		ev.Status = domain.PaymentPending
		if obj.PaymentStatus == "paid" || obj.PaymentStatus == "no_payment_required" {
			ev.Status = domain.PaymentPaid
		}
	case "checkout.session.async_payment_succeeded":
		ev.Status = domain.PaymentPaid
	case "checkout.session.async_payment_failed":
		ev.Status = domain.PaymentFailed
	case "checkout.session.expired":
		ev.Status = domain.PaymentExpired
	case "charge.refunded":
		ev.Status = domain.PaymentRefunded
		ev.Amount = domain.NewMoney(obj.AmountRefunded, cur)
		return ev, true, nil
	default:
		return domain.PaymentEvent{}, false, nil
	}
	ev.ProviderRef = obj.ID
	ev.Amount = domain.NewMoney(obj.AmountTotal, cur)
	return ev, true, nil
}
