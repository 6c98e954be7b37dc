package flows

import (
	"context"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// correctBooking handles "no, the surname is Dubois" or "sorry, it's DB4LHR" in the
// first step after a booking was found: the booking is looked up again with the
// corrected part and the other part kept. It reports whether it did. Flows allow it
// with a "correct" event from the states where a wrong booking shows.
func (e *Engine) correctBooking(ctx context.Context, t *Turn, f *Flow) bool {
	if t.In.Payload != "" || t.Slots.Locator == "" || !f.can(State(t.Conv.State), "correct") {
		return false
	}
	words := append(t.Words("words.correction"), t.Content.words(domain.DefaultLang, "words.correction")...)
	if t.U.Intent != domain.IntentNo && !t.startsWith(words) {
		return false
	}
	locs, names := bookingCandidates(t)
	if len(locs) == 0 && len(names) == 0 {
		return false
	}
	oldLoc, oldName := t.Slots.Locator, t.Slots.Surname
	if len(locs) == 0 {
		locs = []string{oldLoc}
	}
	if len(names) == 0 || (len(names) == 1 && len(locs) == 1 && fold(names[0]) == fold(locs[0]) && locs[0] != oldLoc) {
		names = []string{oldName}
	}
	goal := t.Slots.Goal
	t.resetSlots()
	t.Slots.Goal = goal
	t.Booking = nil
	t.Slots.PendingLocators = mergeCap(locs, nil, 3)
	t.Slots.PendingSurnames = mergeCap(names, nil, 3)
	e.fire(ctx, t, f, "correct")
	return true
}

// can reports whether the flow defines event ev from state s.
func (f *Flow) can(s State, ev Event) bool {
	for _, d := range f.Events {
		if d.Name != string(ev) {
			continue
		}
		for _, src := range d.Src {
			if src == string(s) {
				return true
			}
		}
	}
	return false
}

// startsWith reports whether the message begins with one of the (folded) words;
// a two-word entry ("i mean") matches the first two words.
func (t *Turn) startsWith(words []string) bool {
	toks := strings.FieldsFunc(t.In.Text, func(r rune) bool {
		return r == ' ' || r == ',' || r == '.' || r == '!' || r == '?' || r == ';' || r == ':'
	})
	if len(toks) == 0 {
		return false
	}
	first, two := fold(toks[0]), ""
	if len(toks) > 1 {
		two = fold(toks[0] + toks[1])
	}
	for _, w := range words {
		if w == first || w == two {
			return true
		}
	}
	return false
}
