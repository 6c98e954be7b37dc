package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// AcceptSystem stores a message Skybridge addresses to an existing conversation
// (a flow's reminder, a staff action) and enqueues its processing, in one
// transaction. A repeated channel message id is a duplicate: nothing is written.
func (s *Store) AcceptSystem(ctx context.Context, in domain.Inbound) (duplicate bool, err error) {
	err = s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		duplicate, err = s.acceptSystem(ctx, tx, sqlTx, in)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("accept system message for conversation %d: %w", in.ConversationID, err)
	}
	return duplicate, nil
}

// IdleFlows lists conversations in a flow other than a handoff whose traveller
// last wrote before the given time, the longest idle first, at most limit.
func (s *Store) IdleFlows(ctx context.Context, before time.Time, limit int) ([]domain.IdleFlow, error) {
	var rows []conversationRow
	err := s.db.WithContext(ctx).
		Where("flow <> '' AND flow <> 'handoff' AND COALESCE(last_inbound_at, updated_at) < ?", before.UTC()).
		Order("COALESCE(last_inbound_at, updated_at)").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("idle flows: %w", err)
	}
	out := make([]domain.IdleFlow, 0, len(rows))
	for _, r := range rows {
		last := r.UpdatedAt
		if r.LastInboundAt != nil {
			last = *r.LastInboundAt
		}
		out = append(out, domain.IdleFlow{ConversationID: r.ID, Channel: domain.Channel(r.Channel), Flow: r.Flow, LastInboundAt: last.UTC()})
	}
	return out, nil
}
