package flightstatus_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/flightstatus"
	flightstatusfake "github.com/skybridge/skybridge/integrations/flightstatus/fake"
)

// day is the polled window of the tests: 1 July 2026, UTC.
var (
	dayStart = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	dayEnd   = dayStart.Add(24 * time.Hour)
)

// report is a status as the client returns it: UTC times, source poll:rest.
func report(number, date string, phase domain.FlightPhase, dep time.Time, from, to domain.AirportCode) domain.FlightStatusReport {
	return domain.FlightStatusReport{
		Key: key(number, date), Phase: phase, Origin: from, Destination: to,
		ScheduledDeparture: dep.UTC(), ScheduledArrival: dep.Add(75 * time.Minute).UTC(),
		Source: flightstatus.SourceREST,
	}
}

func TestClientMapsEveryField(t *testing.T) {
	t.Parallel()
	dep := at(amsterdam, "2026-07-01 14:00")
	with := func(r domain.FlightStatusReport, edit func(*domain.FlightStatusReport)) domain.FlightStatusReport {
		edit(&r)
		return r
	}
	reports := []domain.FlightStatusReport{
		with(report("SB1001", "2026-07-01", domain.PhaseScheduled, dep, "AMS", "LHR"), func(r *domain.FlightStatusReport) {
			r.EstimatedDeparture, r.EstimatedArrival = r.ScheduledDeparture, r.ScheduledArrival
			r.DepartureGate, r.DepartureTerminal = "D7", "2"
		}),
		with(report("SB1002", "2026-07-01", domain.PhaseScheduled, dep.Add(time.Hour), "AMS", "LHR"), func(r *domain.FlightStatusReport) {
			r.EstimatedDeparture, r.EstimatedArrival = r.ScheduledDeparture.Add(45*time.Minute), r.ScheduledArrival.Add(40*time.Minute)
		}),
		with(report("SB1003", "2026-07-01", domain.PhaseBoarding, dep.Add(2*time.Hour), "AMS", "LHR"), func(r *domain.FlightStatusReport) {
			r.DepartureGate = "B14"
		}),
		with(report("SB1004", "2026-07-01", domain.PhaseGateClose, dep.Add(3*time.Hour), "AMS", "LHR"), func(r *domain.FlightStatusReport) {
			r.DepartureGate = "B16"
		}),
		with(report("SB1005", "2026-07-01", domain.PhaseDeparted, dep.Add(-2*time.Hour), "AMS", "LHR"), func(r *domain.FlightStatusReport) {
			r.ActualDeparture, r.EstimatedArrival = r.ScheduledDeparture.Add(7*time.Minute), r.ScheduledArrival.Add(2*time.Minute)
		}),
		with(report("SB1006", "2026-07-01", domain.PhaseArrived, dep.Add(-4*time.Hour), "AMS", "LHR"), func(r *domain.FlightStatusReport) {
			r.ActualDeparture, r.ActualArrival = r.ScheduledDeparture.Add(3*time.Minute), r.ScheduledArrival.Add(-5*time.Minute)
			r.ArrivalTerminal, r.ArrivalGate, r.BaggageBelt = "5", "A10", "12"
		}),
		report("SB1007", "2026-07-01", domain.PhaseCancelled, dep.Add(4*time.Hour), "AMS", "LHR"),
		with(report("SB1008", "2026-07-01", domain.PhaseDiverted, dep.Add(-3*time.Hour), "AMS", "LHR"), func(r *domain.FlightStatusReport) {
			r.ActualDeparture, r.DivertedTo = r.ScheduledDeparture, "BRU"
		}),
		// 00:30 in Amsterdam is still 30 June in UTC: the key has the local date.
		report("SB1501A", "2026-07-02", domain.PhaseScheduled, at(amsterdam, "2026-07-02 00:30"), "AMS", "EIN"),
		// 19:30 in New York is 1 July there, 2 July in Amsterdam.
		report("SB642", "2026-07-01", domain.PhaseScheduled, at(newYork, "2026-07-01 19:30"), "JFK", "AMS"),
	}
	p := newProvider(t, flightstatusfake.Options{}, nil)
	p.fake.SetMany(reports)
	p.fake.Set(report("XY1", "2026-07-01", domain.PhaseScheduled, dep, "AMS", "LHR")) // another airline

	got, err := p.client.Departing(t.Context(), "SB", dayStart.Add(-2*time.Hour), dayEnd)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[domain.FlightKey]domain.FlightStatusReport{}
	for _, r := range got {
		byKey[r.Key] = r
	}
	if len(got) != len(reports) || len(byKey) != len(reports) {
		t.Errorf("got %d reports, want the %d SB flights", len(got), len(reports))
	}
	for _, want := range reports {
		r, ok := byKey[want.Key]
		if !ok {
			t.Errorf("%s missing", want.Key)
			continue
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", want.Key, r, want)
		}
	}
	for i := 1; i < len(got); i++ {
		if got[i].ScheduledDeparture.Before(got[i-1].ScheduledDeparture) {
			t.Errorf("reports out of departure order at %d", i)
		}
	}

	req := p.fake.Received()[0]
	if req.Path != "/aeroapi/operators/SB/flights" || req.Query.Get("start") != "2026-06-30T22:00:00Z" || req.Query.Get("end") != "2026-07-02T00:00:00Z" {
		t.Errorf("request = %s?%s", req.Path, req.Query.Encode())
	}
}

