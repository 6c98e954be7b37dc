package flows_test

import "testing"

// The extras flow's branches that TestOrderBranches does not take: a corrected
// booking, a booking already proved, and the look-up lock-out.
func TestOrderMoreBranches(t *testing.T) {
	t.Parallel()
	cases := map[string][]line{
		"corrected booking at the first question": {
			{intent: "extras"},
			{say: "JN7KQP Jansen", want: []string{"What would you like to add?"}},
			{say: "sorry, it's DB4LHR Dubois", want: []string{"What would you like to add?"}},
			{tap: "kind:bag"},
			{tap: "item:0CC", want: []string{"For whom?", "Claire Dubois", "Marc Dubois"}, not: []string{"Jansen"}},
		},
		"booking already proved in another flow": {
			{intent: "disruption"},
			{say: "JN7KQP Jansen", want: []string{"don't see a cancellation"}},
			{intent: "extras", want: []string{"What would you like to add?"}, not: []string{"booking reference"}},
		},
		"locked out, then the window passes": script(
			[]line{{intent: "extras"}},
			lockOut(),
			unlock("add extras"),
			[]line{{say: "JN7KQP Jansen", want: []string{"What would you like to add?"}}},
		),
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			play(t, newCoverageHarness(t).salesHarness, "o", steps)
		})
	}
}
