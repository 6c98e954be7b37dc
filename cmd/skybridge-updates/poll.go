package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// source is an in-memory flight-status provider (domain.FlightStatusSource): it
// knows every polled flight's current status and reports those of the first
// `active` flights that depart in the window asked for.
type source struct {
	mu      sync.Mutex
	flights []benchFlight
	reports []domain.FlightStatusReport
	active  int
	next    int // the next flight to change
	changes int // changes made, for fresh gate names
}

var _ domain.FlightStatusSource = (*source)(nil)

func newSource(fs []benchFlight) *source {
	s := &source{flights: fs, reports: make([]domain.FlightStatusReport, len(fs))}
	for i, f := range fs {
		r := f.scheduled("poll:bench")
		r.DepartureTerminal, r.DepartureGate = "2", "A1"
		s.reports[i] = r
	}
	return s
}

func (s *source) Departing(_ context.Context, carrier domain.CarrierCode, from, to time.Time) ([]domain.FlightStatusReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []domain.FlightStatusReport
	for i, r := range s.reports[:s.active] {
		if r.Key.Flight.Carrier == carrier && !s.flights[i].Dep.Before(from) && s.flights[i].Dep.Before(to) {
			out = append(out, r)
		}
	}
	return out, nil
}

// setActive sets how many flights the source reports.
func (s *source) setActive(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active, s.next = n, 0
}

// change moves n of the active flights to a new gate, in turn.
func (s *source) change(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.changes++
		s.reports[s.next].DepartureGate = fmt.Sprintf("G%d", s.changes%10_000_000)
		s.next = (s.next + 1) % s.active
	}
}

// pollFlights generates n flights departing over the next 1 to 31 hours, in
// departure order: flights 1 to 9999 of the first of pollCarriers, then of the
// next. (Each carrier has flight numbers of its own: carriers sharing numbers
// flight by flight would make the flights of one lookup chunk differ by carrier
// only, which no airline's schedule does.)
func pollFlights(n int) []benchFlight {
	base := time.Now().Add(time.Hour).Truncate(time.Minute)
	out := make([]benchFlight, n)
	for i := range out {
		out[i] = benchFlight{Carrier: pollCarriers[i/9999], Number: 1 + i%9999,
			Dep: base.Add(30 * time.Hour * time.Duration(i) / time.Duration(n))}
	}
	return out
}

// statements counts the SQL statements run through gorm, and the time spent in
// each kind (BEGIN and COMMIT, and River's job inserts, which go through
// database/sql, are not counted).
type statements struct {
	n     atomic.Int64
	mu    sync.Mutex
	spent map[string]time.Duration // by the statement's first words
}

const startKey = "bench:start"

