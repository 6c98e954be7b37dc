package domain

import "time"

// IdleFlow is a conversation left in the middle of a flow: the traveller has not
// written since LastInboundAt.
type IdleFlow struct {
	ConversationID int64
	Channel        Channel
	Flow           string
	LastInboundAt  time.Time
}
