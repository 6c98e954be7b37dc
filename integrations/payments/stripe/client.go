package stripepay

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/skybridge/skybridge/domain"
)

// DefaultURL is Stripe's API.
const DefaultURL = "https://api.stripe.com"

// Config configures the client.
type Config struct {
	// SecretKey is the account's secret API key ("sk_live_…", "sk_test_…").
	SecretKey string
	// WebhookSecret is the signing secret of the webhook endpoint ("whsec_…").
	WebhookSecret string
	// URL is the API's base URL; default DefaultURL.
	URL string
	// ReturnURL is where the traveller goes after paying or cancelling when a
	// request names none.
	ReturnURL string
	// Tolerance is how old a webhook's signed timestamp may be; default 5
	// minutes, Stripe's recommendation against replays.
	Tolerance time.Duration
	// HTTPClient makes the calls; default a client with a 20 s timeout.
	HTTPClient *http.Client
	// Retries is how often the SDK retries a call that failed on the network or
	// with a retryable status, with the same idempotency key; default 2.
	Retries int64
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Client is a domain.Payments on Stripe Checkout. It is safe for concurrent use.
type Client struct {
	sc  *stripe.Client
	cfg Config
}

// New returns a client for one Stripe account. It uses a client of its own, never
// the SDK's global key and backends.
func New(cfg Config) *Client {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = 5 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	backend := stripe.GetBackendWithConfig(stripe.APIBackend, &stripe.BackendConfig{
		URL:               stripe.String(cfg.URL),
		HTTPClient:        cfg.HTTPClient,
		MaxNetworkRetries: stripe.Int64(cfg.Retries),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	})
	sc := stripe.NewClient(cfg.SecretKey, stripe.WithBackends(&stripe.Backends{
		API: backend, Connect: backend, Uploads: backend, MeterEvents: backend,
	}))
	return &Client{sc: sc, cfg: cfg}
}

// Stripe's bounds on a Checkout Session's expires_at, from its creation.
const (
	minExpiry = 30 * time.Minute
	maxExpiry = 24 * time.Hour
)

// expiresAt is the expires_at to send for a link that should end at want, or 0 to
// let Stripe end it after 24 hours. An expiry beyond Stripe's maximum is left to
// that default and one closer than its minimum is raised to it (raised), with a
// minute's margin for the request's travel, rounded up to the minute.
func expiresAt(want, now time.Time) (at int64, raised bool) {
	if want.IsZero() || want.After(now.Add(maxExpiry-time.Minute)) {
		return 0, false
	}
	if floor := now.Add(minExpiry + time.Minute); want.Before(floor) {
		return floor.Truncate(time.Minute).Add(time.Minute).Unix(), true
	}
	return want.Unix(), false
}

// locales maps Skybridge's languages to Stripe Checkout's locales; the others get
// "auto" (the traveller's browser language).
var locales = map[domain.Lang]string{
	"en": "en", "fr": "fr", "nl": "nl", "de": "de", "es": "es", "pt": "pt", "it": "it", "pl": "pl", "tr": "tr", "zh": "zh",
}

func locale(l domain.Lang) string {
	if s, ok := locales[l]; ok {
		return s
	}
	return "auto"
}

// CreateLink creates a Checkout Session in payment mode with one line item of
// the request's amount, echoing the reference as client_reference_id and in the
// metadata of the session and of its PaymentIntent (so that refund events carry
// it too).
func (c *Client) CreateLink(ctx context.Context, req domain.PaymentRequest) (domain.PaymentLink, error) {
	const op = "create stripe checkout"
	if req.IdempotencyKey == "" || req.Reference == "" || req.Amount.Minor <= 0 || req.Amount.Currency == "" {
		return domain.PaymentLink{}, domain.Errorf(domain.Invalid, op, "idempotency key, reference and a positive amount are required")
	}
	name := req.Description
	if name == "" {
		name = req.Reference
	}
	meta := map[string]string{"reference": req.Reference}
	p := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(req.Reference),
		Metadata:          meta,
		Locale:            stripe.String(locale(req.Lang)),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(string(req.Amount.Currency))),
				UnitAmount:  stripe.Int64(req.Amount.Minor),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(name)},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: meta},
	}
	if ret := or(req.ReturnURL, c.cfg.ReturnURL); ret != "" {
		p.SuccessURL = stripe.String(ret)
		p.CancelURL = stripe.String(ret)
	}
	key := req.IdempotencyKey
	if at, raised := expiresAt(req.ExpiresAt, c.cfg.Now()); at != 0 {
		p.ExpiresAt = stripe.Int64(at)
		if raised {
			// A raised expiry depends on the time of the request, and Stripe
			// refuses a key sent again with other parameters: the key names the
			// expiry too. A retry within the minute gets the same session; a later
			// one a new session, while the first, whose link nobody was shown,
			// expires unused.
			key += ":exp" + strconv.FormatInt(at, 10)
		}
	}
	p.SetIdempotencyKey(key)
	cs, err := c.sc.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return domain.PaymentLink{}, wrap(op, req.Reference, err)
	}
	return domain.PaymentLink{ProviderRef: cs.ID, URL: cs.URL, ExpiresAt: time.Unix(cs.ExpiresAt, 0).UTC()}, nil
}

// Refund refunds a PaymentIntent, fully when the amount is zero. The reason goes
// into the refund's metadata (Stripe's own reason field takes three fixed values).
func (c *Client) Refund(ctx context.Context, req domain.RefundRequest) (domain.Refund, error) {
	const op = "refund stripe payment"
	if req.IdempotencyKey == "" || req.PaymentID == "" || req.Amount.Minor < 0 {
		return domain.Refund{}, domain.Errorf(domain.Invalid, op, "idempotency key and payment id are required")
	}
	p := &stripe.RefundCreateParams{PaymentIntent: stripe.String(req.PaymentID)}
	if req.Amount.Minor > 0 {
		p.Amount = stripe.Int64(req.Amount.Minor)
	}
	if req.Reason != "" {
		p.Metadata = map[string]string{"reason": req.Reason}
	}
	p.SetIdempotencyKey(req.IdempotencyKey)
	r, err := c.sc.V1Refunds.Create(ctx, p)
	if err != nil {
		return domain.Refund{}, wrap(op, req.PaymentID, err)
	}
	return domain.Refund{ID: r.ID, Amount: domain.NewMoney(r.Amount, domain.Currency(strings.ToUpper(string(r.Currency))))}, nil
}

// wrap turns an SDK error into a domain error: the same idempotency key with other
// parameters is a Conflict, a missing object NotFound, a refused request Invalid,
// and Stripe being unreachable or failing Unavailable.
func wrap(op, what string, err error) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return domain.Errorf(domain.Unavailable, op, "%s: %v", what, err)
	}
	switch {
	case se.Type == stripe.ErrorTypeIdempotency:
		return domain.Errorf(domain.Conflict, op, "%s: %s", what, se.Msg)
	case se.HTTPStatusCode == http.StatusNotFound:
		return domain.Errorf(domain.NotFound, op, "%s: %s", what, se.Msg)
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		return domain.Errorf(domain.Internal, op, "%s: stripe refused the API key: %s", what, se.Msg)
	case se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode >= 500 || se.HTTPStatusCode == 0:
		return domain.Errorf(domain.Unavailable, op, "%s: %s", what, se.Msg)
	}
	return domain.Errorf(domain.Invalid, op, "%s: %s (%s)", what, se.Msg, se.Code)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
