package api_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	demopay "github.com/skybridge/skybridge/integrations/payments/demo"
	stripepay "github.com/skybridge/skybridge/integrations/payments/stripe"
	"github.com/skybridge/skybridge/integrations/payments/stripefake"
	"github.com/skybridge/skybridge/integrations/store"
)

var (
	_ api.PaymentSink     = (*store.Store)(nil)
	_ api.PaymentVerifier = (*stripepay.Client)(nil)
	_ api.PaymentVerifier = (*demopay.Provider)(nil)
)

type paymentBundle struct {
	db     *database.DB
	st     *store.Store
	fake   *stripefake.Server
	stripe *stripepay.Client
	demo   *demopay.Provider
	url    string
	conv   int64
}

func paymentSetup(t *testing.T, db *database.DB) *paymentBundle {
	t.Helper()
	sealer, err := domain.NewSealer(domain.NewKey("k1"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(db, sealer, nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st.Stop(ctx)
		st.Close()
	})
	fake, err := stripefake.Start(stripefake.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	b := &paymentBundle{db: db, st: st, fake: fake,
		stripe: stripepay.New(stripepay.Config{SecretKey: fake.SecretKey(), WebhookSecret: fake.WebhookSecret(), URL: fake.URL()})}
	b.demo = demopay.New(demopay.Config{DB: db, Secret: []byte("demo-secret"), Sink: st, PageURL: "http://unused/pay"})
	srv := httptest.NewServer(api.New(api.Config{
		PaymentWebhooks: map[string]api.PaymentVerifier{"stripe": b.stripe, "demo": b.demo},
		PaymentSink:     st,
	}))
	t.Cleanup(srv.Close)
	b.url = srv.URL
	fake.SetWebhookURL(srv.URL + "/webhooks/payments/stripe")
	b.conv, _, err = st.Accept(t.Context(), domain.Inbound{Channel: domain.WebChat, ChannelMessageID: "m1", Text: "a bag please"}, "traveller-1")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pay creates a Stripe link and records its payment, as the order flow does.
func (b *paymentBundle) pay(t *testing.T, ref string) domain.PaymentLink {
	t.Helper()
	amount := domain.NewMoney(4500, "EUR")
	link, err := b.stripe.CreateLink(t.Context(), domain.PaymentRequest{IdempotencyKey: "link:" + ref, Reference: ref,
		Description: "1 checked bag", Amount: amount, Lang: "en", ExpiresAt: time.Now().Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.st.CreatePayment(t.Context(), store.Payment{Reference: ref, Kind: store.PaymentForOrder, ConversationID: b.conv,
		Provider: "stripe", ProviderRef: link.ProviderRef, Amount: amount, ExpiresAt: link.ExpiresAt})
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func (b *paymentBundle) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int64
	if err := b.db.Gorm.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func (b *paymentBundle) systemMessages(t *testing.T) []string {
	t.Helper()
	var ids []string
	b.db.Gorm.Raw("SELECT channel_message_id FROM inbound_messages WHERE conversation_id = ? AND channel_message_id LIKE 'payment:%'", b.conv).Scan(&ids)
	return ids
}

func postPayment(t *testing.T, url string, body []byte, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPaymentWebhookStripeStoresAVerifiedEventOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := paymentSetup(t, db)
		link := b.pay(t, "order-1")

		// A forged "paid" for the same session: refused, nothing stored.
		forged := []byte(`{"id":"evt_forged","object":"event","type":"checkout.session.completed","created":` +
			time.Now().Format("20060102") + `,"data":{"object":{"id":"` + link.ProviderRef + `","payment_status":"paid","client_reference_id":"order-1"}}}`)
		for name, h := range map[string]http.Header{
			"no signature":    {},
			"wrong secret":    {"Stripe-Signature": {stripefake.Sign(forged, "whsec_guess", time.Now())}},
			"stale timestamp": {"Stripe-Signature": {stripefake.Sign(forged, b.fake.WebhookSecret(), time.Now().Add(-time.Hour))}},
		} {
			if st, body := postPayment(t, b.url+"/webhooks/payments/stripe", forged, h); st != http.StatusUnauthorized {
				t.Fatalf("%s: %d %s, want 401", name, st, body)
			}
		}
		if n := b.count(t, "SELECT COUNT(*) FROM payment_events"); n != 0 {
			t.Fatalf("%d events stored from bad signatures", n)
		}
		if p, _ := b.st.PaymentByReference(t.Context(), "order-1"); p.Status != domain.PaymentPending {
			t.Fatalf("payment %s after forged events, want pending", p.Status)
		}

		// Stripe's own event: stored, the payment paid, the conversation told.
		ev, d, err := b.fake.Complete(link.ProviderRef, true)
		if err != nil || d.Status != http.StatusOK || !strings.Contains(d.Body, `"duplicate":false`) {
			t.Fatalf("delivery: %+v %v", d, err)
		}
		p, _ := b.st.PaymentByReference(t.Context(), "order-1")
		cs, _ := b.fake.Session(link.ProviderRef)
		if p.Status != domain.PaymentPaid || p.PaymentID != cs.PaymentIntent {
			t.Fatalf("payment = %+v, want paid with %s", p, cs.PaymentIntent)
		}
		if got := b.systemMessages(t); len(got) != 1 || got[0] != "payment:"+ev.ID {
			t.Fatalf("system messages %v, want one for %s", got, ev.ID)
		}

		// Stripe delivers it again: acknowledged, nothing changes.
		d, err = b.fake.Deliver(ev.ID)
		if err != nil || d.Status != http.StatusOK || !strings.Contains(d.Body, `"duplicate":true`) {
			t.Fatalf("redelivery: %+v %v", d, err)
		}
		if n := b.count(t, "SELECT COUNT(*) FROM payment_events"); n != 1 {
			t.Fatalf("%d events stored, want 1", n)
		}
		if got := b.systemMessages(t); len(got) != 1 {
			t.Fatalf("system messages after redelivery %v, want one", got)
		}

		// A refund comes back as charge.refunded, delivered asynchronously.
		if _, err := b.stripe.Refund(t.Context(), domain.RefundRequest{IdempotencyKey: "refund:order-1", PaymentID: p.PaymentID}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if p, _ := b.st.PaymentByReference(t.Context(), "order-1"); p.Status == domain.PaymentRefunded {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("refund event never applied")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if got := b.systemMessages(t); len(got) != 2 {
			t.Fatalf("system messages %v, want paid and refunded", got)
		}
	})
}

func TestPaymentWebhookEdges(t *testing.T) {
	t.Parallel()
	b := paymentSetup(t, dbtest.SQLite(t))
	secret := b.fake.WebhookSecret()
	ignored := []byte(`{"id":"evt_c","object":"event","type":"customer.created","created":1,"data":{"object":{"id":"cus_1"}}}`)
	if st, body := postPayment(t, b.url+"/webhooks/payments/stripe", ignored,
		http.Header{"Stripe-Signature": {stripefake.Sign(ignored, secret, time.Now())}}); st != http.StatusOK || !strings.Contains(body, "ignored") {
		t.Fatalf("other event type: %d %s, want 200 ignored", st, body)
	}
	big := bytes.Repeat([]byte("x"), 300<<10)
	if st, _ := postPayment(t, b.url+"/webhooks/payments/stripe", big, http.Header{"Stripe-Signature": {stripefake.Sign(big, secret, time.Now())}}); st != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized body: %d, want 413", st)
	}
	if st, _ := postPayment(t, b.url+"/webhooks/payments/paypal", ignored, nil); st != http.StatusNotFound {
		t.Fatalf("unknown provider: %d, want 404", st)
	}
	// Meta's channel webhooks keep their route beside the payment ones.
	if st, _ := postPayment(t, b.url+"/webhooks/whatsapp", ignored, nil); st != http.StatusNotFound {
		t.Fatalf("disabled channel: %d, want 404", st)
	}
	if n := b.count(t, "SELECT COUNT(*) FROM payment_events"); n != 0 {
		t.Fatalf("%d events stored", n)
	}
}

func TestPaymentWebhookDemoVerifiesItsSignature(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := paymentSetup(t, db)
		amount := domain.NewMoney(1200, "EUR")
		if _, err := b.st.CreatePayment(t.Context(), store.Payment{Reference: "demo-1", ConversationID: b.conv,
			Provider: "demo", Amount: amount}); err != nil {
			t.Fatal(err)
		}
		ev := domain.PaymentEvent{ID: "demo_evt_x", Reference: "demo-1", Status: domain.PaymentPaid, Amount: amount,
			PaymentID: "demo_pi_x", At: time.Now()}
		body, h := b.demo.Sign(ev)
		other := demopay.New(demopay.Config{DB: db, Secret: []byte("another-secret")})
		_, forged := other.Sign(ev)
		if st, _ := postPayment(t, b.url+"/webhooks/payments/demo", body, forged); st != http.StatusUnauthorized {
			t.Fatalf("forged demo event: %d, want 401", st)
		}
		if n := b.count(t, "SELECT COUNT(*) FROM payment_events"); n != 0 {
			t.Fatalf("%d events stored from a forged signature", n)
		}
		for range 2 {
			if st, resp := postPayment(t, b.url+"/webhooks/payments/demo", body, h); st != http.StatusOK {
				t.Fatalf("demo event: %d %s", st, resp)
			}
		}
		if p, _ := b.st.PaymentByReference(t.Context(), "demo-1"); p.Status != domain.PaymentPaid {
			t.Fatalf("payment %s, want paid", p.Status)
		}
		if got := b.systemMessages(t); len(got) != 1 {
			t.Fatalf("system messages %v, want one", got)
		}
	})
}
