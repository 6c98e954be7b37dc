package store

import (
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func eur(minor int64) domain.Money { return domain.NewMoney(minor, "EUR") }

func newPayment(t *testing.T, s *Store, ref string, conv int64, expires time.Time) Payment {
	t.Helper()
	p, err := s.CreatePayment(t.Context(), Payment{Reference: ref, Kind: PaymentForOrder, ConversationID: conv,
		Provider: "stripe", ProviderRef: "cs_" + ref, Amount: eur(4500), ExpiresAt: expires})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func paymentMessages(t *testing.T, db *database.DB, conv int64) int {
	return count(t, db, "SELECT COUNT(*) FROM inbound_messages WHERE conversation_id = ? AND channel_message_id LIKE 'payment:%'", conv)
}

func TestCreatePaymentIsIdempotentOnReference(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		first := newPayment(t, b.s, "ord-1", 0, time.Now().Add(time.Hour))
		if first.Status != domain.PaymentPending || first.Amount != eur(4500) {
			t.Fatalf("created %+v, want pending EUR 45.00", first)
		}
		again, err := b.s.CreatePayment(t.Context(), Payment{Reference: "ord-1", Provider: "demo", Amount: eur(1)})
		if err != nil {
			t.Fatal(err)
		}
		if again.Provider != "stripe" || again.Amount != eur(4500) {
			t.Fatalf("second create returned %+v, want the stored payment", again)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM payments"); n != 1 {
			t.Fatalf("%d payments, want 1", n)
		}
		if _, err := b.s.PaymentByReference(t.Context(), "nope"); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("unknown reference: %v, want not found", err)
		}
		if _, err := b.s.CreatePayment(t.Context(), Payment{Reference: "x", Provider: "demo"}); !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("no amount: %v, want invalid", err)
		}
	})
}

func TestPaymentEventTellsTheConversationOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("wamid.1", "add a bag"), "31600000001")
		before, _ := b.s.Conversation(ctx, conv)
		newPayment(t, b.s, "ord-2", conv, time.Now().Add(time.Hour))
		jobs := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kindProcess)

		paid := domain.PaymentEvent{ID: "evt_1", Reference: "ord-2", Status: domain.PaymentPaid, PaymentID: "pi_1", At: time.Now()}
		var wg sync.WaitGroup
		applied := make(chan bool, 6)
		for range 6 { // a redelivery racing the first delivery
			wg.Go(func() {
				ok, err := b.s.RecordPaymentEvent(ctx, paid)
				if err != nil {
					t.Error(err)
				}
				applied <- ok
			})
		}
		wg.Wait()
		close(applied)
		n := 0
		for ok := range applied {
			if ok {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d deliveries applied, want 1", n)
		}
		p, err := b.s.PaymentByReference(ctx, "ord-2")
		if err != nil || p.Status != domain.PaymentPaid || p.PaymentID != "pi_1" || p.Late {
			t.Fatalf("payment = %+v %v, want paid pi_1", p, err)
		}
		if got := paymentMessages(t, db, conv); got != 1 {
			t.Fatalf("%d payment messages, want 1", got)
		}
		// The flow sees the outcome after what the traveller wrote before it.
		rec := &recorder{}
		var payloads []string
		for {
			in, ok, err := b.s.NextInbound(ctx, conv)
			if err != nil || !ok {
				break
			}
			payloads = append(payloads, in.Text+"|"+in.Payload)
			c, _ := b.s.Conversation(ctx, conv)
			if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, InboundID: in.ID}); err != nil {
				t.Fatal(err)
			}
			rec.committed(in)
		}
		if len(payloads) != 2 || payloads[0] != "add a bag|" || payloads[1] != "|payment:paid:ord-2" {
			t.Fatalf("inbox in order = %q", payloads)
		}
		after, _ := b.s.Conversation(ctx, conv)
		if !after.LastInboundAt.Equal(before.LastInboundAt) {
			t.Fatalf("the payment moved the service window from %v to %v", before.LastInboundAt, after.LastInboundAt)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kindProcess); got < jobs {
			t.Fatalf("processing jobs %d, had %d", got, jobs)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM payment_events"); got != 1 {
			t.Fatalf("%d events stored, want 1", got)
		}
	})
}

