package llm

import (
	"context"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/llm/llmfake"
)

func BenchmarkMask(b *testing.B) {
	text := "Please change booking QX7P2L for Pieter Bakker to Friday, mail p.bakker@example.nl or call +31 20 123 4567"
	found := []domain.Entity{ent(domain.EntityLocator, "QX7P2L"), ent(domain.EntitySurname, "Pieter Bakker"), ent(domain.EntityDate, "Friday")}
	for b.Loop() {
		Mask(text, found)
	}
}

// What a second opinion costs a turn against a local endpoint, and what it
// costs once the circuit is open.
func BenchmarkDecide(b *testing.B) {
	for _, bc := range []struct {
		name  string
		reply llmfake.Reply
	}{
		{"answered", llmfake.Answer("change_flight", 0.95)},
		{"circuit open", llmfake.Reply{Status: 500}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := newSetup(b, Config{TripAfter: 1, OpenFor: time.Hour})
			s.fake.Answer = func(string) llmfake.Reply { return bc.reply }
			u := NewUnderstander(fixed(unsureChange), s.client, UnderstanderConfig{})
			for b.Loop() {
				u.Decide(context.Background(), "can I move my booking to another day", "en")
			}
		})
	}
}
