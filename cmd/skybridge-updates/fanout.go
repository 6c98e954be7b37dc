package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/store"
)

// pipeline is the proactive side of the service on an env: the watcher, the
// notifier behind the store's fan-out jobs, and delivery jobs held at a gate
// until the delivery scenario opens it. A held delivery job keeps its worker, as
// a job waiting on the channel's rate limiter would, so the fan-out competes with
// deliveries for the database only as much as it does in service.
type pipeline struct {
	env      *env
	watcher  *flows.Watcher
	notifier *flows.Notifier

	gate    chan struct{} // closed: deliveries go through
	abort   chan struct{} // closed: held deliveries give up (shutdown)
	once    sync.Once
	deliver func(ctx context.Context, conversationID int64) error
	started bool

	// fanned counts the travellers of the fan-outs that returned, and fanOuts
	// the fan-outs: a cheap signal to look at the notifications table.
	fanned  atomic.Int64
	fanOuts atomic.Int64
}

func newPipeline(e *env, deliver func(ctx context.Context, conversationID int64) error) *pipeline {
	p := &pipeline{env: e, deliver: deliver, gate: make(chan struct{}), abort: make(chan struct{})}
	p.watcher = flows.NewWatcher(flows.WatcherConfig{
		Store: e.store, Manifest: e.pss,
		Content: func(ctx context.Context) (flows.Content, error) { return e.engine.Content(ctx, 0) },
		Log:     e.log,
	})
	p.notifier = flows.NewNotifier(e.store, e.pss, e.engine, []domain.Channel{domain.WhatsApp}, time.Now, e.log)
	return p
}

// start runs the store's workers with the fan-out handler and the gated delivery
// handler. ctx must outlive the pipeline: cancelling it stops the workers abruptly.
func (p *pipeline) start(ctx context.Context) error {
	held := func(ctx context.Context, conversationID int64) error {
		select {
		case <-p.gate:
			if p.deliver == nil {
				return nil
			}
			return p.deliver(ctx, conversationID)
		case <-p.abort:
		case <-ctx.Done():
		}
		return &domain.Snooze{At: time.Now().Add(time.Minute), Reason: "deliveries held by the measurement"}
	}
	p.env.store.SetHandlers(store.Handlers{
		Deliver: held,
		FanOut: func(ctx context.Context, eventID int64) error {
			r, err := p.notifier.FanOut(ctx, eventID)
			if err == nil {
				p.fanned.Add(int64(r.Queued + r.OptedOut + r.Unreachable + r.Agent))
				p.fanOuts.Add(1)
			}
			return err
		},
	})
	// No inbound messages are processed: no conversation has any.
	if err := p.env.store.Start(ctx, func(context.Context, int64) error { return nil }); err != nil {
		return err
	}
	p.started = true
	return nil
}

func (p *pipeline) open() { close(p.gate) }

