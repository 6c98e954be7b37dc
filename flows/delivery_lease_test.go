package flows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// leaseFake is a delivery store that grants the lease with the conversation and
// releases it only when nothing is queued, as the database store does.
type leaseFake struct {
	*deliveryFake
	held      bool
	reads     int // conversation reads besides the claim
	idleTries int
}

func (f *leaseFake) ClaimDeliveryLoad(context.Context, int64, time.Time) (domain.Conversation, bool, error) {
	if f.held {
		return domain.Conversation{}, false, nil
	}
	f.held = true
	return f.conv, true, nil
}

func (f *leaseFake) Conversation(ctx context.Context, id int64) (domain.Conversation, error) {
	f.reads++
	return f.deliveryFake.Conversation(ctx, id)
}

func (f *leaseFake) ReleaseDeliveryIfIdle(ctx context.Context, id int64) (bool, error) {
	f.idleTries++
	if left, _ := f.PendingOutbound(ctx, id); len(left) > 0 {
		return false, nil
	}
	f.held = false
	return true, nil
}

func (f *leaseFake) ReleaseDelivery(context.Context, int64) error {
	f.held = false
	return nil
}

// A message committed while the lease holder sends goes out after the others,
// under the same lease, and the lease is free again afterwards; the
// conversation read with the claim serves the first round.
func TestDeliveryKeepsTheLeaseForMessagesCommittedWhileSending(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f := &leaseFake{deliveryFake: newDeliveryFake(t, now.Add(-time.Hour), "", "")}
	var order []int64
	send := senderFunc(func(_ context.Context, _ domain.Recipient, m domain.Outbound, _ domain.SendMode) (string, error) {
		order = append(order, m.ID)
		if m.ID == 1 {
			// The traveller's next turn commits a reply meanwhile.
			f.pending = append(f.pending, domain.Outbound{ID: 3, Seq: 3, Kind: domain.OutText, Text: "next"})
		}
		return "m_" + m.Text, nil
	})
	e, err := NewEngine(Config{Store: f})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDeliverer(f, map[domain.Channel]Sender{domain.WhatsApp: send}, e, func() time.Time { return now }, nil)
	if err := d.Deliver(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if len(order) != 3 || order[0] != 1 || order[1] != 2 || order[2] != 3 {
		t.Fatalf("sent %v, want 1, 2, 3", order)
	}
	if f.held {
		t.Fatal("lease still held with nothing queued")
	}
	if f.idleTries != 2 || f.reads != 1 {
		t.Fatalf("%d conditional releases and %d conversation reads; want 2 (one refused: message 3 queued) and 1 (second round only)", f.idleTries, f.reads)
	}
	// Held by another worker: busy, nothing sent.
	f.held = true
	if err := d.Deliver(context.Background(), 7); !errors.Is(err, domain.ErrBusy) {
		t.Fatalf("Deliver with the lease taken = %v, want ErrBusy", err)
	}
}
