package stripepay_test

import (
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	stripepay "github.com/skybridge/skybridge/integrations/payments/stripe"
	"github.com/skybridge/skybridge/integrations/payments/stripefake"
)

var _ domain.Payments = (*stripepay.Client)(nil)

type bundle struct {
	fake   *stripefake.Server
	client *stripepay.Client
	now    time.Time
}

func setup(t *testing.T) *bundle {
	t.Helper()
	now := time.Now()
	fake, err := stripefake.Start(stripefake.Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	c := stripepay.New(stripepay.Config{SecretKey: fake.SecretKey(), WebhookSecret: fake.WebhookSecret(), URL: fake.URL(),
		ReturnURL: "https://chat.example-airline.com/paid", Now: func() time.Time { return now }})
	return &bundle{fake: fake, client: c, now: now}
}

func request(b *bundle, key string) domain.PaymentRequest {
	return domain.PaymentRequest{IdempotencyKey: key, Reference: "order-7-42", Description: "1 checked bag, SB1234",
		Amount: domain.NewMoney(4550, "EUR"), Lang: "fr", ExpiresAt: b.now.Add(2 * time.Hour)}
}

func TestCreateLinkMakesOneCheckoutSessionPerIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	first, err := b.client.CreateLink(ctx, request(b, "link:order-7-42"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.client.CreateLink(ctx, request(b, "link:order-7-42"))
	if err != nil {
		t.Fatal(err)
	}
	if first.ProviderRef == "" || again != first {
		t.Fatalf("retry returned %+v, first %+v: want the same session", again, first)
	}
	if !strings.HasPrefix(first.URL, b.fake.URL()+"/c/pay/cs_test_") {
		t.Fatalf("link URL %q", first.URL)
	}
	if want := b.now.Add(2 * time.Hour).Truncate(time.Second); !first.ExpiresAt.Equal(want) {
		t.Fatalf("link expires %v, want %v", first.ExpiresAt, want)
	}
	cs, ok := b.fake.Session(first.ProviderRef)
	if !ok || cs.Amount != 4550 || cs.Currency != "eur" || cs.Reference != "order-7-42" || cs.Locale != "fr" ||
		cs.Name != "1 checked bag, SB1234" || cs.Metadata["reference"] != "order-7-42" {
		t.Fatalf("session at Stripe = %+v", cs)
	}
	reqs := b.fake.Requests()
	if len(reqs) != 2 || reqs[0].IdempotencyKey != "link:order-7-42" || reqs[1].IdempotencyKey != "link:order-7-42" {
		t.Fatalf("requests = %+v", reqs)
	}
	if got := reqs[0].Form.Get("line_items[0][price_data][unit_amount]"); got != "4550" {
		t.Fatalf("unit_amount sent %q", got)
	}

	// The same key for another payment is Stripe's idempotency error: a conflict.
	other := request(b, "link:order-7-42")
	other.Amount = domain.NewMoney(9900, "EUR")
	if _, err := b.client.CreateLink(ctx, other); !domain.IsCode(err, domain.Conflict) {
		t.Fatalf("same key, other amount: err = %v, want conflict", err)
	}
	// A new key is a new session.
	second, err := b.client.CreateLink(ctx, request(b, "link:order-7-43"))
	if err != nil || second.ProviderRef == first.ProviderRef {
		t.Fatalf("new key: %+v %v, want a new session", second, err)
	}
}

func TestCreateLinkKeepsExpiryWithinStripesBounds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		in       time.Duration // from now; 0 = none
		min, max time.Duration
	}{
		{"offer ends in 5 minutes: Stripe's 30-minute minimum", 5 * time.Minute, 30 * time.Minute, 33 * time.Minute},
		{"offer ends in 3 hours", 3 * time.Hour, 3 * time.Hour, 3 * time.Hour},
		{"offer ends in 3 days: Stripe's 24 hours", 72 * time.Hour, 24 * time.Hour, 24 * time.Hour},
		{"no end given", 0, 24 * time.Hour, 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			req := request(b, "k")
			req.ExpiresAt = time.Time{}
			if tc.in > 0 {
				req.ExpiresAt = b.now.Add(tc.in)
			}
			link, err := b.client.CreateLink(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			d := link.ExpiresAt.Sub(b.now.Truncate(time.Second))
			if d < tc.min || d > tc.max {
				t.Fatalf("link lives %v, want %v to %v", d, tc.min, tc.max)
			}
		})
	}
}