// stop releases held deliveries and waits for the workers.
func (p *pipeline) stop() error {
	p.once.Do(func() { close(p.abort) })
	if !p.started {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return p.env.store.Stop(ctx)
}

// FanoutResult is one fan-out case: from the start of the ingest of the status
// changes until the last notification is queued.
type FanoutResult struct {
	Case          fanCase `json:"case"`
	Change        string  `json:"change"`
	Travellers    int     `json:"travellers"`
	Events        int     `json:"events"`
	IngestMS      float64 `json:"ingest_ms"`       // Watcher.Ingest of every flight's change
	FirstQueuedMS float64 `json:"first_queued_ms"` // the first flight's fan-out done
	AllQueuedMS   float64 `json:"all_queued_ms"`   // every notification queued
	PerSecond     float64 `json:"notifications_per_s"`
	Queued        int64   `json:"queued"`   // notifications with status queued
	Other         int64   `json:"other"`    // notifications with another status
	Messages      int64   `json:"messages"` // outbound messages queued
	Complete      bool    `json:"complete"`
	FillS         float64 `json:"fill_s"`
	// Statements counts the SQL statements run through gorm from the ingest
	// until every notification was queued (River's job inserts and fetches, and
	// BEGIN/COMMIT, are not counted), and SQL is where their time went, summed
	// over the workers, by the statements' first words.
	Statements int64    `json:"statements"`
	SQL        []string `json:"sql"`
}

// changeOf is the status change ingested for a flight: a cancellation or a
// 45-minute delay.
func changeOf(f benchFlight, change string) domain.FlightStatusReport {
	r := f.scheduled("push:bench")
	if change == "delay" {
		r.EstimatedDeparture = r.ScheduledDeparture.Add(45 * time.Minute)
		r.EstimatedArrival = r.ScheduledArrival.Add(45 * time.Minute)
		r.Reason = "late inbound aircraft"
		return r
	}
	r.Phase = domain.PhaseCancelled
	r.Reason = "crew shortage"
	return r
}

// fanOut fills the flights, has their scheduled status seen (no event), then
// ingests every flight's change in one batch and waits until every traveller's
// notification is queued.
func (p *pipeline) fanOut(ctx context.Context, pax []int, change string, progress io.Writer) (FanoutResult, error) {
	e := p.env
	total := 0
	for _, n := range pax {
		total += n
	}
	res := FanoutResult{Case: fanCase{Flights: len(pax), Pax: pax[0]}, Change: change, Travellers: total}
	fmt.Fprintf(progress, "  filling %d flights with %d travellers…\n", len(pax), total)
	t0 := time.Now()
	flights := e.fanFlights(pax)
	if err := e.fillTravellers(ctx, flights); err != nil {
		return res, err
	}
	res.FillS = time.Since(t0).Seconds()
	scheduled := make([]domain.FlightStatusReport, len(flights))
	changed := make([]domain.FlightStatusReport, len(flights))
	for i, f := range flights {
		scheduled[i] = f.scheduled("push:bench")
		changed[i] = changeOf(f, change)
	}
	// The flights were seen as scheduled before: the change updates their watches.
	warm, err := p.watcher.Ingest(ctx, scheduled)
	if err != nil {
		return res, err
	}
	if warm.Events != 0 {
		return res, fmt.Errorf("scheduled statuses raised %d events", warm.Events)
	}
	before, err := e.count(ctx, `SELECT COUNT(*) FROM notifications`)
	if err != nil {
		return res, err
	}
	msgsBefore, err := e.count(ctx, `SELECT COUNT(*) FROM outbound_messages`)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(progress, "  ingesting %d %s changes and waiting for %d notifications…\n", len(flights), change, total)
	fannedBefore, fanOutsBefore := p.fanned.Load(), p.fanOuts.Load()
	e.stmts.reset()
	start := time.Now()
	ir, err := p.watcher.Ingest(ctx, changed)
	res.IngestMS = ms(time.Since(start))
	res.Events = ir.Events
	if err != nil {
		return res, err
	}
	if ir.Events != len(flights) {
		return res, fmt.Errorf("%d flights changed but %d events were raised", len(flights), ir.Events)
	}
	// Every 50 ms, the notifications are counted (SELECT COUNT(*)) once the
	// fan-outs that returned account for every traveller, and every 2 s anyway:
	// counting a table of 100,000 rows 20 times a second would take a good part
	// of a core from the service being measured.
	deadline := start.Add(e.cfg.Timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	lastReport, lastCount := start, start
	var n int64
	for {
		fanned := p.fanned.Load() - fannedBefore
		if p.fanOuts.Load() > fanOutsBefore && res.FirstQueuedMS == 0 {
			res.FirstQueuedMS = ms(time.Since(start))
		}
		if fanned >= int64(total) || time.Since(lastCount) >= 2*time.Second {
			lastCount = time.Now()
			c, err := e.count(ctx, `SELECT COUNT(*) FROM notifications`)
			if err != nil {
				return res, err
			}
			n = c - before
			if n >= int64(total) {
				res.AllQueuedMS = ms(time.Since(start))
				res.Complete = true
				break
			}
		}
		if time.Now().After(deadline) {
			res.AllQueuedMS = ms(time.Since(start))
			break
		}
		if time.Since(lastReport) > 10*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(progress, "  … %d of %d fanned out after %s\n", fanned, total, time.Since(start).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-tick.C:
		}
	}
	res.Statements, res.SQL = e.stmts.n.Load(), e.stmts.top(6)
	if res.AllQueuedMS > 0 {
		res.PerSecond = float64(total) / (res.AllQueuedMS / 1000)
	}
	var rows []struct {
		Status string
		N      int64
	}
	err = e.db.Gorm.WithContext(ctx).Raw(`SELECT n.status, COUNT(*) AS n FROM notifications n
		JOIN flight_events ev ON ev.id = n.event_id WHERE ev.carrier = ? AND ev.number BETWEEN ? AND ?
		GROUP BY n.status`, fanCarrier, flights[0].Number, flights[len(flights)-1].Number).Scan(&rows).Error
	if err != nil {
		return res, err
	}
	for _, r := range rows {
		if r.Status == string(domain.NoticeQueued) {
			res.Queued += r.N
		} else {
			res.Other += r.N
		}
	}
	msgs, err := e.count(ctx, `SELECT COUNT(*) FROM outbound_messages`)
	if err != nil {
		return res, err
	}
	res.Messages = msgs - msgsBefore
	if !res.Complete {
		return res, fmt.Errorf("fan-out %s: %d of %d notifications queued after %s", res.Case, res.Queued+res.Other, total, e.cfg.Timeout)
	}
	return res, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runFanout measures each fan-out case in one database, one after the other.
func runFanout(ctx context.Context, cfg config, t *target, progress io.Writer) ([]FanoutResult, error) {
	e, err := openEnv(ctx, cfg, t, newLogger(cfg, progress))
	if err != nil {
		return nil, err
	}
	defer e.close()
	if cfg.Extra > 0 {
		fmt.Fprintf(progress, "  filling %d extra bookings…\n", cfg.Extra)
		if _, err := e.fillExtra(ctx, cfg.Extra); err != nil {
			return nil, err
		}
	}
	defer e.startAnalyzer(ctx)()
	p := newPipeline(e, nil)
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	if err := p.start(wctx); err != nil {
		return nil, err
	}
	var out []FanoutResult
	var errs []error
	for _, c := range cfg.Cases {
		pax := make([]int, c.Flights)
		for i := range pax {
			pax[i] = c.Pax
		}
		fmt.Fprintf(progress, "fanout %s\n", c)
		r, err := p.fanOut(ctx, pax, cfg.Change, progress)
		out = append(out, r)
		if err != nil {
			errs = append(errs, err)
			break
		}
	}
	if err := p.stop(); err != nil {
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}
