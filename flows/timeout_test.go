package flows_test

import (
	"context"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

func TestAbandonedFlowIsRemindedOnceThenExpires(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("idle")
	tr.send("Change flight", "intent:change_flight")
	expect(t, tr.say("JN7KQP Jansen"), "Which date")

	sweep := func() (int, int) { return sweepIdle(t, h.engine, h.store) }
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

// A flow handed back to the bot long after the traveller's last message waits
// on them from the hand-back: the next sweep neither reminds nor expires it at
// once, and the usual reminder and expiry follow from the hand-back.
func TestHandBackRestartsTheIdleClock(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	ctx := context.Background()
	tr := h.traveller("handback-idle")
	tr.send("Change flight", "intent:change_flight")
	expect(t, tr.say("JN7KQP Jansen"), "Which date")
	expect(t, tr.send("Talk to a person", "intent:human"), "asked a colleague")
	sweep := func() (int, int) { return sweepIdle(t, h.engine, h.store) }
	h.clock.Advance(2 * time.Hour)
	if r, x := sweep(); r+x != 0 {
		t.Fatalf("a conversation a person owns got %d reminders, %d expiries", r, x)
	}
	// Staff hand back: a system message, which does not open the channel window.
	if _, err := h.store.AcceptSystem(ctx, domain.Inbound{ConversationID: tr.conv, Channel: domain.WebChat,
		ChannelMessageID: "staff:handback:idle", Payload: "staff:handback", ReceivedAt: h.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	out, err := tr.process()
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "I'm back", "Which date")
	if r, x := sweep(); r+x != 0 {
		t.Fatalf("right after the hand-back: %d reminders, %d expiries, want none", r, x)
	}
	h.clock.Advance(16 * time.Minute)
	if r, x := sweep(); r != 1 || x != 0 {
		t.Fatalf("16 minutes after the hand-back: %d reminders, %d expiries, want 1 reminder", r, x)
	}
	out, err = tr.process()
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "Are you still there?", "Which date")
	h.clock.Advance(45 * time.Minute)
	if _, x := sweep(); x != 1 {
		t.Fatalf("61 minutes after the hand-back: %d expiries, want 1", x)
	}
	out, err = tr.process()
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "closed our unfinished conversation")
	if c := tr.state(); !c.LastInboundAt.Before(h.clock.Now().Add(-2 * time.Hour)) {
		t.Fatalf("the hand-back moved the traveller's last message (the channel window) to %v", c.LastInboundAt)
	}
}

// Each conversation's reminder and expiry follow the content version it is
// pinned to, not the newest one.
func TestSweepUsesTheTimeoutsOfThePinnedVersion(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	ctx := context.Background()
	old := h.traveller("pinned-old") // default timeouts: remind at 15, expire at 60
	old.send("Change flight", "intent:change_flight")
	expect(t, old.say("JN7KQP Jansen"), "Which date")

	c, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	c.Rules.Timeouts = &flows.Timeouts{ReminderMinutes: 30, ExpireMinutes: 90}
	body, err := flows.MarshalContent(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.PublishContent(ctx, body, "editor", "slower reminders"); err != nil {
		t.Fatal(err)
	}
	young := h.traveller("pinned-new") // starts after the publication: 30 and 90
	young.send("Change flight", "intent:change_flight")
	expect(t, young.say("JN7KQP Jansen"), "Which date")

	h.clock.Advance(20 * time.Minute)
	if r, x, err := h.engine.SweepIdle(ctx, h.store); err != nil || r != 1 || x != 0 {
		t.Fatalf("20 minutes: %d reminders, %d expiries (err %v), want the old conversation's reminder only", r, x, err)
	}
	expect(t, mustProcess(t, old), "Are you still there?")
	if out := mustProcess(t, young); len(out) != 0 {
		t.Fatalf("the newer conversation was reminded at 20 minutes under a 30-minute rule:\n%s", transcript(out))
	}
	h.clock.Advance(15 * time.Minute) // 35
	if r, x, err := h.engine.SweepIdle(ctx, h.store); err != nil || r != 1 || x != 0 {
		t.Fatalf("35 minutes: %d reminders, %d expiries (err %v), want the newer conversation's reminder", r, x, err)
	}
	expect(t, mustProcess(t, young), "Are you still there?")
	h.clock.Advance(30 * time.Minute) // 65
	if r, x, err := h.engine.SweepIdle(ctx, h.store); err != nil || r != 0 || x != 1 {
		t.Fatalf("65 minutes: %d reminders, %d expiries (err %v), want the old conversation's expiry only", r, x, err)
	}
	expect(t, mustProcess(t, old), "closed our unfinished conversation")
	if c := young.state(); c.Flow != "change" {
		t.Fatalf("the newer conversation expired at 65 minutes under a 90-minute rule: at %s/%s", c.Flow, c.State)
	}
}

func mustProcess(t *testing.T, tr *traveller) []domain.Outbound {
	t.Helper()
	out, err := tr.process()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sweepIdle runs one sweep for abandoned flows and returns the reminders and
// expiries it queued.
func sweepIdle(t *testing.T, e *flows.Engine, st flows.IdleStore) (reminders, expiries int) {
	t.Helper()
	r, x, err := e.SweepIdle(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return r, x
}
