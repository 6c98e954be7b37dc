package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func TestRiverProcessesEachMessageOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{Workers: 4})
		rec := &recorder{}
		if err := b.s.Start(t.Context(), echo(b.s, rec)); err != nil {
			t.Fatal(err)
		}
		conv := accept(t, b.s, msg("a", "one"), "u1")
		accept(t, b.s, msg("b", "two"), "u1")
		accept(t, b.s, msg("c", "three"), "u1")
		waitFor(t, "three messages processed", func() bool { return pendingCount(t, db) == 0 })

		turns, texts, _ := rec.snapshot()
		if len(turns) != 3 {
			t.Fatalf("turns committed for %d messages, want 3", len(turns))
		}
		for id, n := range turns {
			if n != 1 {
				t.Errorf("inbound %d committed %d times", id, n)
			}
		}
		if fmt.Sprint(texts) != "[one two three]" {
			t.Errorf("processed %v, want [one two three]", texts)
		}
		out, _ := b.s.OutboundAfter(t.Context(), conv, 0, 10)
		if len(out) != 3 {
			t.Fatalf("%d replies, want 3", len(out))
		}
		// Every job finishes: nothing is left waiting or retrying.
		waitFor(t, "jobs completed", func() bool {
			return count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ? AND state <> 'completed'", kindProcess) == 0
		})
	})
}

func TestPendingMessageIsProcessedAfterRestart(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		rec := &recorder{}
		if err := b.s.Start(t.Context(), echo(b.s, rec)); err != nil {
			t.Fatal(err)
		}
		accept(t, b.s, msg("a", "before"), "u1")
		waitFor(t, "first message processed", func() bool { return pendingCount(t, db) == 0 })
		stop, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := b.s.Stop(stop); err != nil {
			t.Fatal(err)
		}

		// Accepted while no worker runs: stored with its job, not processed.
		accept(t, b.s, msg("b", "while down"), "u1")
		if pendingCount(t, db) != 1 {
			t.Fatal("message accepted while stopped is not pending")
		}

		restarted := newStore(t, db, b.key, b.logs, Options{})
		if err := restarted.Start(t.Context(), echo(restarted, rec)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "pending message processed after restart", func() bool { return pendingCount(t, db) == 0 })
		turns, texts, _ := rec.snapshot()
		if fmt.Sprint(texts) != "[before while down]" || len(turns) != 2 {
			t.Fatalf("processed %v (%d messages), want [before while down] once each", texts, len(turns))
		}
	})
}

func TestSweepRequeuesStrandedMessages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		old := msg("a", "old")
		old.ReceivedAt = time.Now().Add(-2 * time.Minute)
		accept(t, b.s, old, "u1")
		accept(t, b.s, msg("b", "fresh"), "u2")
		// Lose every job, as a discarded job would leave its messages.
		if err := db.Gorm.Exec("DELETE FROM river_job").Error; err != nil {
			t.Fatal(err)
		}
		n, err := b.s.sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sweep = %d %v, want 1 job for the stranded message only", n, err)
		}
		if n, err := b.s.sweep(ctx); err != nil || n != 0 {
			t.Fatalf("second sweep = %d %v, want 0: a job is already waiting", n, err)
		}
		rec := &recorder{}
		if err := b.s.Start(ctx, echo(b.s, rec)); err != nil {
			t.Fatal(err)
		}
		// Start also recovers at once what was accepted before it, stranded or not:
		// an instance that comes up after a crash does not wait for the threshold.
		waitFor(t, "every waiting message processed", func() bool { return pendingCount(t, db) == 0 })
		if _, texts, _ := rec.snapshot(); len(texts) != 2 {
			t.Fatalf("processed %v, want old and fresh once each", texts)
		}
	})
}

