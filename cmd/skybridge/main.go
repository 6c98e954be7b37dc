// Command skybridge runs Skybridge, an airline's transactional messaging assistant.
//
//	skybridge [serve]          run the service (default)
//	skybridge migrate          apply database migrations and exit
//	skybridge import FILE.json load flights and bookings into the demo booking system
//	skybridge keygen [ID]      print a new personal-data encryption key
//	skybridge config           print the effective configuration, secrets masked
//	skybridge deadletters      list messages that were not delivered, and why
//	skybridge notifications    count flight-update notifications by outcome, and what waits
//	skybridge token create --role ROLE NAME | revoke NAME | list
//	                           API tokens for operations systems (shown once, stored hashed)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "skybridge:", err)
		os.Exit(1)
	}
}

// errUsage marks a command-line mistake.
var errUsage = errors.New(`usage: skybridge [serve | migrate | import FILE.json | keygen [ID] | config | deadletters | notifications | token create --role ROLE NAME | token revoke NAME | token list]`)

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "keygen" {
		id := "k" + time.Now().UTC().Format("20060102")
		if len(args) > 0 {
			id = args[0]
		}
		fmt.Fprintln(stdout, keygen(id))
		return nil
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, nil)
	case "migrate":
		app, err := open(ctx, cfg, log)
		if err != nil {
			return err
		}
		return app.close()
	case "import":
		if len(args) != 1 {
			return errUsage
		}
		return importFile(ctx, cfg, log, args[0], stdout)
	case "config":
		fmt.Fprintln(stdout, cfg.String())
		return nil
	case "deadletters":
		return deadLetters(ctx, cfg, log, stdout)
	case "notifications":
		return notificationsCommand(ctx, cfg, log, stdout)
	case "token":
		return tokenCommand(ctx, cfg, log, args, stdout)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, errUsage.Error())
		return nil
	default:
		return errUsage
	}
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
