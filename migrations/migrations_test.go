package migrations_test

import (
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/migrations"
)

// TestDownAndUpAgain: every migration's Down section undoes its Up, so that a
// release can be rolled back and rolled forward again.
func TestDownAndUpAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		sqlDB, err := db.Gorm.DB()
		if err != nil {
			t.Fatal(err)
		}
		fsys, err := migrations.FS(db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		gd := goose.DialectSQLite3
		if db.Dialect == migrations.Postgres {
			gd = goose.DialectPostgres
		}
		p, err := goose.NewProvider(gd, sqlDB, fsys)
		if err != nil {
			t.Fatal(err)
		}
		latest, err := p.GetDBVersion(ctx)
		if err != nil || latest < 6 {
			t.Fatalf("version %d %v after Open, want at least 6", latest, err)
		}
		if _, err := p.DownTo(ctx, 0); err != nil {
			t.Fatalf("down: %v", err)
		}
		if _, err := p.Up(ctx); err != nil {
			t.Fatalf("up again: %v", err)
		}
		if v, err := migrations.Up(ctx, sqlDB, db.Dialect); err != nil || v != latest {
			t.Fatalf("Up = %d %v, want %d", v, err, latest)
		}
	})
}
