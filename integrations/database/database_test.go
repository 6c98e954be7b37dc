package database_test

import (
	"testing"

	"github.com/skybridge/skybridge/integrations/database"

	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/migrations"
)

func TestOpenMigratesBothDialects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		sqlDB, err := db.Gorm.DB()
		if err != nil {
			t.Fatal(err)
		}
		n, err := migrations.Pending(t.Context(), sqlDB, db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d migrations pending after Open", n)
		}
		var count int64
		if err := db.Gorm.Table("conversations").Count(&count).Error; err != nil {
			t.Fatalf("conversations table missing: %v", err)
		}
	})
}

func TestRedactMasksPassword(t *testing.T) {
	got := database.Redact("postgres://app:hunter2@db:5432/sky")
	if got != "postgres://app:xxxxx@db:5432/sky" {
		t.Fatalf("Redact = %q", got)
	}
}
