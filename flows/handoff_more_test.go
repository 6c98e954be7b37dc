package flows_test

import (
	"context"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// system puts a system message (a staff action, a payment report) into the
// traveller's conversation and returns the bot's answer.
func (tr *traveller) system(id, payload string) ([]domain.Outbound, error) {
	tr.h.t.Helper()
	in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: id, Payload: payload, ReceivedAt: tr.h.clock.Now()}
	if _, _, err := tr.h.store.Accept(context.Background(), in, tr.user); err != nil {
		tr.h.t.Fatal(err)
	}
	return tr.process()
}

func TestHandoffParksTheFlowAndHandBackResumesIt(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	alternativesFor(t, h, "JN7KQP")
	tr := h.traveller("park")
	tr.send("Change flight", "intent:change_flight")
	expect(t, tr.say("JN7KQP Jansen"), "Which date")
	expect(t, tr.send("Talk to a person", "intent:human"), "asked a colleague")
	if c := tr.state(); c.Flow != "handoff" {
		t.Fatalf("at %s/%s, want handoff", c.Flow, c.State)
	}
	tr.say("hello?")
	if out := tr.say("anyone there?"); len(out) != 0 {
		t.Fatalf("while a person owns the conversation the bot is silent after its notices:\n%s", transcript(out))
	}
	out, err := tr.system("staff:1", "staff:handback")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "I'm back", "Which date")
	expectNot(t, out, "What can I do for you?", "booking reference")
	if c := tr.state(); c.Flow != "change" || c.State != "ask_date" {
		t.Fatalf("at %s/%s, want change/ask_date", c.Flow, c.State)
	}
	// What was collected before the handoff is still there: the date leads on.
	expect(t, tr.say(dayAfter(t, h, "JN7KQP", 2)), "1. ", "to pay €75.00")
}

func TestTakeoverAndHandBackAtANamedStep(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	alternativesFor(t, h, "JN7KQP")
	tr := h.traveller("takeover")
	tr.send("Change flight", "intent:change_flight")
	tr.say("JN7KQP Jansen")
	tr.say(dayAfter(t, h, "JN7KQP", 2))
	out, err := tr.system("staff:2", "staff:takeover")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "A colleague has joined")
	for _, msg := range []string{"can you help me choose?", "I'd like to change my flight", "check in", "what's my gate?"} {
		if out := tr.say(msg); len(out) != 0 {
			t.Fatalf("the bot must be silent while a person owns the conversation; %q got:\n%s", msg, transcript(out))
		}
	}
	if c := tr.state(); c.Flow != "handoff" {
		t.Fatalf("the traveller's messages took the conversation from the person: at %s/%s", c.Flow, c.State)
	}
	out, err = tr.system("staff:3", "staff:handback:ask_date")
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "I'm back", "Which date")
	// Handing back twice is harmless: nothing parked, the menu.
	out, _ = tr.system("staff:4", "staff:handback")
	expect(t, out, "What can I do for you?")
}

func TestCorrectionLooksTheBookingUpAgain(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("correct")
	tr.say("check in")
	expect(t, tr.say("JN7KQP Jansen"), "I found booking JN7KQP", "Jansen")
	out := tr.say("no sorry, my booking is DB4LHR and surname Dubois")
	expect(t, out, "DB4LHR", "Dubois")
	expectNot(t, out, "Jansen")
	c := tr.state()
	if c.Flow != "checkin" {
		t.Fatalf("at %s/%s", c.Flow, c.State)
	}
}
