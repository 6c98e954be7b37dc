package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

const kindTick = "tick"

// tickArgs asks for one run of a periodic task, scheduled at At. Every instance
// enqueues the same (task, at) from its own cron; uniqueness by args, completed
// jobs included, makes it one job that runs once.
type tickArgs struct {
	Task string    `json:"task"`
	At   time.Time `json:"at"`
}

func (tickArgs) Kind() string { return kindTick }

// EnqueueTick inserts the job of one run of a periodic task (polling flight
// status, opening check-in windows, …) unless the cluster already has it: at
// should be the run's scheduled time (truncated to the second), not the clock, so
// that every instance names the same run. The Tick handler runs it.
func (s *Store) EnqueueTick(ctx context.Context, task string, at time.Time) error {
	if task == "" {
		return domain.Errorf(domain.Invalid, "enqueue tick", "task is required")
	}
	args := tickArgs{Task: task, At: at.UTC().Truncate(time.Second)}
	err := s.inTx(ctx, func(_ *gorm.DB, tx *sql.Tx) error {
		// The default unique states include completed: a run that finished is not
		// run again when a late instance enqueues it.
		_, err := s.river.InsertTx(ctx, tx, args, &river.InsertOpts{Queue: queueNotify, UniqueOpts: river.UniqueOpts{ByArgs: true}})
		return err
	})
	if err != nil {
		return fmt.Errorf("enqueue tick %s at %s: %w", task, args.At.Format(time.RFC3339), err)
	}
	return nil
}

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	s *Store
}

func (w *tickWorker) Work(ctx context.Context, job *river.Job[tickArgs]) error {
	tick := w.s.handlers().Tick
	if tick == nil {
		return errors.New("tick: no tick handler")
	}
	return w.s.snoozed(tick(ctx, job.Args.Task, job.Args.At))
}

// fanOutAttempts bounds the retries of one fan-out (see NextRetry).
const fanOutAttempts = 60

// NextRetry backs off exponentially up to Options.MaxBackoff, like turns: 60
// attempts at the default five-minute ceiling span about five hours.
func (w *fanOutWorker) NextRetry(job *river.Job[fanOutArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt, w.s.opts.MaxBackoff))
}

type fanOutWorker struct {
	river.WorkerDefaults[fanOutArgs]
	s *Store
}

func (w *fanOutWorker) Work(ctx context.Context, job *river.Job[fanOutArgs]) error {
	fanOut := w.s.handlers().FanOut
	if fanOut == nil {
		return errors.New("fan out: no fan-out handler")
	}
	return w.s.snoozed(fanOut(ctx, job.Args.EventID))
}

// snoozed turns a handler's *domain.Snooze into River's snooze, which puts the job
// back until then without spending an attempt (at least a second, so that a
// snooze that is already due does not spin). Other errors pass unchanged.
func (s *Store) snoozed(err error) error {
	var sn *domain.Snooze
	if err == nil || !errors.As(err, &sn) {
		return err
	}
	return river.JobSnooze(max(sn.At.Sub(s.now()), time.Second))
}
