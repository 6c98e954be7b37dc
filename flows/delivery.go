package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// DeliveryStore is what delivery needs from persistence.
type DeliveryStore interface {
	Conversation(ctx context.Context, id int64) (domain.Conversation, error)
	PendingOutbound(ctx context.Context, conversationID int64) ([]domain.Outbound, error)
	MarkSent(ctx context.Context, id int64, channelMessageID string, asTemplate bool) error
	MarkUndelivered(ctx context.Context, id int64, status domain.DeliveryStatus, code int, reason string) error
	MarkPartsSent(ctx context.Context, id int64, parts, total int) error
	OptedOut(ctx context.Context, ch domain.Channel, userID string, c domain.Category) (bool, error)
	ClaimDelivery(ctx context.Context, conversationID int64, until time.Time) (bool, error)
	ReleaseDelivery(ctx context.Context, conversationID int64) error
	// ReachOutsideWindow counts a traveller against the WhatsApp messaging tier
	// (unique travellers reached outside the service window per moving 24 hours):
	// true when they were counted already or fit under limit (0: no limit).
	ReachOutsideWindow(ctx context.Context, ch domain.Channel, userID string, limit int) (bool, error)
}

// claimLoader is a DeliveryStore that returns the conversation with the lease it
// grants, in one statement, saving the read that would follow.
type claimLoader interface {
	ClaimDeliveryLoad(ctx context.Context, conversationID int64, until time.Time) (domain.Conversation, bool, error)
}

// idleReleaser is a DeliveryStore that can give a conversation's delivery lease
// back only when none of its messages is queued, in one statement: it saves the
// read that would otherwise confirm that nothing is left after a batch.
type idleReleaser interface {
	ReleaseDeliveryIfIdle(ctx context.Context, conversationID int64) (bool, error)
}

// tierRetry is how long a message waits when the messaging tier is used up
// before it is tried again (the tier is a moving 24-hour window).
const tierRetry = 15 * time.Minute

// deliveryLease bounds how long one worker may hold a conversation's delivery
// before another may take over (it died, or hangs on the platform).
const deliveryLease = 2 * time.Minute

// Channel policy windows (channels.md §4).
const (
	// ServiceWindow is how long after the traveller's last message free-form
	// messages may be sent (WhatsApp customer-service window, Messenger standard
	// messaging window).
	ServiceWindow = 24 * time.Hour
	// HumanAgentWindow is how long a person may still answer on Messenger with the
	// HUMAN_AGENT tag.
	HumanAgentWindow = 7 * 24 * time.Hour
)

// Deliverer sends a conversation's queued messages on its channel, in order, under
// the channel's policy: free-form inside the customer-service window, an approved
// template outside it, nothing (recorded as blocked) when no policy allows it.
type Deliverer struct {
	store   DeliveryStore
	senders map[domain.Channel]Sender
	engine  *Engine
	now     func() time.Time
	log     *slog.Logger
	// Lease bounds how long one worker holds a conversation's delivery; another
	// takes over after it (the holder died). It must exceed the job timeout, after
	// which a live holder has stopped. Default 2 minutes.
	Lease time.Duration
	// WhatsAppTier is the business's WhatsApp messaging limit: unique travellers
	// reached outside the customer-service window per moving 24 hours; 0 means no
	// limit. Beyond it, template messages wait (urgent ones first: delivery jobs
	// carry the notification's priority).
	WhatsAppTier int
	// Metrics counts the messages sent, failed and blocked, and the lag of flight
	// updates; nil records nothing.
	Metrics Metrics
}

func (d *Deliverer) metrics() Metrics {
	if d.Metrics == nil {
		return noMetrics{}
	}
	return d.Metrics
}

// NewDeliverer builds a deliverer. The engine provides the content (templates) of
// each conversation's pinned version.
func NewDeliverer(store DeliveryStore, senders map[domain.Channel]Sender, engine *Engine, now func() time.Time, log *slog.Logger) *Deliverer {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{store: store, senders: senders, engine: engine, now: now, log: log}
}

