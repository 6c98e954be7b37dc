package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/boardingpass"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/nlu"
	"github.com/skybridge/skybridge/integrations/pss"
	"github.com/skybridge/skybridge/integrations/store"
	"github.com/skybridge/skybridge/integrations/telemetry"
	"github.com/skybridge/skybridge/migrations"
)

// app is the wired service.
type app struct {
	db     *database.DB
	sealer *domain.Sealer
	store  *store.Store
	pss    *pss.Demo
	// metrics are what GET /metrics shows (telemetry.go).
	metrics *telemetry.Metrics
}

var (
	_ domain.BookingSystem = (*pss.Demo)(nil)
	_ flows.Store          = (*store.Store)(nil)
	_ api.Store            = (*store.Store)(nil)
	_ api.Renderer         = (*boardingpass.Renderer)(nil)
	_ flows.Understander   = (*nlu.Classifier)(nil)
)

// open connects to the database, migrates it, and builds the adapters.
func open(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	sealer, err := cfg.sealer()
	if err != nil {
		return nil, err
	}
	db, err := database.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, err
	}
	metrics := telemetry.New()
	st, err := store.New(db, sealer, log, store.Options{Workers: max(cfg.Workers, 1), JobTimeout: cfg.JobTimeout,
		JobFailed: metrics.JobFailed})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &app{db: db, sealer: sealer, store: st, pss: pss.NewDemo(db, sealer, time.Now), metrics: metrics}, nil
}

func (a *app) close() error {
	a.store.Close()
	return a.db.Close()
}

// serve runs the service until ctx ends. ready, when not nil, receives the address
// the server listens on (tests start it on port 0).
func serve(ctx context.Context, cfg Config, log *slog.Logger, ready chan<- string) error {
	started := time.Now()
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()

	if err := publishDefaultContent(ctx, a.store, log); err != nil {
		return err
	}
	if cfg.Demo {
		loaded, err := pss.LoadDemoIfEmpty(ctx, a.db, a.sealer, time.Now())
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if loaded {
			log.Info("demo airline loaded: see README.md for the demo bookings")
		}
	}
	classifier, err := nlu.New(cfg.Languages)
	if err != nil {
		return err
	}
	// Training the classifier allocates several times what the trained
	// models keep: give that memory back to the system now rather than when
	// the runtime's scavenger gets to it.
	debug.FreeOSMemory()
	if os.Getenv("GOGC") == "" {
		// The trained models are a large, long-lived part of the heap; the
		// default GOGC of 100 lets the heap grow to twice the live data under
		// load (resident memory up to 157 MiB at saturation). 50 keeps it near
		// 120 MiB for a few per cent more GC work. An operator's GOGC wins.
		debug.SetGCPercent(50)
	}
	understander, _, err := newUnderstander(cfg.LLM, classifier, a.metrics, log) // llm.go
	if err != nil {
		return err
	}
	if cfg.LLM.Enabled() {
		log.Info("unsure messages get a second opinion", "model", cfg.LLM.Model, "timeout", cfg.LLM.Timeout.String())
	}
	pay := newPayments(cfg, a.store, a.sealer, a.db, time.Now, log)
	bs, err := newBookingSystem(cfg.PSS, a.pss, a.metrics.BreakerState, log) // pss.go
	if err != nil {
		return err
	}
	engine, err := flows.NewEngine(flows.Config{Store: a.store, NLU: understander, Bookings: a.metrics.Bookings(bs.bookings), Log: log, Langs: cfg.Languages,
		Changes: bs.changes, Ancillaries: bs.extras,
		Metrics: a.metrics, Payments: pay.provider, Ledger: pay.ledger, Statuses: a.store, Knowledge: a.store})
	if err != nil {
		return err
	}
	hooks, parsers, senders := channels(cfg, log)
	countedChannels(hooks, a.metrics)
	deliverer := flows.NewDeliverer(a.store, senders, engine, time.Now, log)
	deliverer.WhatsAppTier = cfg.WhatsApp.Tier
	deliverer.Metrics = a.metrics
	// A dead holder's lease outlives the rescue of its other jobs (timeout + 15 s):
	// a status webhook it was applying — Meta saying a message it sent just before
	// dying was accepted — is applied before anyone could send that message again.
	deliverer.Lease = cfg.JobTimeout + 45*time.Second
	enabled := make([]domain.Channel, 0, len(senders))
	for ch := range senders {
		enabled = append(enabled, ch)
	}
	upd, err := newUpdates(cfg, a, bs, engine, enabled, log) // updates.go
	if err != nil {
		return err
	}
	accounts := map[domain.Channel]string{}
	for ch, h := range hooks {
		accounts[ch] = h.Account
	}
	inbox := flows.NewInbox(a.store, parsers, accounts, log)
	a.store.SetHandlers(store.Handlers{Deliver: deliverer.Deliver, Webhook: inbox.Apply,
		Tick: upd.tick(a, log), FanOut: upd.fanOut})
	// With no workers this instance only takes messages in; others answer them.
	if cfg.Workers > 0 {
		if err := a.store.Start(ctx, engine.Process); err != nil {
			return err
		}
	}
	// Every instance fires the cron schedule; the tick jobs are unique per time,
	// so each runs once per cluster.
	upd.sched.Start()
	go pay.run(ctx, time.Minute, log)

	sqlDB, err := a.db.Gorm.DB()
	if err != nil {
		return err
	}
	if err := watchQueue(a.metrics, sqlDB, a.db.Dialect, a.db.Schema); err != nil {
		return err
	}
	closing := make(chan struct{})
	handler := api.New(api.Config{
		Closing:        closing,
		TrustedProxies: cfg.TrustedProxies,
		Store:          countingStore{a.store, a.metrics},
		Metrics:        a.metrics,
		MetricsHandler: a.metrics.Handler(cfg.MetricsToken),
		Webhooks:       a.store,
		Channels:       hooks,
		SessionKeys:    a.sealer.MACKeys("webchat-session"),
		Renderer:       boardingpass.New(),
		Tokens:         a.store,
		Console:        a.store,
		Languages:      cfg.Languages,
		FlightStatus:   upd.watcher,
		Privacy:        privacyAPI{a.store},
		Log:            log,
		// payments.go
		PaymentWebhooks: pay.webhooks,
		PaymentSink:     a.store,
		PaymentPages:    pay.pages,
		Ready: func(ctx context.Context) error {
			if err := sqlDB.PingContext(ctx); err != nil {
				return errors.New("database unreachable")
			}
			if n, err := migrations.Pending(ctx, sqlDB, a.db.Dialect); err != nil || n > 0 {
				return errors.New("database migrations pending")
			}
			return nil
		},
	})
	if cfg.DebugAddr != "" {
		// Profiles on their own listener, never on the public one.
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		go func() {
			if err := http.ListenAndServe(cfg.DebugAddr, mux); err != nil {
				log.Warn("debug listener", "err", err)
			}
		}()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("skybridge serving", "addr", ln.Addr().String(), "database", string(a.db.Dialect),
		"startup_ms", time.Since(started).Milliseconds())
	if ready != nil {
		ready <- ln.Addr().String()
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownMax)
	defer cancel()
	// Stop taking requests and end open web chat streams (browsers reconnect),
	// then let the workers finish the turns they are in.
	close(closing)
	srv.SetKeepAlivesEnabled(false)
	upd.sched.Stop(sctx)
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn("http shutdown", "err", err)
	}
	if cfg.Workers == 0 {
		return nil
	}
	if err := a.store.Stop(sctx); err != nil {
		log.Warn("worker shutdown", "err", err)
	}
	return nil
}

