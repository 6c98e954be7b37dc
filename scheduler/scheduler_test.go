package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/scheduler"
)

// call is one EnqueueTick call as the enqueuer saw it.
type call struct {
	task string
	at   time.Time
}

// recorder is a fake enqueuer: it records calls and answers with EnqueueTickFunc
// (nil: success).
type recorder struct {
	mu              sync.Mutex
	calls           []call
	EnqueueTickFunc func(ctx context.Context, task string, at time.Time) error
}

func (r *recorder) EnqueueTick(ctx context.Context, task string, at time.Time) error {
	r.mu.Lock()
	r.calls = append(r.calls, call{task, at})
	r.mu.Unlock()
	if r.EnqueueTickFunc != nil {
		return r.EnqueueTickFunc(ctx, task, at)
	}
	return nil
}

func (r *recorder) got() []call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// jobs is a fake store: one job per (task, at), however many instances enqueue.
type jobs struct {
	mu   sync.Mutex
	seen map[call]int
}

func (j *jobs) insert(task string, at time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seen[call{task, at}]++
}

// syncBuffer is a log sink safe for the scheduler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func stop(t *testing.T, s *scheduler.Scheduler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestTwoInstancesEnqueueTheSameTicks: the store sees each tick from both
// instances with the same instant, so it keeps one job per tick.
func TestTwoInstancesEnqueueTheSameTicks(t *testing.T) {
	t.Parallel()
	store := &jobs{seen: map[call]int{}}
	var recs [2]*recorder
	var scheds [2]*scheduler.Scheduler
	for i := range recs {
		recs[i] = &recorder{EnqueueTickFunc: func(_ context.Context, task string, at time.Time) error {
			store.insert(task, at)
			return nil
		}}
		s, err := scheduler.New([]scheduler.Task{{Name: "poll", Spec: "@every 1s"}}, recs[i], nil)
		if err != nil {
			t.Fatal(err)
		}
		scheds[i] = s
	}
	// Start a third of the way into a second and stop 2.5 s later: both
	// instances see the same two or three ticks, none near the edges.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1300 * time.Millisecond)))
	scheds[0].Start()
	time.Sleep(50 * time.Millisecond) // the second instance starts a little later
	scheds[1].Start()
	time.Sleep(2450 * time.Millisecond)
	stop(t, scheds[0])
	stop(t, scheds[1])

	a, b := recs[0].got(), recs[1].got()
	if len(a) < 2 || !slices.Equal(a, b) {
		t.Fatalf("instances enqueued different ticks:\n%v\n%v", a, b)
	}
	for i, c := range a {
		if c.task != "poll" || c.at.Nanosecond() != 0 || c.at.Location() != time.UTC {
			t.Fatalf("tick %+v: want task poll at a whole second in UTC", c)
		}
		if i > 0 && c.at.Sub(a[i-1].at) != time.Second {
			t.Fatalf("ticks %v: want one a second", a)
		}
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.seen) != len(a) {
		t.Fatalf("%d jobs for %d ticks", len(store.seen), len(a))
	}
	for k, n := range store.seen {
		if n != 2 {
			t.Fatalf("tick %v enqueued %d times, want once per instance", k, n)
		}
	}
}

