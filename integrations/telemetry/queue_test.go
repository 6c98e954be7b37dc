package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/store"
	"github.com/skybridge/skybridge/integrations/telemetry"
	"github.com/skybridge/skybridge/migrations"
)

// TestQueueDepthIsReadFromRiver stores web chat messages (each with the job that
// answers it) with no worker running, and reads the queue as a scrape does.
func TestQueueDepthIsReadFromRiver(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		sealer, err := domain.NewSealer(domain.NewKey("test"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.New(db, sealer, nil, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		ctx := context.Background()
		for i := range 3 {
			in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: fmt.Sprintf("q-%d", i), Text: "hello", ReceivedAt: time.Now()}
			if _, _, err := st.Accept(ctx, in, fmt.Sprintf("user-%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(1100 * time.Millisecond) // the oldest job has waited over a second
		sqlDB, _ := db.Gorm.DB()
		q := telemetry.NewRiverQueue(sqlDB, db.Dialect == migrations.Postgres, db.Schema)
		stats, err := q.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, s := range stats {
			if s.Kind == "process_conversation" && s.State == "available" {
				found = true
				if s.Jobs != 3 {
					t.Errorf("%d waiting jobs, want 3", s.Jobs)
				}
				if s.OldestAge < time.Second || s.OldestAge > time.Minute {
					t.Errorf("oldest job waited %v, want about a second", s.OldestAge)
				}
			}
		}
		if !found {
			t.Fatalf("no waiting processing jobs in %+v", stats)
		}

		m := telemetry.New()
		if err := m.WatchQueue(q.Stats, time.Minute); err != nil {
			t.Fatal(err)
		}
		_, body := scrape(t, serve(t, m, ""), "")
		expectSample(t, body, `skybridge_queue_jobs{kind="process_conversation",state="available"}`, "3")
		if _, ok := sample(body, `skybridge_queue_oldest_seconds{kind="process_conversation"}`); !ok {
			t.Fatalf("no queue age:\n%s", grepPrefix(body, "skybridge_queue"))
		}
	})
}

func TestQueueIsReadAtMostOncePerTTL(t *testing.T) {
	t.Parallel()
	var reads atomic.Int32
	var fail, empty atomic.Bool
	src := func(context.Context) ([]telemetry.QueueStat, error) {
		reads.Add(1)
		if fail.Load() {
			return nil, errors.New("database down")
		}
		if empty.Load() {
			return nil, nil
		}
		return []telemetry.QueueStat{{Kind: "deliver_conversation", State: "retryable", Jobs: 7}}, nil
	}
	m := telemetry.New()
	if err := m.WatchQueue(src, time.Second); err != nil {
		t.Fatal(err)
	}
	url := serve(t, m, "")
	for range 5 {
		_, body := scrape(t, url, "")
		expectSample(t, body, `skybridge_queue_jobs{kind="deliver_conversation",state="retryable"}`, "7")
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("five scrapes within the TTL read the queue %d times", n)
	}
	// A failed read is counted and the last figures stay.
	fail.Store(true)
	time.Sleep(1050 * time.Millisecond)
	_, body := scrape(t, url, "")
	expectSample(t, body, `skybridge_queue_jobs{kind="deliver_conversation",state="retryable"}`, "7")
	// The error counter may be gathered before the queue collector of the same
	// scrape counts the failure: read it on the next scrape (within the TTL, so
	// no new read).
	_, body = scrape(t, url, "")
	expectSample(t, body, `skybridge_queue_scrape_errors_total`, "1")
	if n := reads.Load(); n != 2 {
		t.Fatalf("%d reads, want 2", n)
	}
	// Jobs of a kind and state that are all done show 0, not nothing.
	empty.Store(true)
	fail.Store(false)
	time.Sleep(1050 * time.Millisecond)
	_, body = scrape(t, url, "")
	expectSample(t, body, `skybridge_queue_jobs{kind="deliver_conversation",state="retryable"}`, "0")
}
