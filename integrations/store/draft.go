package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/migrations"
)

type draftRow struct {
	ID          int `gorm:"primaryKey;autoIncrement:false"`
	Body        string
	BaseVersion int
	Revision    int64
	UpdatedBy   string
	UpdatedAt   time.Time
}

func (draftRow) TableName() string { return "content_draft" }

// Draft returns the shared working draft; ok is false when nobody has started one.
func (s *Store) Draft(ctx context.Context) (d domain.ContentDraft, ok bool, err error) {
	var rows []draftRow
	if err := s.db.WithContext(ctx).Where("id = 1").Limit(1).Find(&rows).Error; err != nil {
		return d, false, fmt.Errorf("load draft: %w", err)
	}
	if len(rows) == 0 {
		return d, false, nil
	}
	r := rows[0]
	return domain.ContentDraft{Body: []byte(r.Body), BaseVersion: r.BaseVersion, Revision: r.Revision,
		UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt.UTC()}, true, nil
}

// SaveDraft stores d as the draft if the stored draft is still at revision
// expect (0: there is none yet) and returns the new revision. Someone else's save
// in between is a Conflict: reload, reapply, save again.
func (s *Store) SaveDraft(ctx context.Context, d domain.ContentDraft, expect int64) (int64, error) {
	const op = "save draft"
	if len(d.Body) == 0 || d.UpdatedBy == "" {
		return 0, domain.Errorf(domain.Invalid, op, "a draft needs a body and an author")
	}
	next := expect + 1
	var res *gorm.DB
	if expect == 0 {
		res = s.db.WithContext(ctx).Exec(`INSERT INTO content_draft (id, body, base_version, revision, updated_by, updated_at)
			VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`, string(d.Body), d.BaseVersion, next, d.UpdatedBy, s.now())
	} else {
		res = s.db.WithContext(ctx).Model(&draftRow{}).Where("id = 1 AND revision = ?", expect).
			Updates(map[string]any{"body": string(d.Body), "base_version": d.BaseVersion, "revision": next,
				"updated_by": d.UpdatedBy, "updated_at": s.now()})
	}
	if res.Error != nil {
		return 0, fmt.Errorf("%s: %w", op, res.Error)
	}
	if res.RowsAffected == 0 {
		return 0, domain.Errorf(domain.Conflict, op, "the draft was changed by someone else meanwhile: reload it")
	}
	return next, nil
}

// DiscardDraft removes the draft if it is still at revision expect.
func (s *Store) DiscardDraft(ctx context.Context, expect int64) error {
	res := s.db.WithContext(ctx).Where("id = 1 AND revision = ?", expect).Delete(&draftRow{})
	if res.Error != nil {
		return fmt.Errorf("discard draft: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.Conflict, "discard draft", "the draft was changed by someone else meanwhile: reload it")
	}
	return nil
}

// PublishDraft publishes body as the next content version, removes the draft
// (which must still be at revision expect) and appends the audit entry, all in one
// transaction. It returns the new version number.
func (s *Store) PublishDraft(ctx context.Context, body []byte, expect int64, author, comment string, audit domain.AuditEntry) (int, error) {
	const op = "publish draft"
	return s.publishWith(ctx, op, body, author, comment, audit, func(tx *gorm.DB) error {
		res := tx.Where("id = 1 AND revision = ?", expect).Delete(&draftRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.Conflict, op, "the draft was changed by someone else meanwhile: review it again")
		}
		return nil
	})
}

// Republish publishes the body of an earlier version again as a new version (a
// rollback), with the audit entry in the same transaction. The draft is left
// alone.
func (s *Store) Republish(ctx context.Context, version int, author, comment string, audit domain.AuditEntry) (int, error) {
	old, err := s.Content(ctx, version)
	if err != nil {
		return 0, err
	}
	return s.publishWith(ctx, "roll back content", old.Body, author, comment, audit, nil)
}

// publishWith numbers and inserts a content version, runs also, and appends the
// audit entry (its Subject becomes "content vN") in one transaction.
func (s *Store) publishWith(ctx context.Context, op string, body []byte, author, comment string, audit domain.AuditEntry, also func(tx *gorm.DB) error) (int, error) {
	if len(body) == 0 || author == "" {
		return 0, domain.Errorf(domain.Invalid, op, "content body and author are required")
	}
	var version int
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == migrations.Postgres {
			if err := tx.Exec("LOCK TABLE content_versions IN EXCLUSIVE MODE").Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&contentRow{}).Select("COALESCE(MAX(version), 0)").Scan(&version).Error; err != nil {
			return err
		}
		version++
		row := contentRow{Version: version, Body: string(body), Author: author, Comment: comment, CreatedAt: s.now()}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		audit.Subject = fmt.Sprintf("content v%d", version)
		return appendAudit(tx, audit, s.now())
	})
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return version, nil
}

// ContentVersions lists the published versions, newest first, without bodies.
func (s *Store) ContentVersions(ctx context.Context) ([]domain.ContentVersion, error) {
	var rows []contentRow
	if err := s.db.WithContext(ctx).Select("version, author, comment, created_at").Order("version DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list content versions: %w", err)
	}
	out := make([]domain.ContentVersion, len(rows))
	for i, r := range rows {
		out[i] = toDomainContent(r)
	}
	return out, nil
}
