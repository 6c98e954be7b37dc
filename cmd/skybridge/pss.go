package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pss"
	"github.com/skybridge/skybridge/integrations/pssrest"
)

var (
	_ domain.BookingSystem = (*pssrest.Client)(nil)
	_ domain.Changes       = (*pssrest.Client)(nil)
	_ domain.Ancillaries   = (*pssrest.Client)(nil)
	_ domain.Changes       = (*pss.Demo)(nil)
	_ domain.Ancillaries   = (*pss.Demo)(nil)
)

// PSSConfig chooses the booking system.
type PSSConfig struct {
	// Kind is demo (the built-in booking system on Skybridge's database, loaded
	// by `skybridge import`; the default) or rest (an external system speaking
	// integrations/pssrest/openapi.yaml) (SKYBRIDGE_PSS).
	Kind string
	// URL and APIKey reach the external system (SKYBRIDGE_PSS_URL,
	// SKYBRIDGE_PSS_API_KEY), both required with rest.
	URL    string
	APIKey string
	// Timeout bounds one call to the booking system, retries included
	// (SKYBRIDGE_PSS_TIMEOUT, default 4.5s, 500ms to 30s).
	Timeout time.Duration
}

// loadPSS reads and checks the booking-system settings.
func loadPSS(getenv func(string) string) (PSSConfig, []string) {
	p := PSSConfig{
		Kind:   strings.ToLower(or(getenv("SKYBRIDGE_PSS"), "demo")),
		URL:    strings.TrimRight(strings.TrimSpace(getenv("SKYBRIDGE_PSS_URL")), "/"),
		APIKey: strings.TrimSpace(getenv("SKYBRIDGE_PSS_API_KEY")),
	}
	var problems []string
	switch p.Kind {
	case "demo":
	case "rest":
		if !strings.HasPrefix(p.URL, "http://") && !strings.HasPrefix(p.URL, "https://") {
			problems = append(problems, fmt.Sprintf("SKYBRIDGE_PSS_URL: required with SKYBRIDGE_PSS=rest: the booking system's API root as an http(s) URL, got %q", p.URL))
		}
		if p.APIKey == "" {
			problems = append(problems, "SKYBRIDGE_PSS_API_KEY: required with SKYBRIDGE_PSS=rest")
		}
	default:
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_PSS: %q is not demo or rest", p.Kind))
	}
	t := or(getenv("SKYBRIDGE_PSS_TIMEOUT"), pssrest.DefaultTimeout.String())
	d, err := time.ParseDuration(t)
	if err != nil || d < 500*time.Millisecond || d > 30*time.Second {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_PSS_TIMEOUT: %q is not a duration from 500ms to 30s", t))
	}
	p.Timeout = d
	return p, problems
}

// bookingSystem is the wired booking system: the ports the flows call.
type bookingSystem struct {
	name     string
	bookings domain.BookingSystem
	changes  domain.Changes
	extras   domain.Ancillaries
}

// newBookingSystem builds the configured booking system. onState is told of the
// REST adapter's circuit changes (metrics); demo is the built-in one. The
// manifest (who is on a flight, for flight updates) stays the built-in booking
// system's: the REST contract has no manifest yet.
func newBookingSystem(cfg PSSConfig, demo *pss.Demo, onState func(name, state string), log *slog.Logger) (bookingSystem, error) {
	if cfg.Kind != "rest" {
		return bookingSystem{name: "demo", bookings: demo, changes: demo, extras: demo}, nil
	}
	c, err := pssrest.New(pssrest.Config{BaseURL: cfg.URL, APIKey: cfg.APIKey, Timeout: cfg.Timeout, OnStateChange: onState, Log: log})
	if err != nil {
		return bookingSystem{}, fmt.Errorf("booking system: %w", err)
	}
	return bookingSystem{name: "rest", bookings: c, changes: c, extras: c}, nil
}
