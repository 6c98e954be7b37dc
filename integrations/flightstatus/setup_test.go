package flightstatus_test

import (
	"net/http/httptest"
	"testing"
	"time"
	_ "time/tzdata" // zones must not depend on the host

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/flightstatus"
	flightstatusfake "github.com/skybridge/skybridge/integrations/flightstatus/fake"
)

var (
	_ domain.FlightStatusSource = (*flightstatus.Client)(nil)
	_ domain.FlightStatusSource = (*flightstatus.Simulator)(nil)
)

const apiKey = "test-key-7f3a"

func zone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	amsterdam = zone("Europe/Amsterdam")
	london    = zone("Europe/London")
	newYork   = zone("America/New_York")
)

// zones knows the airports of the tests.
func zones(code domain.AirportCode) *time.Location {
	return map[domain.AirportCode]*time.Location{"AMS": amsterdam, "LHR": london, "JFK": newYork, "EIN": amsterdam, "BRU": zone("Europe/Brussels")}[code]
}

// provider is a fake provider served over HTTP, with a client polling it.
type provider struct {
	fake   *flightstatusfake.Server
	srv    *httptest.Server
	client *flightstatus.Client
}

// newProvider serves a fake provider under /aeroapi, as AeroAPI is, and returns a
// client for it with short timeouts and backoff; edit adjusts the client's config.
func newProvider(t *testing.T, opts flightstatusfake.Options, edit func(*flightstatus.ClientConfig)) provider {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = apiKey
	}
	fake := flightstatusfake.New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg := flightstatus.ClientConfig{
		BaseURL: srv.URL + "/aeroapi",
		APIKey:  apiKey,
		Zones:   zones,
		Timeout: 2 * time.Second,
		Backoff: time.Millisecond,
	}
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return provider{fake: fake, srv: srv, client: flightstatus.NewClient(cfg)}
}

// at is a time in loc.
func at(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func key(number, date string) domain.FlightKey {
	k, err := domain.ParseFlightKey(number, date)
	if err != nil {
		panic(err)
	}
	return k
}