// TestRetriesKeepTheScheduledInstant: a failing or panicking enqueuer is retried
// within the tick, and every attempt names the scheduled instant — from the
// scheduler's clock, not the wall clock and not the moment of the retry.
func TestRetriesKeepTheScheduledInstant(t *testing.T) {
	t.Parallel()
	// A clock in 2030, 200 ms before a five-second tick.
	tickAt := time.Date(2030, 1, 1, 0, 0, 5, 0, time.UTC)
	offset := tickAt.Add(-200 * time.Millisecond).Sub(time.Now())
	clock := func() time.Time { return time.Now().Add(offset) }

	var mu sync.Mutex
	var calledAt []time.Time
	rec := &recorder{EnqueueTickFunc: func(ctx context.Context, _ string, _ time.Time) error {
		mu.Lock()
		calledAt = append(calledAt, clock())
		n := len(calledAt)
		mu.Unlock()
		switch n {
		case 1:
			time.Sleep(1200 * time.Millisecond) // a slow database, then an error
			return errors.New("connection reset")
		case 2:
			panic("nil map in the store")
		}
		return nil
	}}
	logs := &syncBuffer{}
	s, err := scheduler.New([]scheduler.Task{{Name: "poll", Spec: "@every 5s"}}, rec,
		slog.New(slog.NewTextHandler(logs, nil)),
		scheduler.WithClock(clock), scheduler.WithRetries(3, 100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	deadline := time.Now().Add(4 * time.Second)
	for len(rec.got()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	stop(t, s)

	got := rec.got()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3 (error, panic, success): %v\n%s", len(got), got, logs)
	}
	for _, c := range got {
		if !c.at.Equal(tickAt) {
			t.Fatalf("attempt at %s, want the scheduled %s", c.at, tickAt)
		}
	}
	mu.Lock()
	last := calledAt[2]
	mu.Unlock()
	if last.Truncate(time.Second).Equal(tickAt) {
		t.Fatalf("the last attempt ran at %s: too soon to tell the scheduled instant from the clock", last)
	}
	for _, want := range []string{"connection reset", "enqueuer panicked", "nil map in the store"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// TestFailedTickIsGivenUpAtTheNextTick: retries do not pile up behind a store
// that is down; the next tick starts afresh.
func TestFailedTickIsGivenUpAtTheNextTick(t *testing.T) {
	t.Parallel()
	rec := &recorder{EnqueueTickFunc: func(context.Context, string, time.Time) error {
		return errors.New("database down")
	}}
	logs := &syncBuffer{}
	s, err := scheduler.New([]scheduler.Task{{Name: "poll", Spec: "@every 1s"}}, rec,
		slog.New(slog.NewTextHandler(logs, nil)), scheduler.WithRetries(10, 400*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	time.Sleep(2500 * time.Millisecond)
	stop(t, s)
	perTick := map[time.Time]int{}
	for _, c := range rec.got() {
		perTick[c.at]++
	}
	if len(perTick) < 2 {
		t.Fatalf("ticks %v: a failing store stopped the schedule", perTick)
	}
	for at, n := range perTick {
		if n > 3 {
			t.Fatalf("tick %s tried %d times within a second", at, n)
		}
	}
	if !strings.Contains(logs.String(), "tick not enqueued") {
		t.Fatalf("a lost tick was not logged:\n%s", logs)
	}
}

// TestStopWaitsForTheEnqueueInFlight: a tick being enqueued is finished, not
// cut off, and nothing is enqueued after Stop returns.
func TestStopWaitsForTheEnqueueInFlight(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	var callErr error
	rec := &recorder{EnqueueTickFunc: func(ctx context.Context, _ string, _ time.Time) error {
		select {
		case entered <- struct{}{}:
		default:
			return nil
		}
		<-release
		callErr = ctx.Err()
		return nil
	}}
	s, err := scheduler.New([]scheduler.Task{{Name: "poll", Spec: "@every 1s"}}, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background()) }()
	select {
	case err := <-stopped:
		t.Fatalf("Stop returned (%v) while an enqueue was running", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	if err := <-stopped; err != nil {
		t.Fatalf("stop: %v", err)
	}
	if callErr != nil {
		t.Fatalf("the call in flight was cancelled: %v", callErr)
	}
	n := len(rec.got())
	time.Sleep(1200 * time.Millisecond)
	if len(rec.got()) != n {
		t.Fatal("enqueued after Stop")
	}
}

// TestStopGivesUpAtItsDeadline: an enqueuer stuck past Stop's deadline is
// cancelled, and Stop says it did not finish cleanly.
func TestStopGivesUpAtItsDeadline(t *testing.T) {
	t.Parallel()
	entered := make(chan struct{})
	cancelled := make(chan struct{})
	rec := &recorder{EnqueueTickFunc: func(ctx context.Context, _ string, _ time.Time) error {
		close(entered)
		<-ctx.Done()
		close(cancelled)
		return ctx.Err()
	}}
	s, err := scheduler.New([]scheduler.Task{{Name: "poll", Spec: "@every 1s"}}, rec, nil, scheduler.WithTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Stop(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stop = %v, want the deadline", err)
	}
	select {
	case <-cancelled:
	case <-time.After(time.Second):
		t.Fatal("the stuck enqueue was not cancelled")
	}
}

func TestStopBeforeStart(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	s, err := scheduler.New([]scheduler.Task{{Name: "poll", Spec: "@every 1s"}}, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop(t, s)
	s.Start() // after Stop: stays stopped
	time.Sleep(1200 * time.Millisecond)
	stop(t, s)
	if n := len(rec.got()); n != 0 {
		t.Fatalf("%d ticks enqueued by a stopped scheduler", n)
	}
}
