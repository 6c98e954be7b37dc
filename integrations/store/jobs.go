package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/migrations"
)

const (
	queueInbox  = "inbox"
	kindProcess = "process_conversation"
	kindSweep   = "sweep_inbox"
	// maxFollowers bounds the chain of follow-up jobs enqueueProcess builds behind
	// running jobs of one conversation; beyond it a job is inserted without
	// uniqueness, which is always correct.
	maxFollowers = 4
)

// processArgs asks a worker to process every pending inbound message of a
// conversation. After is 0, or the id of a running job of the same conversation
// that this job follows (see enqueueProcess).
type processArgs struct {
	ConversationID int64 `json:"conversation_id" river:"unique"`
	After          int64 `json:"after" river:"unique"`
}

func (processArgs) Kind() string { return kindProcess }

// sweepArgs asks for the periodic search for stranded messages.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return kindSweep }

// uniqueProcess makes a processing job unique per (conversation, After) while it
// waits or runs, so that a burst of messages yields few jobs. River requires the
// running state in the set; enqueueProcess compensates for it. Uniqueness is an
// optimisation only: concurrent runs of one conversation are safe (CommitTurn's
// compare-and-swap).
var uniqueProcess = river.UniqueOpts{
	ByArgs: true,
	ByState: []rivertype.JobState{
		rivertype.JobStateAvailable,
		rivertype.JobStatePending,
		rivertype.JobStateRetryable,
		rivertype.JobStateRunning,
		rivertype.JobStateScheduled,
	},
}

// followable is a per-conversation job kind that can be made to follow a running
// job of the same kind and conversation.
type followable interface {
	river.JobArgs
	following(jobID int64) followable
}

func (a processArgs) following(id int64) followable { a.After = id; return a }

// enqueueProcess inserts, in tx, a job that will process the conversation's pending
// messages, and reports whether a new job was inserted (false: an equivalent job
// was already waiting).
func (s *Store) enqueueProcess(ctx context.Context, tx *sql.Tx, conversationID int64) (bool, error) {
	return s.enqueue(ctx, tx, processArgs{ConversationID: conversationID})
}

func queueOf(args followable) string {
	if args.Kind() == kindDeliver {
		return queueOutbox
	}
	return queueInbox
}

// enqueue inserts a per-conversation job in tx, unique while it waits or runs.
//
// A job skipped as a duplicate of a waiting (available, scheduled, retryable) job
// is fine: that job has not yet looked for work, and on PostgreSQL the insert holds
// a lock on it until tx commits, so River cannot fetch it before the new rows are
// visible. A running job, however, may already have made its last look, so a
// follow-up job keyed by the running job's id is enqueued instead; all work arriving
// while that job runs shares one follow-up.
func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, args followable) (bool, error) {
	return s.enqueueAt(ctx, tx, args, river.PriorityDefault)
}