func TestFailingJobIsDiscardedVisibly(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{MaxAttempts: 2, MaxBackoff: 10 * time.Millisecond})
		attempts := make(chan int64, 10)
		err := b.s.Start(t.Context(), func(_ context.Context, id int64) error {
			attempts <- id
			return errors.New("booking system unavailable")
		})
		if err != nil {
			t.Fatal(err)
		}
		conv := accept(t, b.s, msg("a", "check in"), "u1")
		var attrs map[string]string
		waitFor(t, "discarded job logged", func() bool {
			var ok bool
			attrs, ok = b.logs.find(slog.LevelError, "job discarded after its last attempt")
			return ok
		})
		if attrs["conversation"] != fmt.Sprint(conv) || attrs["attempt"] != "2" {
			t.Fatalf("log attributes = %v, want conversation %d attempt 2", attrs, conv)
		}
		if _, ok := b.logs.find(slog.LevelWarn, "job failed, will retry"); !ok {
			t.Error("first failure not logged as a warning")
		}
		if len(attempts) != 2 {
			t.Errorf("process called %d times, want 2", len(attempts))
		}
		if pendingCount(t, db) != 1 {
			t.Error("the message of a discarded job is no longer pending: the sweep could not save it")
		}
	})
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempt int
		base    time.Duration
	}{{1, 2 * time.Second}, {2, 4 * time.Second}, {5, 32 * time.Second}, {6, time.Minute}, {1000, time.Minute}} {
		d := backoff(tc.attempt, time.Minute)
		if d < tc.base || d > tc.base+tc.base/10+1 {
			t.Errorf("backoff(%d) = %s, want %s plus at most 10%%", tc.attempt, d, tc.base)
		}
	}
}

// A message accepted while its conversation's job runs, after that job's last look
// for pending messages, must not wait for the sweep: it gets a follow-up job.
func TestMessageDuringRunningJobGetsFollowUp(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		// One worker: the follow-up cannot start before the blocked job ends.
		b := setup(t, db, Options{Workers: 1})
		rec := &recorder{}
		drain := echo(b.s, rec)
		looked, release := make(chan struct{}), make(chan struct{})
		var blocked atomic.Bool
		err := b.s.Start(t.Context(), func(ctx context.Context, id int64) error {
			if err := drain(ctx, id); err != nil {
				return err
			}
			if blocked.CompareAndSwap(false, true) {
				close(looked)
				<-release
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		accept(t, b.s, msg("a", "one"), "u1")
		<-looked
		accept(t, b.s, msg("b", "two"), "u1")
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = 'available'", kindProcess); n != 1 {
			t.Fatalf("%d waiting jobs after a message during a run, want 1 follow-up", n)
		}
		close(release)
		waitFor(t, "message accepted during a run processed", func() bool { return pendingCount(t, db) == 0 })
		if _, texts, _ := rec.snapshot(); fmt.Sprint(texts) != "[one two]" {
			t.Fatalf("processed %v, want [one two]", texts)
		}
	})
}

// An engine that stops after each turn with an error (flows.ErrMore after a batch,
// or a lost compare-and-swap) is run again without spending the job's attempts.
func TestErrorAfterProgressRunsAgainWithoutSpendingAttempts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{MaxAttempts: 1})
		rec := &recorder{}
		err := b.s.Start(t.Context(), func(ctx context.Context, id int64) error {
			c, err := b.s.Conversation(ctx, id)
			if err != nil {
				return err
			}
			in, ok, err := b.s.NextInbound(ctx, id)
			if err != nil || !ok {
				return err
			}
			if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, InboundID: in.ID}); err != nil {
				return err
			}
			rec.committed(in)
			return errors.New("more inbound messages waiting")
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"a", "b", "c"} {
			accept(t, b.s, msg(id, id), "u1")
		}
		waitFor(t, "all messages processed", func() bool { return pendingCount(t, db) == 0 })
		if _, texts, _ := rec.snapshot(); fmt.Sprint(texts) != "[a b c]" {
			t.Fatalf("processed %v, want [a b c]", texts)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE state = 'discarded'"); n != 0 {
			t.Fatalf("%d jobs discarded, want 0", n)
		}
	})
}