// Deliver sends every queued message of the conversation in sequence order. One
// worker at a time holds the conversation (a lease in the store); another gets
// domain.ErrBusy and comes back later. It stops at the first retryable failure
// and returns it, so that the queue retries later and the order of the
// traveller's messages holds; permanent failures are recorded and delivery goes on
// with the next message.
func (d *Deliverer) Deliver(ctx context.Context, conversationID int64) error {
	ctx = withLogAttrs(ctx, slog.Int64("conversation", conversationID))
	lease := d.Lease
	if lease <= 0 {
		lease = deliveryLease
	}
	var (
		claimed *domain.Conversation
		ok      bool
		err     error
	)
	if cl, loads := d.store.(claimLoader); loads {
		var conv domain.Conversation
		conv, ok, err = cl.ClaimDeliveryLoad(ctx, conversationID, d.now().Add(lease))
		claimed = &conv
	} else {
		ok, err = d.store.ClaimDelivery(ctx, conversationID, d.now().Add(lease))
	}
	if err != nil {
		return fmt.Errorf("deliver conversation %d: %w", conversationID, err)
	}
	if !ok {
		return domain.ErrBusy
	}
	idle, canReleaseIdle := d.store.(idleReleaser)
	for {
		// The conversation read with the claim serves the first round; later
		// rounds (messages committed meanwhile) read it again, since the
		// traveller has written since.
		n, err := d.deliverPending(ctx, conversationID, claimed)
		claimed = nil
		if err != nil || n == 0 {
			rerr := recordThroughOutage(ctx, func() error { return d.store.ReleaseDelivery(ctx, conversationID) })
			if rerr != nil && err == nil {
				err = rerr
			}
			return err
		}
		if !canReleaseIdle {
			continue
		}
		// Release unless messages were committed while these were sent; those
		// are sent in the next round, under the same lease.
		released := false
		err = recordThroughOutage(ctx, func() (err error) {
			released, err = idle.ReleaseDeliveryIfIdle(ctx, conversationID)
			return err
		})
		if err != nil {
			// As after any failure, give the lease back for the retry.
			if rerr := d.store.ReleaseDelivery(ctx, conversationID); rerr != nil {
				err = errors.Join(err, rerr)
			}
			return fmt.Errorf("deliver conversation %d: %w", conversationID, err)
		}
		if released {
			return nil
		}
	}
}

// deliverPending sends what is queued now and reports how many messages it
// handled; Deliver calls it until nothing is left, so that messages committed
// while it was sending (and whose own job found the lease taken) go out too.
// claimed, when not nil, is the conversation as the claim read it.
func (d *Deliverer) deliverPending(ctx context.Context, conversationID int64, claimed *domain.Conversation) (int, error) {
	msgs, err := d.store.PendingOutbound(ctx, conversationID)
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	var conv domain.Conversation
	if claimed != nil {
		conv = *claimed
	} else if conv, err = d.store.Conversation(ctx, conversationID); err != nil {
		return 0, fmt.Errorf("deliver conversation %d: %w", conversationID, err)
	}
	sender, ok := d.senders[conv.Channel]
	content, cerr := d.engine.contentFor(ctx, conv.ContentVersion)
	if cerr != nil {
		return 0, fmt.Errorf("deliver conversation %d: %w", conversationID, cerr)
	}
	to := domain.Recipient{UserID: conv.UserID, AltUserID: conv.AltUserID, Lang: conv.Lang}
	for _, m := range msgs {
		if !ok {
			d.undelivered(ctx, conv, m, domain.StatusBlocked, 0, fmt.Sprintf("channel %s is not configured", conv.Channel))
			continue
		}
		if c, proactive := categoryOf(m); proactive {
			out, err := d.store.OptedOut(ctx, conv.Channel, conv.UserID, c)
			if err != nil {
				return 0, err
			}
			if out {
				d.undelivered(ctx, conv, m, domain.StatusBlocked, 0, "the traveller stopped "+string(c))
				continue
			}
		}
		mode, reason := d.policy(conv, m, content)
		if reason != "" {
			d.undelivered(ctx, conv, m, domain.StatusBlocked, 0, reason)
			continue
		}
		if mode.Template != nil {
			if err := d.reach(ctx, conv); err != nil {
				return 0, err
			}
		}
		if mode.Template == nil {
			// Parts an earlier attempt sent (or the platform echoed) are not
			// sent again; each part accepted now is recorded as it goes, so
			// that dying mid-message does not repeat it either. A template
			// replaces the free-form parts whole.
			mode.SkipParts, mode.PartsTotal = m.PartsSent, m.PartsTotal
			mode.PartSent = d.recordPart(ctx, m)
		}
		id, err := sender.Send(ctx, to, m, mode)
		var partial *domain.PartialSend
		if errors.As(err, &partial) && partial.Sent > m.PartsSent {
			// Some parts went out: remember, so that the retry does not repeat them.
			if perr := recordThroughOutage(ctx, func() error { return d.store.MarkPartsSent(ctx, m.ID, partial.Sent, partial.Total) }); perr != nil {
				return 0, perr
			}
		}
		if se, isSE := domain.AsSendError(err); isSE && se.WindowClosed && mode.Template == nil {
			// The platform says the window is closed (our clock and theirs may
			// disagree): fall back to the template if there is one.
			if tpl := content.template(conv.Channel, purposeOf(m), conv.Lang, m.Params); tpl != nil {
				if err := d.reach(ctx, conv); err != nil {
					return 0, err
				}
				mode.Template, mode.SkipParts, mode.PartsTotal, mode.PartSent = tpl, 0, 0, nil
				id, err = sender.Send(ctx, to, m, mode)
			}
		}
		if err == nil {
			// The platform has the message: recording it must outlast a
			// database restart, or the next attempt would send it again.
			if err := recordThroughOutage(ctx, func() error { return d.store.MarkSent(ctx, m.ID, id, mode.Template != nil) }); err != nil {
				return 0, err
			}
			d.sent(conv, m)
			d.log.DebugContext(ctx, "message sent", "channel", string(conv.Channel), "seq", m.Seq, "template", mode.Template != nil)
			continue
		}
		se, isSE := domain.AsSendError(err)
		if !isSE || se.Retryable {
			d.log.WarnContext(ctx, "delivery will be retried", "conversation", conv.ID, "channel", string(conv.Channel), "err", err)
			return 0, fmt.Errorf("deliver conversation %d: %w", conv.ID, err)
		}
		d.undelivered(ctx, conv, m, domain.StatusFailed, se.Code, se.Message)
	}
	return len(msgs), nil
}

