package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// CommitTurn saves everything one turn produced in one transaction:
//
//   - the conversation, compare-and-swap on its version: written only if the stored
//     version still equals t.Conversation.Version, and bumped to Version+1;
//   - the inbound message t.InboundID marked processed, only if it belongs to the
//     conversation and is still pending (0 means a turn without an inbound message,
//     e.g. one opened by a flight event);
//   - the transitions, the outbound messages (status queued, Seq continuing the
//     conversation's sequence), boarding passes (superseding earlier passes of the
//     same passenger and segment) and a failed look-up if t.LookupFailureKey is set;
//   - the link of the conversation to the booking t.Linked, if set, so that flight
//     updates for that booking reach the conversation (linking twice is a no-op),
//     with blind indexes of t.LinkedNames for staff's search by name.
//
// When either guard fails nothing is written and the error has code
// domain.Conflict: the caller reloads and starts the turn again. Subscribers of the
// conversation are woken after a commit that added outbound messages.
func (s *Store) CommitTurn(ctx context.Context, t domain.Turn) error {
	const op = "commit turn"
	c := t.Conversation
	at := t.At.UTC()
	if t.At.IsZero() {
		at = s.now()
	}
	row := s.fromDomainConversation(c)
	var idleSince any // NULL keeps the stored value
	if !c.IdleSince.IsZero() {
		idleSince = c.IdleSince.UTC()
	}
	err := s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		res := tx.Exec(`UPDATE conversations
			SET lang = ?, lang_explicit = ?, flow = ?, state = ?, data = ?, content_version = ?,
			    idle_since = COALESCE(?, idle_since), version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			row.Lang, row.LangExplicit, row.Flow, row.State, row.Data, row.ContentVersion,
			idleSince, at, c.ID, c.Version)
		if res.Error != nil {
			return fmt.Errorf("save conversation %d: %w", c.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.Conflict, op, "conversation %d is no longer at version %d", c.ID, c.Version)
		}
		if t.InboundID != 0 {
			res := tx.Exec(`UPDATE inbound_messages SET processed_at = ?
				WHERE id = ? AND conversation_id = ? AND processed_at IS NULL`,
				at, t.InboundID, c.ID)
			if res.Error != nil {
				return fmt.Errorf("mark inbound %d processed: %w", t.InboundID, res.Error)
			}
			if res.RowsAffected == 0 {
				return domain.Errorf(domain.Conflict, op, "inbound message %d of conversation %d is not pending", t.InboundID, c.ID)
			}
		}
		if err := insertTransitions(tx, c.ID, t.Transitions, at); err != nil {
			return err
		}
		if err := s.insertOutbound(tx, c.ID, t.Outbound, at); err != nil {
			return err
		}
		// Channels other than the web chat are delivered by a job, committed with
		// the messages it will send.
		if len(t.Outbound) > 0 && c.Channel != domain.WebChat {
			if _, err := s.enqueue(ctx, sqlTx, deliverJob(c.ID)); err != nil {
				return err
			}
		}
		if err := s.insertPasses(tx, t.Passes, at); err != nil {
			return err
		}
		if err := voidPasses(tx, t.VoidPasses); err != nil {
			return err
		}
		for _, p := range t.Preferences {
			if err := s.setPreferenceTx(tx, c.Channel, c.UserID, p, at); err != nil {
				return err
			}
		}
		if t.Linked != "" {
			if err := linkBooking(tx, c.ID, t.Linked, at); err != nil {
				return err
			}
			if err := s.indexNames(tx, c.ID, t.LinkedNames); err != nil {
				return err
			}
		}
		for i := 0; t.LookupFailureKey != "" && (i == 0 || i < t.LookupFailures); i++ {
			// The key names the traveller (channel and identifier): stored blind.
			if err := tx.Create(&lookupFailureRow{Key: s.blind(t.LookupFailureKey), At: at}).Error; err != nil {
				return fmt.Errorf("record lookup failure: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return err
		}
		return fmt.Errorf("%s %d: %w", op, c.ID, err)
	}
	if len(t.Outbound) > 0 {
		s.wake.notify(c.ID)
	}
	return nil
}

func insertTransitions(tx *gorm.DB, conversationID int64, ts []domain.Transition, at time.Time) error {
	if len(ts) == 0 {
		return nil
	}
	rows := make([]transitionRow, len(ts))
	for i, t := range ts {
		if t.At.IsZero() {
			t.At = at
		}
		rows[i] = fromDomainTransition(conversationID, t)
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("insert transitions: %w", err)
	}
	return nil
}
