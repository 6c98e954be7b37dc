package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

type staffRow struct {
	ID           int64
	Name         string
	Role         string
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   *time.Time
}

func (staffRow) TableName() string { return "staff" }

func toDomainStaff(r staffRow) domain.Staff {
	s := domain.Staff{ID: domain.StaffID(r.ID), Name: r.Name, Role: domain.Role(r.Role),
		PasswordHash: r.PasswordHash, CreatedAt: r.CreatedAt.UTC()}
	if r.DisabledAt != nil {
		s.DisabledAt = r.DisabledAt.UTC()
	}
	return s
}

type staffSessionRow struct {
	IDHash    string `gorm:"primaryKey"`
	StaffID   int64
	CSRFToken string `gorm:"column:csrf_token"`
	CreatedAt time.Time
	SeenAt    time.Time
	ExpiresAt time.Time
}

func (staffSessionRow) TableName() string { return "staff_sessions" }

// sessionHash is what is stored of a session id: the id is a 256-bit random secret,
// so a plain SHA-256 cannot be reversed by guessing.
func sessionHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// AddStaff creates a staff account with an already hashed password, writing the
// audit entry in the same transaction. A name taken is a Conflict.
func (s *Store) AddStaff(ctx context.Context, name string, role domain.Role, passwordHash string, audit domain.AuditEntry) (domain.Staff, error) {
	const op = "add staff"
	name, err := domain.ParseStaffName(name)
	if err != nil {
		return domain.Staff{}, err
	}
	if _, err := domain.ParseStaffRole(string(role)); err != nil {
		return domain.Staff{}, err
	}
	if passwordHash == "" {
		return domain.Staff{}, domain.Errorf(domain.Invalid, op, "a password is required")
	}
	row := staffRow{Name: name, Role: string(role), PasswordHash: passwordHash, CreatedAt: s.now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO staff (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
			row.Name, row.Role, row.PasswordHash, row.CreatedAt)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.Conflict, op, "a staff member named %q exists already", name)
		}
		if err := tx.Where("name = ?", name).Take(&row).Error; err != nil {
			return err
		}
		audit.Subject = name
		return appendAudit(tx, audit, s.now())
	})
	if err != nil {
		return domain.Staff{}, fmt.Errorf("%s %q: %w", op, name, err)
	}
	return toDomainStaff(row), nil
}

// StaffByName returns an account by its (case-insensitive) name; NotFound when
// there is none.
func (s *Store) StaffByName(ctx context.Context, name string) (domain.Staff, error) {
	const op = "find staff"
	n, err := domain.ParseStaffName(name)
	if err != nil {
		return domain.Staff{}, domain.Errorf(domain.NotFound, op, "no such staff member")
	}
	var rows []staffRow
	if err := s.db.WithContext(ctx).Where("name = ?", n).Limit(1).Find(&rows).Error; err != nil {
		return domain.Staff{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(rows) == 0 {
		return domain.Staff{}, domain.Errorf(domain.NotFound, op, "no such staff member")
	}
	return toDomainStaff(rows[0]), nil
}

// StaffList lists every account by name, disabled ones included.
func (s *Store) StaffList(ctx context.Context) ([]domain.Staff, error) {
	var rows []staffRow
	if err := s.db.WithContext(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	out := make([]domain.Staff, len(rows))
	for i, r := range rows {
		out[i] = toDomainStaff(r)
	}
	return out, nil
}

// ChangeStaff sets an account's role and whether it is disabled, and ends its
// sessions when either changes, with the audit entry in the same transaction.
func (s *Store) ChangeStaff(ctx context.Context, name string, role domain.Role, disabled bool, audit domain.AuditEntry) error {
	const op = "change staff"
	if _, err := domain.ParseStaffRole(string(role)); err != nil {
		return err
	}
	st, err := s.StaffByName(ctx, name)
	if err != nil {
		return err
	}
	var disabledAt *time.Time
	if disabled {
		t := s.now()
		if !st.DisabledAt.IsZero() {
			t = st.DisabledAt
		}
		disabledAt = &t
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&staffRow{}).Where("id = ?", int64(st.ID)).
			Updates(map[string]any{"role": string(role), "disabled_at": disabledAt}).Error; err != nil {
			return err
		}
		// A changed role takes effect at once: the person signs in again.
		if err := tx.Where("staff_id = ?", int64(st.ID)).Delete(&staffSessionRow{}).Error; err != nil {
			return err
		}
		audit.Subject = st.Name
		return appendAudit(tx, audit, s.now())
	})
	if err != nil {
		return fmt.Errorf("%s %q: %w", op, st.Name, err)
	}
	return nil
}

// CreateStaffSession stores a new session under the hash of id, and the audit
// entry of the sign-in, in one transaction.
func (s *Store) CreateStaffSession(ctx context.Context, id string, sess domain.StaffSession, audit domain.AuditEntry) error {
	row := staffSessionRow{IDHash: sessionHash(id), StaffID: int64(sess.StaffID), CSRFToken: sess.CSRF,
		CreatedAt: sess.CreatedAt.UTC(), SeenAt: sess.SeenAt.UTC(), ExpiresAt: sess.ExpiresAt.UTC()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Expired sessions are swept here: sign-ins are rare, sessions few.
		if err := tx.Where("expires_at < ?", s.now()).Delete(&staffSessionRow{}).Error; err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return appendAudit(tx, audit, s.now())
	})
	if err != nil {
		return fmt.Errorf("create staff session: %w", err)
	}
	return nil
}

