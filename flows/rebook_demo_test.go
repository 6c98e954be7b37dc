package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
)

// PR4NCE's flight was cancelled and the airline already moved the traveller to the
// next morning's flight, in the demo booking system itself: she may keep it, or
// have it replaced at no cost.
func TestDemoProtectedFlightCanBeKeptOrReplaced(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	keep := h.traveller("demo-keep")
	keep.send("Rebook or refund", "intent:disruption")
	expect(t, keep.say("PR4NCE Peeters"), "already moved you to", "SB1371", "Keep my flight", "Another flight", "Refund")
	expect(t, keep.tap("rebook:keep"), "you keep your flight")

	other := h.traveller("demo-other")
	other.send("Rebook or refund", "intent:disruption")
	other.say("PR4NCE Peeters")
	out := other.tap("rebook:other")
	expect(t, out, "no cost")
	expectNot(t, out, "to pay")
	expect(t, other.tap("alt:1"), "free of charge")
	expect(t, other.tap("yes"), "booking PR4NCE is changed")
	b, err := h.bookings().FindBooking(t.Context(), "PR4NCE")
	if err != nil {
		t.Fatal(err)
	}
	var confirmed []string
	for _, sg := range b.Segments {
		if sg.Status == domain.SegmentConfirmed {
			confirmed = append(confirmed, sg.Flight.Number.String())
		}
	}
	if len(confirmed) != 1 || confirmed[0] == "SB1371" {
		t.Fatalf("confirmed flights after the rebooking: %v, want one that replaced SB1371", confirmed)
	}
}

// The traveller of PR4NCE checked in on the flight the airline protected her on,
// then takes another at no cost: she is checked in on it with the passport on
// file, gets the new pass and the EU 261 notice.
func TestDemoRebookingChecksInAgain(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	// The next morning: check-in is open for the protected flight and the
	// afternoon one.
	h.clock.Advance(21 * time.Hour)
	tr := h.traveller("demo-recheck")
	tr.send("Check in", "intent:check_in")
	expect(t, tr.say("PR4NCE Peeters"), "SB1371")
	expect(t, tr.tap("pax:"), "passport")
	tr.say("NX4711PP")
	tr.say("Belgium")
	tr.tap("same")
	tr.say("05-05-2031")
	expect(t, tr.say("05-05-1990"), "dangerous goods")
	tr.say("yes")
	tr.tap("seat:keep")
	old := passes(tr.say("yes"), domain.OutImage)
	if len(old) != 1 {
		t.Fatalf("want one pass on SB1371:\n%s", transcript(tr.last))
	}

	tr.send("Rebook or refund", "intent:disruption")
	expect(t, tr.say("PR4NCE Peeters"), "already moved you to")
	expect(t, tr.tap("rebook:other"), "SB1373")
	tr.tapTitle("SB1373")
	out := tr.tap("yes")
	expect(t, out, "booking PR4NCE is changed", "checked you in on your new flight too", "SB1373", "Regulation 261/2004")
	imgs := passes(out, domain.OutImage)
	if len(imgs) != 1 {
		t.Fatalf("want the new pass:\n%s", transcript(out))
	}
	token := strings.TrimSuffix(strings.TrimPrefix(imgs[0], "/passes/"), ".png")
	bp, err := h.store.Pass(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	code, err := bcbp.Decode(bp.BCBP)
	if err != nil || code.Legs[0].Flight != 1373 || code.Legs[0].To != "NCE" {
		t.Fatalf("new pass %q: %+v, %v", bp.BCBP, code.Legs, err)
	}
	if _, err := h.store.Pass(context.Background(), strings.TrimSuffix(strings.TrimPrefix(old[0], "/passes/"), ".png")); !domain.IsCode(err, domain.NotFound) {
		t.Fatalf("the pass for SB1371 is still served: %v", err)
	}
}
