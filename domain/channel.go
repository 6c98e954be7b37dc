package domain

import (
	"errors"
	"fmt"
	"time"
)

// EventKind is the kind of a channel webhook event.
type EventKind string

// Channel event kinds.
const (
	EventMessage    EventKind = "message"    // a traveller wrote or tapped something
	EventStatus     EventKind = "status"     // an outbound message was sent, delivered, read or failed
	EventWatermark  EventKind = "watermark"  // Messenger: every message before At is delivered/read
	EventPreference EventKind = "preference" // the traveller stopped or resumed a category of messages
	EventIgnored    EventKind = "ignored"    // echoes and events we do not act on
)

// ChannelEvent is one thing a channel's webhook reported, parsed from the platform's
// wire format by the channel adapter.
type ChannelEvent struct {
	Kind EventKind
	// UserID identifies the traveller on the channel: the WhatsApp phone number
	// (wa_id digits) when present, else the business-scoped user id; the Messenger PSID.
	UserID string
	// AltUserID is the other WhatsApp identifier when both are present (the BSUID).
	AltUserID   string
	ProfileName string
	// Inbound is set for EventMessage.
	Inbound Inbound
	// Status is set for EventStatus and EventWatermark.
	Status StatusUpdate
	// Preference is set for EventPreference.
	Preference PreferenceUpdate
	// Note explains an ignored event, for the log.
	Note string
	// Account is the business side the event is addressed to: the WhatsApp phone
	// number id, the Messenger page id; "" when the payload does not say.
	Account string
}

// StatusUpdate is a delivery report for an outbound message.
type StatusUpdate struct {
	ChannelMessageID string // wamid or mid; empty for a watermark
	// OutboundID is our own id of the message when the platform echoes it
	// (WhatsApp biz_opaque_callback_data): it finds the message even before its
	// platform id is recorded.
	OutboundID int64
	// Part and Parts, when Parts is set, say which of the wire requests of
	// message OutboundID the status is about: part Part of Parts (our reference
	// names it). A part before the last tells only that the parts up to it went
	// out, so that they are not sent again; the message itself is not sent yet.
	// Zero for a status that names no part (the whole message).
	Part, Parts int
	// Template: our reference says the message went as an approved template
	// (graphapi.TemplateReference), not as the free-form send a 131047 refused.
	Template bool
	// Channel, UserID and AltUserID name the traveller the platform says the
	// message went to. When Channel is set, OutboundID finds only a message of
	// that traveller's conversation on that channel: a reference copied into
	// another message (another app on the same Messenger Page can set any
	// metadata) cannot mark someone else's message sent.
	Channel     Channel
	UserID      string
	AltUserID   string
	Status      DeliveryStatus
	At          time.Time // when the platform says it happened; the watermark for EventWatermark
	ErrorCode   int
	ErrorTitle  string
	ErrorDetail string
}

// Category is a kind of proactive message a traveller can opt out of.
type Category string

// Message categories.
const (
	CategoryFlightUpdates Category = "flight_updates"
	CategoryOffers        Category = "offers"
)

// PreferenceUpdate records that a traveller stopped or resumed a category.
type PreferenceUpdate struct {
	Category Category
	OptedOut bool
	At       time.Time
}

// TemplateRef is an approved message template with its parameters, used where the
// channel's policy forbids free-form messages (outside the 24-hour window).
type TemplateRef struct {
	Name     string
	Language string // the platform's code, e.g. "en_GB"
	// Params are the body parameters in order; with ParamNames set they are named.
	Params     []string
	ParamNames []string
	// ButtonPayloads are quick-reply payloads for the template's buttons, in order.
	ButtonPayloads []string
}

// SendError is a refusal by a channel's platform, classified so that delivery knows
// what to do: retry later, fall back to a template, or record a permanent failure.
type SendError struct {
	Code         int    // the platform's error code (130429, 131047, 613, …)
	Message      string // the platform's message
	HTTPStatus   int
	Retryable    bool // throttling, server errors: try again with backoff
	WindowClosed bool // the customer-service window is closed: a template is needed
	// RetryAfter, when known, is the wait the platform asked for.
	RetryAfter time.Duration
}

func (e *SendError) Error() string {
	return fmt.Sprintf("send refused: code %d (http %d): %s", e.Code, e.HTTPStatus, e.Message)
}

// ErrBusy means someone else is doing the work right now (another worker holds
// a conversation's delivery lease); try again shortly.
var ErrBusy = errors.New("busy: another worker holds the lease")

// AsSendError returns the SendError in err's chain, if any.
func AsSendError(err error) (*SendError, bool) {
	var se *SendError
	ok := errors.As(err, &se)
	return se, ok
}

// Recipient is who a channel message goes to.
type Recipient struct {
	UserID    string // wa_id digits, BSUID, or PSID
	AltUserID string // WhatsApp BSUID when UserID is the phone number
	Lang      Lang
}

// SendMode says under which channel policy a message is sent.
type SendMode struct {
	// Template, when set, sends this approved template instead of the free-form
	// message (outside the customer-service window).
	Template *TemplateRef
	// Proactive marks a message the business starts (not a reply); Messenger sends it
	// as messaging_type UPDATE inside the window.
	Proactive bool
	// HumanAgent marks a person's reply (Messenger HUMAN_AGENT tag, up to 7 days).
	HumanAgent bool
	// SkipParts is how many wire requests of this message an earlier attempt
	// already sent (a long text split, a text before its choices): they are not
	// sent again. It counts parts of the free-form rendering: a template,
	// which replaces that rendering whole, is sent with SkipParts 0.
	SkipParts int
	// PartsTotal is the part count SkipParts was counted against, 0 when
	// unknown (Skip).
	PartsTotal int
	// PartSent, when set, is told after each wire request but the last that the
	// platform accepted, with how many parts are out so far (skipped ones
	// included): delivery records it, so that a sender that dies before the
	// attempt ends does not send those parts again. It applies to free-form
	// messages split into several requests; a template is one request. total
	// is the number of parts of this rendering.
	PartSent func(sent, total int)
}

// PartialSend wraps a failure after some of a message's wire requests went out:
// Sent counts the parts sent so far (including those skipped), so that a retry
// sends only the rest.
type PartialSend struct {
	Sent int
	// Total is the number of parts of the rendering Sent counts parts of.
	Total int
	Err   error
}

func (e *PartialSend) Error() string { return fmt.Sprintf("after %d parts: %v", e.Sent, e.Err) }

// Unwrap gives the failure, so that its classification (SendError) shows through.
func (e *PartialSend) Unwrap() error { return e.Err }

// Skip returns how many of the parts of a rendering of parts wire requests a
// send skips: SkipParts, unless those parts are not this rendering's (they
// were counted against another part count, or they leave nothing to send: a
// forged status, or a new release that splits the message otherwise), in
// which case none. A part sent twice is better than one lost, and a send
// always sends at least its last part.
func (m SendMode) Skip(parts int) int {
	if m.SkipParts >= parts || m.PartsTotal != 0 && m.PartsTotal != parts {
		return 0
	}
	return max(m.SkipParts, 0)
}
