package api

import (
	"slices"
	"sort"
	"strings"

	"github.com/skybridge/skybridge/flows"
)

// keyGroup is the message keys one state of a flow says, edited together.
type keyGroup struct {
	Flow  string
	State string
	Keys  []string
}

// ID names the group in forms and anchors.
func (g keyGroup) ID() string { return g.Flow + "/" + g.State }

// flowView is one flow of the console: its states' texts and, for a flow with a
// state machine, its diagram.
type flowView struct {
	Name    string
	Title   string
	Mermaid string
	Groups  []keyGroup
}

// stateKeys says which texts each state of a flow shows. The flows read texts by
// key; this table is the console's map of them. A key matching no line falls to
// its flow by prefix ("order.x" → order) or to "general"; TestConsoleGroups
// checks that every key lands in exactly one group and that every state named
// here exists.
var stateKeys = []struct {
	flow, state string
	keys        []string
}{
	{"checkin", "ask_booking", []string{"checkin.ask_booking", "checkin.ask_surname", "checkin.ask_locator", "checkin.not_found"}},
	{"checkin", "looking_up", []string{"checkin.booking_found", "checkin.not_checked_in_yet", "checkin.window_not_open", "checkin.window_closed", "checkin.segment_cancelled", "flight.line"}},
	{"checkin", "locked_out", []string{"checkin.locked"}},
	{"checkin", "choose_passengers", []string{"checkin.choose_passengers", "checkin.choose_single", "checkin.pax_all", "checkin.needs_adult", "checkin.already_some", "checkin.selection_needs_adult", "paxtype.*", "words.all"}},
	{"checkin", "collect_documents", []string{"docs.*"}},
	{"checkin", "dangerous_goods", []string{"checkin.dangerous_goods", "checkin.dg_yes", "checkin.dg_no"}},
	{"checkin", "refused", []string{"checkin.dg_refused"}},
	{"checkin", "choose_seat", []string{"seat.*"}},
	{"checkin", "confirm", []string{"confirm.*", "checkin.yes", "checkin.no"}},
	{"checkin", "checking_in", []string{"checkin.seat_conflict"}},
	{"checkin", "checked_in", []string{"checkin.done", "checkin.partial", "checkin.goodbye", "pass.*"}},
	{"checkin", "failed", []string{"checkin.failed", "checkin.no_passes"}},
	{"checkin", "cancelled", []string{"checkin.cancelled"}},
	{"checkin", "not_eligible", []string{"checkin.nothing_to_check_in"}},
	{"checkin", "resending_passes", []string{"checkin.already_checked_in"}},
	{"checkin", "ask_booking", []string{"help.checkin"}},
	{"handoff", "waiting_human", []string{"handoff.started", "handoff.still_waiting", "help.handoff"}},
	{"handoff", "resumed", []string{"handoff.bot_back"}},
	{"updates", "flight updates", []string{"push.*", "resume.*"}},
	{"updates", "opting out", []string{"optout.*", "words.stop", "words.start"}},
	{"general", "greeting and menu", []string{"greeting", "thanks", "menu.*", "help.idle"}},
	{"general", "not understood and errors", []string{"not_understood*", "start_over.*", "language.*", "error.*", "media.*"}},
	{"general", "dates and times", []string{"fmt.*"}},
}

func keyMatches(pattern, key string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(key, p)
	}
	return key == pattern
}

// consoleFlows groups every message key by flow and state, flows in engine order
// then "updates" and "general". keys is the set to place (flows.MessageKeys).
func consoleFlows(keys map[string][]string) []flowView {
	var views []flowView
	index := map[string]int{}
	add := func(name, title, mermaid string) {
		index[name] = len(views)
		views = append(views, flowView{Name: name, Title: title, Mermaid: mermaid})
	}
	flowNames := map[string]bool{}
	for _, f := range flows.Flows() {
		d, _ := f.Diagram()
		add(f.Name, flowTitle(f.Name), d)
		flowNames[f.Name] = true
	}
	add("updates", "Flight updates", "")
	add("general", "General", "")

	group := func(flow, state string) *keyGroup {
		v := &views[index[flow]]
		for i := range v.Groups {
			if v.Groups[i].State == state {
				return &v.Groups[i]
			}
		}
		v.Groups = append(v.Groups, keyGroup{Flow: flow, State: state})
		return &v.Groups[len(v.Groups)-1]
	}
	// States in table order, so that a flow's groups read as its path.
	for _, line := range stateKeys {
		if _, ok := index[line.flow]; ok {
			group(line.flow, line.state)
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		placed := false
		for _, line := range stateKeys {
			if _, ok := index[line.flow]; !ok {
				continue
			}
			if slices.ContainsFunc(line.keys, func(p string) bool { return keyMatches(p, k) }) {
				g := group(line.flow, line.state)
				g.Keys = append(g.Keys, k)
				placed = true
				break
			}
		}
		if placed {
			continue
		}
		prefix, _, _ := strings.Cut(k, ".")
		if flowNames[prefix] {
			g := group(prefix, "other texts")
			g.Keys = append(g.Keys, k)
			continue
		}
		g := group("general", "other texts")
		g.Keys = append(g.Keys, k)
	}
	for i := range views {
		views[i].Groups = slices.DeleteFunc(views[i].Groups, func(g keyGroup) bool { return len(g.Keys) == 0 })
	}
	return views
}

func flowTitle(name string) string {
	switch name {
	case "checkin":
		return "Check-in"
	case "handoff":
		return "Handoff to a person"
	}
	if name == "" {
		return name
	}
	return strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "_", " ")
}

// findGroup returns the group of id (flow/state).
func findGroup(views []flowView, id string) (keyGroup, bool) {
	for _, v := range views {
		for _, g := range v.Groups {
			if g.ID() == id {
				return g, true
			}
		}
	}
	return keyGroup{}, false
}
