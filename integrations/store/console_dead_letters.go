package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// What staff may do with a message that did not go out (a dead letter): send it
// again, once, or set it aside with a reason. Both commit with their audit
// entry; the inbox stops showing a message set aside.

// deadLetterWhere selects, over outbound_messages joined with conversations,
// the messages that did not go out: failed, blocked, or still queued after a
// cutoff (their delivery jobs keep failing or were discarded; the web chat's
// browser reads its queue itself), unless a person dismissed them. A message a
// person sent again is queued since the retry, not since it was written.
const deadLetterWhere = `outbound_messages.dismissed_at IS NULL AND (outbound_messages.status IN ?
	OR (outbound_messages.status = ? AND conversations.channel <> ? AND outbound_messages.created_at < ?
		AND (outbound_messages.retried_at IS NULL OR outbound_messages.retried_at < ?)))`

func deadLetterArgs(queuedBefore time.Time) []any {
	return []any{[]string{string(domain.StatusFailed), string(domain.StatusBlocked)}, string(domain.StatusQueued),
		string(domain.WebChat), queuedBefore, queuedBefore}
}

// maxDismissReason bounds the reason given for setting a message aside.
const maxDismissReason = 500

// deadLetterRow is an undelivered message as retry and dismiss read it.
type deadLetterRow struct {
	ID          int64
	Channel     string
	Status      string
	ErrorCode   int
	RetriedAt   *time.Time
	DismissedAt *time.Time
	CreatedAt   time.Time
}

// deadLetter locks the conversation and loads its message seq if it is a dead
// letter; otherwise NotFound (no such message) or Conflict (it went out, or a
// person acted on it already).
func (s *Store) deadLetter(tx *gorm.DB, conversationID int64, seq int) (deadLetterRow, error) {
	const op = "undelivered message"
	if _, err := lockForStaff(tx, conversationID); err != nil {
		return deadLetterRow{}, err
	}
	var rows []deadLetterRow
	err := tx.Table("outbound_messages").
		Select("outbound_messages.id, conversations.channel, outbound_messages.status, outbound_messages.error_code, outbound_messages.retried_at, outbound_messages.dismissed_at, outbound_messages.created_at").
		Joins("JOIN conversations ON conversations.id = outbound_messages.conversation_id").
		Where("outbound_messages.conversation_id = ? AND outbound_messages.seq = ?", conversationID, seq).
		Limit(1).Scan(&rows).Error
	if err != nil {
		return deadLetterRow{}, fmt.Errorf("load message %d: %w", seq, err)
	}
	if len(rows) == 0 {
		return deadLetterRow{}, domain.Errorf(domain.NotFound, op, "conversation %d has no message %d", conversationID, seq)
	}
	r := rows[0]
	stuck := r.Status == string(domain.StatusQueued) && r.Channel != string(domain.WebChat) && r.CreatedAt.Before(s.now().Add(-stuckAfter))
	switch {
	case r.DismissedAt != nil:
		return r, domain.Errorf(domain.Conflict, op, "message %d was set aside already", seq)
	case r.Status != string(domain.StatusFailed) && r.Status != string(domain.StatusBlocked) && !stuck:
		return r, domain.Errorf(domain.Conflict, op, "message %d is %s: only a message that did not go out can be sent again or set aside", seq, r.Status)
	}
	return r, nil
}