func TestPaymentStatusOnlyMovesForward(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		events []domain.PaymentStatus
		want   domain.PaymentStatus
		late   bool
		msgs   int
	}{
		{"paid", []domain.PaymentStatus{domain.PaymentPaid}, domain.PaymentPaid, false, 1},
		{"unpaid completion stays pending", []domain.PaymentStatus{domain.PaymentPending}, domain.PaymentPending, false, 0},
		{"failed", []domain.PaymentStatus{domain.PaymentFailed}, domain.PaymentFailed, false, 1},
		{"paid then refunded", []domain.PaymentStatus{domain.PaymentPaid, domain.PaymentRefunded}, domain.PaymentRefunded, false, 2},
		{"refund before payment, out of order", []domain.PaymentStatus{domain.PaymentRefunded, domain.PaymentPaid}, domain.PaymentRefunded, false, 1},
		{"paid never goes back", []domain.PaymentStatus{domain.PaymentPaid, domain.PaymentExpired, domain.PaymentPending}, domain.PaymentPaid, false, 1},
		{"paid after expiry is kept and flagged", []domain.PaymentStatus{domain.PaymentExpired, domain.PaymentPaid}, domain.PaymentPaid, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dbtest.Each(t, func(t *testing.T, db *database.DB) {
				b := setup(t, db, Options{})
				conv := accept(t, b.s, msg("m", "hi"), "u")
				newPayment(t, b.s, "ref", conv, at.Add(time.Hour))
				for i, st := range tc.events {
					ev := domain.PaymentEvent{ID: "evt_" + string(rune('a'+i)), Reference: "ref", Status: st, PaymentID: "pi_9", At: at}
					if _, err := b.s.RecordPaymentEvent(t.Context(), ev); err != nil {
						t.Fatal(err)
					}
				}
				p, err := b.s.PaymentByReference(t.Context(), "ref")
				if err != nil || p.Status != tc.want || p.Late != tc.late {
					t.Fatalf("payment = %s late=%v (%v), want %s late=%v", p.Status, p.Late, err, tc.want, tc.late)
				}
				if got := paymentMessages(t, db, conv); got != tc.msgs {
					t.Fatalf("%d payment messages, want %d", got, tc.msgs)
				}
			})
		})
	}
}

func TestPaymentPaidAfterItsOfferEndedIsFlagged(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		offerEnd := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
		newPayment(t, b.s, "late", 0, offerEnd)
		// No expiry event came (the provider's link outlived the offer).
		ev := domain.PaymentEvent{ID: "evt_late", Reference: "late", Status: domain.PaymentPaid, PaymentID: "pi_l", At: offerEnd.Add(time.Minute)}
		if _, err := b.s.RecordPaymentEvent(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
		p, _ := b.s.PaymentByReference(t.Context(), "late")
		if p.Status != domain.PaymentPaid || !p.Late {
			t.Fatalf("payment = %s late=%v, want paid and late", p.Status, p.Late)
		}
	})
}

func TestPaymentEventBeforeThePaymentIsAppliedOnCreate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		conv := accept(t, b.s, msg("m", "hi"), "u")
		ev := domain.PaymentEvent{ID: "evt_early", Reference: "early", Status: domain.PaymentPaid, PaymentID: "pi_e", At: time.Now()}
		if ok, err := b.s.RecordPaymentEvent(t.Context(), ev); err != nil || !ok {
			t.Fatalf("early event: %v %v", ok, err)
		}
		p := newPayment(t, b.s, "early", conv, time.Now().Add(time.Hour))
		if p.Status != domain.PaymentPaid || p.PaymentID != "pi_e" {
			t.Fatalf("created %+v, want the early event applied", p)
		}
		if got := paymentMessages(t, db, conv); got != 1 {
			t.Fatalf("%d payment messages, want 1", got)
		}
		// A refund event knows only the payment id.
		refund := domain.PaymentEvent{ID: "evt_refund", PaymentID: "pi_e", Status: domain.PaymentRefunded}
		if _, err := b.s.RecordPaymentEvent(t.Context(), refund); err != nil {
			t.Fatal(err)
		}
		if p, _ := b.s.PaymentByReference(t.Context(), "early"); p.Status != domain.PaymentRefunded {
			t.Fatalf("after refund: %s", p.Status)
		}
	})
}
