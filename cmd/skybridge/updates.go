package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/flightstatus"
	"github.com/skybridge/skybridge/integrations/pss"
	"github.com/skybridge/skybridge/integrations/store"
	"github.com/skybridge/skybridge/scheduler"
)

// Periodic tasks. Each cron firing is enqueued as a job unique per (task, time),
// so that it runs once per cluster however many instances fire it.
const (
	taskStatusPoll = "status_poll"
	taskTimers     = "flight_timers"
	// taskRetention deletes personal data older than the configured retention.
	taskRetention = "retention"
	// taskFlowTimeouts reminds travellers who left a flow half-way, then ends it.
	taskFlowTimeouts = "flow_timeouts"
	// checkInOpenLookback is how late a check-in-open notice may still be raised
	// after the window opened (the service was down, the tick was missed).
	checkInOpenLookback = 3 * time.Hour
)

var (
	_ domain.Manifest           = (*pss.Demo)(nil)
	_ domain.FlightStatusSource = (*flightstatus.Client)(nil)
	_ domain.FlightStatusSource = (*flightstatus.Simulator)(nil)
	_ flows.WatchStore          = (*store.Store)(nil)
	_ flows.NotifyStore         = (*store.Store)(nil)
)

// updates is the proactive side: status sources, change detection, fan-out and
// the scheduler that drives them.
type updates struct {
	watcher  *flows.Watcher
	notifier *flows.Notifier
	sched    *scheduler.Scheduler
	// retention is what the retention task enforces.
	retention store.Retention
	engine    *flows.Engine
	// bookings states the carriers' check-in windows for the check-in-open timers.
	bookings domain.BookingSystem
}

// statusSources returns the flight-status providers to poll: the configured REST
// provider, or the demo airline's simulator.
func statusSources(cfg Config, a *app, log *slog.Logger) []domain.FlightStatusSource {
	switch {
	case cfg.Status.URL != "":
		log.Info("flight status polled from a provider", "url", cfg.Status.URL, "every", cfg.Status.Poll)
		return []domain.FlightStatusSource{flightstatus.NewClient(flightstatus.ClientConfig{
			BaseURL: cfg.Status.URL, APIKey: cfg.Status.APIKey, Zones: pss.AirportZone})}
	case cfg.Demo:
		log.Info("flight status simulated for the demo airline", "every", cfg.Status.Poll)
		return []domain.FlightStatusSource{flightstatus.NewSimulator(flightstatus.SimulatorConfig{Manifest: a.pss, Now: time.Now})}
	}
	log.Info("no flight-status provider: only pushed statuses (POST /api/v1/flight-status)")
	return nil
}

// newUpdates wires watching and fan-out and registers their job handlers.
func newUpdates(cfg Config, a *app, bs bookingSystem, engine *flows.Engine, enabled []domain.Channel, log *slog.Logger) (*updates, error) {
	watcher := flows.NewWatcher(flows.WatcherConfig{
		Store: a.store, Manifest: bs.manifest, Sources: statusSources(cfg, a, log),
		Content: func(ctx context.Context) (flows.Content, error) { return engine.Content(ctx, 0) },
		Log:     log, Horizon: cfg.Status.Horizon,
	})
	notifier := flows.NewNotifier(a.store, bs.manifest, engine, enabled, time.Now, log)
	tasks := []scheduler.Task{{Name: taskTimers, Spec: "@every 1m"}, {Name: taskRetention, Spec: cfg.Retention.Schedule},
		{Name: taskFlowTimeouts, Spec: "@every 1m"}}
	if cfg.Status.Poll != "off" {
		tasks = append(tasks, scheduler.Task{Name: taskStatusPoll, Spec: cfg.Status.Poll})
	}
	sched, err := scheduler.New(tasks, a.store, log)
	if err != nil {
		return nil, err
	}
	return &updates{watcher: watcher, notifier: notifier, sched: sched, retention: retention(cfg), engine: engine, bookings: bs.bookings}, nil
}

