// Package migrations holds Skybridge's database schema as SQL files, one folder per
// dialect (sqlite, postgres), embedded in the binary, and applies them with goose.
//
// Files are numbered; a number is never reused or edited once released. Both
// dialects carry the same numbers so that the two databases stay in step.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialect names a supported database.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// FS returns the migration files of a dialect.
func FS(d Dialect) (fs.FS, error) {
	sub, err := fs.Sub(files, string(d))
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", d, err)
	}
	return sub, nil
}

func provider(db *sql.DB, d Dialect, opts ...goose.ProviderOption) (*goose.Provider, error) {
	fsys, err := FS(d)
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	if d == Postgres {
		gd = goose.DialectPostgres
	}
	return goose.NewProvider(gd, db, fsys, opts...)
}

// Up applies every pending migration and returns the version reached.
//
// On PostgreSQL it holds an advisory lock while it migrates, so that instances
// starting together apply each migration once (the others wait, then find
// nothing pending). SQLite has a single writer.
func Up(ctx context.Context, db *sql.DB, d Dialect) (int64, error) {
	var opts []goose.ProviderOption
	if d == Postgres {
		// Waiters retry every second for up to five minutes.
		l, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return 0, fmt.Errorf("migrate %s: %w", d, err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := provider(db, d, opts...)
	if err != nil {
		return 0, fmt.Errorf("migrate %s: %w", d, err)
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate %s: %w", d, err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate %s: %w", d, err)
	}
	return v, nil
}

// Pending reports how many migrations are not yet applied (for readiness checks).
func Pending(ctx context.Context, db *sql.DB, d Dialect) (int, error) {
	p, err := provider(db, d)
	if err != nil {
		return 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration status: %w", err)
	}
	n := 0
	for _, s := range st {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}
