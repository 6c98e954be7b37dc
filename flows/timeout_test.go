package flows_test

import (
	"context"
	"testing"
	"time"
)

func TestAbandonedFlowIsRemindedOnceThenExpires(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	ctx := context.Background()
	tr := h.traveller("idle")
	tr.send("Change flight", "intent:change_flight")
	expect(t, tr.say("JN7KQP Jansen"), "Which date")

	sweep := func() (int, int) {
		t.Helper()
		r, x, err := h.engine.SweepIdle(ctx, h.store)
		if err != nil {
			t.Fatal(err)
		}
		return r, x
	}
	h.clock.Advance(10 * time.Minute)
	if r, x := sweep(); r+x != 0 {
		t.Fatalf("10 minutes idle: %d reminders, %d expiries, want none", r, x)
	}
	h.clock.Advance(6 * time.Minute)
	if r, _ := sweep(); r != 1 {
		t.Fatalf("16 minutes idle: %d reminders, want 1", r)
	}
	if r, _ := sweep(); r != 0 {
		t.Fatalf("a second sweep of the same idle period queued %d more reminders", r)
	}
	out, err := tr.process()
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "Are you still there?", "Which date")

	h.clock.Advance(45 * time.Minute)
	if _, x := sweep(); x != 1 {
		t.Fatalf("61 minutes idle: %d expiries, want 1", x)
	}
	out, err = tr.process()
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "closed our unfinished conversation")
	if c := tr.state(); c.Flow != "" {
		t.Fatalf("expired flow still at %s/%s", c.Flow, c.State)
	}
	if r, x := sweep(); r+x != 0 {
		t.Fatalf("an idle conversation outside any flow got %d reminders, %d expiries", r, x)
	}
}

func TestReminderSkippedWhenTheTravellerCameBack(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	ctx := context.Background()
	alternativesFor(t, h, "JN7KQP")
	tr := h.traveller("back")
	tr.send("Change flight", "intent:change_flight")
	tr.say("JN7KQP Jansen")
	h.clock.Advance(20 * time.Minute)
	if r, _, err := h.engine.SweepIdle(ctx, h.store); err != nil || r != 1 {
		t.Fatalf("reminders %d, err %v", r, err)
	}
	// The traveller writes before the reminder is processed: it is processed
	// after their message and says nothing.
	out := tr.say(dayAfter(t, h, "JN7KQP", 2))
	expect(t, out, "1. ")
	expectNot(t, out, "Are you still there?")
}
