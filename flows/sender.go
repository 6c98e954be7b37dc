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
	Send(ctx context.Context, to domain.Recipient, m domain.Outbound, mode domain.SendMode) (channelMessageID string, err error)
}
