package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/migrations"
)

// tierWindow is the moving window of the WhatsApp messaging tier.
const tierWindow = 24 * time.Hour

type tierReachRow struct {
	Channel   string `gorm:"primaryKey"`
	UserID    string `gorm:"primaryKey"`
	ReachedAt time.Time
}

func (tierReachRow) TableName() string { return "tier_reach" }

// ReachOutsideWindow counts a traveller against the channel's messaging tier
// (unique travellers reached outside the service window per moving 24 hours). It
// reports true, and records the reach, when the traveller was reached in the last
// 24 hours already (they count once) or when fewer than limit travellers were;
// false when the tier is used up. limit <= 0 means no limit: always true, still
// recorded. Concurrent callers are serialised per channel (an advisory lock on
// PostgreSQL; SQLite has one writer), so the tier is never overrun.
func (s *Store) ReachOutsideWindow(ctx context.Context, ch domain.Channel, userID string, limit int) (bool, error) {
	const op = "reach outside window"
	now := s.now()
	since := now.Add(-tierWindow)
	ok := false
	// Travellers are counted by the blind index of their identifier
	// (privacy_blind.go), never by the phone number itself.
	userID = s.blind(userID)
	err := s.inTx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		ok = false
		if s.dialect == migrations.Postgres {
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('tier:' || ?))`, string(ch)).Error; err != nil {
				return fmt.Errorf("lock tier: %w", err)
			}
		}
		if limit > 0 {
			var counted int64
			err := tx.Model(&tierReachRow{}).Where("channel = ? AND user_id = ? AND reached_at > ?", string(ch), userID, since).Count(&counted).Error
			if err != nil {
				return err
			}
			if counted == 0 {
				var n int64
				if err := tx.Model(&tierReachRow{}).Where("channel = ? AND reached_at > ?", string(ch), since).Count(&n).Error; err != nil {
					return err
				}
				if n >= int64(limit) {
					return nil
				}
			}
		}
		ok = true
		// One row per traveller, moved forward: the count of rows in the window is
		// the count of unique travellers.
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "channel"}, {Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"reached_at"}),
		}).Create(&tierReachRow{Channel: string(ch), UserID: userID, ReachedAt: now}).Error
		if err != nil {
			return err
		}
		// Travellers out of the window no longer count: keep the table small.
		return tx.Where("channel = ? AND reached_at <= ?", string(ch), since).Delete(&tierReachRow{}).Error
	})
	if err != nil {
		return false, fmt.Errorf("%s: %w", op, err)
	}
	return ok, nil
}
