package domain

import "time"

// Turn is everything one processed inbound message produced. It is committed in one
// transaction: state, transition log, outbound messages, boarding passes.
type Turn struct {
	// Conversation is the new state. Its Version is the version that was loaded;
	// the store saves Version+1 only if the stored version is still Version.
	Conversation Conversation
	InboundID    int64
	Transitions  []Transition
	Outbound     []Outbound // Seq is assigned by the store, continuing the conversation's sequence
	Passes       []BoardingPass
	// VoidPasses are boarding passes no longer valid: the passenger was moved off
	// the flight (a change or a rebooking).
	VoidPasses []PassRef
	// Preferences records what the traveller stopped or resumed in this turn.
	Preferences []PreferenceUpdate
	// LookupFailureKey, when set, records LookupFailures failed booking look-ups
	// (at least one) for that key.
	LookupFailureKey string
	LookupFailures   int
	// Linked names the booking the traveller proved they hold in this turn
	// (reference and surname matched): flight updates for it reach this
	// conversation.
	Linked RecordLocator
	// LinkedNames are the names of the passengers of the Linked booking, as the
	// booking system holds them: the store keeps a blind index of each, so that
	// staff find the conversation by a traveller's name whatever booking system
	// holds the booking.
	LinkedNames []PersonName
	At          time.Time
}

// PassRef names the boarding passes of one passenger on one segment of a booking.
type PassRef struct {
	Locator     RecordLocator
	PassengerID int64
	SegmentID   int64
}

// Transition is one accepted state change, kept for audit and analytics.
type Transition struct {
	Flow           string
	From           string
	To             string
	Event          string
	ContentVersion int
	Lang           Lang
	At             time.Time
}

// ContentVersion is one published, immutable version of the flows' content (texts
// and rules), stored as the JSON document flows defines.
type ContentVersion struct {
	Version   int
	Body      []byte
	Author    string
	Comment   string
	CreatedAt time.Time
}
