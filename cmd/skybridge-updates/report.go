package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Results are every figure of a run.
type Results struct {
	Started   time.Time `json:"started"`
	Database  string    `json:"database"` // dialect, no connection details
	CPUs      int       `json:"cpus"`
	GoVersion string    `json:"go_version"`
	Workers   int       `json:"workers"`
	// Autovacuum is the PostgreSQL server's setting; when it is off, the
	// service's tables were analysed every AnalyzeEvery instead.
	Autovacuum   string          `json:"autovacuum,omitempty"`
	AnalyzeEvery string          `json:"analyze_every,omitempty"`
	Fanout       []FanoutResult  `json:"fanout,omitempty"`
	Delivery     *DeliveryResult `json:"delivery,omitempty"`
	Poll         []PollResult    `json:"poll,omitempty"`
	Errors       []string        `json:"errors,omitempty"`
}

func newLogger(cfg config, w io.Writer) *slog.Logger {
	level := slog.LevelWarn
	if cfg.Verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// execute runs the scenarios one after the other, each in a fresh schema (or
// file), prints their tables and a summary, and writes the JSON.
func execute(ctx context.Context, cfg config, stdout, stderr io.Writer) (Results, error) {
	res := Results{Started: time.Now().UTC(), CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Workers: cfg.Workers}
	t, err := newTarget(cfg)
	if err != nil {
		return res, err
	}
	res.Database = "sqlite"
	if t.postgres {
		res.Database = "postgres"
	}
	if err := t.check(ctx, cfg.Reset); err != nil {
		return res, err
	}
	if t.postgres {
		res.Autovacuum = t.autovacuum(ctx)
		if res.Autovacuum == "off" && cfg.AnalyzeEvery > 0 {
			res.AnalyzeEvery = cfg.AnalyzeEvery.String()
		}
	}
	fmt.Fprintf(stderr, "skybridge-updates: %s, %d CPUs, %d workers, autovacuum %q, analyze every %q\n",
		t, res.CPUs, cfg.Workers, res.Autovacuum, res.AnalyzeEvery)
	var errs []error
	for _, s := range cfg.Scenarios {
		var err error
		switch s {
		case "fanout":
			res.Fanout, err = runFanout(ctx, cfg, t, stderr)
			printFanout(stdout, res.Fanout)
		case "delivery":
			var d DeliveryResult
			d, err = runDelivery(ctx, cfg, t, stderr)
			res.Delivery = &d
			printDelivery(stdout, d)
		case "poll":
			res.Poll, err = runPoll(ctx, cfg, t, stderr)
			printPoll(stdout, res.Poll)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s, err))
			res.Errors = append(res.Errors, fmt.Sprintf("%s: %v", s, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	if !cfg.Keep {
		if err := t.drop(context.WithoutCancel(ctx)); err != nil {
			errs = append(errs, err)
		}
	} else {
		fmt.Fprintf(stderr, "kept %s\n", t)
	}
	printSummary(stdout, res)
	if cfg.JSON != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err == nil {
			err = os.WriteFile(cfg.JSON, append(b, '\n'), 0o644)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("write -json: %w", err))
		}
	}
	return res, errors.Join(errs...)
}

func table(w io.Writer, header string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.ReplaceAll(header, "|", "\t")+"\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	tw.Flush()
}

func f1(x float64) string { return fmt.Sprintf("%.1f", x) }

func printFanout(w io.Writer, rs []FanoutResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "\n(a) fan-out: status change ingested → every notification queued")
	var rows [][]string
	for _, r := range rs {
		perTraveller := "–"
		if r.Travellers > 0 {
			perTraveller = f1(float64(r.Statements) / float64(r.Travellers))
		}
		rows = append(rows, []string{r.Case.String(), r.Change, fmt.Sprint(r.Travellers), f1(r.IngestMS), f1(r.FirstQueuedMS),
			f1(r.AllQueuedMS), fmt.Sprintf("%.0f", r.PerSecond), fmt.Sprint(r.Queued), fmt.Sprint(r.Other), fmt.Sprint(r.Messages), perTraveller})
	}
	table(w, "case|change|travellers|ingest ms|first done ms|all queued ms|notif/s|queued|other|messages|stmts/traveller", rows)
	fmt.Fprintln(w, "first done: the first flight's fan-out returned; stmts: SQL statements through gorm (River's own and BEGIN/COMMIT not counted)")
}

