package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// TestEnqueueTickRunsOncePerSchedule: every instance enqueues the same cron tick;
// it runs once, and not again once done.
func TestEnqueueTickRunsOncePerSchedule(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		other := newStore(t, db, b.key, b.logs, Options{})
		ctx := t.Context()
		at := time.Date(2026, 11, 26, 9, 5, 0, 0, time.UTC)
		for _, s := range []*Store{b.s, b.s, other} {
			if err := s.EnqueueTick(ctx, "poll_flights", at); err != nil {
				t.Fatal(err)
			}
		}
		if err := other.EnqueueTick(ctx, "poll_flights", at.Add(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kindTick); n != 1 {
			t.Fatalf("%d tick jobs, want 1", n)
		}
		if err := b.s.EnqueueTick(ctx, "poll_flights", at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := b.s.EnqueueTick(ctx, "checkin_open", at); err != nil {
			t.Fatal(err)
		}

		var mu sync.Mutex
		var ran []string
		b.s.SetHandlers(Handlers{Tick: func(_ context.Context, task string, when time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, task+"@"+when.UTC().Format("15:04:05"))
			return nil
		}})
		if err := b.s.Start(ctx, func(context.Context, int64) error { return nil }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "three ticks run", func() bool {
			return count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'completed'", kindTick) == 3
		})
		// A late instance enqueuing a tick that already ran adds nothing.
		if err := other.EnqueueTick(ctx, "poll_flights", at); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kindTick); n != 3 {
			t.Fatalf("%d tick jobs after a late enqueue, want 3", n)
		}
		mu.Lock()
		defer mu.Unlock()
		got := strings.Join(ran, " ")
		for _, want := range []string{"poll_flights@09:05:00", "poll_flights@09:06:00", "checkin_open@09:05:00"} {
			if strings.Count(got, want) != 1 {
				t.Errorf("ran %s, want %s once", got, want)
			}
		}
	})
}

// TestSnoozedFanOutRunsAgainWithoutSpendingAttempts: a fan-out held for quiet
// hours comes back later, even when the job has a single attempt.
func TestSnoozedFanOutRunsAgainWithoutSpendingAttempts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{MaxAttempts: 1})
		ctx := t.Context()
		ev := raise(t, b.s, "KL1234")
		var mu sync.Mutex
		var calls int
		var first time.Time
		var again time.Duration
		b.s.SetHandlers(Handlers{FanOut: func(_ context.Context, id int64) error {
			if id != ev {
				return fmt.Errorf("fan out %d, want %d", id, ev)
			}
			mu.Lock()
			defer mu.Unlock()
			if calls++; calls == 1 {
				first = time.Now()
				// Already due: still put back for at least a second, not spun.
				return fmt.Errorf("fan out: %w", &domain.Snooze{At: time.Now(), Reason: "quiet hours at AMS"})
			}
			again = time.Since(first)
			return nil
		}})
		if err := b.s.Start(ctx, func(context.Context, int64) error { return nil }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "fan-out completed after its snooze", func() bool {
			return count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'completed' AND attempt = 1", kindFanOut) == 1
		})
		mu.Lock()
		defer mu.Unlock()
		if calls != 2 || again < time.Second {
			t.Fatalf("fan-out called %d times, again after %s; want twice, a second apart", calls, again)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE state = 'discarded'"); n != 0 {
			t.Fatalf("%d jobs discarded, want 0", n)
		}
	})
}

func TestSnoozedTurnsDomainSnoozeIntoRiverSnooze(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 22, 30, 0, 0, time.UTC)
	s := &Store{opts: Options{Now: func() time.Time { return now }}}
	plain := errors.New("booking system unavailable")
	for _, tc := range []struct {
		err  error
		want time.Duration // 0: passed through
	}{
		{nil, 0},
		{plain, 0},
		{&domain.Snooze{At: now.Add(8*time.Hour + 30*time.Minute)}, 8*time.Hour + 30*time.Minute},
		{fmt.Errorf("deliver: %w", &domain.Snooze{At: now.Add(-time.Minute)}), time.Second},
	} {
		got := s.snoozed(tc.err)
		var sn *river.JobSnoozeError
		switch {
		case tc.want == 0 && got != tc.err:
			t.Errorf("snoozed(%v) = %v, want it unchanged", tc.err, got)
		case tc.want != 0 && (!errors.As(got, &sn) || sn.Duration != tc.want):
			t.Errorf("snoozed(%v) = %v, want a snooze of %s", tc.err, got, tc.want)
		}
	}
}
