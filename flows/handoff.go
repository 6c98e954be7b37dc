package flows

import "github.com/looplab/fsm"

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
