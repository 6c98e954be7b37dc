package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/api/web/webtest"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/payments/stripefake"
	"github.com/skybridge/skybridge/integrations/store"
)

func TestPaymentsConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    string
		problem string
	}{
		{"default is the demo page", nil, "demo", ""},
		{"off", map[string]string{"SKYBRIDGE_PAYMENTS": "off"}, "off", ""},
		{"stripe with its secrets", map[string]string{"SKYBRIDGE_PAYMENTS": "stripe", "SKYBRIDGE_STRIPE_SECRET_KEY": "sk_test_1",
			"SKYBRIDGE_STRIPE_WEBHOOK_SECRET": "whsec_1"}, "stripe", ""},
		{"stripe without secrets", map[string]string{"SKYBRIDGE_PAYMENTS": "stripe"}, "", "SKYBRIDGE_STRIPE_SECRET_KEY"},
		{"stripe with the publishable key", map[string]string{"SKYBRIDGE_PAYMENTS": "stripe", "SKYBRIDGE_STRIPE_SECRET_KEY": "pk_test_1",
			"SKYBRIDGE_STRIPE_WEBHOOK_SECRET": "whsec_1"}, "", "never the publishable"},
		{"stripe without webhook secret", map[string]string{"SKYBRIDGE_PAYMENTS": "stripe", "SKYBRIDGE_STRIPE_SECRET_KEY": "sk_test_1"}, "", "SKYBRIDGE_STRIPE_WEBHOOK_SECRET"},
		{"unknown provider", map[string]string{"SKYBRIDGE_PAYMENTS": "paypal"}, "", "SKYBRIDGE_PAYMENTS"},
		{"bad URL", map[string]string{"SKYBRIDGE_STRIPE_URL": "api.stripe.com"}, "", "SKYBRIDGE_STRIPE_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadConfig(func(k string) string { return tc.env[k] })
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("err = %v, want a problem naming %s", err, tc.problem)
				}
				return
			}
			if err != nil || c.Payments.Provider != tc.want {
				t.Fatalf("provider %q err %v, want %q", c.Payments.Provider, err, tc.want)
			}
			s := c.String()
			for _, secret := range []string{"sk_test_1", "whsec_1"} {
				if strings.Contains(s, secret) {
					t.Fatalf("config prints the secret %s:\n%s", secret, s)
				}
			}
		})
	}
}

// paymentsRig is the payment wiring of serve over a real socket and a real store.
type paymentsRig struct {
	db   *database.DB
	st   *store.Store
	pay  *payments
	url  string
	conv int64
	mu   sync.Mutex
	now  time.Time
}

func (r *paymentsRig) clock() time.Time { r.mu.Lock(); defer r.mu.Unlock(); return r.now }
func (r *paymentsRig) advance(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = r.now.Add(d)
}