// enqueueAt is enqueue at a River priority (1 first, 4 last). A job skipped as a
// duplicate keeps the priority it was inserted with.
func (s *Store) enqueueAt(ctx context.Context, tx *sql.Tx, args followable, priority int) (bool, error) {
	priority = min(max(priority, river.PriorityDefault), 4)
	opts := &river.InsertOpts{Queue: queueOf(args), UniqueOpts: uniqueProcess, Priority: priority}
	for range maxFollowers {
		res, err := s.river.InsertTx(ctx, tx, args, opts)
		if err != nil {
			return false, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
		}
		if !res.UniqueSkippedAsDuplicate {
			return true, nil
		}
		if res.Job.State != rivertype.JobStateRunning {
			// The waiting job will do this work too: it must not make it wait
			// longer than asked (a cancellation behind a far-off delay's job).
			if res.Job.Priority > priority {
				if err := s.raisePriority(ctx, tx, res.Job.ID, priority); err != nil {
					return false, err
				}
			}
			return false, nil
		}
		args = args.following(res.Job.ID)
	}
	if _, err := s.river.InsertTx(ctx, tx, args.following(0), &river.InsertOpts{Queue: queueOf(args), Priority: priority}); err != nil {
		return false, fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return true, nil
}

// raisePriority moves a waiting job up to priority (River runs 1 first). River
// has no call for it, so its job table is updated directly, in the same
// transaction; a job that started meanwhile is left alone.
func (s *Store) raisePriority(ctx context.Context, tx *sql.Tx, id int64, priority int) error {
	table := "river_job"
	if s.schema != "" {
		table = s.schema + ".river_job"
	}
	q := "UPDATE " + table + " SET priority = ? WHERE id = ? AND priority > ? AND state IN ('available', 'scheduled', 'retryable')"
	args := []any{priority, id, priority}
	if s.dialect == migrations.Postgres {
		q = "UPDATE " + table + " SET priority = $1 WHERE id = $2 AND priority > $1 AND state IN ('available', 'scheduled', 'retryable')"
		args = args[:2]
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("raise priority of job %d: %w", id, err)
	}
	return nil
}

func (s *Store) newRiverClient(driver riverdriver.Driver[*sql.Tx]) (*river.Client[*sql.Tx], error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &processWorker{s: s})
	river.AddWorker(workers, &sweepWorker{s: s})
	river.AddWorker(workers, &deliverWorker{s: s})
	river.AddWorker(workers, &webhookWorker{s: s})
	river.AddWorker(workers, &tickWorker{s: s})
	river.AddWorker(workers, &fanOutWorker{s: s})
	sweep := river.NewPeriodicJob(
		river.PeriodicInterval(s.opts.SweepInterval),
		func() (river.JobArgs, *river.InsertOpts) {
			return sweepArgs{}, &river.InsertOpts{Queue: queueInbox, UniqueOpts: river.UniqueOpts{ByPeriod: s.opts.SweepInterval}}
		},
		&river.PeriodicJobOpts{ID: kindSweep, RunOnStart: true},
	)
	// Workers fetch at once when notified of new jobs (PostgreSQL LISTEN, or an
	// insert by this very client); the cooldown only bounds how often (and how
	// often an insert sends NOTIFY). 50 ms was tried: two fewer transactions per
	// turn and 7 % less CPU per turn at 40 turns/s, but replies 60 ms slower
	// there and no more turns per second at saturation, so it was not kept.
	cooldown := min(10*time.Millisecond, s.opts.PollInterval)
	return river.NewClient(driver, &river.Config{
		ErrorHandler:      &errorHandler{log: s.log, failed: s.opts.JobFailed},
		FetchCooldown:     cooldown,
		FetchPollInterval: s.opts.PollInterval,
		JobTimeout:        s.opts.JobTimeout,
		// A job still "running" past its timeout belongs to an instance that died
		// (a live one has had its context cancelled); River makes it available
		// again after this.
		RescueStuckJobsAfter: s.opts.JobTimeout + 15*time.Second,
		Logger:               slog.New(atLeast{min: slog.LevelWarn, h: s.log.Handler()}),
		MaxAttempts:          s.opts.MaxAttempts,
		PeriodicJobs:         []*river.PeriodicJob{sweep},
		Queues: map[string]river.QueueConfig{
			queueInbox:    {MaxWorkers: s.opts.Workers},
			queueOutbox:   {MaxWorkers: s.opts.Workers},
			queueWebhooks: {MaxWorkers: s.opts.Workers},
			queueNotify:   {MaxWorkers: s.opts.Workers},
		},
		Schema:  s.schema,
		Workers: workers,
	})
}

// Start begins working jobs: each processing job calls process with its
// conversation id. process should handle the pending inbound messages of the
// conversation in order (NextInbound, then CommitTurn, until none is left). When it
// returns an error after committing turns (it stopped after a batch, or lost a
// compare-and-swap to a concurrent run), the job runs again at once without
// spending an attempt. An error without progress makes River retry the job with
// exponential backoff; after Options.MaxAttempts the job is discarded and logged
// at error level, and the sweep enqueues the conversation again once its messages
// count as stranded.
//
// Cancelling ctx stops the workers abruptly (running jobs see a cancelled
// context); prefer Stop.
func (s *Store) Start(ctx context.Context, process func(ctx context.Context, conversationID int64) error) error {
	if process == nil {
		return errors.New("start store: process func is nil")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("start store: already started")
	}
	s.hmu.Lock()
	s.process = process
	s.hmu.Unlock()
	// Whatever was accepted before this instance started is either being answered
	// by another live instance or was left behind by one that died: enqueue it now
	// rather than waiting for the sweep's threshold. A duplicate job is harmless —
	// turns are committed with compare-and-swap.
	// A failure here is no reason not to start: the periodic sweep finds what
	// this one missed.
	n, err := s.sweepBefore(ctx, s.now())
	if err != nil {
		s.log.Warn("start store: waiting messages not all recovered; the periodic sweep will", "err", err)
	}
	if n > 0 {
		s.log.Info("recovered conversations with waiting messages", "count", n)
	}
	if err := s.river.Start(ctx); err != nil {
		return fmt.Errorf("start store: %w", err)
	}
	s.started = true
	return nil
}

