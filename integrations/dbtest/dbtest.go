// Package dbtest gives tests a fresh, migrated database: SQLite in a temporary
// directory, and PostgreSQL in a throwaway schema of TEST_DATABASE_URL. Store tests
// run one shared suite against both through Each.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/migrations"
)

// SQLite opens a fresh migrated SQLite database file in t.TempDir().
func SQLite(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"), nil)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL returns TEST_DATABASE_URL, skipping the test with a visible reason when
// it is unset. Under CI (CI=true) a missing URL fails the test instead: CI must run
// the PostgreSQL suite.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("TEST_DATABASE_URL is not set under CI: the PostgreSQL tests must run")
		}
		t.Skip("PostgreSQL tests skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them")
	}
	return u
}

// Postgres opens a fresh migrated schema in TEST_DATABASE_URL and drops it when the
// test ends.
func Postgres(t testing.TB) *database.DB {
	t.Helper()
	base := PostgresURL(t)
	schema := NewSchema(t, base)
	db, err := database.Open(context.Background(), WithSchema(t, base, schema), nil)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewSchema creates an empty schema in the database at base and drops it (with
// everything in it) when the test ends.
func NewSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect postgres: %v", err)
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	sqlDB, _ := admin.DB()
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		sqlDB.Close()
	})
	return schema
}

// WithSchema returns base with its search_path set to schema.
func WithSchema(t testing.TB, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Each runs fn as a subtest against SQLite and against PostgreSQL (skipped with a
// reason when TEST_DATABASE_URL is unset).
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, d := range []migrations.Dialect{migrations.SQLite, migrations.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			var db *database.DB
			if d == migrations.SQLite {
				db = SQLite(t)
			} else {
				db = Postgres(t)
			}
			fn(t, db)
		})
	}
}
