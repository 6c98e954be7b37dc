package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// The audit log is append-only: this file inserts and reads it, and nothing in
// the store updates or deletes its rows (TestAuditLogHasNoUpdateOrDeletePath
// checks the source).

type auditRow struct {
	ID      int64
	At      time.Time
	Actor   string
	Action  string
	Subject string
	Detail  string
	Address string
}

func (auditRow) TableName() string { return "audit_log" }

func toDomainAudit(r auditRow) domain.AuditEntry {
	return domain.AuditEntry{ID: r.ID, At: r.At.UTC(), Actor: r.Actor, Action: domain.AuditAction(r.Action),
		Subject: r.Subject, Detail: r.Detail, Address: r.Address}
}

// appendAudit inserts one entry within tx; a zero At is now.
func appendAudit(tx *gorm.DB, e domain.AuditEntry, now time.Time) error {
	if e.Actor == "" || e.Action == "" {
		return domain.Errorf(domain.Invalid, "append audit", "an audit entry needs an actor and an action")
	}
	if e.At.IsZero() {
		e.At = now
	}
	row := auditRow{At: e.At.UTC(), Actor: e.Actor, Action: string(e.Action), Subject: e.Subject, Detail: e.Detail, Address: e.Address}
	return tx.Create(&row).Error
}

// Audit appends one entry to the audit log.
func (s *Store) Audit(ctx context.Context, e domain.AuditEntry) error {
	if err := appendAudit(s.db.WithContext(ctx), e, s.now()); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditLog returns up to limit entries, newest first, older than beforeID when it
// is not 0 (the next page).
func (s *Store) AuditLog(ctx context.Context, beforeID int64, limit int) ([]domain.AuditEntry, error) {
	q := s.db.WithContext(ctx).Order("id DESC").Limit(max(limit, 1))
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var rows []auditRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out := make([]domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = toDomainAudit(r)
	}
	return out, nil
}

// CountAudit counts the entries of an action about subject from address at or
// after since; it backs the sign-in rate limit, which therefore holds across
// instances and restarts.
func (s *Store) CountAudit(ctx context.Context, action domain.AuditAction, subject, address string, since time.Time) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&auditRow{}).
		Where("action = ? AND subject = ? AND address = ? AND at >= ?", string(action), subject, address, since.UTC()).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count audit %s: %w", action, err)
	}
	return int(n), nil
}
