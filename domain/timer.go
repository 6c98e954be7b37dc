package domain

import "time"

// IdleFlow is a conversation left in the middle of a flow: it has waited on the
// traveller since Since (their last message, or a hand-back to the bot).
type IdleFlow struct {
	ConversationID int64
	Channel        Channel
	Flow           string
	// ContentVersion is the content the conversation is pinned to: its timeouts apply.
	ContentVersion int
	Since          time.Time
}
