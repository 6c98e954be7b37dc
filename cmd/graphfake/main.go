// Command graphfake runs the fake Graph API of package graphfake on a local
// address, so that a running Skybridge can send WhatsApp and Messenger replies
// without Meta:
//
//	graphfake [-addr 127.0.0.1:9090] [-wa-token T] [-page-token T]
//	          [-status-whatsapp URL] [-status-messenger URL] [-app-secret S]
//	          [-faults '{"throttle":{"fraction":0.1}}']
//
// It prints the environment to point Skybridge at it, logs one line per request
// (never tokens or recipients) and serves /_fake/requests and /_fake/faults for
// inspection and fault injection at run time. The app secret can also be given
// as GRAPHFAKE_APP_SECRET, to keep it off the command line.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "graphfake:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends; ready, when set, receives the fake once it listens.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, ready chan<- *graphfake.Server) error {
	fs := flag.NewFlagSet("graphfake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg                graphfake.Config
		templates          string
		statusWA, statusMS string
		appSecret          string
		statusDelay        time.Duration
		faults             string
		quiet              bool
		noEchoes           bool
	)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:9090", "listen address")
	fs.StringVar(&cfg.Version, "version", graphfake.DefaultVersion, "Graph API version served")
	fs.StringVar(&cfg.PhoneNumberID, "phone-number-id", graphfake.DefaultPhoneNumberID, "WhatsApp phone number id")
	fs.StringVar(&cfg.DisplayPhoneNumber, "display-number", graphfake.DefaultDisplayNumber, "WhatsApp display phone number in status webhooks")
	fs.StringVar(&cfg.WABAID, "waba-id", graphfake.DefaultWABAID, "WhatsApp business account id in status webhooks")
	fs.StringVar(&cfg.PageID, "page-id", graphfake.DefaultPageID, "Messenger page id")
	fs.StringVar(&cfg.WhatsAppToken, "wa-token", "", "WhatsApp Bearer token to require (empty: any)")
	fs.StringVar(&cfg.PageToken, "page-token", "", "Messenger page access token to require (empty: any)")
	fs.StringVar(&templates, "templates", "", "comma-separated approved WhatsApp template names (empty: any)")
	fs.StringVar(&statusWA, "status-whatsapp", "", "Skybridge's WhatsApp webhook URL for status callbacks (empty: none)")
	fs.StringVar(&statusMS, "status-messenger", "", "Skybridge's Messenger webhook URL for echo, delivery and read callbacks (empty: none)")
	fs.BoolVar(&noEchoes, "no-echoes", false, "post no Messenger message_echoes callbacks (a Page not subscribed to them)")
	fs.StringVar(&cfg.AppID, "app-id", graphfake.DefaultAppID, "app id in Messenger echoes")
	fs.StringVar(&appSecret, "app-secret", "", "app secret signing status callbacks (default $GRAPHFAKE_APP_SECRET)")
	fs.DurationVar(&statusDelay, "status-delay", 50*time.Millisecond, "wait before each status callback")
	fs.StringVar(&faults, "faults", "", `initial faults as JSON, e.g. '{"throttle":{"fraction":0.1},"rate_limit":80}'`)
	fs.IntVar(&cfg.MaxRecorded, "max-recorded", 100000, "requests kept for /_fake/requests (oldest dropped)")
	fs.BoolVar(&quiet, "quiet", false, "do not log each request")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if appSecret == "" {
		appSecret = getenv("GRAPHFAKE_APP_SECRET")
	}
	if templates != "" {
		cfg.Templates = strings.Split(templates, ",")
	}
	for ch, url := range map[graphfake.Channel]string{graphfake.WhatsApp: statusWA, graphfake.Messenger: statusMS} {
		if url == "" {
			continue
		}
		if appSecret == "" {
			return errors.New("status callbacks need -app-secret or GRAPHFAKE_APP_SECRET")
		}
		cfg.StatusWebhooks = append(cfg.StatusWebhooks, graphfake.StatusWebhook{Channel: ch, URL: url, AppSecret: appSecret, Delay: statusDelay, NoEchoes: noEchoes})
	}
	if !quiet {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	s := graphfake.New(cfg)
	if faults != "" {
		var f graphfake.Faults
		if err := unmarshalStrict(faults, &f); err != nil {
			return fmt.Errorf("-faults: %w", err)
		}
		if err := s.SetFaults(f); err != nil {
			return fmt.Errorf("-faults: %w", err)
		}
	}
	if err := s.Start(); err != nil {
		return err
	}
	defer s.Close()
	printEnv(stdout, s)
	if ready != nil {
		ready <- s
	}
	<-ctx.Done()
	return nil
}

// printEnv tells how to point Skybridge at the fake; tokens are never printed.
func printEnv(w io.Writer, s *graphfake.Server) {
	c := s.Config()
	fmt.Fprintf(w, "# fake Graph API listening; point Skybridge at it with:\n")
	fmt.Fprintf(w, "SKYBRIDGE_GRAPH_URL=%s\n", s.URL())
	fmt.Fprintf(w, "SKYBRIDGE_GRAPH_VERSION=%s\n", c.Version)
	fmt.Fprintf(w, "# WhatsApp: POST %s/%s/%s/messages (phone number id %s)\n", s.URL(), c.Version, c.PhoneNumberID, c.PhoneNumberID)
	fmt.Fprintf(w, "# Messenger: POST %s/%s/%s/messages?access_token=… (page id %s)\n", s.URL(), c.Version, c.PageID, c.PageID)
	fmt.Fprintf(w, "# inspect: GET %s/_fake/requests   faults: POST %s/_fake/faults\n", s.URL(), s.URL())
}
