package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func TestTokensAuthenticateUntilRevoked(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		tok, err := b.s.CreateToken(ctx, "ops-feed", domain.RoleOps)
		if err != nil {
			t.Fatal(err)
		}
		if len(tok) != 43 || strings.ContainsAny(tok, "=+/") {
			t.Fatalf("token %q is not 32 bytes of unpadded base64url", tok)
		}
		var stored string
		db.Gorm.Raw("SELECT token_hash FROM api_tokens").Scan(&stored)
		sum := sha256.Sum256([]byte(tok))
		if stored != hex.EncodeToString(sum[:]) {
			t.Fatal("the token is not stored as its SHA-256")
		}
		got, err := b.s.Authenticate(ctx, tok)
		if err != nil || got.Name != "ops-feed" || got.Role != domain.RoleOps || got.CreatedAt.IsZero() || !got.RevokedAt.IsZero() {
			t.Fatalf("Authenticate = %+v %v", got, err)
		}
		if _, err := b.s.CreateToken(ctx, "ops-feed", domain.RoleAdmin); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("duplicate name: err = %v, want conflict", err)
		}
		if _, err := b.s.CreateToken(ctx, "robot", "root"); !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("unknown role: err = %v, want invalid", err)
		}
		for _, bad := range []string{"", "nope", tok + "x"} {
			if _, err := b.s.Authenticate(ctx, bad); !domain.IsCode(err, domain.Forbidden) || domain.ErrorMessage(err) != "invalid token" {
				t.Errorf("Authenticate(%q): err = %v, want a generic forbidden", bad, err)
			}
		}

		if err := b.s.RevokeToken(ctx, "ops-feed"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.s.Authenticate(ctx, tok); !domain.IsCode(err, domain.Forbidden) || domain.ErrorMessage(err) != "invalid token" {
			t.Fatalf("revoked token: err = %v, want the same generic forbidden", err)
		}
		if err := b.s.RevokeToken(ctx, "ops-feed"); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("revoke twice: err = %v, want not found", err)
		}
		// The name is free again once revoked.
		again, err := b.s.CreateToken(ctx, "ops-feed", domain.RoleOps)
		if err != nil || again == tok {
			t.Fatalf("new token after revoke: %q %v", again, err)
		}
		if got, err := b.s.Authenticate(ctx, again); err != nil || got.Name != "ops-feed" {
			t.Fatalf("new token: %+v %v", got, err)
		}
		list, err := b.s.Tokens(ctx)
		if err != nil || len(list) != 2 || list[0].RevokedAt.IsZero() || !list[1].RevokedAt.IsZero() {
			t.Fatalf("Tokens = %+v %v, want the revoked one then the live one", list, err)
		}
	})
}
