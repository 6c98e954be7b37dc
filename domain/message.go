package domain

import (
	"encoding/json"
	"time"
)

// Channel is where a conversation takes place.
type Channel string

// Channels.
const (
	WebChat   Channel = "webchat"
	WhatsApp  Channel = "whatsapp"
	Messenger Channel = "messenger"
)

// Conversation is one traveller's thread on one channel. Flow, State and Data are the
// state machine's persisted state; Version is bumped by every saved turn and is what
// compare-and-swap saves check.
type Conversation struct {
	ID             int64
	Channel        Channel
	UserID         string // channel user id: web chat session, wa_id, PSID
	AltUserID      string // WhatsApp business-scoped user id when UserID is the phone number
	Lang           Lang
	LangExplicit   bool // the traveller asked for this language
	Flow           string
	State          string
	Data           json.RawMessage // the flow's slots, owned by flows
	ContentVersion int             // pinned content version, 0 = not yet pinned
	Version        int64
	// LastInboundAt is when the traveller last wrote: it opens the channel's
	// customer-service window.
	LastInboundAt time.Time
	// IdleSince is set when the flow started waiting on the traveller without
	// their writing: a person handed the conversation back to the bot. Zero
	// otherwise. Reminders and expiry count from IdleClock.
	IdleSince time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// IdleClock is when the conversation's flow began waiting on the traveller: the
// later of their last message and a hand-back to the bot.
func (c Conversation) IdleClock() time.Time {
	if c.IdleSince.After(c.LastInboundAt) {
		return c.IdleSince
	}
	if c.LastInboundAt.IsZero() {
		return c.UpdatedAt
	}
	return c.LastInboundAt
}

// Inbound is one message a traveller sent, stored before it is acknowledged.
type Inbound struct {
	ID               int64
	ConversationID   int64
	Channel          Channel
	ChannelMessageID string // wamid, mid, or the web chat client's message id
	Text             string // free text, or the title of a tapped button
	Payload          string // id of a tapped button or list row, empty for free text
	// Unsupported names what the traveller sent when it is not text or a tap
	// ("image", "location", "sticker", …): the flows answer it politely.
	Unsupported string
	ReceivedAt  time.Time
	// RequestID is the id of the HTTP request that delivered the message, so that
	// the log lines of the turn that answers it can be found from the request's.
	RequestID string
}

// OutboundKind is the channel-neutral kind of an outbound message.
type OutboundKind string

// Outbound kinds.
const (
	OutText     OutboundKind = "text"
	OutChoices  OutboundKind = "choices"
	OutDocument OutboundKind = "document"
	OutImage    OutboundKind = "image"
)

// Choice is one option offered to the traveller: a button, a quick reply or a list row.
type Choice struct {
	ID          string // payload sent back when tapped
	Title       string
	Description string
}

// Attachment is a document or image sent to the traveller, addressed by URL.
type Attachment struct {
	URL      string // path relative to the public base URL, e.g. "/passes/TOKEN.pdf"
	Filename string
	MIME     string
	Caption  string
}

// Outbound is one channel-neutral message for a traveller. Channels render it within
// their limits.
type Outbound struct {
	ID             int64
	ConversationID int64
	Seq            int // order within the conversation
	Kind           OutboundKind
	Text           string
	Choices        []Choice
	Attachment     *Attachment
	// Purpose names what the message is for ("reply", "flight_delay", …); where the
	// channel's policy requires an approved template, the template configured for
	// this purpose and language is sent, filled with Params.
	Purpose string
	Params  map[string]string
	// HumanAgent marks a reply typed by a person (Messenger HUMAN_AGENT tag).
	HumanAgent bool
	// TemplateOnly: the platform refused the free-form message as outside the
	// customer-service window; it may only go again as an approved template.
	TemplateOnly bool
	// PartsSent counts the wire requests of this message already sent by an
	// attempt that failed part-way.
	PartsSent int
	// PartsTotal is how many wire requests PartsSent counts parts of, when the
	// platform named it with a part's status (0 when unknown).
	PartsTotal int

	Status           DeliveryStatus
	ChannelMessageID string // the platform's id once sent
	Error            string // why it failed or was not sent
	CreatedAt        time.Time
}

// DeliveryStatus tracks an outbound message. It only moves forward.
type DeliveryStatus string

// Delivery statuses, in order.
const (
	StatusQueued    DeliveryStatus = "queued"
	StatusSent      DeliveryStatus = "sent"
	StatusDelivered DeliveryStatus = "delivered"
	StatusRead      DeliveryStatus = "read"
	StatusFailed    DeliveryStatus = "failed"
	// StatusBlocked: no channel policy allowed sending it (outside the window with no
	// template configured, or the traveller opted out). Final, never sent.
	StatusBlocked DeliveryStatus = "blocked"
)