// StaffSession returns the live session of id with its staff member's current
// name and role. A session unknown, expired, idle since before idleSince, or of a
// disabled account is NotFound (and an idle or expired one is removed).
func (s *Store) StaffSession(ctx context.Context, id string, idleSince time.Time) (domain.StaffSession, error) {
	const op = "find staff session"
	var rows []staffSessionRow
	h := sessionHash(id)
	if err := s.db.WithContext(ctx).Where("id_hash = ?", h).Limit(1).Find(&rows).Error; err != nil {
		return domain.StaffSession{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(rows) == 0 {
		return domain.StaffSession{}, domain.Errorf(domain.NotFound, op, "no session")
	}
	r := rows[0]
	if !r.ExpiresAt.After(s.now()) || r.SeenAt.Before(idleSince.UTC()) {
		if err := s.db.WithContext(ctx).Where("id_hash = ?", h).Delete(&staffSessionRow{}).Error; err != nil {
			return domain.StaffSession{}, fmt.Errorf("%s: %w", op, err)
		}
		return domain.StaffSession{}, domain.Errorf(domain.NotFound, op, "session ended")
	}
	var st staffRow
	if err := s.db.WithContext(ctx).Where("id = ?", r.StaffID).Take(&st).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.StaffSession{}, domain.Errorf(domain.NotFound, op, "no session")
		}
		return domain.StaffSession{}, fmt.Errorf("%s: %w", op, err)
	}
	if st.DisabledAt != nil {
		return domain.StaffSession{}, domain.Errorf(domain.NotFound, op, "account disabled")
	}
	return domain.StaffSession{StaffID: domain.StaffID(st.ID), Name: st.Name, Role: domain.Role(st.Role),
		CSRF: r.CSRFToken, CreatedAt: r.CreatedAt.UTC(), SeenAt: r.SeenAt.UTC(), ExpiresAt: r.ExpiresAt.UTC()}, nil
}

// TouchStaffSession records activity on a session (its idle timeout restarts).
func (s *Store) TouchStaffSession(ctx context.Context, id string) error {
	err := s.db.WithContext(ctx).Model(&staffSessionRow{}).Where("id_hash = ?", sessionHash(id)).
		Update("seen_at", s.now()).Error
	if err != nil {
		return fmt.Errorf("touch staff session: %w", err)
	}
	return nil
}

// EndStaffSession removes a session and writes the sign-out audit entry.
func (s *Store) EndStaffSession(ctx context.Context, id string, audit domain.AuditEntry) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id_hash = ?", sessionHash(id)).Delete(&staffSessionRow{}).Error; err != nil {
			return err
		}
		return appendAudit(tx, audit, s.now())
	})
	if err != nil {
		return fmt.Errorf("end staff session: %w", err)
	}
	return nil
}
