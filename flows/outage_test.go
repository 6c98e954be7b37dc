package flows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// outageFake is a delivery store whose database is unreachable for the first
// downFor writes of a sent message and of the lease release.
type outageFake struct {
	*deliveryFake
	markSentDown, releaseDown int
	released                  bool
}

var errDown = &domain.Error{Code: domain.Unavailable, Message: "database unreachable", Err: errors.New("connection refused")}

func (f *outageFake) MarkSent(ctx context.Context, id int64, ch string, asTemplate bool) error {
	if f.markSentDown > 0 {
		f.markSentDown--
		return errDown
	}
	return f.deliveryFake.MarkSent(ctx, id, ch, asTemplate)
}

func (f *outageFake) ReleaseDelivery(context.Context, int64) error {
	if f.releaseDown > 0 {
		f.releaseDown--
		return errDown
	}
	f.released = true
	return nil
}

// TestSentMessageIsRecordedThroughADatabaseRestart: the platform accepted a
// message, then the database went away for a moment. The send is recorded once
// the database is back and the lease is given back, so the next delivery sends
// nothing again and nobody waits for the lease to expire.
func TestSentMessageIsRecordedThroughADatabaseRestart(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sends := 0
	s := senderFunc(func(context.Context, domain.Recipient, domain.Outbound, domain.SendMode) (string, error) {
		sends++
		return "wamid.1", nil
	})
	f := &outageFake{deliveryFake: newDeliveryFake(t, now.Add(-time.Minute), ""), markSentDown: 3, releaseDown: 2}
	e, err := NewEngine(Config{Store: f.deliveryFake})
	if err != nil {
		t.Fatal(err)
	}
	d := NewDeliverer(f, map[domain.Channel]Sender{domain.WhatsApp: s}, e, func() time.Time { return now }, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Deliver(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if err := d.Deliver(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if sends != 1 || f.sent[1] != "wamid.1" || !f.released {
		t.Fatalf("sent %d times, recorded %q, lease released %v: want once, recorded, released", sends, f.sent[1], f.released)
	}
}

// TestRecordingGivesUpWhenTheJobEnds: an outage longer than the job leaves the
// error to the job's retry; other errors are not retried at all.
func TestRecordingGivesUpWhenTheJobEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	tries := 0
	err := recordThroughOutage(ctx, func() error { tries++; return errDown })
	if !domain.IsCode(err, domain.Unavailable) || ctx.Err() == nil || tries < 2 {
		t.Fatalf("err %v after %d tries, ctx %v", err, tries, ctx.Err())
	}
	tries = 0
	other := errors.New("constraint violated")
	if err := recordThroughOutage(context.Background(), func() error { tries++; return other }); !errors.Is(err, other) || tries != 1 {
		t.Fatalf("err %v after %d tries: only an unreachable database is worth waiting for", err, tries)
	}
}
