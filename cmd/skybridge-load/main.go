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
	defer l.close()
	fmt.Fprintf(stderr, "fake Graph API on %s; Skybridge must run with SKYBRIDGE_GRAPH_URL=%s SKYBRIDGE_GRAPH_VERSION=%s,\n"+
		"the app secret given by -app-secret, phone number id %s and page id %s\n",
		l.fake.URL(), l.fake.URL(), cfg.Version, cfg.PhoneNumberID, cfg.PageID)
	handshake := l.verifyHandshake(ctx)
	fmt.Fprintf(stderr, "verify handshake: %s; running %d travellers for %s\n", handshake, cfg.Travellers, cfg.Duration)
	elapsed := l.run(ctx)
	r := l.stats.report(cfg, elapsed, handshake)
	return r, r.print(stdout, cfg.JSON)
}