// tick runs one periodic task.
func (u *updates) tick(a *app, log *slog.Logger) func(ctx context.Context, task string, at time.Time) error {
	return func(ctx context.Context, task string, at time.Time) error {
		switch task {
		case taskStatusPoll:
			res, err := u.watcher.Poll(ctx)
			log.Debug("status poll", "at", at, "received", res.Received, "changed", res.Changed, "events", res.Events)
			return err
		case taskTimers:
			policy := func(c domain.CarrierCode) domain.CheckInPolicy {
				p, err := u.bookings.CheckInPolicy(ctx, c)
				if err != nil {
					return domain.DefaultCheckInPolicy
				}
				return p
			}
			_, err := u.watcher.Timers(ctx, policy, checkInOpenLookback)
			return err
		case taskFlowTimeouts:
			r, x, err := u.engine.SweepIdle(ctx, a.store)
			if r+x > 0 {
				log.Info("abandoned flows", "at", at, "reminders", r, "expiries", x)
			}
			return err
		case taskRetention:
			rep, err := a.store.EnforceRetention(ctx, u.retention)
			if rep.Total() > 0 {
				log.Info("retention enforced", "at", at, "deleted", rep.Total(), "by_table", map[string]int64(rep))
			}
			return err
		}
		log.Warn("unknown periodic task ignored", "task", task)
		return nil
	}
}

func (u *updates) fanOut(ctx context.Context, eventID int64) error {
	_, err := u.notifier.FanOut(ctx, eventID)
	return err
}

// tokenCommand runs `skybridge token create --role ROLE NAME`, `token revoke NAME`
// and `token list`.
func tokenCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	usage := fmt.Errorf("usage: skybridge token create --role ROLE NAME | token revoke NAME | token list")
	if len(args) == 0 {
		return usage
	}
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	switch args[0] {
	case "create":
		role, name := domain.RoleOps, ""
		rest := args[1:]
		for i := 0; i < len(rest); i++ {
			switch {
			case rest[i] == "--role" && i+1 < len(rest):
				r, err := domain.ParseRole(rest[i+1])
				if err != nil {
					return err
				}
				role = r
				i++
			case len(rest[i]) > 7 && rest[i][:7] == "--role=":
				r, err := domain.ParseRole(rest[i][7:])
				if err != nil {
					return err
				}
				role = r
			case name == "" && rest[i] != "" && rest[i][0] != '-':
				name = rest[i]
			default:
				return usage
			}
		}
		if name == "" {
			return usage
		}
		tok, err := a.store.CreateToken(ctx, name, role)
		if err != nil {
			return err
		}
		// The token is shown once; only its hash is kept.
		fmt.Fprintln(stdout, tok)
		return nil
	case "revoke":
		if len(args) != 2 {
			return usage
		}
		return a.store.RevokeToken(ctx, args[1])
	case "list":
		toks, err := a.store.Tokens(ctx)
		if err != nil {
			return err
		}
		for _, t := range toks {
			state := "valid"
			if !t.RevokedAt.IsZero() {
				state = "revoked " + t.RevokedAt.Format(time.DateTime)
			}
			fmt.Fprintf(stdout, "%-24s %-10s %s %s\n", t.Name, t.Role, t.CreatedAt.Format(time.DateTime), state)
		}
		return nil
	}
	return usage
}

// notificationsCommand prints what flight-update fan-out did and what waits.
func notificationsCommand(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	c, err := a.store.NotificationSummary(ctx)
	if err != nil {
		return err
	}
	for _, s := range []flows.NotificationStatus{flows.NoticeQueued, flows.NoticeOptedOut, flows.NoticeUnreachable, flows.NoticeAgent} {
		fmt.Fprintf(stdout, "%-12s %d\n", s, c.ByStatus[string(s)])
	}
	fmt.Fprintf(stdout, "%-12s %d", "waiting", c.Waiting)
	if c.Waiting > 0 {
		fmt.Fprintf(stdout, " (oldest %s)", c.OldestWaiting.Round(time.Second))
	}
	fmt.Fprintln(stdout)
	return nil
}
