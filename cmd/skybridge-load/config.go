package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// config is everything a load run needs, from flags.
type config struct {
	Target string
	// Targets are the instances webhooks are spread over, round robin, as a
	// load balancer in front of several Skybridges would; Target is the first.
	Targets     []string
	FakeAddr    string
	Channel     string // whatsapp, messenger or both
	Travellers  int
	Rate        float64 // webhooks per second; 0 = as fast as Concurrency allows
	Concurrency int
	Duration    time.Duration
	Script      string   // checkin or help
	Bookings    []string // "LOCATOR Surname", given to travellers in turn

	AppSecret     string
	VerifyToken   string
	PhoneNumberID string
	DisplayNumber string
	PageID        string
	WAToken       string
	PageToken     string
	Version       string
	WhatsAppPath  string
	MessengerPath string

	ReplyTimeout   time.Duration
	Settle         time.Duration
	MaxWebhooks    int
	MaxTurns       int
	Redeliver      float64
	StatusWebhooks bool
	Faults         string
	JSON           bool
	// RedeliverFor is how long a webhook Skybridge did not acknowledge (non-2xx
	// or no answer) is posted again, to the next target, as Meta redelivers; 0
	// gives up at once.
	RedeliverFor time.Duration
	// TurnsOut, when set, is a file that receives one JSON line per turn.
	TurnsOut string
	// Linger keeps the fake Graph API up this long after the report.
	Linger time.Duration
	// CPUPids are processes (the service) whose CPU time per turn is reported.
	CPUPids []int
	// PG is the service's PostgreSQL database: its transactions and the CPU
	// time of its backends per turn are reported.
	PG string

	// fakeReady, for tests, is told the fake Graph API once it listens.
	fakeReady func(*graphfake.Server)
}

// defaultBookings are demo bookings whose check-in needs no typed travel
// documents, so that a scripted traveller can finish it by tapping.
const defaultBookings = "JN7KQP Jansen,BK3DNE Bakker,OK5CDG Okafor,LR6XNC Larsen"

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("skybridge-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bookings, targets string
	fs.StringVar(&c.Target, "target", "http://127.0.0.1:8080", "base URL of the running Skybridge (loopback only)")
	fs.StringVar(&targets, "targets", "", "comma-separated base URLs of several Skybridge instances sharing one database; webhooks are spread over them round robin (overrides -target)")
	fs.StringVar(&c.FakeAddr, "fake-addr", "127.0.0.1:9090", "address of the in-process fake Graph API Skybridge must send to")
	fs.StringVar(&c.Channel, "channel", "whatsapp", "whatsapp, messenger or both")
	fs.IntVar(&c.Travellers, "travellers", 10, "simulated travellers, each with its own wa_id or PSID")
	fs.Float64Var(&c.Rate, "rate", 0, "webhooks per second across all travellers; 0 = as fast as -concurrency allows")
	fs.IntVar(&c.Concurrency, "concurrency", 16, "webhook POSTs in flight at most")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long to start new turns")
	fs.StringVar(&c.Script, "conversation", "checkin", "conversation each traveller runs: checkin or help")
	fs.StringVar(&bookings, "bookings", defaultBookings, "comma-separated 'LOCATOR Surname' demo bookings, one per traveller in turn")
	fs.StringVar(&c.AppSecret, "app-secret", "load-secret", "app secret signing the webhooks (Skybridge's must match)")
	fs.StringVar(&c.VerifyToken, "verify-token", "load-verify-token", "verify token for the GET handshake checked at start (empty: skip)")
	fs.StringVar(&c.PhoneNumberID, "phone-number-id", graphfake.DefaultPhoneNumberID, "WhatsApp phone number id")
	fs.StringVar(&c.DisplayNumber, "display-number", graphfake.DefaultDisplayNumber, "WhatsApp display phone number")
	fs.StringVar(&c.PageID, "page-id", graphfake.DefaultPageID, "Messenger page id")
	fs.StringVar(&c.WAToken, "wa-token", "", "WhatsApp token the fake requires (empty: any)")
	fs.StringVar(&c.PageToken, "page-token", "", "page access token the fake requires (empty: any)")
	fs.StringVar(&c.Version, "graph-version", graphfake.DefaultVersion, "Graph API version the fake serves")
	fs.StringVar(&c.WhatsAppPath, "whatsapp-path", "/webhooks/whatsapp", "Skybridge's WhatsApp webhook path")
	fs.StringVar(&c.MessengerPath, "messenger-path", "/webhooks/messenger", "Skybridge's Messenger webhook path")
	fs.DurationVar(&c.ReplyTimeout, "reply-timeout", 10*time.Second, "longest wait for the first reply to a turn")
	fs.DurationVar(&c.Settle, "settle", 300*time.Millisecond, "quiet time after a reply before the turn counts as complete")
	fs.IntVar(&c.MaxWebhooks, "max-webhooks", 100000, "stop after this many webhooks")
	fs.IntVar(&c.MaxTurns, "max-turns", 12, "turns per conversation at most")
	fs.Float64Var(&c.Redeliver, "redeliver", 0, "fraction of webhooks delivered twice, as Meta sometimes does (0..1)")
	fs.BoolVar(&c.StatusWebhooks, "status-webhooks", false, "have the fake post signed status webhooks for every reply")
	fs.StringVar(&c.Faults, "faults", "", `faults for the fake Graph API as JSON, e.g. '{"throttle":{"fraction":0.05}}'`)
	fs.BoolVar(&c.JSON, "json", false, "print the report as JSON")
	fs.DurationVar(&c.RedeliverFor, "redeliver-failed", 0, "keep posting a webhook that was not acknowledged (non-2xx, no answer) to the next target with backoff for this long, as Meta does; 0 gives up at once")
	fs.DurationVar(&c.Linger, "linger", 0, "keep the fake Graph API up this long after the report (interrupt ends it), so that what Skybridge still sends is recorded at GET /_fake/requests")
	fs.StringVar(&c.TurnsOut, "turns-out", "", "write one JSON line per turn (message id, target, acknowledgement, replies, times) to this file")
	var pids string
	fs.StringVar(&pids, "cpu-pids", "", "comma-separated pids (the service) whose CPU time per turn is reported, with this command's own")
	fs.StringVar(&c.PG, "pg", "", "the service's PostgreSQL URL: report its transactions and its backends' CPU time per turn")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, p := range strings.Split(pids, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pid, err := strconv.Atoi(p)
		if err != nil || pid <= 0 {
			return c, fmt.Errorf("-cpu-pids: %q is not a process id", p)
		}
		c.CPUPids = append(c.CPUPids, pid)
	}
	for _, u := range strings.Split(targets, ",") {
		if u = strings.TrimSpace(u); u != "" {
			c.Targets = append(c.Targets, u)
		}
	}
	if len(c.Targets) > 0 {
		c.Target = c.Targets[0]
	} else {
		c.Targets = []string{c.Target}
	}
	for _, b := range strings.Split(bookings, ",") {
		if b = strings.TrimSpace(b); b != "" {
			c.Bookings = append(c.Bookings, b)
		}
	}
	return c, c.validate()
}