func printDelivery(w io.Writer, d DeliveryResult) {
	if d.Travellers == 0 {
		return
	}
	fmt.Fprintln(w, "\n(b) delivery to the fake Graph API")
	steady, fraction := f1(d.SteadyPerS), fmt.Sprintf("%.3f", d.Fraction)
	if !d.Steady {
		steady, fraction = "n/a", "n/a"
	}
	fake := "none"
	if d.FakeLimit > 0 {
		fake = fmt.Sprintf("%g/s burst %d", d.FakeLimit, d.FakeBurst)
	}
	table(w, "travellers|rate limit|fake limit|tier|queue ms|accepted|templates|duration s|overall/s|steady/s|fraction|throttled|duplicates|refused",
		[][]string{{fmt.Sprint(d.Travellers), fmt.Sprintf("%g/s", d.Rate), fake, fmt.Sprint(d.Tier), f1(d.QueueMS),
			fmt.Sprint(d.Accepted), fmt.Sprint(d.Templates), fmt.Sprintf("%.2f", d.DurationS), f1(d.OverallPerS), steady,
			fraction, fmt.Sprint(d.Throttled), fmt.Sprint(d.Duplicates), refused(d.Refused)}})
	keys := make([]string, 0, len(d.Statuses))
	for k := range d.Statuses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, d.Statuses[k]))
	}
	fmt.Fprintf(w, "outbound messages: %s\n", strings.Join(parts, ", "))
}

func refused(m map[int]int) string {
	n := 0
	for _, v := range m {
		n += v
	}
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("%d %v", n, m)
}

func printPoll(w io.Writer, rs []PollResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "\n(c) polling tick (Watcher.Poll), medians")
	var rows [][]string
	for _, r := range rs {
		perChanged := "–"
		if r.Changed > 0 {
			perChanged = fmt.Sprintf("%.1f", float64(r.TickStatements-r.IdleStatements)/float64(r.Changed))
		}
		rows = append(rows, []string{fmt.Sprint(r.Flights), fmt.Sprint(r.Bookings), fmt.Sprint(r.Changed), fmt.Sprint(r.Events),
			f1(r.TickMS), fmt.Sprint(r.TickStatements), f1(r.IdleMS), fmt.Sprint(r.IdleStatements), perChanged,
			fmt.Sprintf("%.0f", r.WarmupMS)})
	}
	table(w, "flights|bookings|changed|events|tick ms|stmts|idle ms|idle stmts|stmts/changed|warm-up ms", rows)
	fmt.Fprintln(w, "stmts: SQL statements through gorm per tick (BEGIN/COMMIT and River job inserts not counted);")
	fmt.Fprintln(w, "idle: a tick in which nothing changed; warm-up: the first tick, which stores every status")
}

func printSummary(w io.Writer, r Results) {
	fmt.Fprintf(w, "\nsummary (%s, %d CPUs, %d workers", r.Database, r.CPUs, r.Workers)
	if r.AnalyzeEvery != "" {
		fmt.Fprintf(w, ", autovacuum off: tables analysed every %s", r.AnalyzeEvery)
	}
	fmt.Fprintln(w, ")")
	for _, f := range r.Fanout {
		if !f.Complete {
			fmt.Fprintf(w, "  (a) %s: incomplete, %d of %d notifications queued%s\n", f.Case, f.Queued+f.Other, f.Travellers, okIf(false))
			continue
		}
		fmt.Fprintf(w, "  (a) %s: %d notifications queued %.2f s after the change was seen (%.0f/s)%s\n",
			f.Case, f.Travellers, f.AllQueuedMS/1000, f.PerSecond, okIf(f.Queued == int64(f.Travellers)))
	}
	if d := r.Delivery; d != nil && d.Travellers > 0 {
		rate := fmt.Sprintf("%.1f/s steady = %.1f %% of %g/s (goal ≥ 95 %%)", d.SteadyPerS, 100*d.Fraction, d.Rate)
		if !d.Steady {
			rate = "rate not measured (sending took under 2 s)"
		}
		fmt.Fprintf(w, "  (b) %d of %d delivered, %s, %d throttled, %d duplicates%s\n",
			d.Recipients, d.Travellers, rate, d.Throttled, d.Duplicates,
			okIf(d.Complete && (d.Fraction >= 0.95 || !d.Steady) && d.Throttled == 0 && d.Duplicates == 0))
	}
	byFlights := map[int][]PollResult{}
	var ns []int
	for _, p := range r.Poll {
		if _, ok := byFlights[p.Flights]; !ok {
			ns = append(ns, p.Flights)
		}
		byFlights[p.Flights] = append(byFlights[p.Flights], p)
	}
	for _, n := range ns {
		ps := byFlights[n]
		var parts []string
		for _, p := range ps {
			parts = append(parts, fmt.Sprintf("%.1f ms (%d stmts) with %d bookings", p.TickMS, p.TickStatements, p.Bookings))
		}
		fmt.Fprintf(w, "  (c) %d flights, %d changed: %s\n", n, ps[0].Changed, strings.Join(parts, "; "))
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
}

func okIf(ok bool) string {
	if ok {
		return "  ok"
	}
	return "  NOT MET"
}
