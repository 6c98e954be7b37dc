package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	demopay "github.com/skybridge/skybridge/integrations/payments/demo"
	stripepay "github.com/skybridge/skybridge/integrations/payments/stripe"
	"github.com/skybridge/skybridge/integrations/store"
)

var (
	_ domain.Payments     = (*stripepay.Client)(nil)
	_ domain.Payments     = (*demopay.Provider)(nil)
	_ api.PaymentVerifier = (*stripepay.Client)(nil)
	_ api.PaymentVerifier = (*demopay.Provider)(nil)
	_ api.PaymentSink     = (*store.Store)(nil)
	_ demopay.Sink        = (*store.Store)(nil)
	_ flows.PaymentLedger = ledger{}
)

// PaymentsConfig chooses the payment provider.
type PaymentsConfig struct {
	// Provider is demo (the built-in page, the default), stripe or off
	// (SKYBRIDGE_PAYMENTS).
	Provider string
	// Stripe's secret API key and webhook signing secret
	// (SKYBRIDGE_STRIPE_SECRET_KEY, SKYBRIDGE_STRIPE_WEBHOOK_SECRET), both
	// required with stripe; URL is its API (SKYBRIDGE_STRIPE_URL, default
	// https://api.stripe.com; tests point it at a fake).
	StripeSecretKey     string
	StripeWebhookSecret string
	StripeURL           string
}

// loadPayments reads and checks the payment settings.
func loadPayments(getenv func(string) string) (PaymentsConfig, []string) {
	p := PaymentsConfig{
		Provider:            strings.ToLower(or(getenv("SKYBRIDGE_PAYMENTS"), "demo")),
		StripeSecretKey:     strings.TrimSpace(getenv("SKYBRIDGE_STRIPE_SECRET_KEY")),
		StripeWebhookSecret: strings.TrimSpace(getenv("SKYBRIDGE_STRIPE_WEBHOOK_SECRET")),
		StripeURL:           strings.TrimRight(or(getenv("SKYBRIDGE_STRIPE_URL"), stripepay.DefaultURL), "/"),
	}
	var problems []string
	switch p.Provider {
	case "demo", "off":
	case "stripe":
		if !strings.HasPrefix(p.StripeSecretKey, "sk_") && !strings.HasPrefix(p.StripeSecretKey, "rk_") {
			problems = append(problems, "SKYBRIDGE_STRIPE_SECRET_KEY: required with SKYBRIDGE_PAYMENTS=stripe: the secret key (sk_…) or a restricted key (rk_…), never the publishable pk_…")
		}
		if !strings.HasPrefix(p.StripeWebhookSecret, "whsec_") {
			problems = append(problems, "SKYBRIDGE_STRIPE_WEBHOOK_SECRET: required with SKYBRIDGE_PAYMENTS=stripe: the webhook endpoint's signing secret (whsec_…)")
		}
	default:
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_PAYMENTS: %q is not demo, stripe or off", p.Provider))
	}
	if !strings.HasPrefix(p.StripeURL, "http://") && !strings.HasPrefix(p.StripeURL, "https://") {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_STRIPE_URL: %q is not an http(s) URL", p.StripeURL))
	}
	return p, problems
}

// payments is the wired payment provider: what the flows call, the webhooks the
// api verifies, and the demo provider's pages.
type payments struct {
	name     string
	provider domain.Payments // nil when payments are off
	webhooks map[string]api.PaymentVerifier
	pages    http.Handler
	demo     *demopay.Provider
	ledger   flows.PaymentLedger
}

// newPayments builds the configured provider. The demo provider hands its
// outcomes straight to the store — the sink Stripe's verified webhook feeds —
// rather than POSTing them to this service's own public URL, which an instance
// cannot always reach (TLS at the load balancer, an intake-only instance, a
// private address): the event is born in this process from a guarded database
// change, so there is no network hop to authenticate. Its signed webhook is
// served too, for events sent from elsewhere.
func newPayments(cfg Config, st *store.Store, sealer *domain.Sealer, db *database.DB, now func() time.Time, log *slog.Logger) *payments {
	p := &payments{name: cfg.Payments.Provider, webhooks: map[string]api.PaymentVerifier{}}
	switch cfg.Payments.Provider {
	case "stripe":
		c := stripepay.New(stripepay.Config{SecretKey: cfg.Payments.StripeSecretKey, WebhookSecret: cfg.Payments.StripeWebhookSecret,
			URL: cfg.Payments.StripeURL, ReturnURL: cfg.PublicURL, Now: now})
		p.provider, p.webhooks["stripe"] = c, c
		log.Info("payments enabled", "provider", "stripe", "api", cfg.Payments.StripeURL,
			"webhook", cfg.PublicURL+"/webhooks/payments/stripe")
	case "demo":
		d := demopay.New(demopay.Config{DB: db, PageURL: cfg.PublicURL + "/pay", Secret: sealer.MACKeys("demo-payments")[0],
			Sink: st, Now: now, Log: log})
		p.provider, p.webhooks["demo"], p.pages, p.demo = d, d, d.Handler(), d
		log.Info("payments enabled", "provider", "demo", "pages", cfg.PublicURL+"/pay/")
	default:
		log.Info("payments off: extras and paid changes are not offered; set SKYBRIDGE_PAYMENTS to demo or stripe")
		return p
	}
	p.ledger = ledger{st: st, provider: cfg.Payments.Provider}
	return p
}

// run expires the demo provider's overdue checkouts (and retries undelivered
// outcomes) every minute until ctx ends. Every instance may run it: settling is
// guarded in SQL and event ids are stable.
func (p *payments) run(ctx context.Context, every time.Duration, log *slog.Logger) {
	if p.demo == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := p.demo.ExpireDue(ctx); err != nil && ctx.Err() == nil {
				log.Warn("demo payments: expiry", "err", err)
			}
		}
	}
}

// ledger records the flows' payments in the store.
type ledger struct {
	st       *store.Store
	provider string
}

// RecordPayment stores a new pending payment; the same reference again is a
// no-op.
func (l ledger) RecordPayment(ctx context.Context, r flows.PaymentRecord) error {
	_, err := l.st.CreatePayment(ctx, store.Payment{Reference: r.Reference, Kind: store.PaymentKind(r.Kind),
		ConversationID: r.ConversationID, Provider: l.provider, ProviderRef: r.ProviderRef, Amount: r.Amount,
		ExpiresAt: r.ExpiresAt})
	return err
}

// PaymentByReference returns a recorded payment; ok is false when there is none.
func (l ledger) PaymentByReference(ctx context.Context, reference string) (flows.PaymentRecord, bool, error) {
	p, err := l.st.PaymentByReference(ctx, reference)
	if domain.IsCode(err, domain.NotFound) {
		return flows.PaymentRecord{}, false, nil
	}
	if err != nil {
		return flows.PaymentRecord{}, false, err
	}
	return flows.PaymentRecord{Reference: p.Reference, Kind: string(p.Kind), ConversationID: p.ConversationID,
		ProviderRef: p.ProviderRef, Amount: p.Amount, ExpiresAt: p.ExpiresAt, Status: p.Status, PaymentID: p.PaymentID}, true, nil
}
