package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/flightstatus"
	"github.com/skybridge/skybridge/integrations/graphfake"
)

// TestFanOutRidesOutAThrottlingStorm: a cancellation is pushed for a flight of 40
// travellers, each with their own WhatsApp number, while the Graph API answers
// the first 60 sends with 429 / 130429 (throughput reached). Every traveller ends
// up with exactly one message, and the binary logs the refusals as retries, not
// as errors.
func TestFanOutRidesOutAThrottlingStorm(t *testing.T) {
	const n, storm = 40, 60
	addr := freeAddr(t)
	fake := graphfake.New(graphfake.Config{WhatsAppToken: "wa-token", StatusWebhooks: []graphfake.StatusWebhook{
		{Channel: graphfake.WhatsApp, URL: "http://" + addr + "/webhooks/whatsapp", AppSecret: waSecret}}})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	env := []string{
		"SKYBRIDGE_DATABASE_URL=" + filepath.Join(dir, "sky.db"), "SKYBRIDGE_DEMO=false", "SKYBRIDGE_STATUS_POLL=off",
		"SKYBRIDGE_PUBLIC_URL=http://" + addr, "SKYBRIDGE_GRAPH_URL=" + fake.URL(),
		"SKYBRIDGE_WHATSAPP_APP_SECRET=" + waSecret, "SKYBRIDGE_WHATSAPP_VERIFY_TOKEN=wa-verify",
		"SKYBRIDGE_WHATSAPP_ACCESS_TOKEN=wa-token", "SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID=" + graphfake.DefaultPhoneNumberID,
	}
	dep := time.Now().Add(4 * time.Hour)
	file, phones := disruptionFile(t, n, 7301, dep)
	runCommand(t, env, "import", file)
	token := strings.TrimSpace(runCommand(t, env, "token", "create", "--role", "ops", "ops"))
	if err := fake.SetFaults(graphfake.Faults{Throttle: graphfake.Fault{Next: storm}}); err != nil {
		t.Fatal(err)
	}
	in := startB(t, append([]string{"SKYBRIDGE_ADDR=" + addr}, env...)...)

	ams, _ := time.LoadLocation("Europe/Amsterdam")
	sched := dep.In(ams).Truncate(time.Minute).UTC()
	cancel := map[string]any{"carrier": "SB", "flight_number": "7301", "departure_date": dep.In(ams).Format(time.DateOnly),
		"status": "cancelled", "scheduled_departure": sched.Format(time.RFC3339), "reason": "crew shortage"}
	if st, body := pushStatus(t, in.URL, token, cancel); st != http.StatusOK || !strings.Contains(body, `"events":1`) {
		t.Fatalf("push: %d %s", st, body)
	}

	count := func() (got map[string]int, refused int) {
		got = map[string]int{}
		for _, r := range fake.Requests() {
			switch {
			case r.IsMessage() && r.Channel == graphfake.WhatsApp:
				got[r.Recipient]++
			case !r.Accepted() && r.ErrorCode == 130429:
				refused++
			}
		}
		return got, refused
	}
	start := time.Now()
	deadline := start.Add(2 * time.Minute)
	for {
		got, _ := count()
		if len(got) >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("every traveller reached %s after the push", time.Since(start).Round(100*time.Millisecond))
	time.Sleep(3 * time.Second) // anything sent twice would arrive by now
	got, refused := count()
	if refused != storm {
		t.Errorf("%d sends refused with 130429, want the %d injected", refused, storm)
	}
	missing, doubled := 0, 0
	for _, p := range phones {
		switch {
		case got[p] == 0:
			missing++
		case got[p] > 1:
			doubled++
		}
	}
	if missing > 0 || doubled > 0 || len(got) != n {
		t.Fatalf("%d travellers reached (want %d): %d missing a message, %d told more than once", len(got), n, missing, doubled)
	}
	for _, r := range fake.Requests() {
		if r.IsMessage() && (r.Kind != "template" || !strings.Contains(r.Text, "cancelled")) {
			t.Fatalf("want the cancellation template (the travellers never wrote), got %+v", r)
		}
	}
	in.stop()
	logs := in.logs.String()
	if !strings.Contains(logs, "delivery will be retried") {
		t.Errorf("the refusals were not logged as retries:\n%s", logs)
	}
	var errs []string
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "level=ERROR") {
			errs = append(errs, line)
		}
	}
	if len(errs) > 0 {
		t.Errorf("throttling is routine, yet %d errors were logged:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	if out := runCommand(t, env, "notifications"); !strings.Contains(out, fmt.Sprintf("queued       %d", n)) {
		t.Errorf("notifications:\n%s", out)
	}
}

