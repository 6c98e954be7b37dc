package flightstatusfake_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	flightstatusfake "github.com/skybridge/skybridge/integrations/flightstatus/fake"
)

const key = "k-123"

var dep = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func flight(number string, dep time.Time) domain.FlightStatusReport {
	n, _ := domain.ParseFlightNumber(number)
	return domain.FlightStatusReport{
		Key: domain.FlightKey{Flight: n, Date: dep.Format(time.DateOnly)}, Phase: domain.PhaseScheduled,
		Origin: "AMS", Destination: "LHR", ScheduledDeparture: dep, ScheduledArrival: dep.Add(75 * time.Minute),
	}
}

func serve(t *testing.T, o flightstatusfake.Options) (*flightstatusfake.Server, *httptest.Server) {
	t.Helper()
	f := flightstatusfake.New(o)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

type answer struct {
	status     int
	retryAfter string
	body       map[string]any
}

func get(t *testing.T, ctx context.Context, url, apiKey string) (answer, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if apiKey != "" {
		req.Header.Set("x-apikey", apiKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return a, nil
}

func window(srv *httptest.Server, carrier string) string {
	return srv.URL + "/operators/" + carrier + "/flights?start=2026-07-01T00:00:00Z&end=2026-07-02T00:00:00Z"
}

func TestFailNextInjectsErrorsInOrder(t *testing.T) {
	t.Parallel()
	f, srv := serve(t, flightstatusfake.Options{APIKey: key})
	f.Set(flight("SB1", dep))
	f.FailNext(2, 0, 0)
	f.FailNext(1, http.StatusTooManyRequests, 1500*time.Millisecond)

	var statuses []int
	for range 4 {
		a, err := get(t, t.Context(), window(srv, "SB"), key)
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, a.status)
		if a.status == http.StatusTooManyRequests && a.retryAfter != "2" {
			t.Errorf("429 Retry-After = %q, want 2 (seconds, rounded)", a.retryAfter)
		}
		if a.status != http.StatusOK && a.body["status"] != float64(a.status) {
			t.Errorf("error body %v does not carry status %d", a.body, a.status)
		}
	}
	if got := statuses; got[0] != 500 || got[1] != 500 || got[2] != 429 || got[3] != 200 {
		t.Errorf("statuses = %v, want 500 500 429 200", got)
	}
	if f.Requests() != 4 {
		t.Errorf("Requests() = %d, want 4", f.Requests())
	}
	for i, r := range f.Received() {
		if r.Status != statuses[i] || r.Path != "/operators/SB/flights" {
			t.Errorf("request %d recorded as %+v", i, r)
		}
	}

	// A request without the key is refused before any fault is spent.
	f.FailNext(1, 503, 0)
	if a, _ := get(t, t.Context(), window(srv, "SB"), "wrong"); a.status != http.StatusUnauthorized {
		t.Errorf("wrong key: status %d", a.status)
	}
	if a, _ := get(t, t.Context(), window(srv, "SB"), key); a.status != http.StatusServiceUnavailable {
		t.Errorf("queued fault after a refused request: status %d, want 503", a.status)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	f, srv := serve(t, flightstatusfake.Options{APIKey: key})
	f.SetLatency(150 * time.Millisecond)
	start := time.Now()
	if a, err := get(t, t.Context(), window(srv, "SB"), key); err != nil || a.status != 200 {
		t.Fatalf("slow answer: %+v, %v", a, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered in %s, want at least 150ms", d)
	}

	// A client that gives up frees the fake at once.
	f.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	if _, err := get(t, ctx, window(srv, "SB"), key); err == nil {
		t.Fatal("an hour's latency answered within 30ms")
	}
	f.SetLatency(0)
	if a, err := get(t, t.Context(), window(srv, "SB"), key); err != nil || a.status != 200 {
		t.Errorf("after latency removed: %+v, %v", a, err)
	}
}

func TestPagesAndWindow(t *testing.T) {
	t.Parallel()
	f, srv := serve(t, flightstatusfake.Options{APIKey: key, PageSize: 2})
	for i, n := range []string{"SB5", "SB3", "SB4", "SB1", "SB2"} {
		f.Set(flight(n, dep.Add(time.Duration(i)*time.Hour)))
	}
	f.Set(flight("XY1", dep))                    // another airline
	f.Set(flight("SB9", dep.Add(-13*time.Hour))) // the day before
	f.Set(flight("SB8", time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)))

	var got []string
	url := window(srv, "SB")
	for pages := 0; url != ""; pages++ {
		if pages > 5 {
			t.Fatal("pages do not end")
		}
		a, err := get(t, t.Context(), url, key)
		if err != nil || a.status != 200 {
			t.Fatalf("page %d: %+v, %v", pages, a, err)
		}
		if a.body["num_pages"] != float64(1) {
			t.Errorf("num_pages = %v", a.body["num_pages"])
		}
		for _, fl := range a.body["flights"].([]any) {
			got = append(got, fl.(map[string]any)["ident_iata"].(string))
		}
		url = ""
		if links := a.body["links"]; links != nil {
			next := links.(map[string]any)["next"].(string)
			if !strings.HasPrefix(next, "/operators/SB/flights?") || !strings.Contains(next, "cursor=") {
				t.Errorf("next = %q", next)
			}
			url = srv.URL + next
		}
	}
	if strings.Join(got, " ") != "SB5 SB3 SB4 SB1 SB2" {
		t.Errorf("flights = %v, want SB's five of the day in departure order", got)
	}
	if f.Requests() != 3 {
		t.Errorf("%d requests for 5 flights in pages of 2", f.Requests())
	}

	f.Remove(flight("SB5", dep).Key)
	if a, _ := get(t, t.Context(), window(srv, "SB"), key); len(a.body["flights"].([]any)) != 2 || a.body["flights"].([]any)[0].(map[string]any)["ident_iata"] != "SB3" {
		t.Errorf("after Remove: %v", a.body["flights"])
	}

	for url, want := range map[string]int{
		window(srv, "SB") + "&cursor=%21%21":                               http.StatusBadRequest,
		srv.URL + "/operators/SB/flights?start=yesterday&end=today":        http.StatusBadRequest,
		srv.URL + "/operators/SB/flights?end=2026-07-02T00:00:00Z":         http.StatusBadRequest,
		srv.URL + "/airports/AMS/flights?start=2026-07-01T00:00:00Z&end=x": http.StatusNotFound,
	} {
		if a, _ := get(t, t.Context(), url, key); a.status != want {
			t.Errorf("GET %s: status %d, want %d", url, a.status, want)
		}
	}
}

func TestAnswerShape(t *testing.T) {
	t.Parallel()
	f, srv := serve(t, flightstatusfake.Options{})
	departed := flight("SB2", dep)
	departed.Phase, departed.EstimatedDeparture = domain.PhaseDeparted, dep.Add(20*time.Minute)
	late := flight("SB3", dep.Add(time.Hour))
	late.EstimatedDeparture, late.DepartureGate = dep.Add(time.Hour+30*time.Minute), "D7"
	f.SetMany([]domain.FlightStatusReport{flight("SB1A", dep.Add(-time.Hour)), departed, late})

	a, err := get(t, t.Context(), window(srv, "SB"), "any key will do")
	if err != nil || a.status != 200 {
		t.Fatalf("%+v, %v", a, err)
	}
	fl := a.body["flights"].([]any)
	plain, dp, lt := fl[0].(map[string]any), fl[1].(map[string]any), fl[2].(map[string]any)
	if plain["ident_iata"] != "SB1A" || plain["flight_number"] != "1A" || plain["operator_iata"] != "SB" || plain["status"] != "Scheduled" {
		t.Errorf("plain flight = %v", plain)
	}
	for _, k := range []string{"estimated_out", "actual_out", "gate_origin", "baggage_claim", "departure_delay"} {
		if v, ok := plain[k]; !ok || v != nil {
			t.Errorf("unknown %s = %v (present %v), want null", k, v, ok)
		}
	}
	if dp["actual_out"] != "2026-07-01T12:20:00Z" || dp["departure_delay"] != float64(1200) || dp["status"] != "En Route / Delayed" {
		t.Errorf("departed flight = %v, want actual_out from its best known departure", dp)
	}
	if lt["status"] != "Scheduled / Delayed" || lt["gate_origin"] != "D7" || lt["departure_delay"] != float64(1800) {
		t.Errorf("delayed flight = %v", lt)
	}
	if o := plain["origin"].(map[string]any); o["code_iata"] != "AMS" || o["code"] != "AMS" || o["code_icao"] != nil {
		t.Errorf("origin = %v", o)
	}

	if a, _ := get(t, t.Context(), window(srv, "SB"), ""); a.status != http.StatusUnauthorized || a.body["title"] != "Invalid API key" {
		t.Errorf("no key: %+v", a)
	}
}
