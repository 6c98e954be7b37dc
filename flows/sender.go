package flows

import (
	"context"

	"github.com/skybridge/skybridge/domain"
)

// Sender sends one channel-neutral message on one channel, rendering it within the
// channel's limits. integrations/whatsapp and integrations/messenger implement it.
//
// Errors that come from the platform are *domain.SendError, classified as retryable,
// window-closed or permanent; anything else (network, timeout) is retryable.
type Sender interface {
	Send(ctx context.Context, to Recipient, m domain.Outbound, mode SendMode) (channelMessageID string, err error)
}

// Recipient is who a message goes to.
type Recipient struct {
	UserID    string // wa_id digits, BSUID, or PSID
	AltUserID string // WhatsApp BSUID when UserID is the phone number
	Lang      domain.Lang
}

// SendMode says under which channel policy a message is sent.
type SendMode struct {
	// Template, when set, sends this approved template instead of the free-form
	// message (outside the customer-service window).
	Template *domain.TemplateRef
	// Proactive marks a message the business starts (not a reply); Messenger sends it
	// as messaging_type UPDATE inside the window.
	Proactive bool
	// HumanAgent marks a person's reply (Messenger HUMAN_AGENT tag, up to 7 days).
	HumanAgent bool
}
