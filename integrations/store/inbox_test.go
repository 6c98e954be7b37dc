package store

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func TestAcceptDuplicateStoresOneMessageAndGetsOneReply(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		first := accept(t, b.s, msg("wamid.1", "hello"), "31612345678")

		// Meta redelivers the same message: same id, possibly another text.
		again, dup, err := b.s.Accept(ctx, msg("wamid.1", "hello again"), "31612345678")
		if err != nil {
			t.Fatal(err)
		}
		if !dup || again != first {
			t.Fatalf("redelivery: duplicate=%v conversation=%d, want true %d", dup, again, first)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM inbound_messages"); n != 1 {
			t.Fatalf("%d inbound rows, want 1", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kindProcess); n != 1 {
			t.Fatalf("%d processing jobs, want 1", n)
		}

		rec := &recorder{}
		if err := echo(b.s, rec)(ctx, first); err != nil {
			t.Fatal(err)
		}
		// A redelivery after processing is still a duplicate and gets no new reply.
		if _, dup, err := b.s.Accept(ctx, msg("wamid.1", "hello"), "31612345678"); err != nil || !dup {
			t.Fatalf("late redelivery: duplicate=%v err=%v", dup, err)
		}
		if err := echo(b.s, rec)(ctx, first); err != nil {
			t.Fatal(err)
		}
		out, err := b.s.OutboundAfter(ctx, first, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 1 || out[0].Text != "echo hello" {
			t.Fatalf("replies = %+v, want one echo of the first text", out)
		}
	})
}

func TestAcceptBurstEnqueuesOneJob(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		for i := range 5 {
			accept(t, b.s, msg(fmt.Sprintf("m%d", i), "hi"), "u1")
		}
		accept(t, b.s, msg("other", "hi"), "u2")
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kindProcess); n != 2 {
			t.Fatalf("%d processing jobs for 6 messages in 2 conversations, want 2", n)
		}
	})
}

func TestAcceptValidates(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		_, _, err := b.s.Accept(t.Context(), domain.Inbound{Channel: domain.WebChat, Text: "x"}, "u")
		if !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("message without id: err = %v, want invalid", err)
		}
	})
}

func TestConcurrentFirstMessagesCreateOneConversation(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		const users, perUser = 4, 8
		var wg sync.WaitGroup
		ids := make([][]int64, users)
		errs := make(chan error, users*perUser)
		for u := range users {
			ids[u] = make([]int64, perUser)
			for m := range perUser {
				wg.Go(func() {
					id, dup, err := b.s.Accept(context.Background(),
						msg(fmt.Sprintf("u%d-m%d", u, m), "first"), fmt.Sprintf("new-user-%d", u))
					if err == nil && dup {
						err = fmt.Errorf("message %d of user %d reported duplicate", m, u)
					}
					if err != nil {
						errs <- err
					}
					ids[u][m] = id
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for u := range users {
			for m := range perUser {
				if ids[u][m] != ids[u][0] || ids[u][m] == 0 {
					t.Fatalf("user %d: conversations %v, want one", u, ids[u])
				}
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM conversations"); n != users {
			t.Fatalf("%d conversations, want %d", n, users)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM inbound_messages"); n != users*perUser {
			t.Fatalf("%d inbound messages, want %d", n, users*perUser)
		}
	})
}

func TestNextInboundReturnsMessagesInOrder(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("a", "one"), "u1")
		accept(t, b.s, msg("b", "two"), "u1")
		accept(t, b.s, msg("c", "three"), "u1")
		accept(t, b.s, msg("d", "elsewhere"), "u2")

		in, ok, err := b.s.NextInbound(ctx, conv)
		if err != nil || !ok || in.Text != "one" || in.ChannelMessageID != "a" || in.ConversationID != conv {
			t.Fatalf("NextInbound = %+v %v %v, want the first message", in, ok, err)
		}
		rec := &recorder{}
		if err := echo(b.s, rec)(ctx, conv); err != nil {
			t.Fatal(err)
		}
		if _, texts, _ := rec.snapshot(); fmt.Sprint(texts) != "[one two three]" {
			t.Fatalf("processed %v, want [one two three]", texts)
		}
		if _, ok, _ := b.s.NextInbound(ctx, conv); ok {
			t.Fatal("NextInbound after processing everything: ok = true")
		}
		out, err := b.s.OutboundAfter(ctx, conv, 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2 || out[0].Seq != 2 || out[0].Text != "echo two" || out[1].Seq != 3 || out[1].Text != "echo three" {
			t.Fatalf("OutboundAfter(1) = %+v, want seq 2 and 3", out)
		}
	})
}

func TestConversationByUser(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		if _, ok, err := b.s.ConversationByUser(ctx, domain.WhatsApp, "u1"); ok || err != nil {
			t.Fatalf("unknown user: ok=%v err=%v", ok, err)
		}
		id := accept(t, b.s, msg("a", "hi"), "u1")
		c, ok, err := b.s.ConversationByUser(ctx, domain.WhatsApp, "u1")
		if err != nil || !ok || c.ID != id || c.UserID != "u1" || c.Channel != domain.WhatsApp || c.Version != 0 {
			t.Fatalf("ConversationByUser = %+v %v %v", c, ok, err)
		}
		if _, ok, _ := b.s.ConversationByUser(ctx, domain.Messenger, "u1"); ok {
			t.Fatal("the same user id on another channel is another conversation")
		}
		if _, err := b.s.Conversation(ctx, id+100); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("unknown conversation: err = %v, want not found", err)
		}
	})
}
