package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

const (
	opsToken     = "ops-0123456789abcdef"
	adminToken   = "adm-0123456789abcdef"
	agentToken   = "agt-0123456789abcdef"
	viewerToken  = "vwr-0123456789abcdef"
	revokedToken = "rev-0123456789abcdef"
)

// fakeIngest records the reports it is given; IngestFunc, when set, answers.
type fakeIngest struct {
	mu         sync.Mutex
	got        [][]domain.FlightStatusReport
	IngestFunc func(ctx context.Context, reports []domain.FlightStatusReport) (flows.IngestResult, error)
}

func (f *fakeIngest) Ingest(ctx context.Context, reports []domain.FlightStatusReport) (flows.IngestResult, error) {
	f.mu.Lock()
	f.got = append(f.got, reports)
	f.mu.Unlock()
	if f.IngestFunc != nil {
		return f.IngestFunc(ctx, reports)
	}
	return flows.IngestResult{Received: len(reports), Changed: len(reports)}, nil
}

func (f *fakeIngest) calls() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.got) }

func (f *fakeIngest) last() []domain.FlightStatusReport {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) == 0 {
		return nil
	}
	return f.got[len(f.got)-1]
}

func flightStatusConfig(ingest *fakeIngest) api.Config {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return api.Config{
		FlightStatus: ingest,
		Tokens: tokensOf(map[string]domain.APIToken{
			opsToken:     {ID: 1, Name: "ops-system", Role: domain.RoleOps, CreatedAt: created},
			adminToken:   {ID: 2, Name: "admin", Role: domain.RoleAdmin, CreatedAt: created},
			agentToken:   {ID: 3, Name: "agent", Role: domain.RoleAgent, CreatedAt: created},
			viewerToken:  {ID: 4, Name: "viewer", Role: domain.RoleViewer, CreatedAt: created},
			revokedToken: {ID: 5, Name: "old-ops", Role: domain.RoleOps, CreatedAt: created, RevokedAt: created.Add(time.Hour)},
		}),
	}
}

func flightStatusServer(t *testing.T, c api.Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(api.New(c))
	t.Cleanup(srv.Close)
	return srv
}

// validFlight is a delayed KL1234 from Amsterdam, as an ops system sends it.
func validFlight() map[string]any {
	return map[string]any{
		"carrier":             "KL",
		"flight_number":       "1234",
		"departure_date":      "2026-11-26",
		"status":              "delayed",
		"origin":              "AMS",
		"destination":         "CDG",
		"scheduled_departure": "2026-11-26T09:45:00+01:00",
		"estimated_departure": "2026-11-26T10:30:00+01:00",
		"scheduled_arrival":   "2026-11-26T11:00:00+01:00",
		"departure_terminal":  "2",
		"departure_gate":      "D7",
		"reason":              "late inbound aircraft",
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pushRaw posts body with an Authorization header (none when auth is "").
func pushRaw(t *testing.T, url, auth string, body []byte) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("answer is not JSON: %q", b)
		}
	}
	return resp, out
}

// push posts as the ops system.
func push(t *testing.T, url string, body []byte) (int, map[string]any) {
	t.Helper()
	resp, out := pushRaw(t, url, "Bearer "+opsToken, body)
	return resp.StatusCode, out
}

