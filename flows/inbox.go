package flows

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/skybridge/skybridge/domain"
)

// InboxStore is what applying channel events needs from persistence.
type InboxStore interface {
	AcceptEvent(ctx context.Context, ev domain.ChannelEvent) (conversationID int64, duplicate bool, err error)
	ApplyStatus(ctx context.Context, u domain.StatusUpdate) error
	ApplyWatermark(ctx context.Context, ch domain.Channel, userID string, u domain.StatusUpdate) error
	SetPreference(ctx context.Context, ch domain.Channel, userID string, p domain.PreferenceUpdate) error
	RequeueForTemplate(ctx context.Context, channelMessageID string) (bool, error)
}

// codeWindowClosed is WhatsApp's "re-engagement message" refusal, which often comes
// only in a failed status webhook.
const codeWindowClosed = 131047

// Parser reads a channel's webhook body into events.
type Parser func(body []byte) ([]domain.ChannelEvent, error)

// Inbox applies stored webhook bodies: each message becomes an inbound message of
// its conversation (once, whatever the redeliveries), each status moves an outbound
// message forward, each preference is recorded.
type Inbox struct {
	store    InboxStore
	parsers  map[domain.Channel]Parser
	accounts map[domain.Channel]string
	log      *slog.Logger
}

// NewInbox builds an inbox. accounts gives, per channel, our phone number id or
// page id: events addressed elsewhere are ignored.
func NewInbox(store InboxStore, parsers map[domain.Channel]Parser, accounts map[domain.Channel]string, log *slog.Logger) *Inbox {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Inbox{store: store, parsers: parsers, accounts: accounts, log: log}
}

// Apply parses one webhook body and applies its events in order. It is idempotent,
// so a retry after a partial failure applies nothing twice.
func (i *Inbox) Apply(ctx context.Context, ch domain.Channel, body []byte) error {
	parse, ok := i.parsers[ch]
	if !ok {
		return fmt.Errorf("apply webhook: no parser for channel %s", ch)
	}
	events, err := parse(body)
	if err != nil {
		// Bodies are checked before they are stored; one that still does not parse
		// will never parse: log it and move on rather than retry for ever.
		i.log.Error("stored webhook does not parse", "channel", string(ch), "err", err)
		return nil
	}
	for _, ev := range events {
		if acc := i.accounts[ch]; acc != "" && ev.Account != "" && ev.Account != acc {
			i.log.Info("webhook event for another account ignored", "channel", string(ch))
			continue
		}
		switch ev.Kind {
		case domain.EventMessage:
			if _, _, err := i.store.AcceptEvent(ctx, ev); err != nil {
				return fmt.Errorf("apply webhook: %w", err)
			}
		case domain.EventStatus:
			u := ev.Status
			u.Channel, u.UserID, u.AltUserID = ch, ev.UserID, ev.AltUserID
			if err := i.store.ApplyStatus(ctx, u); err != nil {
				return fmt.Errorf("apply webhook: %w", err)
			}
			if ev.Status.Status == domain.StatusFailed && ev.Status.ErrorCode == codeWindowClosed {
				// Refused after all for the closed window: try again as a template.
				if _, err := i.store.RequeueForTemplate(ctx, ev.Status.ChannelMessageID); err != nil {
					return fmt.Errorf("apply webhook: %w", err)
				}
			}
		case domain.EventWatermark:
			if err := i.store.ApplyWatermark(ctx, ch, ev.UserID, ev.Status); err != nil {
				return fmt.Errorf("apply webhook: %w", err)
			}
		case domain.EventPreference:
			if err := i.store.SetPreference(ctx, ch, ev.UserID, ev.Preference); err != nil {
				return fmt.Errorf("apply webhook: %w", err)
			}
		default:
			i.log.Debug("webhook event ignored", "channel", string(ch), "note", ev.Note)
		}
	}
	return nil
}
