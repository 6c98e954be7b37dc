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

// idleClock is when a conversation's flow began waiting on the traveller: the
// later of their last message and a hand-back (idle_since), as
// domain.Conversation.IdleClock computes it.
const idleClock = `CASE WHEN idle_since IS NOT NULL AND (last_inbound_at IS NULL OR idle_since > last_inbound_at)
	THEN idle_since ELSE COALESCE(last_inbound_at, updated_at) END`

// idleFlowRow is what a sweep reads of a conversation: not its sealed data.
type idleFlowRow struct {
	ID             int64
	Channel        string
	Flow           string
	ContentVersion int
	LastInboundAt  *time.Time
	IdleSince      *time.Time
	UpdatedAt      time.Time
}

// IdleFlows lists conversations in a flow other than a handoff that have waited
// on the traveller since before the given time, by id after afterID, at most
// limit: a sweep pages through them all.
func (s *Store) IdleFlows(ctx context.Context, before time.Time, afterID int64, limit int) ([]domain.IdleFlow, error) {
	var rows []idleFlowRow
	err := s.db.WithContext(ctx).Model(&conversationRow{}).
		Select("id, channel, flow, content_version, last_inbound_at, idle_since, updated_at").
		Where("flow <> '' AND flow <> 'handoff' AND id > ? AND "+idleClock+" < ?", afterID, before.UTC()).
		Order("id").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("idle flows: %w", err)
	}
	out := make([]domain.IdleFlow, 0, len(rows))
	for _, r := range rows {
		c := domain.Conversation{UpdatedAt: r.UpdatedAt}
		if r.LastInboundAt != nil {
			c.LastInboundAt = *r.LastInboundAt
		}
		if r.IdleSince != nil {
			c.IdleSince = *r.IdleSince
		}
		out = append(out, domain.IdleFlow{ConversationID: r.ID, Channel: domain.Channel(r.Channel), Flow: r.Flow,
			ContentVersion: r.ContentVersion, Since: c.IdleClock().UTC()})
	}
	return out, nil
}