func (c config) validate() error {
	var errs []error
	for _, t := range c.Targets {
		if err := checkLoopback(t); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.Targets) == 0 {
		errs = append(errs, checkLoopback(c.Target))
	}
	switch c.Channel {
	case "whatsapp", "messenger", "both":
	default:
		errs = append(errs, fmt.Errorf("-channel %q: want whatsapp, messenger or both", c.Channel))
	}
	if _, ok := scripts[c.Script]; !ok {
		errs = append(errs, fmt.Errorf("-conversation %q: want checkin or help", c.Script))
	}
	if c.Travellers < 1 || c.Travellers > 100000 {
		errs = append(errs, fmt.Errorf("-travellers %d: want 1 to 100000", c.Travellers))
	}
	if c.Rate < 0 || c.Concurrency < 1 {
		errs = append(errs, errors.New("-rate must not be negative and -concurrency must be at least 1"))
	}
	if c.Duration <= 0 || c.Duration > 24*time.Hour {
		errs = append(errs, fmt.Errorf("-duration %s: want more than 0 and at most 24h", c.Duration))
	}
	if c.ReplyTimeout <= 0 || c.Settle < 0 || c.MaxWebhooks < 1 || c.MaxTurns < 1 {
		errs = append(errs, errors.New("-reply-timeout, -max-webhooks and -max-turns must be positive, -settle not negative"))
	}
	if c.RedeliverFor < 0 || c.Linger < 0 {
		errs = append(errs, errors.New("-redeliver-failed and -linger must not be negative"))
	}
	if c.Redeliver < 0 || c.Redeliver > 1 {
		errs = append(errs, fmt.Errorf("-redeliver %v: want 0 to 1", c.Redeliver))
	}
	if c.AppSecret == "" {
		errs = append(errs, errors.New("-app-secret is empty"))
	}
	if len(c.Bookings) == 0 && c.Script == "checkin" {
		errs = append(errs, errors.New("-bookings is empty"))
	}
	return errors.Join(errs...)
}

// checkLoopback refuses any target but this machine: the tool generates load
// and must never be pointed at someone else's server.
func checkLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-target %q: want an http URL such as http://127.0.0.1:8080", target)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-target %q is not a loopback address: skybridge-load only loads a Skybridge on this machine (127.0.0.1, ::1 or localhost)", target)
}

// unmarshalStrict decodes JSON refusing unknown fields, so that a misspelt fault
// is an error rather than silently nothing.
func unmarshalStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
