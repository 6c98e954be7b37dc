// Command skybridge-load puts a running Skybridge under conversational load over
// its WhatsApp and Messenger webhooks and measures it.
//
// It starts a fake Graph API in process (-fake-addr, default 127.0.0.1:9090) to
// which Skybridge must send its replies (SKYBRIDGE_GRAPH_URL), then runs
// -travellers simulated people, each with its own wa_id or PSID, through a short
// check-in conversation with the demo bookings: it posts a signed webhook shaped
// exactly like Meta's, waits for Skybridge's reply at the fake like a person
// would, taps the offered button, list row, quick reply or postback, and so on.
// It reports webhook acknowledgements and replies per second, acknowledgement
// and end-to-end latency percentiles, and errors (non-200 acks, reply timeouts,
// duplicate and late replies, sends the fake refused).
//
//	skybridge-load -target http://127.0.0.1:8080 -channel both -travellers 20 -duration 30s
//
// Against several instances sharing one database, -targets spreads the webhooks
// over them round robin, and -redeliver-failed posts a webhook that was not
// acknowledged again to the next instance, as Meta does; the "messages" part of
// the report then counts each traveller message once: acknowledged, answered,
// lost (acknowledged, never answered) and duplicated. -turns-out writes every
// turn as a JSON line for a closer look.
//
//	skybridge-load -targets http://127.0.0.1:8081,http://127.0.0.1:8082 -redeliver-failed 60s -reply-timeout 90s
//
// With -cpu-pids (the service's process ids) and -pg (its database), the report
// adds what a turn costs: CPU milliseconds per answered turn of each process,
// of this command (with its fake Graph API) and of the PostgreSQL backends
// connected to that database, and PostgreSQL transactions per turn.
//
//	skybridge-load -channel both -travellers 300 -concurrency 64 -cpu-pids 4242 -pg postgres://…/skybridge
//
// Only a Skybridge on this machine can be targeted; every run is bounded by
// -duration, -max-webhooks and -max-turns.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "skybridge-load:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	_, err = execute(ctx, cfg, stdout, stderr)
	return err
}

// execute runs the load described by cfg and prints the report.
func execute(ctx context.Context, cfg config, stdout, stderr io.Writer) (Report, error) {
	l, err := newLoad(cfg)
	if err != nil {
		return Report{}, err
	}
	closed := false
	defer func() {
		if !closed {
			l.close()
		}
	}()
	fmt.Fprintf(stderr, "fake Graph API on %s; Skybridge must run with SKYBRIDGE_GRAPH_URL=%s SKYBRIDGE_GRAPH_VERSION=%s,\n"+
		"the app secret given by -app-secret, phone number id %s and page id %s\n",
		l.fake.URL(), l.fake.URL(), cfg.Version, cfg.PhoneNumberID, cfg.PageID)
	handshake := l.verifyHandshake(ctx)
	fmt.Fprintf(stderr, "verify handshake: %s; running %d travellers for %s\n", handshake, cfg.Travellers, cfg.Duration)
	meter, err := newCostMeter(cfg.CPUPids, cfg.PG)
	if err != nil {
		return Report{}, err
	}
	defer meter.close()
	if err := meter.start(ctx); err != nil {
		return Report{}, err
	}
	elapsed := l.run(ctx)
	r := l.stats.report(cfg, elapsed, handshake)
	if len(cfg.CPUPids) > 0 || cfg.PG != "" {
		cost, err := meter.stop(ctx, r.Replies.Turns)
		if err != nil {
			fmt.Fprintln(stderr, "cost per turn:", err)
		}
		r.Cost = &cost
	}
	if err := r.print(stdout, cfg.JSON); err != nil {
		return r, err
	}
	if cfg.Linger > 0 {
		// Keep the fake Graph API answering, and its record readable over
		// GET /_fake/requests, for what Skybridge still sends (proactive
		// messages, retries after an outage).
		fmt.Fprintf(stderr, "report printed; the fake Graph API stays up for %s (interrupt to end)\n", cfg.Linger)
		t := time.NewTimer(cfg.Linger)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	closed = true
	return r, l.close()
}
