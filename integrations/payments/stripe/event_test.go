package stripepay_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/payments/stripefake"
)

// capture is a webhook endpoint keeping what the fake posts.
type capture struct {
	bodies  chan []byte
	headers chan http.Header
}

func listen(t *testing.T, b *bundle) *capture {
	t.Helper()
	c := &capture{bodies: make(chan []byte, 10), headers: make(chan http.Header, 10)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.bodies <- body
		c.headers <- r.Header.Clone()
	}))
	t.Cleanup(srv.Close)
	b.fake.SetWebhookURL(srv.URL)
	return c
}

func (c *capture) next(t *testing.T) ([]byte, http.Header) {
	t.Helper()
	select {
	case b := <-c.bodies:
		return b, <-c.headers
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook delivered")
		return nil, nil
	}
}

func TestParseEventMapsStripesEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	hook := listen(t, b)
	ctx := t.Context()
	link := func(key string) string {
		t.Helper()
		req := request(b, key)
		req.Reference = key
		l, err := b.client.CreateLink(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return l.ProviderRef
	}
	parse := func() (domain.PaymentEvent, bool) {
		t.Helper()
		body, h := hook.next(t)
		ev, ok, err := b.client.ParseEvent(body, h)
		if err != nil {
			t.Fatal(err)
		}
		return ev, ok
	}

	paid := link("paid")
	b.fake.Complete(paid, true)
	ev, ok := parse()
	cs, _ := b.fake.Session(paid)
	if !ok || ev.Status != domain.PaymentPaid || ev.Reference != "paid" || ev.ProviderRef != paid ||
		ev.PaymentID != cs.PaymentIntent || ev.Amount != domain.NewMoney(4550, "EUR") || ev.ID == "" || ev.At.IsZero() {
		t.Fatalf("completed paid: %+v %v", ev, ok)
	}

	async := link("async")
	b.fake.Complete(async, false)
	if ev, ok := parse(); !ok || ev.Status != domain.PaymentPending || ev.Reference != "async" {
		t.Fatalf("completed unpaid: %+v %v", ev, ok)
	}
	b.fake.AsyncResult(async, true)
	if ev, ok := parse(); !ok || ev.Status != domain.PaymentPaid || ev.Reference != "async" {
		t.Fatalf("async succeeded: %+v %v", ev, ok)
	}
	failing := link("failing")
	b.fake.Complete(failing, false)
	parse()
	b.fake.AsyncResult(failing, false)
	if ev, ok := parse(); !ok || ev.Status != domain.PaymentFailed || ev.Reference != "failing" {
		t.Fatalf("async failed: %+v %v", ev, ok)
	}

	expired := link("expired")
	b.fake.Expire(expired)
	if ev, ok := parse(); !ok || ev.Status != domain.PaymentExpired || ev.Reference != "expired" || ev.ProviderRef != expired {
		t.Fatalf("expired: %+v %v", ev, ok)
	}

	if _, err := b.client.Refund(ctx, domain.RefundRequest{IdempotencyKey: "r", PaymentID: cs.PaymentIntent}); err != nil {
		t.Fatal(err)
	}
	ev, ok = parse()
	if !ok || ev.Status != domain.PaymentRefunded || ev.PaymentID != cs.PaymentIntent || ev.Reference != "paid" ||
		ev.Amount != domain.NewMoney(4550, "EUR") {
		t.Fatalf("charge.refunded: %+v %v", ev, ok)
	}
}

func TestParseEventIgnoresOtherTypes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body, _ := json.Marshal(map[string]any{"id": "evt_1", "type": "customer.created", "created": b.now.Unix(),
		"data": map[string]any{"object": map[string]any{"id": "cus_1", "object": "customer"}}})
	h := http.Header{"Stripe-Signature": {stripefake.Sign(body, b.fake.WebhookSecret(), time.Now())}}
	ev, ok, err := b.client.ParseEvent(body, h)
	if err != nil || ok {
		t.Fatalf("customer.created: %+v ok=%v err=%v, want ignored", ev, ok, err)
	}
}

func TestParseEventVerifiesTheSignatureFirst(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := []byte(`{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"id":"cs_1","payment_status":"paid","client_reference_id":"r"}}}`)
	secret := b.fake.WebhookSecret()
	for _, tc := range []struct {
		name, header string
		body         []byte
		ok           bool
	}{
		{"good", stripefake.Sign(body, secret, time.Now()), body, true},
		{"missing", "", body, false},
		{"other secret", stripefake.Sign(body, "whsec_other", time.Now()), body, false},
		{"body changed", stripefake.Sign(body, secret, time.Now()), append([]byte(" "), body...), false},
		{"stale timestamp (a replay)", stripefake.Sign(body, secret, time.Now().Add(-10*time.Minute)), body, false},
		{"garbage", "t=x,v1=zz", body, false},
		{"signed but not an event", stripefake.Sign([]byte(`[1]`), secret, time.Now()), []byte(`[1]`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, ok, err := b.client.ParseEvent(tc.body, http.Header{"Stripe-Signature": {tc.header}})
			if tc.ok {
				if err != nil || !ok || ev.Status != domain.PaymentPaid || ev.Reference != "r" {
					t.Fatalf("good signature: %+v %v %v", ev, ok, err)
				}
				return
			}
			if err == nil || ok {
				t.Fatalf("accepted: %+v ok=%v", ev, ok)
			}
			if tc.name != "signed but not an event" && !domain.IsCode(err, domain.Forbidden) {
				t.Fatalf("err = %v, want forbidden", err)
			}
		})
	}
}
