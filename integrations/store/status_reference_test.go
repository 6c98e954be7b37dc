package store

import (
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// Our outbound reference in a status or echo finds a message only in the
// conversation of the traveller the platform says it went to: a reference copied
// into a message to someone else (any app able to send on the account can set
// it) does not mark another traveller's queued message sent, which would mean it
// is never sent.
func TestOutboundReferenceFindsOnlyTheTravellersOwnMessage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "ref-victim", 1)
		queuedTurn(t, b.s, "ref-other", 1)
		for i, u := range []domain.StatusUpdate{
			{ChannelMessageID: "m_forged1", Channel: domain.WhatsApp, UserID: "ref-other"},
			{ChannelMessageID: "m_forged2", Channel: domain.Messenger, UserID: "ref-victim"},
			{ChannelMessageID: "m_forged3", Channel: domain.WhatsApp},
		} {
			u.OutboundID, u.Status = out[0].ID, domain.StatusSent
			if err := b.s.ApplyStatus(ctx, u); err != nil {
				t.Fatal(err)
			}
			if pending, err := b.s.PendingOutbound(ctx, conv); err != nil || len(pending) != 1 {
				t.Fatalf("update %d: %d queued (%v): a reference sent to someone else marked the message", i, len(pending), err)
			}
		}
		own := domain.StatusUpdate{ChannelMessageID: "m_ours", OutboundID: out[0].ID, Status: domain.StatusSent,
			Channel: domain.WhatsApp, UserID: "ref-victim"}
		if err := b.s.ApplyStatus(ctx, own); err != nil {
			t.Fatal(err)
		}
		got, err := b.s.OutboundAfter(ctx, conv, 0, 10)
		if err != nil || len(got) != 1 || got[0].Status != domain.StatusSent || got[0].ChannelMessageID != "m_ours" {
			t.Fatalf("own reference: %+v %v", got, err)
		}
	})
}
