package flightstatus_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/flightstatus"
	flightstatusfake "github.com/skybridge/skybridge/integrations/flightstatus/fake"
)

// TestFakeServesTheContract checks the fake's answers, as raw JSON, against the
// schemas of openapi.yaml: every required field present (null or not), no field
// the document does not name.
func TestFakeServesTheContract(t *testing.T) {
	t.Parallel()
	p := newProvider(t, flightstatusfake.Options{PageSize: 2}, nil)
	dep := at(amsterdam, "2026-07-01 14:00")
	diverted := report("SB1008", "2026-07-01", domain.PhaseDiverted, dep.Add(-3*time.Hour), "AMS", "LHR")
	diverted.DivertedTo = "BRU"
	arrived := report("SB1006", "2026-07-01", domain.PhaseArrived, dep.Add(-4*time.Hour), "AMS", "LHR")
	arrived.BaggageBelt, arrived.ArrivalGate = "12", "A10"
	p.fake.SetMany([]domain.FlightStatusReport{
		report("SB1001", "2026-07-01", domain.PhaseScheduled, dep, "AMS", "LHR"), diverted, arrived,
	})

	get := func(url string, key string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
		if key != "" {
			req.Header.Set("x-apikey", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	check := func(schema string, v any) {
		t.Helper()
		obj, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s is %T, want an object", schema, v)
			return
		}
		props, required := flightstatus.SchemaProperties(t, schema)
		for _, r := range required {
			if _, ok := obj[r]; !ok {
				t.Errorf("%s lacks required %q", schema, r)
			}
		}
		for k := range obj {
			if !slices.Contains(props, k) {
				t.Errorf("%s has %q, which openapi.yaml does not name", schema, k)
			}
		}
	}

	url := p.srv.URL + "/aeroapi/operators/SB/flights?start=2026-07-01T00:00:00Z&end=2026-07-02T00:00:00Z"
	var pages, flights int
	for url != "" {
		status, page := get(url, apiKey)
		if status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		check("FlightsPage", page)
		for _, f := range page["flights"].([]any) {
			flights++
			check("Flight", f)
			fm := f.(map[string]any)
			check("Airport", fm["origin"])
			check("Airport", fm["destination"])
			if fm["diverted"] == true {
				check("Airport", fm["diverted_to"])
			}
		}
		pages++
		url = ""
		if links, ok := page["links"].(map[string]any); ok {
			url = p.srv.URL + "/aeroapi" + links["next"].(string)
		}
	}
	if pages != 2 || flights != 3 {
		t.Errorf("%d flights in %d pages, want 3 in 2", flights, pages)
	}

	status, body := get(p.srv.URL+"/aeroapi/operators/SB/flights?start=2026-07-01T00:00:00Z&end=2026-07-02T00:00:00Z", "")
	if status != http.StatusUnauthorized {
		t.Errorf("without a key: status %d", status)
	}
	check("Error", body)
}
