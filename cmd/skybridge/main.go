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
//	skybridge staff add --role ROLE NAME | staff list
//	                           staff console accounts (password from stdin, or generated)
//	skybridge reseal           re-encrypt personal data under the newest key
//	skybridge privacy export|erase whatsapp NUMBER | messenger ID | webchat SESSION | booking REF SURNAME
//	                           a traveller's data as one JSON document, or erased
//	skybridge understand [--lang XX] [--date YYYY-MM-DD] [MESSAGE…]
//	                           language, intent and entities of each message (arguments or
//	                           stdin lines) as JSON lines; --eval FILE [-v] measures instead
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

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/telemetry"
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
var errUsage = errors.New(`usage: skybridge [serve | migrate | import FILE.json | keygen [ID] | config | deadletters | notifications | token create --role ROLE NAME | token revoke NAME | token list | staff add --role ROLE NAME | staff list | reseal | privacy export|erase KIND ID [SURNAME] | understand [--lang XX] [--date YYYY-MM-DD] [--eval FILE] [MESSAGE…]]`)

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
	case "reseal":
		return resealCommand(ctx, cfg, log, stdout)
	case "privacy":
		return privacyCommand(ctx, cfg, log, args, stdout)
	case "staff":
		return staffCommand(ctx, cfg, log, args, os.Stdin, stdout)
	case "understand":
		return understandCommand(cfg, args, os.Stdin, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, errUsage.Error())
		return nil
	default:
		return errUsage
	}
}

// newLogger logs JSON lines in production, text in development. Every record
// logged with a context also carries the request id and the conversation that
// context is about.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(telemetry.NewContextHandler(h, api.LogAttrs, flows.LogAttrs))
}