// Stop stops fetching jobs and waits for the running ones to finish, or for ctx to
// be done. Jobs not yet started stay in the database for the next Start of any
// instance.
func (s *Store) Stop(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.started {
		return nil
	}
	if err := s.river.Stop(ctx); err != nil {
		return fmt.Errorf("stop store: %w", err)
	}
	s.started = false
	return nil
}

func (s *Store) processFunc() func(context.Context, int64) error {
	return s.handlers().Process
}

type processWorker struct {
	river.WorkerDefaults[processArgs]
	s *Store
}

func (w *processWorker) Work(ctx context.Context, job *river.Job[processArgs]) error {
	process := w.s.processFunc()
	if process == nil {
		return errors.New("process conversation: store not started")
	}
	id := job.Args.ConversationID
	before, err := w.s.pendingHead(ctx, id)
	if err != nil {
		return err
	}
	err = process(ctx, id)
	if err == nil {
		return nil
	}
	after, herr := w.s.pendingHead(ctx, id)
	switch {
	case herr != nil || after == before:
		return err // no progress: retry with backoff, spending an attempt
	case after == 0:
		return nil // everything got processed, by this run or a concurrent one
	default:
		// Turns were committed before the error: the engine stopped after a batch
		// to let other conversations in, or lost a compare-and-swap to a concurrent
		// run. Run again behind the waiting jobs without spending an attempt.
		return river.JobSnooze(0)
	}
}

// pendingHead returns the id of the message NextInbound would return, 0 when none
// is pending: a run that changed it made progress (messages arriving meanwhile
// come after it and leave it alone).
func (s *Store) pendingHead(ctx context.Context, conversationID int64) (int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&inboundRow{}).
		Where("conversation_id = ? AND processed_at IS NULL", conversationID).
		Order("received_at, id").Limit(1).Pluck("id", &ids).Error
	var head int64
	if len(ids) == 1 {
		head = ids[0]
	}
	if err != nil {
		return 0, fmt.Errorf("pending inbound of conversation %d: %w", conversationID, err)
	}
	return head, nil
}

// NextRetry backs off exponentially (2s, 4s, 8s …) up to Options.MaxBackoff, with
// jitter: a traveller waits for a reply, so River's default backoff (attempt^4
// seconds) is too slow.
func (w *processWorker) NextRetry(job *river.Job[processArgs]) time.Time {
	return time.Now().Add(backoff(job.Attempt, w.s.opts.MaxBackoff))
}

func backoff(attempt int, ceiling time.Duration) time.Duration {
	d := ceiling
	if attempt < 30 {
		d = min(time.Duration(1<<attempt)*time.Second, ceiling)
	}
	return d + rand.N(d/10+1)
}

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	s *Store
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	n, err := w.s.sweep(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		w.s.log.Warn("re-enqueued conversations with stranded messages", "count", n)
	}
	return nil
}

// sweep enqueues processing for every conversation holding an inbound message that
// has waited longer than Options.StrandedAfter, and returns how many jobs it
// inserted. Conversations that already have a waiting job are left alone.
func (s *Store) sweep(ctx context.Context) (int, error) {
	return s.sweepBefore(ctx, s.now().Add(-s.opts.StrandedAfter))
}