type problem struct {
	Index   int    `json:"index"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func problemsOf(t *testing.T, out map[string]any) []problem {
	t.Helper()
	var ps []problem
	if err := json.Unmarshal(mustJSON(t, out["problems"]), &ps); err != nil {
		t.Fatalf("problems: %v in %v", err, out)
	}
	return ps
}

func TestPushedFlightStatusReachesTheWatcher(t *testing.T) {
	t.Parallel()
	ingest := &fakeIngest{IngestFunc: func(_ context.Context, rs []domain.FlightStatusReport) (flows.IngestResult, error) {
		return flows.IngestResult{Received: len(rs), Changed: 1, Events: 2}, nil
	}}
	url := flightStatusServer(t, flightStatusConfig(ingest)).URL + "/api/v1/flight-status"

	code, out := push(t, url, mustJSON(t, validFlight()))
	if code != 200 || out["received"] != 1.0 || out["changed"] != 1.0 || out["events"] != 2.0 {
		t.Fatalf("single push: %d %v", code, out)
	}
	cet := time.FixedZone("CET", 3600)
	want := domain.FlightStatusReport{
		Key:                domain.FlightKey{Flight: domain.FlightNumber{Carrier: "KL", Number: 1234}, Date: "2026-11-26"},
		Phase:              domain.PhaseScheduled,
		Origin:             "AMS",
		Destination:        "CDG",
		ScheduledDeparture: time.Date(2026, 11, 26, 9, 45, 0, 0, cet).UTC(),
		EstimatedDeparture: time.Date(2026, 11, 26, 10, 30, 0, 0, cet).UTC(),
		ScheduledArrival:   time.Date(2026, 11, 26, 11, 0, 0, 0, cet).UTC(),
		DepartureTerminal:  "2",
		DepartureGate:      "D7",
		Reason:             "late inbound aircraft",
		Source:             "push:ops-system",
	}
	if got := ingest.last(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Fatalf("ingested %+v\nwant       %+v", got, want)
	}

	// A batch keeps its order; each flight is its own report.
	var flights []map[string]any
	for i, status := range []string{"boarding", "gate_closed", "departed", "landed", "canceled"} {
		f := validFlight()
		f["flight_number"] = fmt.Sprintf("KL%d", 1000+i)
		f["status"] = status
		flights = append(flights, f)
	}
	code, out = push(t, url, mustJSON(t, map[string]any{"flights": flights}))
	if code != 200 || out["received"] != 5.0 {
		t.Fatalf("batch push: %d %v", code, out)
	}
	got := ingest.last()
	phases := []domain.FlightPhase{domain.PhaseBoarding, domain.PhaseGateClose, domain.PhaseDeparted, domain.PhaseArrived, domain.PhaseCancelled}
	for i, r := range got {
		if r.Key.Flight.Number != 1000+i || r.Phase != phases[i] || r.Source != "push:ops-system" {
			t.Fatalf("batch item %d: %+v", i, r)
		}
	}
}

func TestPushedFlightNumberSpellings(t *testing.T) {
	t.Parallel()
	ingest := &fakeIngest{}
	url := flightStatusServer(t, flightStatusConfig(ingest)).URL + "/api/v1/flight-status"
	for _, tc := range []struct {
		carrier, number string
		want            domain.FlightNumber
	}{
		{"KL", "1234", domain.FlightNumber{Carrier: "KL", Number: 1234}},
		{"KL", "KL1234", domain.FlightNumber{Carrier: "KL", Number: 1234}},
		{"kl", "kl 1234", domain.FlightNumber{Carrier: "KL", Number: 1234}},
		{"KL", "0603A", domain.FlightNumber{Carrier: "KL", Number: 603, Suffix: "A"}},
		{"", "KL1234A", domain.FlightNumber{Carrier: "KL", Number: 1234, Suffix: "A"}},
		{"9W", "123", domain.FlightNumber{Carrier: "9W", Number: 123}},
		{"U2", "U21234", domain.FlightNumber{Carrier: "U2", Number: 1234}},
	} {
		t.Run(tc.carrier+"/"+tc.number, func(t *testing.T) {
			f := validFlight()
			f["carrier"], f["flight_number"] = tc.carrier, tc.number
			if code, out := push(t, url, mustJSON(t, f)); code != 200 {
				t.Fatalf("%d %v", code, out)
			}
			if got := ingest.last()[0].Key.Flight; got != tc.want {
				t.Fatalf("flight %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestInvalidFlightStatusIsRefusedWithItsField: every kind of mistake names the
// field to fix, and nothing is ingested.
func TestInvalidFlightStatusIsRefusedWithItsField(t *testing.T) {
	t.Parallel()
	ingest := &fakeIngest{}
	url := flightStatusServer(t, flightStatusConfig(ingest)).URL + "/api/v1/flight-status"
	set := func(kv ...any) func(map[string]any) {
		return func(f map[string]any) {
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(f, kv[i].(string))
				} else {
					f[kv[i].(string)] = kv[i+1]
				}
			}
		}
	}
	for _, tc := range []struct {
		name   string
		change func(map[string]any)
		field  string
	}{
		{"carrier missing for a bare number", set("carrier", nil), "carrier"},
		{"carrier malformed", set("carrier", "KLM"), "carrier"},
		{"flight number missing", set("flight_number", nil), "flight_number"},
		{"flight number malformed", set("flight_number", "12345"), "flight_number"},
		{"flight number of another carrier", set("flight_number", "AF1234"), "flight_number"},
		{"flight number as a JSON number", set("flight_number", 1234), "flight_number"},
		{"date missing", set("departure_date", nil), "departure_date"},
		{"date malformed", set("departure_date", "26/11/2026"), "departure_date"},
		{"date not the scheduled departure's", set("departure_date", "2026-11-20"), "departure_date"},
		{"status missing", set("status", nil), "status"},
		{"status unknown", set("status", "teleported"), "status"},
		{"origin malformed", set("origin", "AMSTERDAM"), "origin"},
		{"destination malformed", set("destination", "C1G"), "destination"},
		{"diverted without where to", set("status", "diverted"), "diverted_to"},
		{"diverted_to malformed", set("status", "diverted", "diverted_to", "X"), "diverted_to"},
		{"scheduled departure missing", set("scheduled_departure", nil), "scheduled_departure"},
		{"time without offset", set("estimated_departure", "2026-11-26T10:30:00"), "estimated_departure"},
		{"time not a time", set("actual_arrival", "soon"), "actual_arrival"},
		{"estimate days off the schedule", set("estimated_departure", "2026-11-30T10:30:00+01:00"), "estimated_departure"},
		{"gate too long", set("departure_gate", "GATE D-07A"), "departure_gate"},
		{"belt too long", set("baggage_belt", "BELT 12345"), "baggage_belt"},
		{"reason too long", set("reason", strings.Repeat("r", 201)), "reason"},
		{"unknown field (a typo)", set("estimated_departur", "2026-11-26T10:30:00+01:00"), "estimated_departur"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := validFlight()
			tc.change(f)
			before := ingest.calls()
			code, out := push(t, url, mustJSON(t, f))
			if code != 400 || out["error"] != "invalid flight status" {
				t.Fatalf("status %d %v, want 400 invalid flight status", code, out)
			}
			ps := problemsOf(t, out)
			if len(ps) == 0 || ps[0].Index != 0 || ps[0].Field != tc.field || ps[0].Message == "" {
				t.Fatalf("problems %+v, want one about %s", ps, tc.field)
			}
			if ingest.calls() != before {
				t.Fatal("an invalid status was ingested")
			}
		})
	}
}

// TestOneBadFlightRefusesTheBatch: the batch is all or nothing, and the problems
// say which item and field, every one of them.
func TestOneBadFlightRefusesTheBatch(t *testing.T) {
	t.Parallel()
	ingest := &fakeIngest{}
	url := flightStatusServer(t, flightStatusConfig(ingest)).URL + "/api/v1/flight-status"
	var flights []map[string]any
	for range 5 {
		flights = append(flights, validFlight())
	}
	flights[3]["estimated_departure"] = "half past ten"
	flights[4]["status"] = "teleported"
	flights[4]["departure_gate"] = "D7 next to the shop"
	code, out := push(t, url, mustJSON(t, map[string]any{"flights": flights}))
	if code != 400 {
		t.Fatalf("status %d %v", code, out)
	}
	ps := problemsOf(t, out)
	want := []struct {
		index int
		field string
	}{{3, "estimated_departure"}, {4, "status"}, {4, "departure_gate"}}
	if len(ps) != len(want) {
		t.Fatalf("problems %+v", ps)
	}
	for i, w := range want {
		if ps[i].Index != w.index || ps[i].Field != w.field {
			t.Fatalf("problem %d: %+v, want item %d field %s", i, ps[i], w.index, w.field)
		}
	}
	if ingest.calls() != 0 {
		t.Fatal("part of a refused batch was ingested")
	}

	// A thousand bad flights come back as a bounded list.
	flights = nil
	for range 1000 {
		f := validFlight()
		f["status"] = "teleported"
		flights = append(flights, f)
	}
	code, out = push(t, url, mustJSON(t, map[string]any{"flights": flights}))
	if code != 400 || len(problemsOf(t, out)) != 100 || out["omitted"] != 900.0 {
		t.Fatalf("1000 bad flights: %d, %d problems, omitted %v", code, len(problemsOf(t, out)), out["omitted"])
	}
}

func TestFlightStatusBodyShape(t *testing.T) {
	t.Parallel()
	ingest := &fakeIngest{}
	url := flightStatusServer(t, flightStatusConfig(ingest)).URL + "/api/v1/flight-status"
	many := make([]map[string]any, 1001)
	for i := range many {
		many[i] = validFlight()
	}
	huge := validFlight()
	huge["reason"] = strings.Repeat("x", 1<<20)
	for _, tc := range []struct {
		name   string
		body   []byte
		status int
	}{
		{"empty", nil, 400},
		{"not JSON", []byte("KL1234 delayed"), 400},
		{"a list", []byte(`[{"carrier":"KL"}]`), 400},
		{"null", []byte(`null`), 400},
		{"trailing data", append(mustJSON(t, validFlight()), []byte(`{}`)...), 400},
		{"flights not a list", []byte(`{"flights":"KL1234"}`), 400},
		{"flights empty", []byte(`{"flights":[]}`), 400},
		{"flights and something else", []byte(`{"flights":[],"airline":"KL"}`), 400},
		{"a flight not an object", []byte(`{"flights":[42]}`), 400},
		{"more than 1000 flights", mustJSON(t, map[string]any{"flights": many}), 413},
		{"more than 1 MiB", mustJSON(t, huge), 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := push(t, url, tc.body)
			if code != tc.status || out["error"] == nil {
				t.Fatalf("status %d %v, want %d with an error", code, out, tc.status)
			}
		})
	}
	if ingest.calls() != 0 {
		t.Fatal("a malformed push was ingested")
	}
}

func TestFlightStatusPushIsOffUntilConfigured(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(*api.Config)
	}{
		{"no watcher", func(c *api.Config) { c.FlightStatus = nil }},
		{"no token store", func(c *api.Config) { c.Tokens = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := flightStatusConfig(&fakeIngest{})
			tc.change(&c)
			url := flightStatusServer(t, c).URL + "/api/v1/flight-status"
			if code, out := push(t, url, mustJSON(t, validFlight())); code != 404 {
				t.Fatalf("status %d %v, want 404", code, out)
			}
		})
	}
}

// TestRepushedStatusIsPassedOnAsIs: the watcher makes a repeat harmless; the
// handler's part is to give it the same reports both times.
func TestRepushedStatusIsPassedOnAsIs(t *testing.T) {
	t.Parallel()
	ingest := &fakeIngest{}
	url := flightStatusServer(t, flightStatusConfig(ingest)).URL + "/api/v1/flight-status"
	body := mustJSON(t, map[string]any{"flights": []map[string]any{validFlight(), validFlight()}})
	for range 2 {
		if code, out := push(t, url, body); code != 200 {
			t.Fatalf("%d %v", code, out)
		}
	}
	if ingest.calls() != 2 || !reflect.DeepEqual(ingest.got[0], ingest.got[1]) {
		t.Fatalf("re-push gave different reports:\n%+v\n%+v", ingest.got[0], ingest.got[1])
	}
}

func TestIngestFailuresMapToStatuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"database down", domain.Errorf(domain.Unavailable, "flight watches", "database unavailable"), 503, "database unavailable"},
		{"refused by the domain", domain.Errorf(domain.Invalid, "ingest", "unknown carrier XX"), 400, "unknown carrier XX"},
		{"anything else", errors.New("pq: relation flight_watch does not exist"), 500, "internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ingest := &fakeIngest{IngestFunc: func(context.Context, []domain.FlightStatusReport) (flows.IngestResult, error) {
				return flows.IngestResult{}, tc.err
			}}
			url := flightStatusServer(t, flightStatusConfig(ingest)).URL + "/api/v1/flight-status"
			resp, out := pushRaw(t, url, "Bearer "+opsToken, mustJSON(t, validFlight()))
			if resp.StatusCode != tc.status || out["error"] != tc.msg {
				t.Fatalf("%d %v, want %d %q", resp.StatusCode, out, tc.status, tc.msg)
			}
			if tc.status == 503 && resp.Header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
		})
	}
}
