package migrations_test

import (
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

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

// TestInstancesStartingTogetherMigrateOnce: eight instances migrating a new
// PostgreSQL database at the same moment all succeed (the advisory lock makes the
// others wait instead of failing on tables that already exist).
func TestInstancesStartingTogetherMigrateOnce(t *testing.T) {
	base := dbtest.PostgresURL(t)
	url := dbtest.WithSchema(t, base, dbtest.NewSchema(t, base))
	var dbs []*sql.DB
	for range 8 {
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	errs := make(chan error, len(dbs))
	versions := make(chan int64, len(dbs))
	for _, db := range dbs {
		go func() {
			v, err := migrations.Up(t.Context(), db, migrations.Postgres)
			versions <- v
			errs <- err
		}()
	}
	var first int64
	for i := range dbs {
		if err := <-errs; err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		v := <-versions
		if i == 0 {
			first = v
		} else if v != first {
			t.Fatalf("versions differ: %d and %d", first, v)
		}
	}
}
