package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	flightstatusfake "github.com/skybridge/skybridge/integrations/flightstatus/fake"
	"github.com/skybridge/skybridge/integrations/graphfake"
)

// runCommand runs a one-shot subcommand of the binary with env and returns its
// standard output.
func runCommand(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("skybridge %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// pushStatus posts flight statuses to the operations API.
func pushStatus(t *testing.T, base, token string, body any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/flight-status", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

type flightRow struct {
	Carrier    string
	Number     int
	FlightDate string
	Departure  time.Time
	Origin     string
}

// flightOf reads a booking's first flight from the database the binary uses.
func flightOf(t *testing.T, url, locator string) flightRow {
	t.Helper()
	db, err := database.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var f flightRow
	err = db.Gorm.Raw(`SELECT f.carrier, f.number, CAST(f.flight_date AS TEXT) AS flight_date, f.departure, f.origin
		FROM pss_flights f JOIN pss_segments s ON s.flight_id = f.id JOIN pss_bookings b ON b.id = s.booking_id
		WHERE b.locator = ? ORDER BY f.departure LIMIT 1`, locator).Scan(&f).Error
	if err != nil || f.Carrier == "" {
		t.Fatalf("flight of %s: %v", locator, err)
	}
	f.FlightDate = f.FlightDate[:10]
	return f
}

// TestPushedFlightStatusReachesTheWebChat: an operations system pushes a delay
// with a token made by `skybridge token create`; the traveller who identified the
// booking in the web chat sees it at once, and a repeated push says nothing new.
func TestPushedFlightStatusReachesTheWebChat(t *testing.T) {
	dir := t.TempDir()
	url := filepath.Join(dir, "sky.db")
	env := []string{"SKYBRIDGE_DATABASE_URL=" + url, "SKYBRIDGE_STATUS_POLL=off"}
	in := start(t, env...)
	token := strings.TrimSpace(runCommand(t, env, "token", "create", "--role", "ops", "ops-centre"))
	if len(token) < 40 {
		t.Fatalf("token %q", token)
	}
	if list := runCommand(t, env, "token", "list"); !strings.Contains(list, "ops-centre") || strings.Contains(list, token) {
		t.Fatalf("token list shows %q", list)
	}

	c := newChat(t, in.URL)
	c.send("check in", "", "booking reference")
	c.send("DB4LHR Dubois", "", "DB4LHR")

	f := flightOf(t, url, "DB4LHR")
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	late := f.Departure.Add(50 * time.Minute)
	push := map[string]any{
		"carrier": f.Carrier, "flight_number": fmt.Sprint(f.Number), "departure_date": f.FlightDate,
		"status": "delayed", "scheduled_departure": f.Departure.Format(time.RFC3339),
		"estimated_departure": late.Format(time.RFC3339), "departure_gate": "D7", "reason": "late inbound aircraft",
	}
	if st, body := pushStatus(t, in.URL, "wrong-token", push); st != http.StatusUnauthorized {
		t.Fatalf("bad token: %d %s", st, body)
	}
	st, body := pushStatus(t, in.URL, token, push)
	if st != http.StatusOK || !strings.Contains(body, `"events":1`) {
		t.Fatalf("push: %d %s", st, body)
	}
	msgs := c.waitFor(late.In(ams).Format("15:04"))
	var pushed []message
	for _, m := range msgs {
		if strings.Contains(m.Text, "delayed") {
			pushed = append(pushed, m)
		}
	}
	if len(pushed) != 1 || !strings.Contains(pushed[0].Text, "late inbound aircraft") {
		t.Fatalf("web chat got %+v", msgs)
	}
	if id, _ := choice(t, pushed, "intent:resume"); id == "" {
		t.Fatal("no way back to the check-in")
	}
	// The same push again, and in a batch: nothing new is said.
	if st, body := pushStatus(t, in.URL, token, map[string]any{"flights": []any{push, push}}); st != http.StatusOK || !strings.Contains(body, `"events":0`) {
		t.Fatalf("repeat: %d %s", st, body)
	}
	time.Sleep(time.Second)
	for _, m := range c.fetch() {
		if strings.Contains(m.Text, "delayed") {
			t.Fatalf("told twice: %+v", m)
		}
	}
	// "Continue where I was" asks the check-in question again.
	c.send("Continue where I was", "intent:resume", "Who would you like to check in")
	if out := runCommand(t, env, "notifications"); !strings.Contains(out, "queued       2") {
		t.Fatalf("notifications:\n%s", out)
	}
	in.stop()
}

// disruptionFile is an import with one flight of n single-passenger bookings, each
// with its own WhatsApp number, leaving in a few hours.
func disruptionFile(t *testing.T, n int, number int, dep time.Time) (string, []string) {
	t.Helper()
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	dep = dep.In(ams).Truncate(time.Minute)
	arr := dep.Add(80 * time.Minute)
	lon, _ := time.LoadLocation("Europe/London")
	var bookings []any
	var phones []string
	for i := 0; i < n; i++ {
		phone := fmt.Sprintf("3162%03d%05d", number%1000, i)
		phones = append(phones, phone)
		bookings = append(bookings, map[string]any{
			"locator": fmt.Sprintf("Z%02d%03d", number%100, i)[:6],
			"contact": map[string]any{"whatsapp": "+" + phone, "lang": "en"},
			"passengers": []any{map[string]any{"given": "Test", "surname": fmt.Sprintf("Traveller%d", i), "type": "ADT",
				"ticket_number": fmt.Sprintf("999%04d%06d", number%10000, i)}},
			"segments": []any{map[string]any{"carrier": "SB", "number": number, "date": dep.Format(time.DateOnly),
				"cabin": "Y", "booking_class": "Y", "status": "HK"}},
		})
	}
	doc := map[string]any{
		"airline": map[string]any{"iata": "SB", "icao": "SKB", "name": "Skybridge Air", "ticket_prefix": "999"},
		"flights": []any{map[string]any{"carrier": "SB", "number": number, "date": dep.Format(time.DateOnly),
			"origin": "AMS", "destination": "LHR", "departure": dep.Format("2006-01-02T15:04"),
			"arrival": arr.In(lon).Format("2006-01-02T15:04"), "gate": "D7",
			"cabins": []any{map[string]any{"cabin": "Y", "first_row": 1, "last_row": 60, "letters": []string{"A", "B", "C", "D", "E", "F"}}}}},
		"bookings": bookings,
	}
	b, _ := json.Marshal(doc)
	path := filepath.Join(t.TempDir(), fmt.Sprintf("flight%d.json", number))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, phones
}

// TestThreeInstancesNotifyEveryTravellerOnce runs three instances on one
// PostgreSQL database. One flight's delay comes from polling a status provider
// (every instance polls), another's cancellation is pushed to one instance; one
// instance is killed with SIGKILL in the middle of the fan-out. Every traveller
// gets exactly one message per event.
func TestThreeInstancesNotifyEveryTravellerOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three instances")
	}
	base := dbtest.PostgresURL(t)
	url := dbtest.WithSchema(t, base, dbtest.NewSchema(t, base))
	const n = 150
	dep := time.Now().Add(5 * time.Hour)
	polled, polledPhones := disruptionFile(t, n, 7001, dep)
	pushed, pushedPhones := disruptionFile(t, n, 7002, dep.Add(time.Hour))

	provider := flightstatusfake.New(flightstatusfake.Options{APIKey: "status-key", PageSize: 50})
	ps := httptest.NewServer(provider)
	t.Cleanup(ps.Close)

	// Meta reports each accepted message back (status "sent", with our id in
	// biz_opaque_callback_data): that is how a message accepted just before its
	// sender was killed is known to be sent and is not sent again.
	addr0 := freeAddr(t)
	fake := graphfake.New(graphfake.Config{WhatsAppToken: "wa-token", StatusWebhooks: []graphfake.StatusWebhook{
		{Channel: graphfake.WhatsApp, URL: "http://" + addr0 + "/webhooks/whatsapp", AppSecret: waSecret}}})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	env := []string{
		"SKYBRIDGE_DATABASE_URL=" + url, "SKYBRIDGE_DATA_KEYS=" + domain.NewKey("ci"), "SKYBRIDGE_DEMO=false",
		"SKYBRIDGE_GRAPH_URL=" + fake.URL(),
		"SKYBRIDGE_WHATSAPP_APP_SECRET=" + waSecret, "SKYBRIDGE_WHATSAPP_VERIFY_TOKEN=wa-verify",
		"SKYBRIDGE_WHATSAPP_ACCESS_TOKEN=wa-token", "SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID=" + graphfake.DefaultPhoneNumberID,
		"SKYBRIDGE_WHATSAPP_RATE=40", "SKYBRIDGE_JOB_TIMEOUT=10s",
		"SKYBRIDGE_STATUS_URL=" + ps.URL, "SKYBRIDGE_STATUS_API_KEY=status-key", "SKYBRIDGE_STATUS_POLL=@every 1s",
	}
	runCommand(t, env, "import", polled)
	runCommand(t, env, "import", pushed)
	token := strings.TrimSpace(runCommand(t, env, "token", "create", "--role", "ops", "ops"))

	var inst [3]*instance
	inst[0] = startB(t, append([]string{"SKYBRIDGE_ADDR=" + addr0}, env...)...)
	for i := 1; i < len(inst); i++ {
		inst[i] = startB(t, env...)
	}
	// The provider reports the first flight 45 minutes late: all three instances
	// poll it every second.
	key := func(num int, d time.Time) domain.FlightKey {
		ams, _ := time.LoadLocation("Europe/Amsterdam")
		return domain.FlightKey{Flight: domain.FlightNumber{Carrier: "SB", Number: num}, Date: d.In(ams).Format(time.DateOnly)}
	}
	sched := dep.Truncate(time.Minute).UTC()
	provider.Set(domain.FlightStatusReport{Key: key(7001, dep), Phase: domain.PhaseScheduled, Origin: "AMS", Destination: "LHR",
		ScheduledDeparture: sched, EstimatedDeparture: sched.Add(45 * time.Minute), ScheduledArrival: sched.Add(80 * time.Minute),
		DepartureGate: "D7"})
	// The second flight's cancellation is pushed, twice, to different instances.
	sched2 := dep.Add(time.Hour).Truncate(time.Minute).UTC()
	cancel := map[string]any{"carrier": "SB", "flight_number": "7002", "departure_date": key(7002, dep.Add(time.Hour)).Date,
		"status": "cancelled", "scheduled_departure": sched2.Format(time.RFC3339), "reason": "crew shortage"}
	for _, i := range []int{0, 1} {
		if st, body := pushStatus(t, inst[i].URL, token, cancel); st != http.StatusOK {
			t.Fatalf("push to instance %d: %d %s", i, st, body)
		}
	}
	// Kill one instance once the fan-out is under way, then bring it back.
	deadline := time.Now().Add(30 * time.Second)
	for len(fake.Requests()) < 40 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	inst[1].kill()
	inst[1] = startB(t, env...)

	want := map[string]int{}
	for _, p := range polledPhones {
		want[p]++
	}
	for _, p := range pushedPhones {
		want[p]++
	}
	count := func() (map[string]int, int) {
		got, total := map[string]int{}, 0
		for _, r := range fake.Requests() {
			if r.IsMessage() && r.Channel == graphfake.WhatsApp {
				got[r.Recipient]++
				total++
			}
		}
		return got, total
	}
	// A job of the killed instance is taken over once its timeout has passed
	// (10 s here, plus 15 s), its delivery leases 45 s after the timeout.
	killed := time.Now()
	deadline = time.Now().Add(150 * time.Second)
	for {
		_, total := count()
		if total >= 2*n || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("all messages %s after the kill", time.Since(killed).Round(time.Second))
	time.Sleep(3 * time.Second) // anything doubled would arrive by now
	got, total := count()
	missing, doubled := 0, 0
	for p, w := range want {
		switch {
		case got[p] < w:
			missing++
		case got[p] > w:
			doubled++
			for _, r := range fake.Requests() {
				if r.Recipient == p && r.IsMessage() {
					t.Logf("doubled %s: request %d at %s (kill at %s) %s", p, r.Seq, r.Received.Format("15:04:05.000"),
						killed.Format("15:04:05.000"), r.Text)
				}
			}
		}
	}
	if missing > 0 || doubled > 0 || total != 2*n {
		if db, err := database.Open(context.Background(), url, nil); err == nil {
			var rows []struct {
				Status string
				N      int
			}
			db.Gorm.Raw(`SELECT status, COUNT(*) AS n FROM outbound_messages GROUP BY status`).Scan(&rows)
			t.Logf("outbound by status: %+v", rows)
			rows = nil
			db.Gorm.Raw(`SELECT status, COUNT(*) AS n FROM notifications GROUP BY status`).Scan(&rows)
			t.Logf("notifications by status: %+v", rows)
			rows = nil
			db.Gorm.Raw(`SELECT kind || ':' || state AS status, COUNT(*) AS n FROM river_job GROUP BY kind, state`).Scan(&rows)
			t.Logf("jobs: %+v", rows)
			db.Close()
		}
		t.Fatalf("%d messages for %d travellers × 1 event: %d travellers missing a message, %d told twice", total, 2*n, missing, doubled)
	}
	// Each traveller got the template of their event (outside the service window).
	for _, r := range fake.Requests() {
		if r.IsMessage() && r.Kind != "template" {
			t.Fatalf("not a template: %+v", r)
		}
	}
	for _, in := range inst {
		in.stop()
	}
}

// TestShutdownDoesNotWaitForOpenChatStreams: an open web chat stream ends when
// shutdown starts (the browser reconnects), so SIGTERM is not held for the whole
// deadline.
func TestShutdownDoesNotWaitForOpenChatStreams(t *testing.T) {
	in := start(t, "SKYBRIDGE_DATABASE_URL="+filepath.Join(t.TempDir(), "sky.db"), "SKYBRIDGE_SHUTDOWN_TIMEOUT=20s",
		"SKYBRIDGE_STATUS_POLL=off")
	c := newChat(t, in.URL)
	c.send("hello", "", "")
	resp, err := http.Get(in.URL + "/chat/api/stream?session=" + c.session + "&after=0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", resp.StatusCode)
	}
	began := time.Now()
	in.stop()
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("shutdown took %s with a chat stream open", d)
	}
	io.Copy(io.Discard, resp.Body) // the server ended the stream
}