// recordPart returns the SendMode.PartSent of message m: it records each part
// the platform accepted before the last, one write per part and only for
// messages sent in several requests. A failed write is only logged: the
// platform's echo or status of the part records it too, and the attempt's end
// records the parts sent before a refusal.
func (d *Deliverer) recordPart(ctx context.Context, m domain.Outbound) func(int, int) {
	return func(sent, total int) {
		if err := d.store.MarkPartsSent(ctx, m.ID, sent, total); err != nil {
			d.log.WarnContext(ctx, "record part sent", "seq", m.Seq, "part", sent, "err", err)
		}
	}
}

// reach counts a template message against the WhatsApp messaging tier; when the
// tier is used up the conversation's messages wait (domain.Snooze) in order.
func (d *Deliverer) reach(ctx context.Context, conv domain.Conversation) error {
	if conv.Channel != domain.WhatsApp || d.WhatsAppTier <= 0 {
		return nil
	}
	ok, err := d.store.ReachOutsideWindow(ctx, conv.Channel, conv.UserID, d.WhatsAppTier)
	if err != nil {
		return err
	}
	if !ok {
		d.log.WarnContext(ctx, "WhatsApp messaging tier reached: message waits", "conversation", conv.ID, "tier", d.WhatsAppTier)
		return &domain.Snooze{At: d.now().Add(tierRetry), Reason: "WhatsApp messaging tier reached"}
	}
	return nil
}

func (d *Deliverer) undelivered(ctx context.Context, conv domain.Conversation, m domain.Outbound, st domain.DeliveryStatus, code int, reason string) {
	d.log.WarnContext(ctx, "message not delivered", "conversation", conv.ID, "channel", string(conv.Channel), "status", string(st), "code", code, "reason", reason)
	if err := d.store.MarkUndelivered(ctx, m.ID, st, code, reason); err != nil {
		d.log.ErrorContext(ctx, "record undelivered message", "conversation", conv.ID, "err", err)
		return
	}
	d.metrics().Delivery(conv.Channel, string(st), code)
}

// sent counts a message that left, and for a flight update the time since its
// status change was seen.
func (d *Deliverer) sent(conv domain.Conversation, m domain.Outbound) {
	d.metrics().Delivery(conv.Channel, string(domain.StatusSent), 0)
	if seen, err := time.Parse(time.RFC3339Nano, m.Params[pushSeenAt]); err == nil && strings.HasPrefix(m.Purpose, "flight_") {
		d.metrics().PushSent(conv.Channel, strings.TrimPrefix(m.Purpose, "flight_"), d.now().Sub(seen))
	}
}

// categoryOf tells which opt-out category a proactive message belongs to; replies
// to the traveller are never proactive.
func categoryOf(m domain.Outbound) (domain.Category, bool) {
	p := purposeOf(m)
	switch {
	case p == "reply", p == "human", m.HumanAgent:
		// Answers to the traveller — the bot's or a person's — are not
		// proactive messages: opting out of updates does not silence them.
		return "", false
	case strings.HasPrefix(p, "offer"):
		return domain.CategoryOffers, true
	default:
		return domain.CategoryFlightUpdates, true
	}
}

// purposeOf names what a message is for; flow replies have no purpose set.
func purposeOf(m domain.Outbound) string {
	if m.Purpose == "" {
		return "reply"
	}
	return m.Purpose
}

// policy decides how a message may go out, or why it may not.
func (d *Deliverer) policy(conv domain.Conversation, m domain.Outbound, c Content) (domain.SendMode, string) {
	since := d.now().Sub(conv.LastInboundAt)
	mode := domain.SendMode{Proactive: purposeOf(m) != "reply", HumanAgent: m.HumanAgent}
	if conv.Channel == domain.WebChat {
		return mode, ""
	}
	switch {
	case m.TemplateOnly:
		// The platform refused it as outside the window: only a template will do.
	case !conv.LastInboundAt.IsZero() && since < ServiceWindow:
		// Inside the window a person's reply is an ordinary response: the
		// HUMAN_AGENT tag is for the days after it closes, and only for that.
		mode.HumanAgent = false
		return mode, ""
	case m.HumanAgent && conv.Channel == domain.Messenger && !conv.LastInboundAt.IsZero() && since < HumanAgentWindow:
		return mode, ""
	case m.HumanAgent:
		// A person's reply outside the window still needs an approved template.
		mode.HumanAgent = false
	}
	tpl := c.template(conv.Channel, purposeOf(m), conv.Lang, m.Params)
	if tpl == nil {
		return mode, fmt.Sprintf("outside the %s customer-service window and no approved template for %q in %s",
			conv.Channel, purposeOf(m), conv.Lang)
	}
	mode.Template = tpl
	return mode, ""
}