func (s *statements) install(g *gorm.DB) error {
	before := func(db *gorm.DB) { db.InstanceSet(startKey, time.Now()) }
	after := func(db *gorm.DB) {
		s.n.Add(1)
		v, ok := db.InstanceGet(startKey)
		if !ok {
			return
		}
		d := time.Since(v.(time.Time))
		sql := db.Statement.SQL.String()
		if i := strings.Index(sql, " WHERE "); i > 0 {
			sql = sql[:i]
		}
		sql = strings.Join(strings.Fields(sql), " ")
		if len(sql) > 60 {
			sql = sql[:60]
		}
		s.mu.Lock()
		s.spent[sql] += d
		s.mu.Unlock()
	}
	s.spent = map[string]time.Duration{}
	cb := g.Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:create").Register("bench:start_create", before),
		cb.Query().Before("gorm:query").Register("bench:start_query", before),
		cb.Update().Before("gorm:update").Register("bench:start_update", before),
		cb.Delete().Before("gorm:delete").Register("bench:start_delete", before),
		cb.Row().Before("gorm:row").Register("bench:start_row", before),
		cb.Raw().Before("gorm:raw").Register("bench:start_raw", before),
		cb.Create().After("gorm:create").Register("bench:count_create", after),
		cb.Query().After("gorm:query").Register("bench:count_query", after),
		cb.Update().After("gorm:update").Register("bench:count_update", after),
		cb.Delete().After("gorm:delete").Register("bench:count_delete", after),
		cb.Row().After("gorm:row").Register("bench:count_row", after),
		cb.Raw().After("gorm:raw").Register("bench:count_raw", after),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// reset starts counting anew.
func (s *statements) reset() {
	s.n.Store(0)
	s.mu.Lock()
	s.spent = map[string]time.Duration{}
	s.mu.Unlock()
}

// top returns the kinds of statement that took longest, with their time.
func (s *statements) top(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	type kv struct {
		sql string
		d   time.Duration
	}
	var all []kv
	for k, d := range s.spent {
		all = append(all, kv{k, d})
	}
	slices.SortFunc(all, func(a, b kv) int { return int(b.d - a.d) })
	var out []string
	for _, x := range all[:min(n, len(all))] {
		out = append(out, fmt.Sprintf("%.1f ms %s", ms(x.d), x.sql))
	}
	return out
}

// PollResult is the cost of polling ticks for one number of flights and bookings.
type PollResult struct {
	Flights  int   `json:"flights"`
	Bookings int64 `json:"bookings"` // bookings in the database
	// WarmupMS is the first tick, which stores the status of flights not seen
	// before (WarmupChanged of them).
	WarmupMS      float64 `json:"warmup_ms"`
	WarmupChanged int     `json:"warmup_changed"`
	// Changed flights per measured tick, and what a tick raised.
	Changed int `json:"changed_per_tick"`
	Events  int `json:"events_per_tick"`
	// Medians of the measured ticks (with changes) and of the idle ones.
	TickMS          float64   `json:"tick_ms"`
	TickStatements  int64     `json:"tick_statements"`
	IdleMS          float64   `json:"idle_ms"`
	IdleStatements  int64     `json:"idle_statements"`
	TicksMS         []float64 `json:"ticks_ms"`
	PerChangedMS    float64   `json:"per_changed_ms"` // (tick - idle) / changed, noisy
	FillExtraS      float64   `json:"fill_extra_s,omitempty"`
	ReceivedPerTick int       `json:"received_per_tick"`
	// TickSQL and IdleSQL are where the time in SQL of the last measured and of
	// the last idle tick went: the statements that took longest in all, by their
	// first words.
	TickSQL []string `json:"tick_sql"`
	IdleSQL []string `json:"idle_sql"`
}

// idleTicks is how many ticks without a change are measured.
const idleTicks = 3

func median[T int64 | float64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// runPoll measures polling ticks for each number of flights, in a database with
// no other bookings and then, afresh, in one with cfg.Extra of them: both start
// from the same state but for the bookings.
func runPoll(ctx context.Context, cfg config, t *target, progress io.Writer) ([]PollResult, error) {
	levels := []int{0}
	if cfg.Extra > 0 {
		levels = append(levels, cfg.Extra)
	}
	var out []PollResult
	for _, extra := range levels {
		rs, err := pollLevel(ctx, cfg, t, extra, progress)
		out = append(out, rs...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// pollLevel measures polling ticks for each number of flights in a fresh
// database holding extra bookings besides.
func pollLevel(ctx context.Context, cfg config, t *target, extra int, progress io.Writer) ([]PollResult, error) {
	e, err := openEnv(ctx, cfg, t, newLogger(cfg, progress))
	if err != nil {
		return nil, err
	}
	defer e.close()
	maxN := slices.Max(cfg.PollFlights)
	flights := pollFlights(maxN)
	fmt.Fprintf(progress, "poll: %d flights in the booking system, %d other bookings\n", maxN, extra)
	if err := e.insertFlights(ctx, flights); err != nil {
		return nil, err
	}
	if err := e.analyze(ctx); err != nil {
		return nil, err
	}
	var fill time.Duration
	if extra > 0 {
		fmt.Fprintf(progress, "  filling %d extra bookings…\n", extra)
		if fill, err = e.fillExtra(ctx, extra); err != nil {
			return nil, err
		}
		fmt.Fprintf(progress, "  filled in %s\n", fill.Round(time.Second))
	}
	bookings, err := e.bookings(ctx)
	if err != nil {
		return nil, err
	}
	src := newSource(flights)
	w := flows.NewWatcher(flows.WatcherConfig{
		Store: e.store, Manifest: e.pss, Sources: []domain.FlightStatusSource{src},
		Content: func(ctx context.Context) (flows.Content, error) { return e.engine.Content(ctx, 0) },
		Log:     e.log,
	})
	stmts := e.stmts
	tick := func() (flows.IngestResult, time.Duration, int64, error) {
		stmts.reset()
		start := time.Now()
		r, err := w.Poll(ctx)
		return r, time.Since(start), stmts.n.Load(), err
	}
	var out []PollResult
	for _, n := range cfg.PollFlights {
		fmt.Fprintf(progress, "  %d flights, %d bookings\n", n, bookings)
		res := PollResult{Flights: n, Bookings: bookings, FillExtraS: fill.Seconds()}
		fill = 0
		src.setActive(n)
		r, d, _, err := tick()
		if err != nil {
			return out, err
		}
		res.WarmupMS, res.WarmupChanged = ms(d), r.Changed
		if cfg.AnalyzeEvery > 0 && e.autovacuumOff(ctx) {
			// As autovacuum would after the warm-up's inserts.
			if err := e.analyzeService(ctx); err != nil {
				return out, err
			}
		}
		per := int(math.Round(float64(n) * cfg.Changed / 100))
		if cfg.Changed > 0 {
			per = max(per, 1)
		}
		var durs []float64
		var counts []int64
		for range cfg.Ticks {
			src.change(per)
			r, d, c, err := tick()
			if err != nil {
				return out, err
			}
			if r.Changed != per {
				return out, fmt.Errorf("poll of %d flights: %d changed, want %d", n, r.Changed, per)
			}
			res.Changed, res.Events, res.ReceivedPerTick = r.Changed, r.Events, r.Received
			durs = append(durs, ms(d))
			counts = append(counts, c)
		}
		res.TicksMS = durs
		res.TickSQL = stmts.top(5)
		res.TickMS, res.TickStatements = median(durs), median(counts)
		durs, counts = nil, nil
		for range idleTicks {
			r, d, c, err := tick()
			if err != nil {
				return out, err
			}
			if r.Changed != 0 {
				return out, fmt.Errorf("idle poll of %d flights: %d changed", n, r.Changed)
			}
			durs = append(durs, ms(d))
			counts = append(counts, c)
		}
		res.IdleMS, res.IdleStatements = median(durs), median(counts)
		res.IdleSQL = stmts.top(3)
		if res.Changed > 0 {
			res.PerChangedMS = (res.TickMS - res.IdleMS) / float64(res.Changed)
		}
		out = append(out, res)
	}
	return out, nil
}
