package stripefake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Event is an event the fake sent or will send.
type Event struct {
	ID, Type string
	Payload  []byte
	seq      int
}

// Delivery is the outcome of one POST of an event to the webhook URL.
type Delivery struct {
	EventID string
	Status  int
	Body    string
}

// newEvent records an event about obj; s.mu is held.
func (s *Server) newEvent(typ string, obj map[string]any) Event {
	id := "evt_" + randomID(24)
	body, _ := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": APIVersion, "created": s.cfg.Now().Unix(),
		"data": map[string]any{"object": obj}, "livemode": false, "pending_webhooks": 1,
		"request": map[string]any{"id": nil, "idempotency_key": nil}, "type": typ,
	})
	ev := Event{ID: id, Type: typ, Payload: body, seq: len(s.evts)}
	s.evts[id] = ev
	return ev
}

// Sign returns the Stripe-Signature header of payload at t under secret.
func Sign(payload []byte, secret string, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(payload)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Deliver POSTs an event to the webhook URL, signed now, as Stripe does on every
// attempt; call it again to deliver the same event twice.
func (s *Server) Deliver(eventID string) (Delivery, error) {
	s.mu.Lock()
	ev, ok := s.evts[eventID]
	target, secret, now := s.cfg.WebhookURL, s.cfg.WebhookSecret, s.cfg.Now()
	s.mu.Unlock()
	if !ok {
		return Delivery{}, fmt.Errorf("deliver %s: no such event", eventID)
	}
	if target == "" {
		return Delivery{EventID: eventID}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(ev.Payload))
	if err != nil {
		return Delivery{}, fmt.Errorf("deliver %s: %w", eventID, err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
	req.Header.Set("Stripe-Signature", Sign(ev.Payload, secret, now))
	resp, err := s.hc.Do(req)
	if err != nil {
		return Delivery{}, fmt.Errorf("deliver %s: %w", eventID, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return Delivery{EventID: eventID, Status: resp.StatusCode, Body: string(b)}, nil
}

// Events returns the events of a type (all when typ is empty), oldest first.
func (s *Server) Events(typ string) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, e := range s.evts {
		if typ == "" || e.Type == typ {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b Event) int { return a.seq - b.seq })
	return out
}

// Complete plays the traveller paying on the hosted page: the session becomes
// complete and paid, a PaymentIntent and a charge are created, and
// checkout.session.completed is delivered. With paid false the payment method is
// asynchronous (a bank debit): the session completes unpaid and AsyncResult
// settles it later.
func (s *Server) Complete(sessionID string, paid bool) (Event, Delivery, error) {
	s.mu.Lock()
	cs, ok := s.sess[sessionID]
	switch {
	case !ok:
		s.mu.Unlock()
		return Event{}, Delivery{}, fmt.Errorf("complete %s: no such session", sessionID)
	case cs.Status != "open" || !s.cfg.Now().Before(cs.ExpiresAt):
		s.mu.Unlock()
		return Event{}, Delivery{}, fmt.Errorf("complete %s: session is %s", sessionID, cs.Status)
	}
	cs.Status = "complete"
	cs.PaymentIntent = "pi_" + randomID(24)
	s.pis[cs.PaymentIntent] = cs
	if paid {
		cs.PaymentStatus = "paid"
		cs.Charge = "ch_" + randomID(24)
	}
	ev := s.newEvent("checkout.session.completed", cs.object(s.url))
	s.mu.Unlock()
	d, err := s.Deliver(ev.ID)
	return ev, d, err
}

// AsyncResult settles an asynchronous payment of a completed session:
// checkout.session.async_payment_succeeded or _failed is delivered.
func (s *Server) AsyncResult(sessionID string, succeeded bool) (Event, Delivery, error) {
	s.mu.Lock()
	cs, ok := s.sess[sessionID]
	if !ok || cs.Status != "complete" || cs.PaymentStatus != "unpaid" {
		s.mu.Unlock()
		return Event{}, Delivery{}, fmt.Errorf("settle %s: not a completed unpaid session", sessionID)
	}
	typ := "checkout.session.async_payment_failed"
	if succeeded {
		typ = "checkout.session.async_payment_succeeded"
		cs.PaymentStatus = "paid"
		cs.Charge = "ch_" + randomID(24)
	}
	ev := s.newEvent(typ, cs.object(s.url))
	s.mu.Unlock()
	d, err := s.Deliver(ev.ID)
	return ev, d, err
}

// Expire ends an open session unpaid and delivers checkout.session.expired.
func (s *Server) Expire(sessionID string) (Event, Delivery, error) {
	s.mu.Lock()
	cs, ok := s.sess[sessionID]
	if !ok || cs.Status != "open" {
		s.mu.Unlock()
		return Event{}, Delivery{}, fmt.Errorf("expire %s: not an open session", sessionID)
	}
	cs.Status = "expired"
	ev := s.newEvent("checkout.session.expired", cs.object(s.url))
	s.mu.Unlock()
	d, err := s.Deliver(ev.ID)
	return ev, d, err
}