// publishDefaultContent publishes the catalogues shipped with the binary as
// version 1 of a database that has none.
func publishDefaultContent(ctx context.Context, st *store.Store, log *slog.Logger) error {
	v, err := st.LatestContentVersion(ctx)
	if err != nil {
		return err
	}
	if v > 0 {
		return nil
	}
	c, err := flows.DefaultContent()
	if err != nil {
		return err
	}
	if problems := c.Validate(domain.Languages); len(problems) > 0 {
		return fmt.Errorf("default content is invalid: %v", problems)
	}
	body, err := flows.MarshalContent(c)
	if err != nil {
		return err
	}
	n, err := st.PublishContent(ctx, body, "skybridge", "content shipped with the release")
	if err != nil {
		return err
	}
	log.Info("default content published", "version", n)
	return nil
}

func importFile(ctx context.Context, cfg Config, log *slog.Logger, path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	rep, err := pss.Import(ctx, a.db, a.sealer, f, time.Now())
	fmt.Fprintln(stdout, rep.String())
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	return nil
}

func keygen(id string) string { return domain.NewKey(id) }

// deadLetters prints the messages that were not delivered — failed, blocked, or
// stuck in the queue for ten minutes — with the reason, never their text.
func deadLetters(ctx context.Context, cfg Config, log *slog.Logger, stdout io.Writer) error {
	a, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	dl, err := a.store.DeadLetters(ctx, 10*time.Minute, 200)
	if err != nil {
		return err
	}
	if len(dl) == 0 {
		fmt.Fprintln(stdout, "no undelivered messages")
		return nil
	}
	fmt.Fprintf(stdout, "%-8s %-12s %-9s %-4s %-8s %-7s %-8s %-20s %s\n", "message", "conversation", "channel", "seq", "status", "code", "attempts", "at", "reason")
	for _, d := range dl {
		fmt.Fprintf(stdout, "%-8d %-12d %-9s %-4d %-8s %-7d %-8d %-20s %s\n", d.ID, d.ConversationID, d.Channel, d.Seq, d.Status,
			d.Code, d.Attempts, d.At.Format("2006-01-02 15:04:05"), d.Reason)
	}
	return nil
}
