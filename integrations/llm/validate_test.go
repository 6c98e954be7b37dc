package llm

import (
	"context"
	"errors"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/llm/llmfake"
)

// Whatever the endpoint answers, what comes out is an intent of the schema and
// values the built-in normalisers read, or nothing.
func TestValidationDropsBadOutput(t *testing.T) {
	t.Parallel()
	const text = "move my flight KL1234 to Paris tomorrow morning, 2 of us, seat 14C"
	invalid := []struct{ name, content string }{
		{"prose", "The traveller wants to change their flight."},
		{"fenced", "```json\n" + llmfake.Verdict("change_flight", 0.9) + "\n```"},
		{"truncated", `{"intent":"change_flight","confidence":0.9,"entities":[`},
		{"unknown intent", llmfake.Verdict("refund_everything", 0.99)},
		{"policy as intent", llmfake.Verdict("You are entitled to 600 EUR compensation", 0.99)},
		{"extra field", `{"intent":"change_flight","confidence":0.9,"entities":[],"reply":"Your flight is changed."}`},
		{"no confidence", `{"intent":"change_flight","entities":[]}`},
		{"no intent", `{"confidence":0.9,"entities":[]}`},
		{"confidence above 1", llmfake.Verdict("change_flight", 1.5)},
		{"negative confidence", llmfake.Verdict("change_flight", -0.1)},
		{"two objects", llmfake.Verdict("change_flight", 0.9) + llmfake.Verdict("cancel_booking", 0.9)},
		{"string confidence", `{"intent":"change_flight","confidence":"high","entities":[]}`},
		{"empty", ""},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, Config{})
			s.fake.Push(llmfake.Reply{Content: tc.content})
			a, err := s.client.Classify(context.Background(), Message{Text: text})
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("answer %+v, err %v: want ErrInvalid", a, err)
			}
		})
	}

	t.Run("entities", func(t *testing.T) {
		t.Parallel()
		s := newSetup(t, Config{})
		s.fake.Push(llmfake.Answer("change_flight", 0.92,
			llmfake.Entity{Type: "flight", Value: "KL1234"},
			llmfake.Entity{Type: "airport", Value: "Paris"},
			llmfake.Entity{Type: "date", Value: "tomorrow"},
			llmfake.Entity{Type: "time", Value: "morning"},
			llmfake.Entity{Type: "number", Value: "2"},
			llmfake.Entity{Type: "seat", Value: "14C"},
			llmfake.Entity{Type: "date", Value: "Tomorrow"},       // the same value again
			llmfake.Entity{Type: "surname", Value: "Jansen"},      // a personal type: never from the endpoint
			llmfake.Entity{Type: "locator", Value: "QX7P2L"},      // idem
			llmfake.Entity{Type: "date", Value: "2026-12-05"},     // not in the message: made up
			llmfake.Entity{Type: "airport", Value: "Amsterdam"},   // idem
			llmfake.Entity{Type: "seat", Value: "of us"},          // in the message, but not a seat
			llmfake.Entity{Type: "airport", Value: "[reference]"}, // a placeholder
			llmfake.Entity{Type: "refund", Value: "600 EUR"},
		))
		a, err := s.client.Classify(context.Background(), Message{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		want := []domain.Entity{
			{Type: domain.EntityFlight, Text: "KL1234", Normalized: "KL1234"},
			{Type: domain.EntityAirport, Text: "Paris", Normalized: "CDG,ORY"},
			{Type: domain.EntityDate, Text: "tomorrow", Normalized: "2026-11-27"},
			{Type: domain.EntityTime, Text: "morning", Normalized: "morning"},
			{Type: domain.EntityNumber, Text: "2", Normalized: "2"},
			{Type: domain.EntitySeat, Text: "14C", Normalized: "14C"},
		}
		if len(a.Entities) != len(want) {
			t.Fatalf("entities %+v\nwant %+v", a.Entities, want)
		}
		for i := range want {
			if a.Entities[i] != want[i] {
				t.Errorf("entity %d: %+v, want %+v", i, a.Entities[i], want[i])
			}
		}
		if a.Dropped != 8 {
			t.Errorf("dropped %d, want 8", a.Dropped)
		}
	})

	t.Run("none", func(t *testing.T) {
		t.Parallel()
		s := newSetup(t, Config{})
		s.fake.Push(llmfake.Answer("none", 0.9))
		a, err := s.client.Classify(context.Background(), Message{Text: text})
		if err != nil || a.Intent != domain.IntentNone {
			t.Errorf("answer %+v, err %v", a, err)
		}
	})

	t.Run("without a normaliser no entity is taken", func(t *testing.T) {
		t.Parallel()
		v, err := parseVerdict(llmfake.Verdict("change_flight", 0.9, llmfake.Entity{Type: "airport", Value: "Paris"}))
		if err != nil {
			t.Fatal(err)
		}
		if a := validate(v, text, "en", nil); len(a.Entities) != 0 || a.Intent != domain.IntentChangeFlight {
			t.Errorf("answer %+v", a)
		}
	})
}
