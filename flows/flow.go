package flows

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/looplab/fsm"
)

// State is a state of a flow.
type State string

// Event is what moves a flow from one state to another.
type Event string

// idle is the pseudo-state a flow starts from; "start" leaves it.
const (
	idle       State = "idle"
	startEvent Event = "start"
)

// Flow is one conversation flow: a looplab/fsm transition table plus, per state,
// what the traveller is asked on entering, how their answer is read, and — for
// transient states — the effect the engine performs through domain ports.
type Flow struct {
	Name    string
	Initial State
	Events  fsm.Events
	States  map[State]*StateDef
	// AfterLookup, for flows that start by finding the booking (the shared
	// ask_booking and looking_up states), returns the event a found booking fires;
	// nil is check-in's rule.
	AfterLookup func(t *Turn) Event
}

// StateDef describes one state.
type StateDef struct {
	// Enter renders what the traveller reads on entering the state and whenever the
	// state asks again. It computes; it performs no I/O.
	Enter func(t *Turn)
	// Handle reads the traveller's message in this state, updates slots and returns
	// the event to fire; "" stays and asks again.
	Handle func(t *Turn) Event
	// Effect, for transient states, performs the I/O the state stands for and
	// returns the outcome event. The engine runs it right after entering.
	Effect func(ctx context.Context, t *Turn) (Event, error)
	// Needs lists what the engine loads before Enter/Handle run.
	NeedsBooking bool
	NeedsSeatMap bool
	// NeedsOffer loads the booking system's extras offer for the booking.
	NeedsOffer bool
	// Final states end the flow: the conversation goes back to idle after Enter.
	Final bool
}

// machine builds a looplab/fsm machine positioned at s.
func (f *Flow) machine(s State) *fsm.FSM {
	return fsm.NewFSM(string(s), f.Events, nil)
}

// Check verifies the definition: every state named in the table has a definition,
// every defined state is reachable from the initial state, and every non-final
// state has a way out.
func (f *Flow) Check() error {
	var problems []string
	states := map[string]bool{}
	out := map[string]int{}
	for _, e := range f.Events {
		states[e.Dst] = true
		for _, s := range e.Src {
			states[s] = true
			if s != e.Dst {
				out[s]++
			}
		}
	}
	for s := range states {
		if State(s) == idle {
			continue
		}
		def, ok := f.States[State(s)]
		if !ok {
			problems = append(problems, fmt.Sprintf("state %q has no definition", s))
			continue
		}
		if !def.Final && out[s] == 0 {
			problems = append(problems, fmt.Sprintf("state %q is a dead end", s))
		}
		if def.Effect == nil && def.Enter == nil {
			problems = append(problems, fmt.Sprintf("state %q neither asks nor acts", s))
		}
		if def.Effect == nil && !def.Final && def.Handle == nil {
			problems = append(problems, fmt.Sprintf("state %q asks but cannot read an answer", s))
		}
	}
	reach := map[string]bool{string(idle): true}
	for changed := true; changed; {
		changed = false
		for _, e := range f.Events {
			for _, s := range e.Src {
				if reach[s] && !reach[e.Dst] {
					reach[e.Dst] = true
					changed = true
				}
			}
		}
	}
	for s := range f.States {
		if !reach[string(s)] {
			problems = append(problems, fmt.Sprintf("state %q is unreachable", s))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("flow %s: %s", f.Name, strings.Join(problems, "; "))
	}
	return nil
}

// Diagram renders the flow as a Mermaid state diagram from the same definition the
// engine runs.
func (f *Flow) Diagram() (string, error) {
	return fsm.VisualizeForMermaidWithGraphType(f.machine(idle), fsm.StateDiagram)
}

// Transitions lists every (from, event, to) of the flow, sorted, for coverage reports.
func (f *Flow) Transitions() []string {
	var out []string
	for _, e := range f.Events {
		for _, s := range e.Src {
			out = append(out, s+" --"+e.Name+"--> "+e.Dst)
		}
	}
	sort.Strings(out)
	return out
}
