package scheduler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/scheduler"
)

// TestTicksAreTheSameOnEveryInstance: instances started at different moments, or
// on hosts in different zones, compute the same ticks, so they enqueue the same
// jobs.
func TestTicksAreTheSameOnEveryInstance(t *testing.T) {
	t.Parallel()
	utc := func(h, m, s int) time.Time { return time.Date(2026, 11, 26, h, m, s, 0, time.UTC) }
	tokyo := time.FixedZone("JST", 9*3600)
	for _, tc := range []struct {
		spec  string
		after []time.Time // different instances' "now"
		want  time.Time
	}{
		{"@every 1s", []time.Time{utc(12, 0, 0).Add(1), utc(12, 0, 0).Add(999 * time.Millisecond)}, utc(12, 0, 1)},
		{"@every 1m", []time.Time{utc(12, 0, 0), utc(12, 0, 17).Add(200 * time.Millisecond), utc(12, 0, 59)}, utc(12, 1, 0)},
		{"@every 15m", []time.Time{utc(12, 0, 1), utc(12, 14, 59)}, utc(12, 15, 0)},
		{"@hourly", []time.Time{utc(11, 0, 0), utc(11, 59, 59).In(tokyo)}, utc(12, 0, 0)},
		{"*/5 * * * *", []time.Time{utc(11, 56, 0), utc(11, 58, 30).In(tokyo)}, utc(12, 0, 0)},
		// Read in UTC, not in the zone of the host or of the time given.
		{"0 3 * * *", []time.Time{utc(2, 0, 0), utc(2, 0, 0).In(tokyo)}, utc(3, 0, 0)},
	} {
		for _, after := range tc.after {
			got, err := scheduler.Next(tc.spec, after)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("Next(%q, %s) = %s, want %s", tc.spec, after, got, tc.want)
			}
		}
	}
	// A tick is strictly after the time given.
	if got, _ := scheduler.Next("@every 1m", utc(12, 1, 0)); !got.Equal(utc(12, 2, 0)) {
		t.Errorf("Next on a tick = %s, want the following one", got)
	}
}

func TestSpecsMayNameTheirZone(t *testing.T) {
	t.Parallel()
	if _, err := time.LoadLocation("Europe/Amsterdam"); err != nil {
		t.Skip("no time zone database:", err)
	}
	got, err := scheduler.Next("CRON_TZ=Europe/Amsterdam 0 3 * * *", time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Fatalf("03:00 in Amsterdam in winter = %s (%v), want %s", got, err, want)
	}
}

// TestBadSpecsAreReported: configuration hears of every bad task at once, each
// by name, and of none of the good ones.
func TestBadSpecsAreReported(t *testing.T) {
	t.Parallel()
	bad := []scheduler.Task{
		{"four-fields", "5 * * *"},
		{"six-fields", "0 */5 * * * *"},
		{"not-a-duration", "@every soon"},
		{"sub-second", "@every 500ms"},
		{"fractional", "@every 1500ms"},
		{"reboot", "@reboot"},
		{"empty", ""},
		{"out-of-range", "61 * * * *"},
		{"bad-zone", "CRON_TZ=Mars/Olympus_Mons 0 3 * * *"},
		{"zone-only", "CRON_TZ=Europe/Amsterdam"},
		{"never", "0 0 30 2 *"},
		{"poll", "@every 2m"}, // the second "poll" below
		{"", "@hourly"},
	}
	good := []scheduler.Task{{"poll", "@every 1m"}, {"checkin", "*/5 * * * *"}, {"sweep", "@daily"}, {"report", "CRON_TZ=UTC 30 6 * * 1-5"}}
	err := scheduler.Specs(append(good, bad...))
	if err == nil {
		t.Fatal("bad specs accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(bad) {
		t.Fatalf("%d problems for %d bad tasks:\n%v", len(lines), len(bad), err)
	}
	for i, b := range bad {
		if b.Name != "" && !strings.Contains(lines[i], b.Name) {
			t.Errorf("problem %q does not name task %q", lines[i], b.Name)
		}
	}
	for _, g := range []string{"checkin", "sweep", "report"} {
		if strings.Contains(err.Error(), g) {
			t.Errorf("good task %q reported: %v", g, err)
		}
	}
	if err := scheduler.Specs(good); err != nil {
		t.Fatalf("good specs refused: %v", err)
	}
	if _, err := scheduler.New(bad[:1], &recorder{}, nil); err == nil || !strings.Contains(err.Error(), "four-fields") {
		t.Fatalf("New with a bad spec: %v", err)
	}
	if _, err := scheduler.Next("@every soon", time.Now()); err == nil {
		t.Fatal("Next with a bad spec")
	}
}
