package flows_test

import (
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

// A clarifying question answered with a booking reference alone is asked again,
// with the reference kept: the traveller is not sent into check-in because a
// reference is what check-in asks for, and the flow they pick starts with it.
func TestClarifyingQuestionAnsweredWithABookingReference(t *testing.T) {
	t.Parallel()
	const unsure = "something about my booking for next week"
	h := newHarness(t, dbtest.SQLite(t))
	demo := pss.NewDemo(h.db, h.sealer, h.clock.Now)
	pay := newPayFake()
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: scripted(t, map[string]domain.Understanding{
		unsure: {Lang: "en", LangConfidence: 1, Confidence: 0.2, Unsure: true,
			Alternatives: []domain.Intent{domain.IntentChangeFlight, domain.IntentCancel}},
	}), Bookings: demo, Now: h.clock.Now, Log: testLogger(t), Ancillaries: demo, Changes: demo, Payments: pay, Ledger: pay,
		Statuses: h.store})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	tr := h.traveller("clarify-locator")
	expect(t, tr.say(unsure), "Did you mean one of these")
	out := tr.say("JN7KQP")
	expect(t, out, "I have booking JN7KQP", "What would you like to do with it?")
	if c := tr.state(); c.Flow != "" {
		t.Fatalf("a bare reference after a clarifying question started %s/%s", c.Flow, c.State)
	}
	choices := map[string]bool{}
	for _, o := range out {
		for _, c := range o.Choices {
			choices[c.ID] = true
		}
	}
	if !choices["intent:change_flight"] || !choices["intent:cancel_booking"] || choices["intent:check_in"] {
		t.Fatalf("choices %v: want the clarifying question's own, not check-in", choices)
	}
	// Picking one starts that flow with the reference: only the surname is asked.
	out = tr.send("Change flight", "intent:change_flight")
	expect(t, out, "surname")
	expectNot(t, out, "booking reference")
	expect(t, tr.say("Jansen"), "Which date")
	if c := tr.state(); c.Flow != "change" {
		t.Fatalf("at %s/%s, want the change flow", c.Flow, c.State)
	}

	// Without a clarifying question before it, a bare reference still means check-in.
	other := h.traveller("bare-locator")
	expect(t, other.say("JN7KQP"), "surname")
	if c := other.state(); c.Flow != "checkin" {
		t.Fatalf("a bare reference on its own: at %s/%s, want check-in", c.Flow, c.State)
	}
}
