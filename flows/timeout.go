package flows

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Abandoned flows: a traveller who stops answering half-way gets one reminder
// after Rules.Timeouts.ReminderMinutes and the flow ends after ExpireMinutes, so
// that nothing waits forever (an unpaid offer is not kept; a half-typed passport
// is not kept). The sweep puts a system message into the conversation's inbox,
// so reminders are processed in order with the traveller's own messages, once:
// the message id names the idle period.

const timerPayload = "timer:"

// Timeouts are the abandoned-flow settings.
type Timeouts struct {
	ReminderMinutes int `json:"reminder_minutes"`
	ExpireMinutes   int `json:"expire_minutes"`
}

// DefaultTimeouts apply when content sets none.
var DefaultTimeouts = Timeouts{ReminderMinutes: 15, ExpireMinutes: 60}

func (r Rules) timeouts() Timeouts {
	if r.Timeouts == nil {
		return DefaultTimeouts
	}
	return *r.Timeouts
}

func (t Timeouts) validate() []string {
	var out []string
	if t.ReminderMinutes < 1 || t.ExpireMinutes <= t.ReminderMinutes || t.ExpireMinutes > 7*24*60 {
		out = append(out, "timeouts: reminder must be at least 1 minute and expiry later than the reminder, at most 7 days")
	}
	return out
}

// IdleStore finds idle conversations and addresses system messages to them.
type IdleStore interface {
	// IdleFlows pages, by conversation id after afterID, through conversations
	// in a flow that have waited on the traveller since before the given time.
	IdleFlows(ctx context.Context, before time.Time, afterID int64, limit int) ([]domain.IdleFlow, error)
	AcceptSystem(ctx context.Context, in domain.Inbound) (duplicate bool, err error)
}

// sweepPage is how many idle conversations a sweep reads at a time.
const sweepPage = 500

// SweepIdle queues a reminder or an expiry for every conversation idle in a flow
// for longer than the timeouts of the content version it is pinned to. It is
// safe to run on several instances at once: a second sweep of the same idle
// period adds nothing.
func (e *Engine) SweepIdle(ctx context.Context, st IdleStore) (reminders, expiries int, err error) {
	now := e.now()
	// Read every conversation that could be due under any version's timeouts
	// (the shortest reminder allowed is a minute), then apply its own.
	before := now.Add(-time.Minute)
	var after int64
	for {
		idle, err := st.IdleFlows(ctx, before, after, sweepPage)
		if err != nil {
			return reminders, expiries, err
		}
		for _, f := range idle {
			after = f.ConversationID
			c, err := e.contentFor(ctx, f.ContentVersion)
			if err != nil {
				return reminders, expiries, err
			}
			to := c.Rules.timeouts()
			kind := ""
			switch waited := now.Sub(f.Since); {
			case waited >= time.Duration(to.ExpireMinutes)*time.Minute:
				kind = "expire"
			case waited >= time.Duration(to.ReminderMinutes)*time.Minute:
				kind = "remind"
			default:
				continue
			}
			dup, err := st.AcceptSystem(ctx, domain.Inbound{ConversationID: f.ConversationID, Channel: f.Channel,
				ChannelMessageID: fmt.Sprintf("timer:%d:%d:%s", f.ConversationID, f.Since.Unix(), kind),
				Payload:          timerPayload + kind, ReceivedAt: now})
			if err != nil {
				return reminders, expiries, err
			}
			if dup {
				continue
			}
			if kind == "remind" {
				reminders++
			} else {
				expiries++
			}
		}
		if len(idle) < sweepPage {
			return reminders, expiries, nil
		}
	}
}

// timer handles a reminder or an expiry; it reports whether the message was one.
// The traveller may have written (or a person handed the conversation back) after
// the sweep: then it is not idle long enough any more and the timer does nothing.
func (e *Engine) timer(ctx context.Context, t *Turn) bool {
	if !strings.HasPrefix(t.In.Payload, timerPayload) {
		return false
	}
	kind := strings.TrimPrefix(t.In.Payload, timerPayload)
	to := t.Content.Rules.timeouts()
	idle := t.Now.Sub(t.Conv.IdleClock())
	if t.Conv.Flow == "" || t.Conv.Flow == "handoff" {
		return true
	}
	switch kind {
	case "remind":
		if idle < time.Duration(to.ReminderMinutes)*time.Minute || t.Slots.Reminded {
			return true
		}
		t.Slots.Reminded = true
		t.Say("flow.reminder")
		e.reprompt(ctx, t)
	case "expire":
		if idle < time.Duration(to.ExpireMinutes)*time.Minute {
			return true
		}
		t.endFlow("expired")
		t.Say("flow.expired")
	}
	return true
}
