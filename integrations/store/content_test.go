package store

import (
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func TestPublishContentNumbersVersions(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		if v, err := b.s.LatestContentVersion(ctx); err != nil || v != 0 {
			t.Fatalf("LatestContentVersion before publishing = %d %v", v, err)
		}
		if _, err := b.s.Content(ctx, 0); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("Content(0) before publishing: err = %v, want not found", err)
		}
		for i, body := range []string{`{"rules":{}}`, `{"rules":{"seat_choice":true}}`} {
			v, err := b.s.PublishContent(ctx, []byte(body), "ops@airline", "change")
			if err != nil || v != i+1 {
				t.Fatalf("publish %d: version %d %v", i+1, v, err)
			}
		}
		latest, err := b.s.Content(ctx, 0)
		if err != nil || latest.Version != 2 || string(latest.Body) != `{"rules":{"seat_choice":true}}` || latest.Author != "ops@airline" {
			t.Fatalf("Content(0) = %+v %v", latest, err)
		}
		first, err := b.s.Content(ctx, 1)
		if err != nil || string(first.Body) != `{"rules":{}}` {
			t.Fatalf("Content(1) = %+v %v", first, err)
		}
		if _, err := b.s.Content(ctx, 3); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("Content(3): err = %v, want not found", err)
		}
		if v, _ := b.s.LatestContentVersion(ctx); v != 2 {
			t.Fatalf("LatestContentVersion = %d, want 2", v)
		}
	})
}
