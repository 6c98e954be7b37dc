package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Enqueuer stores a tick as a job. It keeps one job per (task, at): every
// instance enqueuing the same tick gets the same job, worked once. A tick already
// enqueued is not an error.
type Enqueuer interface {
	EnqueueTick(ctx context.Context, task string, at time.Time) error
}

// Scheduler enqueues each task's ticks as they come. Build it with New, run it
// with Start, end it with Stop.
type Scheduler struct {
	tasks    []entry
	enq      Enqueuer
	log      *slog.Logger
	now      func() time.Time
	loc      *time.Location
	attempts int
	backoff  time.Duration
	timeout  time.Duration

	// ticks ends the waiting (Stop); calls cancels enqueue calls in flight (Stop's
	// deadline passed).
	ticks, calls          context.Context
	stopTicks, abortCalls context.CancelFunc
	mu                    sync.Mutex
	started               bool
	wg                    sync.WaitGroup
}

// Option adjusts a Scheduler.
type Option func(*Scheduler)

// WithLocation sets the zone cron fields are read in for specs without CRON_TZ=
// (default UTC). Every instance must use the same.
func WithLocation(loc *time.Location) Option { return func(s *Scheduler) { s.loc = loc } }

// WithRetries sets how many times one tick is tried (default 3) and the wait
// before the first retry (default 500 ms, doubling). Retries stop at the next
// tick: another instance, or this one, takes over from there.
func WithRetries(attempts int, backoff time.Duration) Option {
	return func(s *Scheduler) { s.attempts, s.backoff = attempts, backoff }
}

// WithTimeout bounds one EnqueueTick call (default 10 s).
func WithTimeout(d time.Duration) Option { return func(s *Scheduler) { s.timeout = d } }

// WithClock sets the clock ticks are computed from (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Scheduler) { s.now = now } }

// New parses every task's spec; the error names each bad one.
func New(tasks []Task, enq Enqueuer, log *slog.Logger, opts ...Option) (*Scheduler, error) {
	s := &Scheduler{enq: enq, log: log, now: time.Now, loc: time.UTC,
		attempts: 3, backoff: 500 * time.Millisecond, timeout: 10 * time.Second}
	for _, o := range opts {
		o(s)
	}
	if enq == nil {
		return nil, errors.New("new scheduler: no enqueuer")
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	s.attempts = max(s.attempts, 1)
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	entries, err := compile(tasks, s.loc)
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	s.tasks = entries
	s.ticks, s.stopTicks = context.WithCancel(context.Background())
	s.calls, s.abortCalls = context.WithCancel(context.Background())
	return s, nil
}

// Start runs every task in its own goroutine. Starting twice, or after Stop,
// does nothing more.
func (s *Scheduler) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.ticks.Err() != nil {
		return
	}
	s.started = true
	for _, e := range s.tasks {
		s.wg.Add(1)
		go s.run(e)
	}
	s.log.Info("scheduler started", "tasks", len(s.tasks))
}

// Stop ends the schedule: no tick is enqueued after it begins, and it waits for
// the enqueue calls in flight. When ctx ends first, it cancels them and returns
// ctx's error without waiting further.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.stopTicks()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.abortCalls()
		return nil
	case <-ctx.Done():
		s.abortCalls()
		return fmt.Errorf("stop scheduler: %w", ctx.Err())
	}
}

// run waits for each tick of one task and enqueues it. The instant enqueued is
// the scheduled one, never the clock at firing: that is what every instance
// agrees on.
func (s *Scheduler) run(e entry) {
	defer s.wg.Done()
	next := e.sched.Next(s.now())
	for {
		if next.IsZero() {
			s.log.Error("schedule has no more ticks", "task", e.name, "spec", e.spec)
			return
		}
		if wait := next.Sub(s.now()); wait > 0 {
			// Wake at least each minute to look at the clock again: a clock
			// stepped forward should not leave a tick hours late.
			if !sleep(s.ticks, min(wait, time.Minute)) {
				return
			}
			continue
		}
		if s.ticks.Err() != nil {
			return
		}
		s.fire(e, next)
		// Ticks missed while enqueuing are skipped, as cron does; the other
		// instances enqueue them. Never go back to a tick already fired, even if
		// the clock did.
		now := s.now()
		if now.Before(next) {
			now = next
		}
		next = e.sched.Next(now)
	}
}

// fire enqueues one tick, retrying a failure until the next tick is near.
func (s *Scheduler) fire(e entry, scheduled time.Time) {
	at := tick(scheduled)
	deadline := e.sched.Next(scheduled)
	backoff := s.backoff
	for attempt := 1; ; attempt++ {
		err := s.enqueue(e.name, at)
		if err == nil {
			s.log.Debug("tick enqueued", "task", e.name, "at", at)
			return
		}
		if s.calls.Err() != nil || s.ticks.Err() != nil {
			s.log.Error("tick not enqueued: scheduler stopping", "task", e.name, "at", at, "err", err)
			return
		}
		if attempt >= s.attempts || (!deadline.IsZero() && s.now().Add(backoff).After(deadline)) {
			s.log.Error("tick not enqueued", "task", e.name, "at", at, "attempts", attempt, "err", err)
			return
		}
		s.log.Warn("enqueue tick failed, retrying", "task", e.name, "at", at, "attempt", attempt, "err", err)
		if !sleep(s.ticks, backoff) {
			s.log.Error("tick not enqueued: scheduler stopping", "task", e.name, "at", at, "err", err)
			return
		}
		backoff *= 2
	}
}

// enqueue makes one call; a panicking enqueuer is one failed attempt, not a
// dead scheduler.
func (s *Scheduler) enqueue(task string, at time.Time) (err error) {
	ctx, cancel := context.WithTimeout(s.calls, s.timeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("enqueuer panicked", "task", task, "at", at, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = fmt.Errorf("enqueue %s at %s: panic: %v", task, at.Format(time.RFC3339), r)
		}
	}()
	if err := s.enq.EnqueueTick(ctx, task, at); err != nil {
		return fmt.Errorf("enqueue %s at %s: %w", task, at.Format(time.RFC3339), err)
	}
	return nil
}

// sleep waits d, or less when ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
