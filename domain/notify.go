package domain

import "time"

// FlightWatch is what Skybridge knows of one flight's status: the last status seen,
// the baseline of what travellers were told, and a version for compare-and-swap.
type FlightWatch struct {
	Key      FlightKey
	Status   FlightStatusReport
	Notified Notified
	// Version is 0 for a flight never seen; SaveFlightWatch stores Version+1.
	Version int64
	// SeenAt is when the status was last changed.
	SeenAt time.Time
}

// NotificationStatus is what became of one passenger's notification.
type NotificationStatus string

// Notification statuses.
const (
	NoticeQueued      NotificationStatus = "queued"      // a message is on its way
	NoticeOptedOut    NotificationStatus = "opted_out"   // the traveller stopped flight updates
	NoticeUnreachable NotificationStatus = "unreachable" // no channel reaches the booking
	NoticeAgent       NotificationStatus = "agent"       // a person owns the conversation: for them to tell
)

// PassengerNotice is one passenger's notification of one event. Key is unique:
// (passenger, flight, kind, version).
type PassengerNotice struct {
	Key         string
	PassengerID int64
	Locator     RecordLocator
	Status      NotificationStatus
}

// NotificationSend is one message to one conversation about one event, for the
// passengers it names.
type NotificationSend struct {
	// ConversationID is the conversation to write in; 0 means the conversation of
	// (Channel, UserID), created (in Lang) if there is none.
	ConversationID int64
	Channel        Channel
	UserID         string
	Lang           Lang
	Passengers     []PassengerNotice
	Messages       []Outbound
}

// NotificationBatch is what one page of a fan-out queues, in one transaction.
type NotificationBatch struct {
	EventID int64
	// Priority orders delivery when there is more to send than the channels allow:
	// 1 first (cancellations, diversions), 4 last.
	Priority int
	Sends    []NotificationSend
	// Skipped are the passengers no message goes to, with why.
	Skipped []PassengerNotice
}
