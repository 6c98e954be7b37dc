package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// insertOutbound appends messages to the conversation's outbox with Seq continuing
// after its highest seq. CommitTurn has already updated the conversation row, which
// holds that row's lock until commit, so two turns cannot pick the same seq (and
// UNIQUE (conversation_id, seq) would refuse it if they did).
func (s *Store) insertOutbound(tx *gorm.DB, conversationID int64, out []domain.Outbound, at time.Time) error {
	return s.insertOutboundKeyed(tx, conversationID, out, nil, at)
}

// insertOutboundKeyed is insertOutbound with a dedupe key per message (keys is nil
// or as long as out). UNIQUE (conversation_id, dedupe_key) refuses a key stored
// already; callers skip those first, under the conversation's row lock.
func (s *Store) insertOutboundKeyed(tx *gorm.DB, conversationID int64, out []domain.Outbound, keys []string, at time.Time) error {
	if len(out) == 0 {
		return nil
	}
	var maxSeq int
	err := tx.Model(&outboundRow{}).Where("conversation_id = ?", conversationID).
		Select("COALESCE(MAX(seq), 0)").Scan(&maxSeq).Error
	if err != nil {
		return fmt.Errorf("read outbound sequence: %w", err)
	}
	rows := make([]outboundRow, len(out))
	for i, o := range out {
		o.ConversationID = conversationID
		o.Seq = maxSeq + i + 1
		o.Status = domain.StatusQueued
		o.CreatedAt = at
		if rows[i], err = s.fromDomainOutbound(o); err != nil {
			return err
		}
		if keys != nil {
			rows[i].DedupeKey = keys[i]
		}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("insert outbound: %w", err)
	}
	return nil
}

// OutboundAfter returns up to limit outbound messages of a conversation with Seq
// greater than afterSeq, in order. The web chat reads its replies this way.
func (s *Store) OutboundAfter(ctx context.Context, conversationID int64, afterSeq int, limit int) ([]domain.Outbound, error) {
	const op = "read outbound"
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []outboundRow
	err := s.db.WithContext(ctx).Where("conversation_id = ? AND seq > ?", conversationID, afterSeq).
		Order("seq").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	out := make([]domain.Outbound, 0, len(rows))
	for _, r := range rows {
		o, err := s.toDomainOutbound(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		out = append(out, o)
	}
	return out, nil
}

// MarkDelivered records that the traveller's client has received every outbound
// message of the conversation up to and including uptoSeq. Messages already read
// or failed keep their status: delivery status only moves forward.
func (s *Store) MarkDelivered(ctx context.Context, conversationID int64, uptoSeq int) error {
	if err := s.advanceStatus(ctx, conversationID, uptoSeq, domain.StatusDelivered); err != nil {
		return fmt.Errorf("mark delivered: %w", err)
	}
	return nil
}

// advanceStatus moves messages with seq <= uptoSeq to status to, only from the
// statuses canAdvance allows. The guard is in the WHERE clause so that concurrent
// status updates (a read receipt racing a delivery receipt) cannot move backwards.
func (s *Store) advanceStatus(ctx context.Context, conversationID int64, uptoSeq int, to domain.DeliveryStatus) error {
	from := statusesBefore(to)
	if len(from) == 0 {
		return nil
	}
	return s.db.WithContext(ctx).Model(&outboundRow{}).
		Where("conversation_id = ? AND seq <= ? AND status IN ?", conversationID, uptoSeq, from).
		Updates(map[string]any{"status": string(to), "updated_at": s.now()}).Error
}

// statusRank orders the delivery statuses on the forward path.
var statusRank = map[domain.DeliveryStatus]int{
	domain.StatusQueued:    0,
	domain.StatusSent:      1,
	domain.StatusDelivered: 2,
	domain.StatusRead:      3,
}

// canAdvance reports whether a message may move from status from to status to:
// forward along queued → sent → delivered → read, or to failed from queued or sent.
// Failed, blocked and read are terminal; unknown statuses never move; only a queued
// message can be blocked (never handed to the platform).
func canAdvance(from, to domain.DeliveryStatus) bool {
	rf, okFrom := statusRank[from]
	if !okFrom {
		return false // failed, or unknown
	}
	if to == domain.StatusFailed {
		return from == domain.StatusQueued || from == domain.StatusSent
	}
	if to == domain.StatusBlocked {
		return from == domain.StatusQueued
	}
	rt, okTo := statusRank[to]
	return okTo && rt > rf
}

// statusesBefore lists the statuses that may advance to to, for SQL guards.
func statusesBefore(to domain.DeliveryStatus) []string {
	var out []string
	for _, from := range []domain.DeliveryStatus{domain.StatusQueued, domain.StatusSent, domain.StatusDelivered, domain.StatusRead, domain.StatusFailed} {
		if canAdvance(from, to) {
			out = append(out, string(from))
		}
	}
	return out
}
