package flows_test

import (
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// larsenOptions walks Ingrid Larsen (LR6XNC, flight cancelled by the airline) to
// the choice between another flight and a refund.
func larsenOptions() []line {
	return []line{
		{intent: "disruption", want: []string{"trip is disrupted", "booking reference"}},
		{say: "LR6XNC Larsen", want: []string{"this flight is cancelled", "Another flight", "Refund"}, not: []string{"Keep my flight"}},
	}
}

// Every branch of rebooking after a disruption: leaving at each step, the
// look-up's failures, a delay the traveller accepts, no replacement flights, and
// the booking system failing or refusing at each call.
func TestRebookBranches(t *testing.T) {
	t.Parallel()
	cases := map[string]func(t *testing.T, h *coverageHarness) []line{
		"no at the booking question": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "disruption"},
				{say: "no", want: []string{"Your booking stays as it is"}},
			}
		},
		"reference alone, wrong surname, then right": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "disruption"},
				{say: "LR6XNC", want: []string{"surname"}},
				{say: "Smith", want: []string{"couldn't find a booking"}},
				{say: "LR6XNC Larsen", want: []string{"this flight is cancelled"}},
			}
		},
		"booking system down at the look-up": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "disruption"},
				{do: func(*salesHarness) { h.pss.down.Store(true) }, say: "LR6XNC Larsen", want: []string{"isn't responding"}},
				{do: func(*salesHarness) { h.pss.down.Store(false) }, say: "LR6XNC Larsen", want: []string{"this flight is cancelled"}},
			}
		},
		"locked out, then the window passes": func(t *testing.T, h *coverageHarness) []line {
			return script([]line{{intent: "disruption"}}, lockOut(), unlock("trip is disrupted"),
				[]line{{say: "LR6XNC Larsen", want: []string{"this flight is cancelled"}}})
		},
		"booking already proved at check-in": func(t *testing.T, h *coverageHarness) []line {
			return []line{
				{intent: "check_in"},
				{say: "LR6XNC Larsen", want: []string{"nothing I can check in", "cancelled"}},
				{intent: "disruption", want: []string{"this flight is cancelled", "Another flight"}, not: []string{"booking reference"}},
			}
		},
		"no at the options": func(t *testing.T, h *coverageHarness) []line {
			return script(larsenOptions(), []line{{say: "no", want: []string{"Your booking stays as it is"}}})
		},
		"booking corrected at the options": func(t *testing.T, h *coverageHarness) []line {
			return script(larsenOptions(), []line{
				{say: "sorry, it's JN7KQP Jansen", want: []string{"don't see a cancellation or long delay"}, not: []string{"this flight is cancelled"}},
			})
		},
		"long delay: keep the flight": func(t *testing.T, h *coverageHarness) []line {
			h.delay(t, "JN7KQP", 4*time.Hour)
			return []line{
				{intent: "disruption"},
				{say: "JN7KQP Jansen", want: []string{"delayed a long time", "SB1501", "Keep my flight", "Another flight", "Refund"}},
				{tap: "rebook:keep", want: []string{"you keep your flight"}},
			}
		},
		"short delay is no disruption": func(t *testing.T, h *coverageHarness) []line {
			h.delay(t, "JN7KQP", 20*time.Minute)
			return []line{
				{intent: "disruption"},
				{say: "JN7KQP Jansen", want: []string{"don't see a cancellation or long delay"}},
			}
		},
		"no replacement flights, then a refund refused and made": func(t *testing.T, h *coverageHarness) []line {
			return script(larsenOptions(), []line{
				{tap: "rebook:other", want: []string{"found no other flight", "this flight is cancelled", "Refund"}},
				{tap: "rebook:refund", want: []string{"refund them in full"}},
				{do: func(*salesHarness) { h.sales.CancelErr = errDown }, tap: "yes",
					want: []string{"isn't responding", "refund them in full"}, not: []string{"are cancelled"}},
				{do: func(*salesHarness) { h.sales.CancelErr = nil }, tap: "yes",
					want: []string{"Your flights are cancelled (reference RF0001)", "Regulation 261/2004"}},
			})
		},
		"search unavailable": func(t *testing.T, h *coverageHarness) []line {
			return script(larsenOptions(), []line{
				{do: func(*salesHarness) { h.sales.AltErr = errDown }, tap: "rebook:other",
					want: []string{"isn't responding", "this flight is cancelled"}},
			})
		},
		"back from the refund": func(t *testing.T, h *coverageHarness) []line {
			return script(larsenOptions(), []line{
				{tap: "rebook:refund", want: []string{"refund them in full"}},
				{tap: "back", want: []string{"this flight is cancelled", "Another flight"}, not: []string{"are cancelled"}},
			})
		},
		"back from the replacement flights": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "LR6XNC")
			return script(larsenOptions(), []line{
				{tap: "rebook:other", want: []string{"1. ", "Back"}},
				{tap: "back", want: []string{"this flight is cancelled", "Refund"}},
			})
		},
		"no at the replacement flights": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "LR6XNC")
			return script(larsenOptions(), []line{
				{tap: "rebook:other", want: []string{"1. ", "no cost"}, not: []string{"Another date"}},
				{say: "no", want: []string{"Your booking stays as it is"}},
			})
		},
		"other options, then no at the confirmation": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "LR6XNC")
			return script(larsenOptions(), []line{
				{tap: "rebook:other"},
				{tap: "alt:1", want: []string{"free of charge", "Shall I rebook you?"}},
				{tap: "other_option", want: []string{"1. ", "Which one would you like?"}},
				{tap: "alt:1"},
				{tap: "no", want: []string{"Your booking stays as it is"}, not: []string{"is changed"}},
			})
		},
		"booking system gives the flight away at the reissue": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "LR6XNC")
			return script(larsenOptions(), []line{
				{tap: "rebook:other"},
				{tap: "alt:1"},
				{do: func(*salesHarness) { h.sales.ReissueErr = domain.Errorf(domain.Conflict, "reissue", "no seats left") }, tap: "yes",
					want: []string{"no longer available", "Which one would you like?"}, not: []string{"is changed"}},
			})
		},
		"booking system down at the reissue, then up": func(t *testing.T, h *coverageHarness) []line {
			alternativesFor(t, h.salesHarness, "LR6XNC")
			return script(larsenOptions(), []line{
				{tap: "rebook:other"},
				{tap: "alt:1"},
				{do: func(*salesHarness) { h.sales.ReissueErr = errDown }, tap: "yes",
					want: []string{"isn't responding", "Shall I rebook you?"}, not: []string{"is changed"}},
				{do: func(*salesHarness) { h.sales.ReissueErr = nil }, tap: "yes",
					want: []string{"booking LR6XNC is changed", "Regulation 261/2004"}},
			})
		},
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newCoverageHarness(t)
			play(t, h.salesHarness, "r", steps(t, h))
		})
	}
}