// RetryMessage sends an undelivered message of a conversation again: a failed
// or blocked message is queued again (its error cleared, the template-only mark
// of an earlier window refusal too) and delivery goes through the channel's
// policy afresh, as for any message — inside the customer-service window as it
// is, outside it as an approved template, blocked and recorded when neither
// applies. A message still queued gets a new delivery job. A message is sent
// again once: a second retry is a Conflict. The audit entry (its detail says
// what the message was) commits with it. Web chat messages are read by the
// traveller's browser and are never retried.
func (s *Store) RetryMessage(ctx context.Context, conversationID int64, seq int, audit domain.AuditEntry) error {
	const op = "retry message"
	err := s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		r, err := s.deadLetter(tx, conversationID, seq)
		if err != nil {
			return err
		}
		if r.Channel == string(domain.WebChat) {
			return domain.Errorf(domain.Invalid, op, "web chat messages are read by the traveller's browser: there is nothing to send again")
		}
		if r.RetriedAt != nil {
			return domain.Errorf(domain.Conflict, op, "message %d was sent again once already: dismiss it instead", seq)
		}
		now := s.now()
		res := tx.Exec(`UPDATE outbound_messages SET status = ?, error = '', error_code = 0, channel_message_id = '',
			template_only = ?, parts_sent = 0, parts_total = 0, retried_at = ?, updated_at = ?
			WHERE id = ? AND status = ? AND retried_at IS NULL AND dismissed_at IS NULL`,
			string(domain.StatusQueued), false, now, now, r.ID, r.Status)
		if res.Error != nil {
			return fmt.Errorf("queue message %d again: %w", seq, res.Error)
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.Conflict, op, "message %d changed meanwhile: reload", seq)
		}
		if _, err := s.enqueue(ctx, sqlTx, deliverJob(conversationID)); err != nil {
			return err
		}
		was := r.Status
		if r.ErrorCode != 0 {
			was += " " + strconv.Itoa(r.ErrorCode)
		}
		audit.Subject = domain.MessageSubject(conversationID, seq)
		audit.Detail = strings.TrimSpace(audit.Detail + " was " + was)
		return appendAudit(tx, audit, now)
	})
	if err != nil {
		return wrapOp(op, conversationID, err)
	}
	return nil
}

// DismissMessage sets an undelivered message aside with a reason: it leaves the
// inbox and the dead-letter list. The reason is sealed with the message (staff
// may paste a phone or passport number into it; Transcript opens it again) and
// the audit entry records its length only, as for an agent's reply. A message
// still queued is marked blocked so that a later delivery does not send it
// after all.
func (s *Store) DismissMessage(ctx context.Context, conversationID int64, seq int, reason string, audit domain.AuditEntry) error {
	const op = "dismiss message"
	reason = strings.Join(strings.Fields(reason), " ")
	if reason == "" {
		return domain.Errorf(domain.Invalid, op, "say why the message is set aside")
	}
	if utf8.RuneCountInString(reason) > maxDismissReason {
		return domain.Errorf(domain.Invalid, op, "a reason has at most %d characters", maxDismissReason)
	}
	err := s.inTx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		r, err := s.deadLetter(tx, conversationID, seq)
		if err != nil {
			return err
		}
		now := s.now()
		if r.Status == string(domain.StatusQueued) {
			// A worker holding the delivery lease may be sending it right now:
			// it would go out although recorded as set aside. The row lock taken
			// above keeps a new claim out until this commits.
			var busy int64
			if err := tx.Raw(`SELECT COUNT(*) FROM conversations WHERE id = ? AND delivering_until >= ?`, conversationID, now).
				Scan(&busy).Error; err != nil {
				return fmt.Errorf("read delivery lease: %w", err)
			}
			if busy > 0 {
				return domain.Errorf(domain.Conflict, op, "message %d is being sent right now: try again in a few minutes", seq)
			}
		}
		res := tx.Exec(`UPDATE outbound_messages SET dismissed_at = ?, dismiss_reason = ?, updated_at = ?,
			status = CASE WHEN status = ? THEN ? ELSE status END,
			error = CASE WHEN status = ? THEN ? ELSE error END
			WHERE id = ? AND status = ? AND dismissed_at IS NULL`,
			now, s.sealer.Seal(reason), now, string(domain.StatusQueued), string(domain.StatusBlocked), string(domain.StatusQueued), "set aside by staff",
			r.ID, r.Status)
		if res.Error != nil {
			return fmt.Errorf("set message %d aside: %w", seq, res.Error)
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.Conflict, op, "message %d changed meanwhile: reload", seq)
		}
		audit.Subject = domain.MessageSubject(conversationID, seq)
		audit.Detail = strconv.Itoa(utf8.RuneCountInString(reason)) + " characters, sealed with the message"
		return appendAudit(tx, audit, now)
	})
	if err != nil {
		return wrapOp(op, conversationID, err)
	}
	return nil
}
