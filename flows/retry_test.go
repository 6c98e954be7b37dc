package flows_test

import (
	"context"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// toConfirm walks JN7KQP to the confirmation question.
func toConfirm(t *testing.T, tr *traveller) {
	t.Helper()
	run(t, tr, []step{
		{say: "check in"},
		{say: "JN7KQP Jansen"},
		{tap: "pax:"},
		{tap: "yes"},
		{tap: "seat:keep", want: []string{"Please check"}},
	})
}

// TestRetriedCheckInTurnStillSendsThePass: the booking system checked the traveller
// in, but the turn was never committed (the instance died, or lost the
// compare-and-swap). The retried turn must replay the same request and hand over
// the boarding pass — not claim success with nothing, nor check in twice.
func TestRetriedCheckInTurnStillSendsThePass(t *testing.T) {
	h := sqlite(t)
	ctx := context.Background()
	tr := h.traveller("x")
	toConfirm(t, tr)
	in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: tr.user + ":confirm", Text: "Check in", Payload: "yes", ReceivedAt: h.clock.Now()}
	id, _, err := h.store.Accept(ctx, in, tr.user)
	if err != nil {
		t.Fatal(err)
	}
	pending, _, _ := h.store.NextInbound(ctx, id)
	conv, _ := h.store.Conversation(ctx, id)
	lost, err := h.engine.Turn(ctx, conv, pending) // computed, never committed
	if err != nil || len(lost.Passes) != 1 {
		t.Fatalf("first attempt: %v, %d passes", err, len(lost.Passes))
	}
	if err := h.engine.Process(ctx, id); err != nil {
		t.Fatal(err)
	}
	out, _ := h.store.OutboundAfter(ctx, id, tr.lastSeq, 100)
	expect(t, out, "You're checked in")
	if n := len(passes(out, domain.OutDocument)); n != 1 {
		t.Fatalf("%d boarding passes after the retry, want 1:\n%s", n, transcript(out))
	}
	b, _ := h.bookings().FindBooking(ctx, "JN7KQP")
	if len(b.CheckIns) != 1 {
		t.Fatalf("%d check-ins, want exactly 1", len(b.CheckIns))
	}
}

// TestWindowClosingBeforeConfirmationIsExplained: nothing is claimed when the
// window closed between the summary and the "yes".
func TestWindowClosingBeforeConfirmationIsExplained(t *testing.T) {
	h := sqlite(t)
	tr := h.traveller("x")
	toConfirm(t, tr)
	h.clock.Advance(24 * time.Hour)
	out := tr.tap("yes")
	expectNot(t, out, "You're checked in")
	expect(t, out, "closed")
}

// TestTwoDevicesCheckingInTheSameBooking: the second confirmation finds the
// passengers checked in by the first and hands over the same boarding pass.
func TestTwoDevicesCheckingInTheSameBooking(t *testing.T) {
	h := sqlite(t)
	phone, laptop := h.traveller("phone"), h.traveller("laptop")
	toConfirm(t, phone)
	toConfirm(t, laptop)
	first := phone.tap("yes")
	second := laptop.tap("yes")
	a, b := passes(first, domain.OutDocument), passes(second, domain.OutDocument)
	if len(a) != 1 || len(b) != 1 || a[0] != b[0] {
		t.Fatalf("passes %v and %v, want the same one on both devices:\n%s", a, b, transcript(second))
	}
}
