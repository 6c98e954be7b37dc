package main

import (
	"strings"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// scripts are the conversations a traveller can run. Each is the free text said
// first, in order; after it, the traveller taps what the assistant offers (see
// pick) until nothing is offered or the turn limit is reached.
var scripts = map[string]func(booking string) []string{
	"checkin": func(booking string) []string { return []string{"I want to check in", booking} },
	"help":    func(string) []string { return []string{"help"} },
}

// prefer lists, most wanted first, what a traveller who wants to get checked in
// taps; avoid lists what such a traveller never taps.
var (
	prefer = []string{"all", "yes", "i confirm", "confirm", "keep", "assign", "check in", "continue", "ok"}
	avoid  = []string{"no", "carry", "cancel", "start over", "person", "agent", "change", "choose", "later", "stop"}
)

// pick chooses the choice a person finishing a check-in would tap; ok is false
// when nothing sensible is offered.
func pick(choices []graphfake.Choice) (graphfake.Choice, bool) {
	for _, want := range prefer {
		for _, c := range choices {
			t := strings.ToLower(c.Title)
			if t == want || strings.HasPrefix(t, want+" ") {
				return c, true
			}
		}
	}
	for _, c := range choices {
		if !matchesAny(strings.ToLower(c.Title), avoid) {
			return c, true
		}
	}
	return graphfake.Choice{}, false
}

func matchesAny(title string, words []string) bool {
	for _, w := range words {
		if title == w || strings.HasPrefix(title, w+" ") || strings.Contains(title, " "+w) {
			return true
		}
	}
	return false
}
