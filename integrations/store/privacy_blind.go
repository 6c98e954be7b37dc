package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skybridge/skybridge/domain"
)

// Contact identifiers (a WhatsApp number, a Messenger page-scoped id, a web chat
// session) are looked up, so they cannot be stored only sealed: a sealed value is
// different every time. Lookup columns hold a blind index instead, a keyed
// HMAC-SHA256 of the identifier, and the sealed value sits beside it for the
// code that needs the identifier back (delivery, export).
//
// The index key is random, created once per database and kept in blind_keys
// sealed with the data key: a key rotation reseals it like any other value, so
// the indexes written before the rotation still match after it, and after the
// old data key is gone.

// blindPrefix marks a blind index; a column without it holds a clear identifier
// written before the index existed (`skybridge reseal` converts those).
const blindPrefix = "bi1:"

const blindPurposeContact = "contact"

type blindKeyRow struct {
	Purpose   string `gorm:"primaryKey"`
	Sealed    string
	CreatedAt time.Time
}

func (blindKeyRow) TableName() string { return "blind_keys" }

// loadBlindKey returns the index key of purpose, creating it on first use. Two
// instances starting together on a new database agree on one key: the insert
// does nothing on a conflict and both read the winner's row.
func loadBlindKey(ctx context.Context, db *gorm.DB, sealer *domain.Sealer, purpose string, now time.Time) ([]byte, error) {
	read := func() ([]byte, bool, error) {
		var rows []blindKeyRow
		if err := db.WithContext(ctx).Where("purpose = ?", purpose).Limit(1).Find(&rows).Error; err != nil {
			return nil, false, err
		}
		if len(rows) == 0 {
			return nil, false, nil
		}
		b64, err := sealer.Open(rows[0].Sealed)
		if err != nil {
			return nil, false, err
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(key) != 32 {
			return nil, false, errors.New("corrupt index key")
		}
		return key, true, nil
	}
	key, ok, err := read()
	if err != nil {
		return nil, fmt.Errorf("load %s index key: %w", purpose, err)
	}
	if ok {
		return key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("create %s index key: %w", purpose, err)
	}
	row := blindKeyRow{Purpose: purpose, Sealed: sealer.Seal(base64.StdEncoding.EncodeToString(fresh)), CreatedAt: now}
	err = db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "purpose"}}, DoNothing: true}).Create(&row).Error
	if err != nil {
		return nil, fmt.Errorf("create %s index key: %w", purpose, err)
	}
	key, ok, err = read()
	if err != nil || !ok {
		return nil, fmt.Errorf("load %s index key: %v", purpose, err)
	}
	return key, nil
}

// blind returns the blind index of a contact identifier ("" stays "").
func (s *Store) blind(v string) string {
	if v == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.blindKey)
	m.Write([]byte(v))
	return blindPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// userForms returns what a lookup column may hold for an identifier: its blind
// index, and the identifier itself in rows written before the index existed.
func (s *Store) userForms(v string) []string {
	return []string{s.blind(v), v}
}

// isBlind reports whether a column value is a blind index.
func isBlind(v string) bool { return strings.HasPrefix(v, blindPrefix) }

// openUser returns a conversation row's identifiers in clear: sealed beside their
// blind indexes, or clear in rows not yet converted.
func (s *Store) openUser(r conversationRow) (user, alt string, err error) {
	user, alt = r.UserID, r.AltUserID
	if isBlind(user) {
		if user, err = s.sealer.Open(r.UserSealed); err != nil {
			return "", "", fmt.Errorf("conversation %d user: %w", r.ID, err)
		}
	}
	if isBlind(alt) {
		if alt, err = s.sealer.Open(r.AltUserSealed); err != nil {
			return "", "", fmt.Errorf("conversation %d alternative user: %w", r.ID, err)
		}
	}
	return user, alt, nil
}
