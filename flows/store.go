package flows

import (
	"context"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Store is what the engine needs from persistence. integrations/store implements it
// on SQLite and PostgreSQL.
type Store interface {
	// Conversation loads a conversation by id.
	Conversation(ctx context.Context, id int64) (domain.Conversation, error)
	// NextInbound returns the oldest inbound message of the conversation that no
	// committed turn has processed yet; ok is false when there is none.
	NextInbound(ctx context.Context, conversationID int64) (in domain.Inbound, ok bool, err error)
	// CommitTurn saves everything one turn produced in one transaction: the
	// conversation (compare-and-swap: it is written only if the stored version still
	// equals Turn.Conversation.Version, and the stored version becomes Version+1), the
	// inbound message marked processed, the transition log, the outbound messages (with
	// their delivery jobs), boarding passes and a failed look-up if any. When the version
	// moved, nothing is written and the error has code domain.Conflict.
	CommitTurn(ctx context.Context, t domain.Turn) error
	// LookupFailures counts failed booking look-ups by key since a time.
	LookupFailures(ctx context.Context, key string, since time.Time) (int, error)
	// FindPass returns the newest valid boarding pass of a passenger on a segment.
	FindPass(ctx context.Context, loc domain.RecordLocator, passengerID, segmentID int64) (domain.BoardingPass, bool, error)
	// Content returns a published content version; version 0 means the newest.
	Content(ctx context.Context, version int) (domain.ContentVersion, error)
}
