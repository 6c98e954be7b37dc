package store

import (
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// A status of an early part of a message sent in several requests (WhatsApp
// reports every part, each with our reference) records only that the parts up
// to it went out: the message stays queued for the rest, and is not taken for
// sent, which would lose the parts not yet sent. A status naming no part (a
// message sent before parts were named) still stands for the whole message.
func TestStatusOfAnEarlyPartRecordsOnlyThePartsUpToIt(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "parts1", 1)
		state := func() (int, domain.DeliveryStatus) {
			t.Helper()
			got, err := b.s.OutboundAfter(ctx, conv, 0, 10)
			if err != nil || len(got) != 1 {
				t.Fatalf("outbound: %+v %v", got, err)
			}
			pending, err := b.s.PendingOutbound(ctx, conv)
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) == 0 {
				return -1, got[0].Status
			}
			return pending[0].PartsSent, got[0].Status
		}
		for i, c := range []struct {
			u     domain.StatusUpdate
			parts int
		}{
			{domain.StatusUpdate{ChannelMessageID: "wamid.P1", Status: domain.StatusFailed, Part: 1, Parts: 3}, 0},
			// Another traveller's copy of the reference moves nothing.
			{domain.StatusUpdate{ChannelMessageID: "wamid.P2", Status: domain.StatusRead, Part: 2, Parts: 3, UserID: "parts-other"}, 0},
			{domain.StatusUpdate{ChannelMessageID: "wamid.P2", Status: domain.StatusDelivered, Part: 2, Parts: 3}, 2},
			{domain.StatusUpdate{ChannelMessageID: "wamid.P1", Status: domain.StatusSent, Part: 1, Parts: 3}, 2},
			// A part of another count is not this message's.
			{domain.StatusUpdate{ChannelMessageID: "wamid.P9", Status: domain.StatusSent, Part: 3, Parts: 9}, 2},
		} {
			u := c.u
			u.OutboundID, u.Channel = out[0].ID, domain.WhatsApp
			if u.UserID == "" {
				u.UserID = "parts1"
			}
			if err := b.s.ApplyStatus(ctx, u); err != nil {
				t.Fatal(err)
			}
			if n, st := state(); n != c.parts || st != domain.StatusQueued {
				t.Fatalf("update %d (%s of part %d): %d parts sent, %s; want %d, queued", i, u.Status, u.Part, n, st, c.parts)
			}
		}
		if p, err := b.s.PendingOutbound(ctx, conv); err != nil || len(p) != 1 || p[0].PartsTotal != 3 {
			t.Fatalf("the part count is not kept with the parts sent: %+v %v", p, err)
		}
		whole := domain.StatusUpdate{ChannelMessageID: "wamid.P3", OutboundID: out[0].ID, Status: domain.StatusSent,
			Channel: domain.WhatsApp, UserID: "parts1"}
		if err := b.s.ApplyStatus(ctx, whole); err != nil {
			t.Fatal(err)
		}
		if _, st := state(); st != domain.StatusSent {
			t.Fatalf("status without a part: %s, want sent", st)
		}
	})
}
