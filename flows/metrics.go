package flows

import (
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Metrics is what the flows report about their work. integrations/telemetry
// implements it on Prometheus; the default records nothing.
type Metrics interface {
	// TurnDone counts one turn of a flow ("" outside any flow) with its outcome
	// (see the Outcome constants) and how long it took to compute and commit.
	TurnDone(flow, outcome string, took time.Duration)
	// Delivery counts what became of an outbound message: sent, failed (with the
	// platform's error code) or blocked by the channel's policy.
	Delivery(ch domain.Channel, result string, code int)
	// PushSent observes the time from a flight status change being seen to its
	// notification being sent, by channel and event kind.
	PushSent(ch domain.Channel, kind string, lag time.Duration)
}

// Turn outcomes.
const (
	// OutcomeContinued: the turn was committed and the conversation goes on.
	OutcomeContinued = "continued"
	// OutcomeCompleted: the turn brought a flow to its final state.
	OutcomeCompleted = "completed"
	// OutcomeAbandoned: the flow was left (start over, a lost booking, an error).
	OutcomeAbandoned = "abandoned"
	// OutcomeConflict: another worker committed a turn of the conversation first;
	// nothing was written and the message is processed again.
	OutcomeConflict = "conflict"
	// OutcomeFailed: the turn could not be computed or committed; it is retried.
	OutcomeFailed = "failed"
)

// noMetrics records nothing.
type noMetrics struct{}

func (noMetrics) TurnDone(string, string, time.Duration)         {}
func (noMetrics) Delivery(domain.Channel, string, int)           {}
func (noMetrics) PushSent(domain.Channel, string, time.Duration) {}

// outcome classifies a committed turn by what it did.
func outcome(t domain.Turn) string {
	for _, tr := range t.Transitions {
		if strings.HasPrefix(tr.Event, "abandon:") {
			return OutcomeAbandoned
		}
	}
	if t.Conversation.Flow == "" && len(t.Transitions) > 0 {
		return OutcomeCompleted
	}
	return OutcomeContinued
}

// turnFlow names the flow a turn belongs to: the one it ran in, or the one it
// started.
func turnFlow(before string, t domain.Turn) string {
	if before != "" {
		return before
	}
	if t.Conversation.Flow != "" {
		return t.Conversation.Flow
	}
	for _, tr := range t.Transitions {
		return tr.Flow
	}
	return ""
}

// pushSeenAt is the message parameter carrying when the status change of a
// notification was seen, so that delivery can measure the push lag. No template
// uses it.
const pushSeenAt = "seen_at"
