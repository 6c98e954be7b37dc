package flows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// jansenToSummary walks Eva Jansen (JN7KQP, domestic, check-in open) to the summary
// before check-in.
func jansenToSummary() []line {
	return []line{
		{intent: "check_in", want: []string{"booking reference"}},
		{say: "JN7KQP Jansen", want: []string{"Shall I check in Eva Jansen?"}},
		{tap: "pax:", want: []string{"dangerous goods"}},
		{tap: "yes", want: []string{"Eva Jansen", "SB1501"}},
		{tap: "seat:keep", want: []string{"Please check before I check you in", "Eva Jansen"}},
	}
}

// Every branch of check-in no other test takes: leaving at each step, the
// dangerous-goods answers, the seat change from the summary, and each way the
// booking system can answer the check-in itself.
func TestCheckInBranches(t *testing.T) {
	t.Parallel()
	cases := map[string]func(t *testing.T, h *coverageHarness) []line{
		"no at the passenger question": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "check_in"},
				{say: "JN7KQP Jansen", want: []string{"Shall I check in Eva Jansen?"}},
				{tap: "no", want: []string{"haven't checked anyone in", "What can I do"}},
			}
		},
		"cancel at the summary": func(t *testing.T, h *coverageHarness) []line {
			return script(jansenToSummary(), []line{
				{tap: "no", want: []string{"haven't checked anyone in"}, not: []string{"You're checked in"}},
			})
		},
		"change seats from the summary": func(t *testing.T, h *coverageHarness) []line {
			return script(jansenToSummary(), []line{
				{tap: "confirm:seats", want: []string{"Eva Jansen", "SB1501"}, not: []string{"Please check before"}},
				{tap: "seat:pick", want: []string{"Which seat would you like for Eva Jansen"}},
				{tap: "seat:", want: []string{"Please check before I check you in"}},
				{tap: "yes", want: []string{"You're checked in", "boarding pass"}},
			})
		},
		"carries dangerous goods": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "check_in"},
				{say: "JN7KQP Jansen"},
				{tap: "pax:", want: []string{"dangerous goods"}},
				{tap: "no", want: []string{"can't check in online when carrying dangerous goods", "check-in desk"}},
			}
		},
		"no seat choice: from the statement straight to the summary": func(t *testing.T, h *coverageHarness) []line {
			h.publishRules(t, func(r *flows.Rules) { r.SeatChoice = false })
			return []line{
				{intent: "check_in"},
				{say: "JN7KQP Jansen"},
				{tap: "pax:", want: []string{"dangerous goods"}},
				{tap: "yes", want: []string{"Please check before I check you in", "seat assigned at check-in"},
					not: []string{"Keep it?", "Assign a seat", "Change seats"}},
				{tap: "yes", want: []string{"You're checked in"}},
			}
		},
		"booking system down at the look-up": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "check_in"},
				{do: func(*salesHarness) { h.pss.down.Store(true) }, say: "JN7KQP Jansen",
					want: []string{"isn't responding", "booking reference"}},
				{do: func(*salesHarness) { h.pss.down.Store(false) }, say: "JN7KQP Jansen",
					want: []string{"Shall I check in Eva Jansen?"}},
			}
		},
		"check-in times out, then works": func(t *testing.T, h *coverageHarness) []line {
			return script(jansenToSummary(), []line{
				{do: func(*salesHarness) { h.checkIns.fail(errTimeout) }, tap: "yes",
					want: []string{"isn't responding", "Please check before I check you in"}, not: []string{"You're checked in"}},
				{do: func(*salesHarness) { h.checkIns.fail(nil) }, tap: "yes", want: []string{"You're checked in"}},
			})
		},
		"booking system refuses the check-in": func(t *testing.T, h *coverageHarness) []line {
			return script(jansenToSummary(), []line{
				{do: func(*salesHarness) { h.checkIns.fail(errCheckInRefused) }, tap: "yes",
					want: []string{"couldn't complete the check-in", "colleague"}, not: []string{"You're checked in"}},
			})
		},
		"flight closed by the booking system after the summary": func(t *testing.T, h *coverageHarness) []line {
			return script(jansenToSummary(), []line{
				{do: func(*salesHarness) {
					h.checkIns.fail(domain.Errorf(domain.Forbidden, "check in", string(domain.WindowClosed)))
				}, tap: "yes", want: []string{"nothing I can check in right now"}, not: []string{"You're checked in"}},
			})
		},
		"window closes while the summary is open": func(t *testing.T, h *coverageHarness) []line {
			dep := h.booking(t, "JN7KQP").Segments[0].Flight.Departure
			return script(jansenToSummary(), []line{
				{do: func(*salesHarness) { h.clock.Advance(dep.Sub(h.clock.Now()) - 30*time.Minute) }, tap: "yes",
					want: []string{"nothing I can check in right now", "SB1501", "closed"}, not: []string{"You're checked in"}},
			})
		},
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newCoverageHarness(t)
			play(t, h.salesHarness, "ci", steps(t, h))
		})
	}
}

// TestCheckInSeatTakenMeanwhile: the seat Eva picked is taken by another booking
// on the same flight before she confirms; the booking system refuses it and she
// chooses again.
func TestCheckInSeatTakenMeanwhile(t *testing.T) {
	t.Parallel()
	h := newCoverageHarness(t)
	tr := h.traveller("seat")
	tr.send("Check in", "intent:check_in")
	expect(t, tr.say("JN7KQP Jansen"), "Shall I check in Eva Jansen?")
	expect(t, tr.tap("pax:"), "dangerous goods")
	tr.tap("yes")
	expect(t, tr.tap("seat:pick"), "Which seat would you like for Eva Jansen")
	var seat string
	for _, o := range tr.last {
		for _, c := range o.Choices {
			if seat == "" && strings.HasPrefix(c.ID, "seat:") {
				seat = strings.TrimPrefix(c.ID, "seat:")
			}
		}
	}
	expect(t, tr.tap("seat:"+seat), "Please check before I check you in", seat)

	// Meanwhile Jürgen Müller (MU3ACC, same flight) checks in on that seat.
	other := h.booking(t, "MU3ACC")
	if other.Segments[0].Flight.ID != h.booking(t, "JN7KQP").Segments[0].Flight.ID {
		t.Fatal("MU3ACC and JN7KQP must share a flight")
	}
	_, err := h.bookings().CheckIn(context.Background(), domain.CheckInRequest{IdempotencyKey: "other-device", Locator: other.Locator,
		SegmentID: other.Segments[0].ID, Passengers: []domain.PassengerCheckIn{{PassengerID: other.Passengers[0].ID, Seat: seat, DangerousGoodsAck: true}}})
	if err != nil {
		t.Fatal(err)
	}

	out := tr.tap("yes")
	expect(t, out, "One of the seats was taken a moment ago", "Eva Jansen")
	expectNot(t, out, "You're checked in")
	out = tr.tap("seat:pick")
	for _, o := range out {
		for _, c := range o.Choices {
			if c.ID == "seat:"+seat {
				t.Fatalf("seat %s is offered again:\n%s", seat, transcript(out))
			}
		}
	}
	expect(t, tr.tap("seat:"), "Please check before I check you in")
	out = tr.tap("yes")
	expect(t, out, "You're checked in")
	if len(passes(out, domain.OutDocument)) != 1 {
		t.Fatalf("want one boarding pass:\n%s", transcript(out))
	}
}
