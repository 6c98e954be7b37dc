package store

import (
	"testing"
	"time"

	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// The delivery lease is released only when nothing of the conversation is
// queued: a message committed while the holder was sending keeps the lease with
// the holder, which sends it next, in order.
func TestDeliveryLeaseIsReleasedOnlyWhenNothingIsQueued(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "lease1", 2)
		c, ok, err := b.s.ClaimDeliveryLoad(ctx, conv, time.Now().Add(time.Minute))
		if err != nil || !ok || c.ID != conv || c.UserID != "lease1" || c.LastInboundAt.IsZero() {
			t.Fatalf("claim: %v %v %+v", ok, err, c)
		}
		if _, ok, err := b.s.ClaimDeliveryLoad(ctx, conv, time.Now().Add(time.Minute)); err != nil || ok {
			t.Fatalf("second claim granted: %v %v", ok, err)
		}
		if err := b.s.MarkSent(ctx, out[0].ID, "m_1", false); err != nil {
			t.Fatal(err)
		}
		released, err := b.s.ReleaseDeliveryIfIdle(ctx, conv)
		if err != nil || released {
			t.Fatalf("released %v (%v) with a message still queued", released, err)
		}
		if ok, _ := b.s.ClaimDelivery(ctx, conv, time.Now().Add(time.Minute)); ok {
			t.Fatal("another worker took the lease the holder kept")
		}
		if err := b.s.MarkSent(ctx, out[1].ID, "m_2", false); err != nil {
			t.Fatal(err)
		}
		if released, err = b.s.ReleaseDeliveryIfIdle(ctx, conv); err != nil || !released {
			t.Fatalf("released %v (%v) with nothing queued", released, err)
		}
		if ok, err := b.s.ClaimDelivery(ctx, conv, time.Now().Add(time.Minute)); err != nil || !ok {
			t.Fatalf("lease not free after release: %v %v", ok, err)
		}
	})
}
