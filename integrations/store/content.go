package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/migrations"
)

// PublishContent stores body as the next content version and returns its number.
// Versions are immutable: nothing updates or deletes them, and a rollback is the
// publication of an older body as a new version.
func (s *Store) PublishContent(ctx context.Context, body []byte, author, comment string) (int, error) {
	const op = "publish content"
	if len(body) == 0 || author == "" {
		return 0, domain.Errorf(domain.Invalid, op, "content body and author are required")
	}
	var version int
	err := s.inTx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		if s.dialect == migrations.Postgres {
			// Publishing is rare: serialise it rather than retry on a taken number.
			if err := tx.Exec("LOCK TABLE content_versions IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&contentRow{}).Select("COALESCE(MAX(version), 0)").Scan(&version).Error; err != nil {
			return err
		}
		version++
		row := contentRow{Version: version, Body: string(body), Author: author, Comment: comment, CreatedAt: s.now()}
		return tx.Create(&row).Error
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return version, nil
}

// LatestContentVersion returns the newest published content version, 0 when none
// has been published.
func (s *Store) LatestContentVersion(ctx context.Context) (int, error) {
	var version int
	if err := s.db.WithContext(ctx).Model(&contentRow{}).Select("COALESCE(MAX(version), 0)").Scan(&version).Error; err != nil {
		return 0, fmt.Errorf("latest content version: %w", err)
	}
	return version, nil
}

// Content returns a published content version; version 0 means the newest. It is
// NotFound when that version (or any, for 0) does not exist.
func (s *Store) Content(ctx context.Context, version int) (domain.ContentVersion, error) {
	const op = "load content"
	q := s.db.WithContext(ctx)
	if version == 0 {
		q = q.Order("version DESC")
	} else {
		q = q.Where("version = ?", version)
	}
	var rows []contentRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return domain.ContentVersion{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(rows) == 0 {
		if version == 0 {
			return domain.ContentVersion{}, domain.Errorf(domain.NotFound, op, "no content published")
		}
		return domain.ContentVersion{}, domain.Errorf(domain.NotFound, op, "no content version %d", version)
	}
	return toDomainContent(rows[0]), nil
}

// LookupFailures counts the failed booking look-ups recorded for key at or after
// since.
func (s *Store) LookupFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&lookupFailureRow{}).
		Where("key IN ? AND at >= ?", s.userForms(key), since.UTC()).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count lookup failures: %w", err)
	}
	return int(n), nil
}
