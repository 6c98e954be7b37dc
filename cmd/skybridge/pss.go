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
	_ domain.Manifest      = (*pssrest.Client)(nil)
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
	// OfferTTL is how long the demo booking system's offer of extras can be
	// bought (SKYBRIDGE_OFFER_TTL, default 1h); ChangeOfferTTL how long a priced
	// flight change can be confirmed or paid (SKYBRIDGE_CHANGE_OFFER_TTL, default
	// 30m). Both from 1m to 24h, the longest a payment link lives. An external
	// booking system sets its own.
	OfferTTL, ChangeOfferTTL time.Duration
}

// Offer lifetimes of the demo booking system: defaults and bounds.
const (
	defaultOfferTTL       = time.Hour
	defaultChangeOfferTTL = 30 * time.Minute
	minOfferTTL           = time.Minute
	maxOfferTTL           = 24 * time.Hour
)

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
	var problem string
	if p.OfferTTL, problem = offerTTL(getenv, "SKYBRIDGE_OFFER_TTL", defaultOfferTTL); problem != "" {
		problems = append(problems, problem)
	}
	if p.ChangeOfferTTL, problem = offerTTL(getenv, "SKYBRIDGE_CHANGE_OFFER_TTL", defaultChangeOfferTTL); problem != "" {
		problems = append(problems, problem)
	}
	return p, problems
}

// offerTTL reads an offer lifetime: a Go duration ("45m", "2h") within bounds.
func offerTTL(getenv func(string) string, name string, def time.Duration) (time.Duration, string) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return def, ""
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < minOfferTTL || d > maxOfferTTL {
		return def, fmt.Sprintf("%s: %q is not a duration from 1m to 24h (e.g. 45m or 2h)", name, v)
	}
	return d, ""
}

// bookingSystem is the wired booking system: the ports the flows call, and the
// manifest flight updates read (who is on a flight).
type bookingSystem struct {
	name     string
	bookings domain.BookingSystem
	changes  domain.Changes
	extras   domain.Ancillaries
	manifest domain.Manifest
}

// newBookingSystem builds the configured booking system. onState is told of the
// REST adapter's circuit changes (metrics); demo is the built-in one. The
// manifest (who is on a flight, for flight updates) comes from the same system.
func newBookingSystem(cfg PSSConfig, demo *pss.Demo, onState func(name, state string), log *slog.Logger) (bookingSystem, error) {
	if cfg.Kind != "rest" {
		demo.OfferTTL, demo.AlternativeTTL = cfg.OfferTTL, cfg.ChangeOfferTTL
		return bookingSystem{name: "demo", bookings: demo, changes: demo, extras: demo, manifest: demo}, nil
	}
	c, err := pssrest.New(pssrest.Config{BaseURL: cfg.URL, APIKey: cfg.APIKey, Timeout: cfg.Timeout, OnStateChange: onState, Log: log})
	if err != nil {
		return bookingSystem{}, fmt.Errorf("booking system: %w", err)
	}
	return bookingSystem{name: "rest", bookings: c, changes: c, extras: c, manifest: c}, nil
}
