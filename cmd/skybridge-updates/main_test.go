package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/integrations/database"
)

// TestScenariosAtTinyScale runs every scenario on SQLite at a tiny scale and checks
// that the figures make sense: every notification queued, every one delivered
// once, nothing throttled, and polling ticks that saw the changes made.
func TestScenariosAtTinyScale(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "bench.db")
	out := filepath.Join(dir, "results.json")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := run(ctx, []string{"-db", db, "-scenario", "all", "-cases", "1x4,3x5", "-delivery", "20", "-rate", "50",
		"-poll-flights", "100", "-extra-bookings", "500", "-ticks", "3", "-json", out}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("\n%s", stdout.String())
	if _, err := os.Stat(db); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("database file left behind without -keep: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}

	if len(res.Fanout) != 2 {
		t.Fatalf("%d fan-out results, want 2", len(res.Fanout))
	}
	for _, f := range res.Fanout {
		want := f.Case.Flights * f.Case.Pax
		if !f.Complete || f.Travellers != want || f.Queued != int64(want) || f.Other != 0 || f.Messages != int64(want) {
			t.Errorf("fan-out %s: %+v, want %d queued notifications and messages", f.Case, f, want)
		}
		if f.Events != f.Case.Flights {
			t.Errorf("fan-out %s: %d events, want one per flight", f.Case, f.Events)
		}
		if f.AllQueuedMS <= 0 || f.FirstQueuedMS <= 0 || f.FirstQueuedMS > f.AllQueuedMS || f.PerSecond <= 0 {
			t.Errorf("fan-out %s: timings %+v", f.Case, f)
		}
	}

	d := res.Delivery
	if d == nil {
		t.Fatal("no delivery result")
	}
	if !d.Complete || d.Accepted != 20 || d.Recipients != 20 || d.Templates != 20 {
		t.Errorf("delivery: %+v, want 20 template messages to 20 travellers", d)
	}
	if d.Duplicates != 0 || d.Throttled != 0 || len(d.Refused) != 0 {
		t.Errorf("delivery: %d duplicates, %d throttled, refused %v", d.Duplicates, d.Throttled, d.Refused)
	}
	if d.Statuses["sent"] != 20 || d.Statuses["queued"] != 0 {
		t.Errorf("delivery: outbound statuses %v, want 20 sent", d.Statuses)
	}
	if d.FakeLimit != 50 || d.FakeBurst != 55 {
		t.Errorf("fake limit %g burst %d, want 50 and 55", d.FakeLimit, d.FakeBurst)
	}

	if len(res.Poll) != 2 {
		t.Fatalf("%d poll results, want 2 (without and with the extra bookings)", len(res.Poll))
	}
	if res.Poll[1].Bookings != res.Poll[0].Bookings+500 {
		t.Errorf("poll bookings %d then %d, want 500 more", res.Poll[0].Bookings, res.Poll[1].Bookings)
	}
	for i, p := range res.Poll {
		if p.Flights != 100 || p.Changed != 1 || p.Events != 1 || p.ReceivedPerTick != 100 || len(p.TicksMS) != 3 {
			t.Errorf("poll %d: %+v, want 100 flights received and 1 changed with 1 event per tick", i, p)
		}
		if p.TickMS <= 0 || p.IdleMS <= 0 || p.TickStatements <= p.IdleStatements || p.IdleStatements == 0 {
			t.Errorf("poll %d: tick %.1f ms %d statements, idle %.1f ms %d statements", i, p.TickMS, p.TickStatements, p.IdleMS, p.IdleStatements)
		}
	}
	for i, p := range res.Poll {
		if p.WarmupChanged != 100 {
			t.Errorf("poll %d: warm-up tick stored %d statuses, want all 100 (a fresh database each)", i, p.WarmupChanged)
		}
	}
	if !strings.Contains(stdout.String(), "summary") {
		t.Errorf("no summary:\n%s", stdout.String())
	}
}

// TestRefusesBookingsItDidNotGenerate: a database with a real booking is left
// alone unless -reset.
func TestRefusesBookingsItDidNotGenerate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "real.db")
	db, err := database.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := db.Gorm.Exec(`INSERT INTO pss_bookings (locator, created_at, updated_at) VALUES ('AB12CD', ?, ?)`, now, now).Error; err != nil {
		t.Fatal(err)
	}
	db.Close()

	args := []string{"-db", path, "-scenario", "poll", "-poll-flights", "10", "-ticks", "1"}
	var stdout, stderr bytes.Buffer
	err = run(ctx, args, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "-reset") || !strings.Contains(err.Error(), "1 bookings") {
		t.Fatalf("run on a database with a real booking: %v", err)
	}
	db, err = database.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	db.Gorm.Raw(`SELECT COUNT(*) FROM pss_bookings WHERE locator = 'AB12CD'`).Scan(&n)
	db.Close()
	if n != 1 {
		t.Fatalf("the real booking is gone")
	}

	if err := run(ctx, append(args, "-reset", "-keep"), &stdout, &stderr); err != nil {
		t.Fatalf("run with -reset: %v\n%s", err, stderr.String())
	}
	// What is kept now holds generated data only: a new run may replace it.
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run over generated data: %v\n%s", err, stderr.String())
	}
}

func TestNewTargetNeedsASchemaOfItsOwn(t *testing.T) {
	for _, c := range []struct {
		url, schema, err string
	}{
		{"postgres://u@h/db", "skybridge_updates_bench", ""},
		{"postgres://u@h/db?search_path=mine", "mine", ""},
		{"postgres://u@h/db?search_path=public", "", "of their own"},
		{"postgres://u@h/db?search_path=Bad-Name", "", "plain"},
	} {
		tg, err := newTarget(config{DB: c.url, Schema: defaultSchema})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: %v, want %q", c.url, err, c.err)
			}
			continue
		}
		if err != nil || tg.schema != c.schema || !strings.Contains(tg.url, "search_path="+c.schema) {
			t.Errorf("%s: %+v %v", c.url, tg, err)
		}
	}
}

func TestRates(t *testing.T) {
	opened := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var times []time.Time
	for range 80 { // the limiter's burst
		times = append(times, opened.Add(time.Millisecond))
	}
	for i := 1; i <= 400; i++ { // then 80/s for 5 s
		times = append(times, opened.Add(time.Millisecond+time.Duration(i)*12500*time.Microsecond))
	}
	overall, steady, ok := rates(times, opened)
	if !ok || steady < 79.9 || steady > 80.1 {
		t.Errorf("steady %.2f/s (%v), want 80", steady, ok)
	}
	if overall < 95 || overall > 97 {
		t.Errorf("overall %.2f/s, want 480 in 5 s", overall)
	}
	if _, _, ok := rates(times[:100], opened); ok {
		t.Error("a run under 2 s counted as steady")
	}
}
