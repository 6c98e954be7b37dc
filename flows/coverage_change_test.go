package flows_test

import (
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Every branch of the voluntary change and of cancelling a booking: leaving at
// each step, the look-up's failures, a booking with two flights or none to
// change, the booking system failing or refusing at each call, and options that
// expire before the change is made.
func TestChangeBranches(t *testing.T) {
	t.Parallel()
	cases := map[string]func(t *testing.T, h *coverageHarness) []line{
		"no at the booking question": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight", want: []string{"changing your flight", "booking reference"}},
				{say: "no", want: []string{"I've changed nothing"}},
			}
		},
		"reference alone, wrong surname, then right; no at the date": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight"},
				{say: "JN7KQP", want: []string{"surname"}},
				{say: "Smith", want: []string{"couldn't find a booking"}},
				{say: "JN7KQP Jansen", want: []string{"You're booked on SB1501", "50.00 per passenger", "Which date"}},
				{say: "no", want: []string{"I've changed nothing"}},
			}
		},
		"booking system down at the look-up": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight"},
				{do: func(*salesHarness) { h.pss.down.Store(true) }, say: "JN7KQP Jansen", want: []string{"isn't responding"}},
				{do: func(*salesHarness) { h.pss.down.Store(false) }, say: "JN7KQP Jansen", want: []string{"Which date"}},
			}
		},
		"locked out, then the window passes": func(t *testing.T, h *coverageHarness) []line {
			return script([]line{{intent: "change_flight"}}, lockOut(), unlock("changing your flight"),
				[]line{{say: "JN7KQP Jansen", want: []string{"Which date"}}})
		},
		"nothing left to change": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight"},
				{say: "LR6XNC Larsen", want: []string{"don't see a flight on this booking that can still be changed"}},
			}
		},
		"two flights: no at the choice": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight"},
				{say: "BN2CPH Benali", want: []string{"Which flight do you want to change?", "SB1812", "SB1431"}},
				{say: "no", want: []string{"I've changed nothing"}},
			}
		},
		"two flights: one chosen, then the booking corrected at the date": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight"},
				{say: "BN2CPH Benali", want: []string{"Which flight do you want to change?"}},
				{tap: "seg:", want: []string{"You're booked on SB1812", "Which date"}},
				{say: "no, it's JN7KQP Jansen", want: []string{"You're booked on SB1501", "Which date"}, not: []string{"SB1812"}},
			}
		},
		"two flights: booking corrected at the choice": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight"},
				{say: "BN2CPH Benali", want: []string{"Which flight do you want to change?"}},
				{say: "sorry, it's JN7KQP Jansen", want: []string{"You're booked on SB1501", "Which date"}},
			}
		},
		"fare rules unavailable": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight"},
				{do: func(*salesHarness) { h.sales.RulesErr = errDown }, say: "JN7KQP Jansen",
					want: []string{"isn't responding", "What can I do"}, not: []string{"Which date"}},
			}
		},
		"no flights that day, another day has some": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "change_flight"},
				{say: "JN7KQP Jansen"},
				{say: dayAfter(t, h.salesHarness, "JN7KQP", 2), want: []string{"found no flights with free seats", "Which date"}},
				{do: func(*salesHarness) { alternativesFor(t, h.salesHarness, "JN7KQP") }, say: dayAfter(t, h.salesHarness, "JN7KQP", 2),
					want: []string{"1. ", "2. "}},
			}
		},
		"another date from the options, then no": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "JN7KQP")
			return []line{
				{intent: "change_flight"},
				{say: "JN7KQP Jansen"},
				{say: dayAfter(t, h.salesHarness, "JN7KQP", 2), want: []string{"to pay", "75.00"}},
				{tap: "another_date", want: []string{"Which date"}},
				{say: dayAfter(t, h.salesHarness, "JN7KQP", 1), want: []string{"1. ", "to pay", "20.00"}, not: []string{"75.00"}},
				{say: "no", want: []string{"I've changed nothing"}},
			}
		},
		"other options, then no at the confirmation": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "JN7KQP")
			return []line{
				{intent: "change_flight"},
				{say: "JN7KQP Jansen"},
				{say: dayAfter(t, h.salesHarness, "JN7KQP", 2)},
				{tap: "alt:1", want: []string{"You'll pay", "75.00"}},
				{tap: "other_option", want: []string{"1. ", "2. ", "Which one would you like?"}},
				{tap: "alt:2", want: []string{"Shall I change your booking?"}},
				{tap: "no", want: []string{"I've changed nothing"}},
			}
		},
		"option expired before the change": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "JN7KQP")
			return []line{
				{intent: "change_flight"},
				{say: "JN7KQP Jansen"},
				{say: dayAfter(t, h.salesHarness, "JN7KQP", 2)},
				{tap: "alt:2", want: []string{"Shall I change your booking?"}},
				{do: func(*salesHarness) { h.clock.Advance(21 * time.Minute) }, tap: "yes",
					want: []string{"no longer available", "Which one would you like?"}, not: []string{"is changed"}},
			}
		},
		"booking system gives the option away at the reissue": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "JN7KQP")
			return []line{
				{intent: "change_flight"},
				{say: "JN7KQP Jansen"},
				{say: dayAfter(t, h.salesHarness, "JN7KQP", 2)},
				{tap: "alt:2"},
				{do: func(*salesHarness) { h.sales.ReissueErr = domain.Errorf(domain.Conflict, "reissue", "no seats left") }, tap: "yes",
					want: []string{"no longer available", "Which one would you like?"}, not: []string{"is changed"}},
			}
		},
		"reissue times out, then works": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "JN7KQP")
			return []line{
				{intent: "change_flight"},
				{say: "JN7KQP Jansen"},
				{say: dayAfter(t, h.salesHarness, "JN7KQP", 2)},
				{tap: "alt:2"},
				{do: func(*salesHarness) { h.sales.ReissueErr = errTimeout }, tap: "yes",
					want: []string{"isn't responding", "Shall I change your booking?"}, not: []string{"is changed"}},
				{do: func(*salesHarness) { h.sales.ReissueErr = nil }, tap: "yes", want: []string{"booking JN7KQP is changed"}},
			}
		},
		"cancel the booking: keep it after all": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "cancel_booking", want: []string{"booking reference"}},
				{say: "JN7KQP Jansen", want: []string{"Cancelling these flights", "SB1501", "refundable"}},
				{tap: "no", want: []string{"I've changed nothing"}, not: []string{"are cancelled"}},
			}
		},
		"cancel the booking: booking system down, then cancelled": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "cancel_booking"},
				{say: "JN7KQP Jansen", want: []string{"Cancelling these flights"}},
				{do: func(*salesHarness) { h.sales.CancelErr = errDown }, tap: "yes",
					want: []string{"isn't responding", "Cancelling these flights"}, not: []string{"are cancelled"}},
				{do: func(*salesHarness) { h.sales.CancelErr = nil }, tap: "yes",
					want: []string{"Your flights are cancelled (reference RF0001)", "189.00"}, not: []string{"Regulation 261"}},
				{do: func(*salesHarness) {
					if _, _, c := h.sales.counts(); c != 1 {
						t.Fatalf("%d cancellations, want 1", c)
					}
				}},
			}
		},
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newCoverageHarness(t)
			play(t, h.salesHarness, "c", steps(t, h))
		})
	}
}
