package flows_test

import (
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// line is one line of a scripted conversation: what the traveller does (types,
// taps a choice by id prefix, or a system event arrives), what the world does
// before it (do), and what the reply must and must not say.
type line struct {
	do     func(h *salesHarness)
	say    string
	tap    string
	intent string // a menu button: "intent:<intent>"
	want   []string
	not    []string
}

func play(t *testing.T, h *salesHarness, name string, steps []line) {
	t.Helper()
	tr := h.traveller(name)
	for i, s := range steps {
		if s.do != nil {
			s.do(h)
		}
		var out []domain.Outbound
		switch {
		case s.intent != "":
			out = tr.send(s.intent, "intent:"+s.intent)
		case s.tap != "":
			out = tr.tap(s.tap)
		case s.say != "":
			out = tr.say(s.say)
		default:
			continue
		}
		for _, w := range s.want {
			if !contains(out, w) {
				t.Fatalf("step %d (%s%s): reply lacks %q:\n%s", i, s.say, s.tap, w, transcript(out))
			}
		}
		for _, w := range s.not {
			if contains(out, w) {
				t.Fatalf("step %d (%s%s): reply should not contain %q:\n%s", i, s.say, s.tap, w, transcript(out))
			}
		}
	}
}

func contains(out []domain.Outbound, frag string) bool {
	return len(frag) == 0 || indexFold(transcript(out), frag) >= 0
}

func down(err error) error { return domain.Errorf(domain.Unavailable, "booking system", "%v", err) }

var errDown = down(nil)

// Every branch of the extras flow, one script each.
func TestOrderBranches(t *testing.T) {
	t.Parallel()
	look := line{say: "JN7KQP Jansen", want: []string{"What would you like to add?"}}
	cases := map[string][]line{
		"cancel at the booking question": {
			{intent: "add_bag", want: []string{"booking reference"}},
			{say: "no", want: []string{"added nothing"}},
		},
		"wrong booking, then right": {
			{intent: "add_bag"},
			{say: "JN7KQP", want: []string{"surname"}},
			{say: "Smith", want: []string{"couldn't find"}},
			{say: "JN7KQP Jansen", want: []string{"Which one?", "Checked bag"}},
		},
		"booking system down at look-up": {
			{intent: "extras"},
			{do: func(h *salesHarness) { h.pss.down.Store(true) }, say: "JN7KQP Jansen", want: []string{"isn't responding"}},
			{do: func(h *salesHarness) { h.pss.down.Store(false) }, say: "JN7KQP Jansen", want: []string{"What would you like to add?"}},
		},
		"nothing for sale": { // the only flight is cancelled: nothing is offered on it
			{intent: "extras"},
			{say: "LR6XNC Larsen", want: []string{"no extras I can sell"}, not: []string{"What would you like to add?"}},
		},
		"offer unavailable": {
			{intent: "extras"},
			{do: func(h *salesHarness) { h.sales.OfferErr = errDown }, say: "JN7KQP Jansen", want: []string{"isn't responding"}},
		},
		"back, cancel and more": {
			{intent: "extras"},
			look,
			{tap: "kind:lounge", want: []string{"Lounge"}},
			{tap: "back", want: []string{"What would you like to add?"}},
			{tap: "kind:bag"},
			{tap: "item:0CC", want: []string{"For whom?"}},
			{tap: "back", want: []string{"What would you like to add?"}},
			{tap: "kind:meal"},
			{tap: "item:0B3"},
			{tap: "who:all", want: []string{"Added to your basket (1)"}},
			{tap: "kind:meal"},
			{tap: "item:0B3"},
			{tap: "who:all", want: []string{"already the most"}},
			{tap: "checkout", want: []string{"Total: €12.00"}},
			{tap: "more", want: []string{"Add something else, or pay?"}},
			{tap: "checkout"},
			{tap: "no", want: []string{"added nothing"}},
		},
		"cancel while choosing": {
			{intent: "extras"}, look,
			{tap: "no", want: []string{"added nothing"}},
		},
		"no at item and at who goes back": {
			{intent: "extras"}, look,
			{tap: "kind:bag", want: []string{"Which one?"}},
			{say: "cancel", want: []string{"What would you like to add?"}, not: []string{"added nothing"}},
			{tap: "kind:bag"},
			{tap: "item:0CC", want: []string{"For whom?"}},
			{say: "no", want: []string{"What would you like to add?"}, not: []string{"added nothing"}},
		},
		"pricing refused and down": {
			{intent: "extras"}, look,
			{tap: "kind:bag"}, {tap: "item:0CC"}, {tap: "who:all"},
			{do: func(h *salesHarness) { h.sales.PriceErr = errDown }, tap: "checkout", want: []string{"isn't responding", "Add something else, or pay?"}},
			{do: func(h *salesHarness) {
				h.sales.PriceErr = domain.Errorf(domain.Invalid, "price", "sold out")
			}, tap: "checkout", want: []string{"no longer available"}},
		},
		"offer expires between quote and payment": {
			{intent: "extras"}, look,
			{tap: "kind:bag"}, {tap: "item:0CC"}, {tap: "who:all"}, {tap: "checkout"},
			{do: func(h *salesHarness) { h.clock.Advance(31 * time.Minute) }, tap: "pay", want: []string{"prices I showed have expired", "What would you like to add?"}},
		},
	}
	for name, steps := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			play(t, newSalesHarness(t), "b", steps)
		})
	}
}

func indexFold(s, sub string) int { return strings.Index(strings.ToLower(s), strings.ToLower(sub)) }
