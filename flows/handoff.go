package flows

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/looplab/fsm"

	"github.com/skybridge/skybridge/domain"
)

// Handoff states.
const (
	waitingHuman State = "waiting_human"
	botResumed   State = "resumed"
)

// handoffFlow parks a conversation for a person. The bot tells the traveller once
// that a colleague will answer, reminds them once if they write again, and then stays
// silent until staff hand the conversation back ("bot_resumes") or the traveller
// asks to start over.
func handoffFlow() *Flow {
	return &Flow{
		Name:    "handoff",
		Initial: waitingHuman,
		Events: fsm.Events{
			ev("start", waitingHuman, idle),
			ev("wait", waitingHuman, waitingHuman),
			ev("bot_resumes", botResumed, waitingHuman),
		},
		States: map[State]*StateDef{
			waitingHuman: {
				Enter: func(t *Turn) {
					switch t.Slots.HandoffNotices {
					case 0:
						t.Say("handoff.started")
					case 1:
						t.Say("handoff.still_waiting")
					}
					t.Slots.HandoffNotices++
				},
				Handle: func(t *Turn) Event { return "wait" },
			},
			botResumed: {Enter: func(t *Turn) { t.Say("handoff.bot_back"); t.menu() }, Final: true},
		},
	}
}

// ParkedFlow is a flow interrupted by a handoff, kept to resume when staff hand
// the conversation back.
type ParkedFlow struct {
	Flow  string          `json:"flow"`
	State string          `json:"state"`
	Slots json.RawMessage `json:"slots"`
}

// Staff actions reach a conversation as system messages in its inbox, so they
// are applied in order with the traveller's messages, exactly once:
// "staff:takeover" (a person owns the conversation now) and "staff:handback" or
// "staff:handback:<state>" (the bot resumes, at the named step of the parked flow).
const staffPayload = "staff:"

// handoff hands the conversation to a person. A flow in progress is parked with
// what it collected.
func (e *Engine) handoff(ctx context.Context, t *Turn) {
	var parked *ParkedFlow
	if t.Conv.Flow != "" && t.Conv.Flow != "handoff" {
		saved := *t.Slots
		saved.Parked = nil
		data, err := json.Marshal(saved)
		if err == nil {
			parked = &ParkedFlow{Flow: t.Conv.Flow, State: t.Conv.State, Slots: data}
			t.record(t.Conv.Flow, State(t.Conv.State), "", "park:handoff")
		}
	}
	e.start(ctx, t, "handoff")
	if parked != nil {
		t.Slots.Parked = parked
	}
}

// staffAction applies a staff member's takeover or hand-back; it reports whether
// the message was one.
func (e *Engine) staffAction(ctx context.Context, t *Turn) bool {
	p := t.In.Payload
	if !strings.HasPrefix(p, staffPayload) {
		return false
	}
	action, arg, _ := strings.Cut(strings.TrimPrefix(p, staffPayload), ":")
	switch action {
	case "takeover":
		before := t.said()
		if t.Conv.Flow != "handoff" {
			e.handoff(ctx, t)
		}
		t.out = t.out[:before]
		t.Say("handoff.taken")
		t.Slots.HandoffNotices = 2 // the person writes now; the bot stays silent
		t.Slots.TakenOver = true
	case "handback":
		e.handBack(ctx, t, arg)
	default:
		e.log.Warn("unknown staff action", "conversation", t.Conv.ID, "action", action)
	}
	return true
}

// handBack ends the handoff and resumes the parked flow at its step, or at the
// named state when staff chose one, with the data collected before.
func (e *Engine) handBack(ctx context.Context, t *Turn, state string) {
	parked := t.Slots.Parked
	if t.Conv.Flow == "handoff" {
		e.fire(ctx, t, e.flows["handoff"], "bot_resumes") // says it is back; final
	} else {
		t.Say("handoff.bot_back")
	}
	t.Slots.Parked = nil
	if parked == nil {
		if t.Conv.Flow == "" && t.said() > 0 {
			return // the resumed state offered the menu
		}
		t.menu()
		return
	}
	f, ok := e.flows[parked.Flow]
	if !ok {
		t.menu()
		return
	}
	restored := Slots{}
	if err := json.Unmarshal(parked.Slots, &restored); err != nil {
		t.menu()
		return
	}
	at := State(parked.State)
	if def, ok := f.States[State(state)]; ok && def.Handle != nil && def.Effect == nil {
		at = State(state)
	}
	restored.carry(t.Slots)
	restored.Reminded = false
	*t.Slots = restored
	t.Conv.Flow, t.Conv.State = f.Name, string(at)
	// The resumed flow waits on the traveller from now: its reminder and expiry
	// count from the hand-back, not from their last message before the handoff.
	t.Conv.IdleSince = t.Now
	t.record(f.Name, "", at, "resume:handback")
	// Drop the menu the handoff flow's final state offered: the traveller goes
	// back to their question instead.
	if n := len(t.out); n > 0 && t.out[n-1].Kind == domain.OutChoices {
		t.out = t.out[:n-1]
	}
	e.reprompt(ctx, t)
}