// noFlights is a schedule with nothing in it: the test asks the simulator for the
// status of flights it builds itself.
type noFlights struct{}

func (noFlights) FlightsDeparting(context.Context, time.Time, time.Time) ([]domain.Flight, error) {
	return nil, nil
}

// simulatedDelay finds a flight the demo simulator (as the binary runs it: seed 0,
// default proportions) will report delayed exactly at when, and as scheduled
// until then: a flight number and a departure such that the delay is announced
// at that instant. It returns the flight and its status once delayed.
func simulatedDelay(t *testing.T, when time.Time) (domain.Flight, domain.FlightStatusReport) {
	t.Helper()
	sim := flightstatus.NewSimulator(flightstatus.SimulatorConfig{Manifest: noFlights{}})
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	lon, _ := time.LoadLocation("Europe/London")
	flight := func(number int, dep time.Time) domain.Flight {
		return domain.Flight{Number: domain.FlightNumber{Carrier: "SB", Number: number},
			Origin:      domain.Airport{Code: "AMS", City: "Amsterdam", Location: ams},
			Destination: domain.Airport{Code: "LHR", City: "London", Location: lon},
			Departure:   dep, Arrival: dep.Add(80 * time.Minute), Gate: "D7", BoardingMin: 40, Status: domain.FlightScheduled}
	}
	delayed := func(r domain.FlightStatusReport) bool {
		return r.Phase == domain.PhaseScheduled && r.EstimatedDeparture.Sub(r.ScheduledDeparture) >= 15*time.Minute
	}
	// The story of a flight depends on its number and date only; the delay is
	// told a whole number of minutes (70 to 250) before departure. The departure
	// (when plus that lead) may fall on today's date or tomorrow's.
	day := time.Date(when.In(ams).Year(), when.In(ams).Month(), when.In(ams).Day(), 12, 0, 0, 0, ams)
	for number := 7400; number < 8000; number++ {
		for _, probe := range []time.Time{day, day.AddDate(0, 0, 1)} {
			f := flight(number, probe)
			lead := time.Duration(0)
			for m := 60; m <= 300; m++ {
				if delayed(sim.Status(f, probe.Add(-time.Duration(m)*time.Minute))) {
					lead = time.Duration(m) * time.Minute // told at least this long before
				}
			}
			if lead == 0 {
				continue // not delayed on this date
			}
			dep := when.Add(lead)
			if dep.In(ams).Format(time.DateOnly) != probe.Format(time.DateOnly) {
				continue // another date is another story
			}
			f = flight(number, dep)
			before, after := sim.Status(f, when.Add(-time.Second)), sim.Status(f, when)
			if before.Phase != domain.PhaseScheduled || !before.EstimatedDeparture.Equal(before.ScheduledDeparture) || !delayed(after) {
				continue
			}
			// Nothing else happens before it: the first polls see the schedule.
			if now := sim.Status(f, time.Now()); now.Phase != domain.PhaseScheduled || !now.EstimatedDeparture.Equal(now.ScheduledDeparture) {
				continue
			}
			return f, after
		}
	}
	t.Fatal("no flight number in SB7400–7999 is delayed by the simulator: did its proportions change?")
	return domain.Flight{}, domain.FlightStatusReport{}
}

