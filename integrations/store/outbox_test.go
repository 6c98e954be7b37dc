package store

import (
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func TestCanAdvanceOnlyForward(t *testing.T) {
	t.Parallel()
	const (
		q = domain.StatusQueued
		s = domain.StatusSent
		d = domain.StatusDelivered
		r = domain.StatusRead
		f = domain.StatusFailed
	)
	for _, tc := range []struct {
		from, to domain.DeliveryStatus
		want     bool
	}{
		{q, s, true}, {q, d, true}, {q, r, true}, {s, d, true}, {s, r, true}, {d, r, true},
		{q, f, true}, {s, f, true},
		{q, q, false}, {d, d, false},
		{s, q, false}, {d, s, false}, {r, d, false}, {r, q, false},
		{d, f, false}, {r, f, false},
		{f, q, false}, {f, s, false}, {f, d, false}, {f, r, false},
		{"bogus", r, false}, {q, "bogus", false},
	} {
		if got := canAdvance(tc.from, tc.to); got != tc.want {
			t.Errorf("canAdvance(%s, %s) = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
}

func TestMarkDeliveredNeverMovesBackwards(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("a", "hi"), "u1")
		c, _ := b.s.Conversation(ctx, conv)
		out := make([]domain.Outbound, 5)
		for i := range out {
			out[i] = domain.Outbound{Kind: domain.OutText, Text: "x"}
		}
		if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, Outbound: out}); err != nil {
			t.Fatal(err)
		}
		// Receipts from the channel: seq 2 sent, 3 read, 4 failed.
		for seq, st := range map[int]domain.DeliveryStatus{2: domain.StatusSent, 3: domain.StatusRead, 4: domain.StatusFailed} {
			if err := db.Gorm.Exec("UPDATE outbound_messages SET status = ? WHERE conversation_id = ? AND seq = ?", string(st), conv, seq).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := b.s.MarkDelivered(ctx, conv, 4); err != nil {
			t.Fatal(err)
		}
		if err := b.s.MarkDelivered(ctx, conv, 4); err != nil { // idempotent
			t.Fatal(err)
		}
		got, err := b.s.OutboundAfter(ctx, conv, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []domain.DeliveryStatus{domain.StatusDelivered, domain.StatusDelivered, domain.StatusRead, domain.StatusFailed, domain.StatusQueued}
		for i, o := range got {
			if o.Status != want[i] {
				t.Errorf("seq %d: status %s, want %s", o.Seq, o.Status, want[i])
			}
		}
	})
}

func TestOutboundKeepsChoicesAndAttachments(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("a", "hi"), "u1")
		c, _ := b.s.Conversation(ctx, conv)
		sent := []domain.Outbound{
			{Kind: domain.OutChoices, Text: "Which passenger?", Choices: []domain.Choice{{ID: "pax:1", Title: "Jan", Description: "adult"}, {ID: "pax:2", Title: "Eva"}}},
			{Kind: domain.OutDocument, Attachment: &domain.Attachment{URL: "/passes/tok.pdf", Filename: "pass.pdf", MIME: "application/pdf", Caption: "Your boarding pass"}},
		}
		if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, Outbound: sent}); err != nil {
			t.Fatal(err)
		}
		got, err := b.s.OutboundAfter(ctx, conv, 0, 0)
		if err != nil || len(got) != 2 {
			t.Fatalf("OutboundAfter = %+v %v", got, err)
		}
		if got[0].Kind != domain.OutChoices || len(got[0].Choices) != 2 || got[0].Choices[0] != sent[0].Choices[0] || got[0].Status != domain.StatusQueued {
			t.Errorf("choices message = %+v", got[0])
		}
		if got[1].Attachment == nil || *got[1].Attachment != *sent[1].Attachment {
			t.Errorf("document message = %+v", got[1])
		}
	})
}
