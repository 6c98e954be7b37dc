package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// eachBench runs fn on SQLite and on PostgreSQL (skipped without TEST_DATABASE_URL).
func eachBench(b *testing.B, fn func(b *testing.B, db *database.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, dbtest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, dbtest.Postgres(b)) })
}

// BenchmarkAccept measures storing one inbound message with its job (conversations
// already exist, as for most messages).
func BenchmarkAccept(b *testing.B) {
	eachBench(b, func(b *testing.B, db *database.DB) {
		s := setup(b, db, Options{}).s
		ctx := context.Background()
		for u := range 100 {
			accept(b, s, msg(fmt.Sprintf("warm-%d", u), "hi"), fmt.Sprintf("u%d", u))
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			in := msg(fmt.Sprintf("m%d", i), "I would like to check in, booking ABC123")
			if _, _, err := s.Accept(ctx, in, fmt.Sprintf("u%d", i%100)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCommitTurn measures saving one typical turn: state, one transition and
// two outbound messages.
func BenchmarkCommitTurn(b *testing.B) {
	eachBench(b, func(b *testing.B, db *database.DB) {
		s := setup(b, db, Options{}).s
		ctx := context.Background()
		conv := accept(b, s, msg("a", "hi"), "u1")
		c, err := s.Conversation(ctx, conv)
		if err != nil {
			b.Fatal(err)
		}
		c.Data = []byte(`{"locator":"ABC123","passengers":[1,2]}`)
		b.ResetTimer()
		for b.Loop() {
			err := s.CommitTurn(ctx, domain.Turn{
				Conversation: c,
				Transitions:  []domain.Transition{{Flow: "checkin", From: "a", To: "b", Event: "next"}},
				Outbound: []domain.Outbound{
					{Kind: domain.OutText, Text: "Found your booking."},
					{Kind: domain.OutChoices, Text: "Who is checking in?", Choices: []domain.Choice{{ID: "1", Title: "Jan"}, {ID: "2", Title: "Eva"}}},
				},
			})
			if err != nil {
				b.Fatal(err)
			}
			c.Version++
		}
	})
}