// TestDemoSimulatorReachesTheWebChat runs the binary with its defaults (the demo
// airline and its status simulator) polling every second. The demo bookings'
// flights are where the demo puts them, and their simulated stories unfold over
// hours, so the test adds one booking to the demo airline, on a flight whose
// simulated story (deterministic: Simulator.Status) announces a delay about 20
// seconds from now. The traveller identifies the booking in the web chat; when the
// simulator starts reporting the delay, the next poll raises it and the chat shows
// the push, once.
func TestDemoSimulatorReachesTheWebChat(t *testing.T) {
	dir := t.TempDir()
	env := []string{"SKYBRIDGE_DATABASE_URL=" + filepath.Join(dir, "sky.db"), "SKYBRIDGE_STATUS_POLL=@every 1s"}
	in := start(t, env...)
	// The start-up log may reach in.logs just after start has seen "serving".
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(in.logs.String(), "flight status simulated for the demo airline"); {
		if time.Now().After(deadline) {
			t.Fatalf("the demo simulator is not the status source:\n%s", in.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	delayAt := time.Now().Add(20 * time.Second).Truncate(time.Second)
	f, late := simulatedDelay(t, delayAt)
	t.Logf("%s leaves %s; the simulator delays it to %s (%s) from %s",
		f.Number, f.Departure.Format(time.TimeOnly), late.EstimatedDeparture.Format(time.TimeOnly), late.Reason, delayAt.Format(time.TimeOnly))
	ams, lon := f.Origin.Location, f.Destination.Location
	locator := fmt.Sprintf("SM%04d", f.Number.Number)
	doc := map[string]any{
		"airline": map[string]any{"iata": "SB", "icao": "SKB", "name": "Skybridge Air", "ticket_prefix": "999",
			"check_in": map[string]any{"opens_hours": 30, "closes_minutes": 60}},
		"flights": []any{map[string]any{"carrier": "SB", "number": f.Number.Number, "date": f.Departure.In(ams).Format(time.DateOnly),
			"origin": "AMS", "destination": "LHR", "departure": f.Departure.In(ams).Format("2006-01-02T15:04:05"),
			"arrival": f.Arrival.In(lon).Format("2006-01-02T15:04:05"), "gate": "D7", "aircraft": "A320",
			"cabins": []any{map[string]any{"cabin": "Y", "first_row": 1, "last_row": 30, "letters": []string{"A", "B", "C", "D", "E", "F"}}}}},
		"bookings": []any{map[string]any{
			"locator": locator, "contact": map[string]any{"email": "sam@example.com", "lang": "en"},
			"passengers": []any{map[string]any{"given": "Sam", "surname": "Simulated", "type": "ADT", "ticket_number": fmt.Sprintf("999%010d", f.Number.Number)}},
			"segments": []any{map[string]any{"carrier": "SB", "number": f.Number.Number, "date": f.Departure.In(ams).Format(time.DateOnly),
				"cabin": "Y", "booking_class": "Y", "status": "HK"}},
		}},
	}
	b, _ := json.Marshal(doc)
	file := filepath.Join(t.TempDir(), "simulated.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	runCommand(t, env, "import", file)

	c := newChat(t, in.URL)
	c.send("check in", "", "booking reference")
	c.send(locator+" Simulated", "", locator)
	if left := time.Until(delayAt); left < time.Second {
		t.Fatalf("the booking was identified only %s before the delay: the machine is too slow for this test", left)
	}

	newTime := late.EstimatedDeparture.In(ams).Format("15:04")
	pushed := func() []message {
		var out []message
		for _, m := range c.seen {
			if strings.Contains(m.Text, "is delayed") {
				out = append(out, m)
			}
		}
		return out
	}
	deadline := delayAt.Add(20 * time.Second)
	for len(pushed()) == 0 && time.Now().Before(deadline) {
		c.fetch()
		time.Sleep(100 * time.Millisecond)
	}
	if len(pushed()) == 0 {
		t.Fatalf("no delay push %s after the simulator announced it; chat: %+v\nlogs:\n%s",
			time.Since(delayAt).Round(time.Second), c.seen, in.logs.String())
	}
	if at := time.Now(); at.Before(delayAt) {
		t.Fatalf("pushed at %s, before the simulator announced the delay at %s", at.Format(time.TimeOnly), delayAt.Format(time.TimeOnly))
	}
	t.Logf("pushed %s after the simulator announced the delay", time.Since(delayAt).Round(100*time.Millisecond))
	p := pushed()[0]
	if !strings.Contains(p.Text, f.Number.String()) || !strings.Contains(p.Text, newTime) || !strings.Contains(p.Text, late.Reason) {
		t.Fatalf("push %q: want %s, the new time %s and the simulator's reason %q", p.Text, f.Number, newTime, late.Reason)
	}
	if id, _ := choice(t, []message{p}, "intent:resume"); id == "" {
		t.Fatal("no way back to the check-in")
	}
	// Polls go on every second: the same delay is not told again.
	time.Sleep(3 * time.Second)
	c.fetch()
	if n := len(pushed()); n != 1 {
		t.Fatalf("the delay was told %d times: %+v", n, pushed())
	}
	in.stop()
}