func newPaymentsRig(t *testing.T, env map[string]string) *paymentsRig {
	t.Helper()
	r := &paymentsRig{db: dbtest.SQLite(t), now: time.Now()}
	sealer, err := domain.NewSealer(domain.NewKey("k1"))
	if err != nil {
		t.Fatal(err)
	}
	r.st, err = store.New(r.db, sealer, nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.st.Stop(ctx)
		r.st.Close()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.url = "http://" + ln.Addr().String()
	cfg, err := LoadConfig(func(k string) string {
		if k == "SKYBRIDGE_PUBLIC_URL" {
			return r.url
		}
		return env[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	r.pay = newPayments(cfg, r.st, sealer, r.db, r.clock, slog.New(slog.DiscardHandler))
	srv := &http.Server{Handler: api.New(api.Config{PaymentWebhooks: r.pay.webhooks, PaymentSink: r.st, PaymentPages: r.pay.pages})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	r.conv, _, err = r.st.Accept(t.Context(), domain.Inbound{Channel: domain.WebChat, ChannelMessageID: "m1", Text: "a bag please"}, "traveller")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// order asks the provider for a link and records it, as the order flow does.
func (r *paymentsRig) order(t *testing.T, ref string, lang domain.Lang, expires time.Time) domain.PaymentLink {
	t.Helper()
	amount := domain.NewMoney(4500, "EUR")
	link, err := r.pay.provider.CreateLink(t.Context(), domain.PaymentRequest{IdempotencyKey: "link:" + ref, Reference: ref,
		Description: "1 checked bag (23 kg), SB1234 AMS-LHR", Amount: amount, Lang: lang, ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	err = r.pay.ledger.RecordPayment(t.Context(), flows.PaymentRecord{Reference: ref, Kind: "order", ConversationID: r.conv,
		ProviderRef: link.ProviderRef, Amount: amount, ExpiresAt: expires, Status: domain.PaymentPending})
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func (r *paymentsRig) paymentMessages(t *testing.T) []string {
	t.Helper()
	var payloads []string
	for {
		in, ok, err := r.st.NextInbound(t.Context(), r.conv)
		if err != nil || !ok {
			return payloads
		}
		if strings.HasPrefix(in.ChannelMessageID, "payment:") {
			payloads = append(payloads, in.Payload)
		}
		c, _ := r.st.Conversation(t.Context(), r.conv)
		if err := r.st.CommitTurn(t.Context(), domain.Turn{Conversation: c, InboundID: in.ID}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserDemoPaymentPage: a traveller opens the demo provider's payment link
// in a real browser, sees what they pay for and the amount, presses Pay; the
// payment is recorded as paid and the conversation's inbox gets the outcome once.
// A link opened after it expired says so, in the traveller's language.
func TestBrowserDemoPaymentPage(t *testing.T) {
	browser := webtest.Browser(t)
	r := newPaymentsRig(t, nil)
	link := r.order(t, "order-1-7", "en", r.clock().Add(time.Hour))
	if !strings.HasPrefix(link.URL, r.url+"/pay/demo_cs_") {
		t.Fatalf("link %q is not on this service", link.URL)
	}

	ctx := webtest.Tab(t, browser)
	webtest.Do(t, ctx, chromedp.Navigate(link.URL), chromedp.WaitVisible(chromedp.CSS(`#pay`)))
	if got := webtest.Eval[string](t, ctx, `document.querySelector('#amount').textContent`); got != "EUR 45.00" {
		t.Fatalf("amount shown %q", got)
	}
	if got := webtest.Eval[string](t, ctx, `document.querySelector('#description').textContent`); !strings.Contains(got, "1 checked bag") {
		t.Fatalf("description shown %q", got)
	}
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll('input').length`); n != 0 {
		t.Fatalf("the page has %d input fields: no card data may be asked", n)
	}
	webtest.Screenshot(t, ctx, "demo-payment-phone", 400, 700)
	// The form posts and the page comes back settled.
	webtest.Do(t, ctx, chromedp.Click(chromedp.CSS(`#pay`)), chromedp.WaitVisible(chromedp.CSS(`#message`)))
	if got := webtest.Eval[string](t, ctx, `document.querySelector('#message').textContent`); got != "Payment received. Thank you!" {
		t.Fatalf("after Pay the page says %q", got)
	}

	p, err := r.st.PaymentByReference(t.Context(), "order-1-7")
	if err != nil || p.Status != domain.PaymentPaid || p.PaymentID == "" || p.Provider != "demo" {
		t.Fatalf("payment = %+v %v, want paid", p, err)
	}
	// Pressing back and Pay again changes nothing.
	webtest.Do(t, ctx, chromedp.Navigate(link.URL))
	if got := r.paymentMessages(t); len(got) != 1 || got[0] != "payment:paid:order-1-7" {
		t.Fatalf("inbox payment messages %q, want one paid", got)
	}

	late := r.order(t, "order-1-8", "fr", r.clock().Add(40*time.Minute))
	r.advance(41 * time.Minute)
	webtest.Do(t, ctx, chromedp.Navigate(late.URL), chromedp.WaitVisible(chromedp.CSS(`#message`)))
	if got := webtest.Eval[string](t, ctx, `document.querySelector('#message').textContent`); got != "Ce lien de paiement a expiré." {
		t.Fatalf("expired link says %q", got)
	}
	if n := webtest.Eval[int](t, ctx, `document.querySelectorAll('#pay').length`); n != 0 {
		t.Fatal("an expired link still offers Pay")
	}
	if p, _ := r.st.PaymentByReference(t.Context(), "order-1-8"); p.Status != domain.PaymentExpired {
		t.Fatalf("expired payment is %s", p.Status)
	}
}

// TestStripePaymentsWiring: with SKYBRIDGE_PAYMENTS=stripe the flows' provider is
// Stripe Checkout and Stripe's signed webhook reaches the store through the api.
func TestStripePaymentsWiring(t *testing.T) {
	fake, err := stripefake.Start(stripefake.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	r := newPaymentsRig(t, map[string]string{"SKYBRIDGE_PAYMENTS": "stripe", "SKYBRIDGE_STRIPE_SECRET_KEY": fake.SecretKey(),
		"SKYBRIDGE_STRIPE_WEBHOOK_SECRET": fake.WebhookSecret(), "SKYBRIDGE_STRIPE_URL": fake.URL()})
	if r.pay.pages != nil {
		t.Fatal("stripe serves no pages of its own")
	}
	fake.SetWebhookURL(r.url + "/webhooks/payments/stripe")
	link := r.order(t, "order-2-1", "nl", time.Now().Add(time.Hour))
	if _, d, err := fake.Complete(link.ProviderRef, true); err != nil || d.Status != http.StatusOK {
		t.Fatalf("webhook: %+v %v", d, err)
	}
	rec, ok, err := r.pay.ledger.PaymentByReference(t.Context(), "order-2-1")
	if err != nil || !ok || rec.Status != domain.PaymentPaid || rec.PaymentID == "" {
		t.Fatalf("ledger = %+v %v %v, want paid", rec, ok, err)
	}
	if got := r.paymentMessages(t); len(got) != 1 || got[0] != "payment:paid:order-2-1" {
		t.Fatalf("inbox payment messages %q", got)
	}
	if _, ok, err := r.pay.ledger.PaymentByReference(t.Context(), "nope"); ok || err != nil {
		t.Fatalf("unknown reference: ok=%v err=%v", ok, err)
	}
}

func TestPaymentsOff(t *testing.T) {
	r := newPaymentsRig(t, map[string]string{"SKYBRIDGE_PAYMENTS": "off"})
	if r.pay.provider != nil || r.pay.ledger != nil || r.pay.pages != nil || len(r.pay.webhooks) != 0 {
		t.Fatalf("payments off still wires %+v", r.pay)
	}
	resp, err := http.Post(r.url+"/webhooks/payments/stripe", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("stripe webhook with payments off: %d, want 404", resp.StatusCode)
	}
}