// sweepBefore enqueues processing for every conversation holding an inbound message
// received before cutoff.
func (s *Store) sweepBefore(ctx context.Context, cutoff time.Time) (int, error) {
	const op = "sweep"
	var inbox, outbox, hooks []int64
	err := s.db.WithContext(ctx).Model(&inboundRow{}).
		Where("processed_at IS NULL AND received_at < ?", cutoff).
		Distinct("conversation_id").Limit(1000).Pluck("conversation_id", &inbox).Error
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	// Replies still queued after their delivery job gave up (or was lost).
	err = s.db.WithContext(ctx).Model(&outboundRow{}).
		Joins("JOIN conversations ON conversations.id = outbound_messages.conversation_id").
		Where("outbound_messages.status = ? AND outbound_messages.created_at < ? AND conversations.channel <> ?",
			string(domain.StatusQueued), cutoff, string(domain.WebChat)).
		Distinct("outbound_messages.conversation_id").Limit(1000).Pluck("outbound_messages.conversation_id", &outbox).Error
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	// Webhook bodies acknowledged to Meta but not yet applied.
	err = s.db.WithContext(ctx).Model(&webhookEventRow{}).
		Where("processed_at IS NULL AND received_at < ?", cutoff).Limit(1000).Pluck("id", &hooks).Error
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if len(inbox)+len(outbox)+len(hooks) == 0 {
		return 0, nil
	}
	// One short transaction per job. A single transaction inserting hundreds of
	// unique jobs locks them in its own order and deadlocks with another
	// instance's sweep or enqueues (an instance restarting into a busy cluster
	// did); and one failure must not leave the rest stranded. A job inserted
	// twice is harmless.
	inserted := 0
	var errs []error
	enqueue := func(insert func(tx *sql.Tx) (bool, error)) {
		var ok bool
		err := s.inTx(ctx, func(_ *gorm.DB, tx *sql.Tx) error {
			var err error
			ok, err = insert(tx)
			return err
		})
		switch {
		case err != nil:
			errs = append(errs, err)
		case ok:
			inserted++
		}
	}
	for _, id := range inbox {
		enqueue(func(tx *sql.Tx) (bool, error) { return s.enqueueProcess(ctx, tx, id) })
	}
	for _, id := range outbox {
		enqueue(func(tx *sql.Tx) (bool, error) { return s.enqueue(ctx, tx, deliverJob(id)) })
	}
	for _, id := range hooks {
		enqueue(func(tx *sql.Tx) (bool, error) {
			res, err := s.river.InsertTx(ctx, tx, webhookArgs{EventID: id},
				&river.InsertOpts{Queue: queueWebhooks, UniqueOpts: uniqueProcess})
			return err == nil && !res.UniqueSkippedAsDuplicate, err
		})
	}
	if len(errs) > 0 {
		return inserted, fmt.Errorf("%s: %d of %d jobs not enqueued: %w", op, len(errs), len(inbox)+len(outbox)+len(hooks), errs[0])
	}
	return inserted, nil
}

// errorHandler logs failed jobs. A processing job that has used its last attempt
// is discarded by River: that is logged at error level with the conversation id,
// because the traveller is waiting for an answer.
type errorHandler struct {
	log    *slog.Logger
	failed func(kind string, final bool) // optional
}

func (h *errorHandler) HandleError(_ context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	h.report(job, "err", err)
	return nil
}

func (h *errorHandler) HandlePanic(_ context.Context, job *rivertype.JobRow, panicVal any, _ string) *river.ErrorHandlerResult {
	h.report(job, "err", fmt.Errorf("panic: %v", panicVal))
	return nil
}

func (h *errorHandler) report(job *rivertype.JobRow, args ...any) {
	final := job.Attempt >= job.MaxAttempts
	if h.failed != nil {
		h.failed(job.Kind, final)
	}
	args = append(args, "job", job.ID, "kind", job.Kind, "attempt", job.Attempt, "max_attempts", job.MaxAttempts)
	switch job.Kind {
	case kindProcess:
		var a processArgs
		if json.Unmarshal(job.EncodedArgs, &a) == nil {
			args = append(args, "conversation", a.ConversationID)
		}
	case kindFanOut:
		var a fanOutArgs
		if json.Unmarshal(job.EncodedArgs, &a) == nil {
			args = append(args, "event", a.EventID)
		}
	}
	if final {
		h.log.Error("job discarded after its last attempt", args...)
		return
	}
	h.log.Warn("job failed, will retry", args...)
}

// atLeast passes on records of at least min: River reports routine work (job
// counts every few seconds, migrations) at info, which would drown the service's
// own log.
type atLeast struct {
	min slog.Level
	h   slog.Handler
}

func (a atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= a.min && a.h.Enabled(ctx, l)
}
func (a atLeast) Handle(ctx context.Context, r slog.Record) error { return a.h.Handle(ctx, r) }
func (a atLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return atLeast{min: a.min, h: a.h.WithAttrs(as)}
}
func (a atLeast) WithGroup(name string) slog.Handler {
	return atLeast{min: a.min, h: a.h.WithGroup(name)}
}