func TestCreateLinkLocale(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for lang, want := range map[domain.Lang]string{"nl": "nl", "pt": "pt", "ar": "auto", "hi": "auto", "": "auto"} {
		req := request(b, "k-"+string(lang))
		req.Lang = lang
		link, err := b.client.CreateLink(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if cs, _ := b.fake.Session(link.ProviderRef); cs.Locale != want {
			t.Errorf("lang %q: locale %q, want %q", lang, cs.Locale, want)
		}
	}
}

func TestRefundIsIdempotent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	link, err := b.client.CreateLink(ctx, request(b, "k"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.fake.Complete(link.ProviderRef, true); err != nil {
		t.Fatal(err)
	}
	cs, _ := b.fake.Session(link.ProviderRef)
	req := domain.RefundRequest{IdempotencyKey: "refund:order-7-42", PaymentID: cs.PaymentIntent,
		Amount: domain.NewMoney(1000, "EUR"), Reason: "offer expired"}
	r1, err := b.client.Refund(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := b.client.Refund(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID == "" || r2 != r1 || r1.Amount != domain.NewMoney(1000, "EUR") {
		t.Fatalf("refunds %+v and %+v, want one of EUR 10.00", r1, r2)
	}
	if cs, _ := b.fake.Session(link.ProviderRef); cs.Refunded != 1000 {
		t.Fatalf("refunded at Stripe %d, want 1000 once", cs.Refunded)
	}
	full, err := b.client.Refund(ctx, domain.RefundRequest{IdempotencyKey: "refund:rest", PaymentID: cs.PaymentIntent})
	if err != nil || full.Amount.Minor != 3550 {
		t.Fatalf("refund of the rest = %+v %v, want 3550", full, err)
	}
	if _, err := b.client.Refund(ctx, domain.RefundRequest{IdempotencyKey: "refund:x", PaymentID: "pi_unknown"}); !domain.IsCode(err, domain.NotFound) {
		t.Fatalf("unknown payment: %v, want not found", err)
	}
}

func TestWrongSecretKeyIsNotAPaymentError(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := stripepay.New(stripepay.Config{SecretKey: "sk_test_wrong", URL: b.fake.URL()})
	_, err := c.CreateLink(t.Context(), request(b, "k"))
	if err == nil || domain.IsCode(err, domain.Invalid) || domain.IsCode(err, domain.Conflict) {
		t.Fatalf("wrong key: err = %v", err)
	}
	if n := len(b.fake.Requests()); n != 0 {
		t.Fatalf("%d requests accepted with a wrong key", n)
	}
}

// A link whose offer ends sooner than Stripe's 30-minute minimum has its expiry
// raised from the time of the request: a turn retried a few minutes later must
// still get a link, not Stripe's idempotency error for a key sent again with
// another expires_at.
func TestCreateLinkRetriedLaterWithARaisedExpiry(t *testing.T) {
	t.Parallel()
	now := time.Now()
	clock := now
	fake, err := stripefake.Start(stripefake.Config{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	c := stripepay.New(stripepay.Config{SecretKey: fake.SecretKey(), WebhookSecret: fake.WebhookSecret(), URL: fake.URL(),
		Now: func() time.Time { return clock }})
	req := domain.PaymentRequest{IdempotencyKey: "link:order-9-1", Reference: "order-9-1",
		Amount: domain.NewMoney(3500, "EUR"), ExpiresAt: now.Add(10 * time.Minute)}
	first, err := c.CreateLink(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateLink(t.Context(), req)
	if err != nil || again.ProviderRef != first.ProviderRef {
		t.Fatalf("retried at once: %+v, %v; want the same session %s", again, err, first.ProviderRef)
	}
	clock = now.Add(3 * time.Minute)
	later, err := c.CreateLink(t.Context(), req)
	if err != nil {
		t.Fatalf("retried 3 minutes later: %v", err)
	}
	if later.ExpiresAt.Sub(clock) < 30*time.Minute {
		t.Fatalf("retried link expires %v after the request, under Stripe's minimum", later.ExpiresAt.Sub(clock))
	}
	// An expiry that needs no raising keeps the caller's key: one session however
	// late the retry.
	req2 := req
	req2.IdempotencyKey, req2.Reference, req2.ExpiresAt = "link:order-9-2", "order-9-2", now.Add(3*time.Hour)
	a, err := c.CreateLink(t.Context(), req2)
	if err != nil {
		t.Fatal(err)
	}
	clock = now.Add(20 * time.Minute)
	b, err := c.CreateLink(t.Context(), req2)
	if err != nil || b.ProviderRef != a.ProviderRef {
		t.Fatalf("an unraised expiry retried later: %+v, %v; want session %s", b, err, a.ProviderRef)
	}
	for _, r := range fake.Requests() {
		if r.IdempotencyKey != "link:order-9-1" && !strings.HasPrefix(r.IdempotencyKey, "link:order-9-1:exp") && r.IdempotencyKey != "link:order-9-2" {
			t.Fatalf("unexpected idempotency key %q", r.IdempotencyKey)
		}
	}
}