// TestClientReadsRawAnswers feeds the client answers as a provider writes them,
// nulls and all, without the fake.
func TestClientReadsRawAnswers(t *testing.T) {
	t.Parallel()
	const page = `{"flights":[
	{"ident_iata":null,"operator_iata":"SB","flight_number":"1234","scheduled_out":"2026-07-01T10:00:00Z",
	 "estimated_out":null,"actual_out":null,"scheduled_in":"2026-07-01T11:15:00Z","estimated_in":null,"actual_in":null,
	 "origin":{"code":"EHAM","code_iata":"AMS","code_icao":"EHAM"},"destination":{"code":"EGLL","code_iata":"LHR","code_icao":"EGLL"},
	 "gate_origin":null,"terminal_origin":null,"gate_destination":null,"terminal_destination":null,"baggage_claim":null,
	 "cancelled":false,"diverted":false,"status":"Scheduled / Delayed","departure_delay":1800,"arrival_delay":null},
	{"ident_iata":"SB1235","operator_iata":"SB","flight_number":"1235","scheduled_out":"2026-07-01T11:00:00Z",
	 "estimated_out":"2026-07-01T11:00:00Z","actual_out":null,"scheduled_in":null,"estimated_in":null,"actual_in":null,
	 "origin":{"code":"EHAM","code_iata":"AMS","code_icao":"EHAM"},"destination":null,
	 "gate_origin":"D3","terminal_origin":null,"gate_destination":null,"terminal_destination":null,"baggage_claim":null,
	 "cancelled":false,"diverted":false,"status":"Final Call","departure_delay":0,"arrival_delay":null},
	{"ident_iata":"SB1236","operator_iata":"SB","flight_number":"1236","scheduled_out":"2026-07-01T12:00:00Z",
	 "estimated_out":null,"actual_out":null,"scheduled_in":null,"estimated_in":null,"actual_in":null,
	 "origin":{"code":"LFPG","code_iata":"CDG","code_icao":"LFPG"},"destination":null,
	 "gate_origin":null,"terminal_origin":null,"gate_destination":null,"terminal_destination":null,"baggage_claim":null,
	 "cancelled":false,"diverted":false,"status":"Scheduled","departure_delay":null,"arrival_delay":null},
	{"ident_iata":"SB1237","operator_iata":"SB","flight_number":"1237","scheduled_out":"2026-07-01T12:00:00Z",
	 "estimated_out":null,"actual_out":null,"scheduled_in":null,"estimated_in":null,"actual_in":null,
	 "origin":{"code":"XXXX","code_iata":null,"code_icao":null},"destination":null,
	 "gate_origin":null,"terminal_origin":null,"gate_destination":null,"terminal_destination":null,"baggage_claim":null,
	 "cancelled":false,"diverted":false,"status":"Scheduled","departure_delay":null,"arrival_delay":null},
	{"ident_iata":"SB1238","operator_iata":"SB","flight_number":"1238","scheduled_out":"2026-07-01T12:00:00Z",
	 "estimated_out":null,"actual_out":null,"scheduled_in":null,"estimated_in":null,"actual_in":null,
	 "origin":{"code":"EHAM","code_iata":"AMS","code_icao":"EHAM"},"destination":null,
	 "gate_origin":"THIS-IS-NO-GATE","terminal_origin":null,"gate_destination":null,"terminal_destination":null,"baggage_claim":null,
	 "cancelled":false,"diverted":false,"status":"Scheduled","departure_delay":null,"arrival_delay":null},
	{"ident_iata":"SB1239","operator_iata":"SB","flight_number":"1239","scheduled_out":"2026-07-02T12:00:00Z",
	 "estimated_out":null,"actual_out":null,"scheduled_in":null,"estimated_in":null,"actual_in":null,
	 "origin":{"code":"EHAM","code_iata":"AMS","code_icao":"EHAM"},"destination":null,
	 "gate_origin":null,"terminal_origin":null,"gate_destination":null,"terminal_destination":null,"baggage_claim":null,
	 "cancelled":false,"diverted":true,"status":"Diverted","departure_delay":null,"arrival_delay":null}
	],"links":null,"num_pages":1}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, page)
	}))
	t.Cleanup(srv.Close)
	c := flightstatus.NewClient(flightstatus.ClientConfig{BaseURL: srv.URL, APIKey: apiKey, Zones: zones})
	got, err := c.Departing(t.Context(), "sb", dayStart, dayEnd)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d reports, want 2 (unknown zone, no origin code, bad gate and outside the window left out): %+v", len(got), got)
	}
	delayed, closing := got[0], got[1]
	if delayed.Key.String() != "SB1234/2026-07-01" || delayed.Phase != domain.PhaseScheduled ||
		!delayed.EstimatedDeparture.Equal(time.Date(2026, 7, 1, 10, 30, 0, 0, time.UTC)) || delayed.Destination != "LHR" {
		t.Errorf("delay given only as seconds: %+v", delayed)
	}
	if closing.Phase != domain.PhaseGateClose || closing.DepartureGate != "D3" || closing.Destination != "" {
		t.Errorf("final call: %+v", closing)
	}
}

func TestClientFollowsPages(t *testing.T) {
	t.Parallel()
	p := newProvider(t, flightstatusfake.Options{PageSize: 7}, nil)
	var want []string
	for i := range 40 {
		n := fmt.Sprintf("SB%d", 100+i)
		p.fake.Set(report(n, "2026-07-01", domain.PhaseScheduled, at(amsterdam, "2026-07-01 06:00").Add(time.Duration(i)*10*time.Minute), "AMS", "LHR"))
		want = append(want, n)
	}
	got, err := p.client.Departing(t.Context(), "SB", dayStart, dayEnd)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, r := range got {
		numbers = append(numbers, r.Key.Flight.String())
	}
	if !reflect.DeepEqual(numbers, want) {
		t.Errorf("flights = %v\nwant %v", numbers, want)
	}
	reqs := p.fake.Received()
	if len(reqs) != 6 {
		t.Fatalf("%d requests for 40 flights in pages of 7, want 6", len(reqs))
	}
	for i, r := range reqs {
		if (i == 0) != (r.Query.Get("cursor") == "") || r.Path != "/aeroapi/operators/SB/flights" {
			t.Errorf("request %d = %s?%s", i, r.Path, r.Query.Encode())
		}
	}

	limited := newProvider(t, flightstatusfake.Options{PageSize: 7}, func(c *flightstatus.ClientConfig) { c.MaxPages = 3 })
	limited.fake.SetMany(got)
	_, err = limited.client.Departing(t.Context(), "SB", dayStart, dayEnd)
	if !domain.IsCode(err, domain.Unavailable) || !strings.Contains(err.Error(), "more than 3 pages") {
		t.Errorf("40 flights with 3 pages of 7 allowed: error = %v, want one about the page limit", err)
	}
}

func TestClientRetries(t *testing.T) {
	t.Parallel()
	flight := report("SB1001", "2026-07-01", domain.PhaseScheduled, at(amsterdam, "2026-07-01 14:00"), "AMS", "LHR")
	tests := []struct {
		name       string
		faults     func(f *flightstatusfake.Server)
		edit       func(*flightstatus.ClientConfig)
		requests   int
		wantErr    string // "" for success
		minElapsed time.Duration
	}{
		{"two server errors, then success", func(f *flightstatusfake.Server) { f.FailNext(2, 500, 0) }, nil, 3, "", 0},
		{"rate limited, then success", func(f *flightstatusfake.Server) { f.FailNext(1, 429, 0) }, nil, 2, "", 0},
		{"Retry-After is honoured", func(f *flightstatusfake.Server) { f.FailNext(1, 429, time.Second) }, nil, 2, "", time.Second},
		{"Retry-After beyond the longest wait fails at once", func(f *flightstatusfake.Server) { f.FailNext(1, 503, time.Hour) },
			nil, 1, "retry after 1h0m0s", 0},
		{"still failing after three retries", func(f *flightstatusfake.Server) { f.FailNext(4, 502, 0) },
			nil, 4, "unavailable after 4 attempts: HTTP 502", 0},
		{"retries off", func(f *flightstatusfake.Server) { f.FailNext(1, 500, 0) },
			func(c *flightstatus.ClientConfig) { c.Retries = -1 }, 1, "provider unavailable: HTTP 500", 0},
		{"a bad request is not retried", func(f *flightstatusfake.Server) { f.FailNext(1, 400, 0) },
			nil, 1, "answered HTTP 400: Bad Request", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newProvider(t, flightstatusfake.Options{}, tt.edit)
			p.fake.Set(flight)
			tt.faults(p.fake)
			start := time.Now()
			got, err := p.client.Departing(t.Context(), "SB", dayStart, dayEnd)
			elapsed := time.Since(start)
			if n := p.fake.Requests(); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.wantErr == "" {
				if err != nil || len(got) != 1 {
					t.Fatalf("Departing = %d reports, %v; want SB1001", len(got), err)
				}
			} else if !domain.IsCode(err, domain.Unavailable) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want Unavailable saying %q", err, tt.wantErr)
			}
			if elapsed < tt.minElapsed {
				t.Errorf("took %s, want at least %s", elapsed, tt.minElapsed)
			}
		})
	}
}

func TestClientKeyRefused(t *testing.T) {
	t.Parallel()
	p := newProvider(t, flightstatusfake.Options{APIKey: "the-right-key"}, nil)
	_, err := p.client.Departing(t.Context(), "SB", dayStart, dayEnd)
	if !errors.Is(err, flightstatus.ErrKeyRefused) || !strings.Contains(err.Error(), "refused the API key (HTTP 401: Invalid API key") {
		t.Errorf("error = %v, want the API key refused", err)
	}
	if strings.Contains(err.Error(), apiKey) {
		t.Errorf("error shows the key: %v", err)
	}
	if n := p.fake.Requests(); n != 1 {
		t.Errorf("%d requests, want 1: a refused key is not retried", n)
	}

	p = newProvider(t, flightstatusfake.Options{}, nil)
	p.fake.FailNext(1, 403, 0)
	if _, err := p.client.Departing(t.Context(), "SB", dayStart, dayEnd); !errors.Is(err, flightstatus.ErrKeyRefused) {
		t.Errorf("403: error = %v, want the API key refused", err)
	}
}

func TestClientTimesOut(t *testing.T) {
	t.Parallel()
	p := newProvider(t, flightstatusfake.Options{}, func(c *flightstatus.ClientConfig) {
		c.Timeout, c.Retries = 50*time.Millisecond, 1
	})
	p.fake.Set(report("SB1001", "2026-07-01", domain.PhaseScheduled, at(amsterdam, "2026-07-01 14:00"), "AMS", "LHR"))
	p.fake.SetLatency(2 * time.Second)
	start := time.Now()
	_, err := p.client.Departing(t.Context(), "SB", dayStart, dayEnd)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("gave up after %s, want about 2 × 50ms", elapsed)
	}
	if !domain.IsCode(err, domain.Unavailable) || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("error = %v, want Unavailable saying the provider did not answer in time", err)
	}
	if n := p.fake.Requests(); n != 2 {
		t.Errorf("%d requests, want 2 (one retry)", n)
	}

	p.fake.SetLatency(10 * time.Millisecond)
	if got, err := p.client.Departing(t.Context(), "SB", dayStart, dayEnd); err != nil || len(got) != 1 {
		t.Errorf("answered in time: %d reports, %v", len(got), err)
	}
}

func TestClientStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	p := newProvider(t, flightstatusfake.Options{}, func(c *flightstatus.ClientConfig) { c.Backoff = time.Hour })
	p.fake.FailNext(1, 500, 0)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.client.Departing(ctx, "SB", dayStart, dayEnd)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("error = %v after %s, want the context's deadline, at once", err, time.Since(start))
	}
}

func TestClientRefusesForeignNextLink(t *testing.T) {
	t.Parallel()
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys = append(keys, r.Header.Get("x-apikey"))
		fmt.Fprint(w, `{"flights":[],"links":{"next":"https://elsewhere.example/operators/SB/flights?cursor=x"},"num_pages":1}`)
	}))
	t.Cleanup(srv.Close)
	c := flightstatus.NewClient(flightstatus.ClientConfig{BaseURL: srv.URL, APIKey: apiKey, Zones: zones})
	_, err := c.Departing(t.Context(), "SB", dayStart, dayEnd)
	if !domain.IsCode(err, domain.Unavailable) || !strings.Contains(err.Error(), "another host") {
		t.Errorf("error = %v, want the link refused", err)
	}
	if len(keys) != 1 || keys[0] != apiKey {
		t.Errorf("key sent %d times: %v", len(keys), keys)
	}
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []flightstatus.ClientConfig{
		{BaseURL: "", Zones: zones},
		{BaseURL: "aeroapi.flightaware.com/aeroapi", Zones: zones},
		{BaseURL: "ftp://aeroapi.example", Zones: zones},
		{BaseURL: "https://aeroapi.flightaware.com/aeroapi"},
	} {
		if err := cfg.Validate(); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("%s: Validate() = %v, want Invalid", cfg, err)
		}
		// A client made anyway says what is wrong on every poll.
		if _, err := flightstatus.NewClient(cfg).Departing(t.Context(), "SB", dayStart, dayEnd); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("%s: Departing error = %v, want Invalid", cfg, err)
		}
	}
	cfg := flightstatus.ClientConfig{BaseURL: "https://aeroapi.flightaware.com/aeroapi", APIKey: "secret-key", Zones: zones}
	if err := cfg.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	if s := cfg.String(); strings.Contains(s, "secret-key") || !strings.Contains(s, "****") {
		t.Errorf("config shown as %s", s)
	}
}
