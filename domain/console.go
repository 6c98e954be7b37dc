package domain

import (
	"strconv"
	"time"
)

// What the staff console reads about conversations: searches, transcripts, the
// inbox of conversations that need a person, and the results of the flows. The
// store computes them from its tables; the console shows them.

// ConversationQuery finds conversations by one of what a traveller tells staff:
// a booking reference, a WhatsApp phone number, a Messenger id or a name on a
// linked booking. The first non-empty field is used.
type ConversationQuery struct {
	Locator RecordLocator
	Phone   string // WhatsApp number, any punctuation
	PSID    string // Messenger page-scoped id
	Name    string // "Surname" or "Given Surname" of a passenger of a linked booking
	Limit   int
}

// ConversationSummary is one conversation in a search result or the inbox.
type ConversationSummary struct {
	ID             int64
	Channel        Channel
	Flow           string
	State          string
	Lang           Lang
	ContentVersion int
	Locators       []RecordLocator // bookings the traveller identified in it
	LastInboundAt  time.Time
	UpdatedAt      time.Time
}

// TranscriptEntry is one message of a conversation, in either direction, as staff
// see it. Outbound entries carry their delivery status and the platform's error.
type TranscriptEntry struct {
	At      time.Time
	Inbound bool
	// System marks an inbound message Skybridge addressed to the conversation
	// itself (a staff action, a timer, a payment's outcome).
	System     bool
	Text       string
	Payload    string
	Kind       OutboundKind
	Choices    []Choice
	Purpose    string
	HumanAgent bool
	Seq        int
	Status     DeliveryStatus
	ErrorCode  int
	Error      string
	// Undelivered marks an outbound message that did not go out (failed,
	// blocked, or stuck in the queue) and that staff may still send again or
	// set aside; Retried and Dismissed say what a person did with it.
	Undelivered bool
	Retried     bool
	Dismissed   bool
	// DismissReason is why a person set the message aside (personal data:
	// shown to agents and admins only).
	DismissReason string
}

// InboxKind says why a conversation is in the staff inbox.
type InboxKind string

// Inbox kinds.
const (
	// InboxHandoff: the traveller waits for a person (flow "handoff").
	InboxHandoff InboxKind = "handoff"
	// InboxFailedTurn: a turn ended a flow on an error (an effect failed, a
	// state that no longer exists, a booking gone) or in an error state.
	InboxFailedTurn InboxKind = "failed_turn"
	// InboxUndelivered: an outbound message failed, was blocked by the channel's
	// policy, or is stuck in the queue (a dead letter).
	InboxUndelivered InboxKind = "undelivered"
)

// InboxItem is one line of the staff inbox.
type InboxItem struct {
	Kind           InboxKind
	ConversationID int64
	Channel        Channel
	Flow           string
	State          string
	At             time.Time
	// Reason is the abandon reason, the error state, or the delivery error.
	Reason string
	Code   int
	Status DeliveryStatus
	// TakenBy is the staff member who took the handoff over and has not handed it
	// back yet ("" while nobody has).
	TakenBy string
	// Seq is the undelivered message's place in its conversation (InboxUndelivered
	// only); Retried says a person sent it again already (a message gets one
	// retry from the console).
	Seq     int
	Retried bool
}

// ResultsQuery selects the results the dashboard shows: runs of flows started in
// [From, To), optionally of one flow, content version, language or channel.
// Finals names each flow's final states (reaching one completes a run) and
// Goals the state that counts as success (check-in: "checked_in"), whose time
// from start the dashboard reports.
type ResultsQuery struct {
	From, To       time.Time
	Flow           string
	ContentVersion int
	Lang           Lang
	Channel        Channel
	Finals         map[string][]string
	Goals          map[string]string
}

// Results are the dashboard's figures over a period.
type Results struct {
	Flows  []FlowResult
	Pushes []PushResult
	// GoalMedian is the median time from start to the goal state per flow, over
	// every run in the selection that reached it; GoalRuns counts those runs.
	GoalMedian map[string]time.Duration
	GoalRuns   map[string]int
}

// FlowResult counts the runs of one flow started with one content version, in
// one language, on one channel.
type FlowResult struct {
	Flow           string
	ContentVersion int
	Lang           Lang
	Channel        Channel
	Started        int
	Completed      int // reached a final state
	Succeeded      int // reached the flow's goal state
	Contained      int // completed with no handoff to a person during the run
	HandedOff      int // a person was asked for (or took over) during the run
	Abandoned      int // left before a final state (start over, expiry, an error)
	Open           int // neither yet
	DropOff        []DropOff
	GoalMedian     time.Duration
}

// DropOff counts runs abandoned in one state, for one reason.
type DropOff struct {
	State  string
	Reason string
	Count  int
}

// PushResult counts the flight updates of one kind sent to conversations of one
// content version, language and channel.
type PushResult struct {
	Kind           string // delay, gate_change, … (the purpose without "flight_")
	ContentVersion int
	Lang           Lang
	Channel        Channel
	Queued         int
	Sent           int // the platform accepted it (and maybe more)
	Delivered      int // delivered or read
	Read           int
	Failed         int
	Blocked        int
	ActedOn        int // a button was tapped after it, before the next update
}

// Audit actions of the staff's work in conversations (AuditTakeover is the
// first).
const (
	AuditHandBack   AuditAction = "handback"
	AuditAgentReply AuditAction = "agent_reply"
	// AuditRetryMessage and AuditDismissMessage: a person sent an undelivered
	// message again, or set it aside with a reason.
	AuditRetryMessage   AuditAction = "retry_message"
	AuditDismissMessage AuditAction = "dismiss_message"
	// AuditPrivacyExport and AuditPrivacyErase: an admin exported or erased a
	// traveller's data from the console (the subject is a blind index).
	AuditPrivacyExport AuditAction = "privacy_export"
	AuditPrivacyErase  AuditAction = "privacy_erase"
)

// MessageSubject names an outbound message of a conversation as the subject of
// audit entries.
func MessageSubject(conversationID int64, seq int) string {
	return ConversationSubject(conversationID) + " message " + strconv.Itoa(seq)
}

// SubjectSummary is what is held about a data subject, without the data: what
// an admin sees before exporting or erasing it.
type SubjectSummary struct {
	// Key names the subject in audit logs: its kind and a blind index of the
	// identifier, never the identifier.
	Key           string
	Conversations []ConversationSummary
	// Counts are the rows held per kind of record (messages, boarding passes,
	// travel documents, …), zero counts left out.
	Counts map[string]int64
}

// ConversationSubject names a conversation as the subject of audit entries.
func ConversationSubject(id int64) string { return "conversation " + strconv.FormatInt(id, 10) }
