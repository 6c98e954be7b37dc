// Package database opens Skybridge's database — SQLite (pure Go, the embedded default)
// or PostgreSQL (production) — with the connection settings each needs, and applies
// the embedded migrations. Every other adapter receives the *gorm.DB it returns.
package database

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/skybridge/skybridge/migrations"
)

// DB is an open, migrated database.
type DB struct {
	Gorm    *gorm.DB
	Dialect migrations.Dialect
	// Schema is the PostgreSQL schema in use ("" for the default search path).
	Schema string
	// URL is the PostgreSQL connection URL (for connections outside the pool,
	// such as a LISTEN connection); empty for SQLite.
	URL string
}

// Open connects to url and applies pending migrations. A url starting with
// "postgres://" or "postgresql://" opens PostgreSQL; anything else is an SQLite file
// path or "file:" URL.
func Open(ctx context.Context, rawURL string, log *slog.Logger) (*DB, error) {
	d, dsn, err := parse(rawURL)
	if err != nil {
		return nil, err
	}
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
	}
	var g *gorm.DB
	switch d {
	case migrations.Postgres:
		g, err = gorm.Open(postgres.Open(dsn), cfg)
	default:
		g, err = gorm.Open(sqlite.Open(dsn), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	if d == migrations.SQLite {
		// One connection: SQLite serialises writers anyway, and River's SQLite driver
		// needs a single connection so that its transactions see each other.
		sqlDB.SetMaxOpenConns(1)
	} else {
		sqlDB.SetMaxOpenConns(20)
		// As many idle as open: a connection closed after a burst is a backend
		// process PostgreSQL must fork again for the next one.
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	if d == migrations.SQLite {
		// The file holds conversations and bookings: readable by its owner only.
		if path := sqliteFile(dsn); path != "" {
			_ = os.Chmod(path, 0o600)
		}
	}
	v, err := migrations.Up(ctx, sqlDB, d)
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	if log != nil {
		log.Info("database ready", "dialect", string(d), "schema_version", v)
	}
	db := &DB{Gorm: g, Dialect: d, Schema: schemaOf(rawURL)}
	if d == migrations.Postgres {
		db.URL = rawURL
	}
	return db, nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	s, err := db.Gorm.DB()
	if err != nil {
		return err
	}
	return s.Close()
}

func parse(raw string) (migrations.Dialect, string, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return migrations.Postgres, raw, nil
	case raw == "":
		return "", "", fmt.Errorf("open database: empty database URL")
	}
	path := strings.TrimPrefix(raw, "sqlite://")
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	// WAL lets readers run beside the writer; busy_timeout makes a second process wait
	// instead of failing; foreign keys keep cascades honest.
	if !strings.Contains(path, "_pragma") {
		path += sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	}
	return migrations.SQLite, path, nil
}

// sqliteFile extracts the file path of an SQLite DSN ("" for in-memory).
func sqliteFile(dsn string) string {
	p := strings.TrimPrefix(strings.SplitN(dsn, "?", 2)[0], "file:")
	if p == "" || strings.Contains(p, ":memory:") {
		return ""
	}
	return p
}

func schemaOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Query().Get("search_path")
}

// Redact returns the URL with any password masked, for logs and `skybridge config`.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
