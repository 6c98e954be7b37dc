package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

type apiTokenRow struct {
	ID        int64
	Name      string
	Role      string
	TokenHash string
	CreatedAt time.Time
	RevokedAt *time.Time
}

func (apiTokenRow) TableName() string { return "api_tokens" }

func toDomainToken(r apiTokenRow) domain.APIToken {
	t := domain.APIToken{ID: r.ID, Name: r.Name, Role: domain.Role(r.Role), CreatedAt: r.CreatedAt.UTC()}
	if r.RevokedAt != nil {
		t.RevokedAt = r.RevokedAt.UTC()
	}
	return t
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateToken issues a machine client's token: 32 random bytes, base64url without
// padding. The token is returned once and stored only as its SHA-256. A name held
// by a token not revoked is a Conflict.
func (s *Store) CreateToken(ctx context.Context, name string, role domain.Role) (string, error) {
	const op = "create token"
	name = strings.TrimSpace(name)
	if name == "" {
		return "", domain.Errorf(domain.Invalid, op, "a token needs a name")
	}
	if _, err := domain.ParseRole(string(role)); err != nil {
		return "", err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	// The partial unique index on live names decides between concurrent creators.
	res := s.db.WithContext(ctx).Exec(`INSERT INTO api_tokens (name, role, token_hash, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING`,
		name, string(role), tokenHash(token), s.now())
	if res.Error != nil {
		return "", fmt.Errorf("%s %q: %w", op, name, res.Error)
	}
	if res.RowsAffected == 0 {
		return "", domain.Errorf(domain.Conflict, op, "a token named %q exists already: revoke it first", name)
	}
	return token, nil
}

// Authenticate returns the token's record; an unknown or revoked token is a
// Forbidden error that does not say which.
func (s *Store) Authenticate(ctx context.Context, token string) (domain.APIToken, error) {
	const op = "authenticate"
	if token == "" {
		return domain.APIToken{}, domain.Errorf(domain.Forbidden, op, "invalid token")
	}
	var rows []apiTokenRow
	err := s.db.WithContext(ctx).Where("token_hash = ? AND revoked_at IS NULL", tokenHash(token)).Limit(1).Find(&rows).Error
	if err != nil {
		return domain.APIToken{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(rows) == 0 {
		return domain.APIToken{}, domain.Errorf(domain.Forbidden, op, "invalid token")
	}
	return toDomainToken(rows[0]), nil
}

// RevokeToken revokes the live token of a name; a name without one is NotFound.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	const op = "revoke token"
	res := s.db.WithContext(ctx).Model(&apiTokenRow{}).Where("name = ? AND revoked_at IS NULL", strings.TrimSpace(name)).
		Update("revoked_at", s.now())
	if res.Error != nil {
		return fmt.Errorf("%s %q: %w", op, name, res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.NotFound, op, "no live token named %q", name)
	}
	return nil
}

// Tokens lists every token, revoked ones included, by name then age; never the
// tokens themselves.
func (s *Store) Tokens(ctx context.Context) ([]domain.APIToken, error) {
	var rows []apiTokenRow
	if err := s.db.WithContext(ctx).Order("name, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]domain.APIToken, len(rows))
	for i, r := range rows {
		out[i] = toDomainToken(r)
	}
	return out, nil
}
