package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// The telemetry tests run the real binary with WhatsApp enabled against the fake
// Graph API, play travellers on the web chat and on WhatsApp, and read /metrics
// and the log as an operator would.

const metricsToken = "metrics-token-for-tests-0123"

// telemetryRig starts the fake Graph API and the binary on a known address; it
// waits for /healthz rather than for a log line, so that it works whatever the
// log format.
func telemetryRig(t *testing.T, extra ...string) *channelRig {
	t.Helper()
	addr := freeAddr(t)
	fake := graphfake.New(graphfake.Config{
		WhatsAppToken: "wa-token",
		StatusWebhooks: []graphfake.StatusWebhook{
			{Channel: graphfake.WhatsApp, URL: "http://" + addr + "/webhooks/whatsapp", AppSecret: waSecret},
		},
	})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	r := &channelRig{t: t, fake: fake, dir: dir}
	r.env = append([]string{
		"SKYBRIDGE_DATABASE_URL=" + filepath.Join(dir, "sky.db"),
		"SKYBRIDGE_PUBLIC_URL=http://" + addr,
		"SKYBRIDGE_GRAPH_URL=" + fake.URL(),
		"SKYBRIDGE_WHATSAPP_APP_SECRET=" + waSecret, "SKYBRIDGE_WHATSAPP_VERIFY_TOKEN=wa-verify",
		"SKYBRIDGE_WHATSAPP_ACCESS_TOKEN=wa-token", "SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID=" + graphfake.DefaultPhoneNumberID,
		"SKYBRIDGE_METRICS_TOKEN=" + metricsToken,
	}, extra...)
	r.in = startAt(t, addr, r.env...)
	return r
}

// startAt runs the binary listening on addr and waits until it answers.
func startAt(t *testing.T, addr string, env ...string) *instance {
	t.Helper()
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SKYBRIDGE_ADDR=" + addr}, env...)
	logs := &syncBuffer{}
	cmd.Stderr, cmd.Stdout = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inst := &instance{t: t, cmd: cmd, logs: logs, done: make(chan error, 1), URL: "http://" + addr}
	go func() { inst.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-inst.done
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-inst.done:
			t.Fatalf("skybridge exited before serving: %v\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(inst.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return inst
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("skybridge did not start:\n%s", logs.String())
	return nil
}

// scrapeMetrics reads /metrics with a token ("" for none).
func scrapeMetrics(t *testing.T, base, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metric returns the value of one series ("name{labels}"), -1 when absent.
func metric(body, series string) float64 {
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return -1
			}
			return f
		}
	}
	return -1
}

// sum adds every series of a metric whose labels contain all the given pairs.
func sum(body, name string, labels ...string) float64 {
	total := 0.0
	for _, l := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(l, name+"{")
		if !ok {
			continue
		}
		lbl, val, _ := strings.Cut(rest, "} ")
		match := true
		for _, want := range labels {
			if !strings.Contains(","+lbl+",", ","+want+",") {
				match = false
			}
		}
		if f, err := strconv.ParseFloat(val, 64); match && err == nil {
			total += f
		}
	}
	return total
}

func TestMetricsAfterRealTraffic(t *testing.T) {
	r := telemetryRig(t)

	// Protected: nothing without the token.
	if st, body := scrapeMetrics(t, r.in.URL, ""); st != http.StatusUnauthorized || strings.Contains(body, "skybridge_") {
		t.Fatalf("without a token: %d\n%s", st, body)
	}
	if st, _ := scrapeMetrics(t, r.in.URL, "not-the-token-at-all-000"); st != http.StatusUnauthorized {
		t.Fatalf("with a wrong token: %d", st)
	}

	// A web chat traveller starts a check-in and gives a booking.
	chat := newChat(t, r.in.URL)
	chat.send("I want to check in", "", "booking reference")
	chat.send("JN7KQP Jansen", "", "Eva Jansen")
	// A WhatsApp traveller does the same, with signed webhooks.
	wa := r.traveller("whatsapp", "31611112222")
	wa.say("I want to check in", "booking reference")
	wa.say("JN7KQP Jansen", "Eva Jansen")
	sentToWA := len(messagesOnly(r.fake.RequestsTo(wa.id)))

	// Wait for the fake's status callbacks (delivered, read) to come back.
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, b := scrapeMetrics(t, r.in.URL, metricsToken)
		if st != http.StatusOK {
			t.Fatalf("with the token: %d", st)
		}
		body = b
		if sum(body, "skybridge_outbound_deliveries_total", `channel="whatsapp"`, `result="read"`) >= float64(sentToWA) ||
			time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}

	exact := []struct {
		series string
		want   float64
	}{
		{`skybridge_inbound_events_total{channel="webchat",kind="message"}`, 2},
		{`skybridge_inbound_events_total{channel="whatsapp",kind="message"}`, 2},
		{`skybridge_outbound_deliveries_total{channel="whatsapp",code="0",result="sent"}`, float64(sentToWA)},
		{`skybridge_outbound_deliveries_total{channel="whatsapp",code="0",result="delivered"}`, float64(sentToWA)},
		{`skybridge_outbound_deliveries_total{channel="whatsapp",code="0",result="read"}`, float64(sentToWA)},
		// Four travellers' messages, each one turn: two that start the check-in
		// flow and two that continue it; none was lost or conflicted.
		{`skybridge_turns_total{flow="checkin",outcome="continued"}`, 4},
		{`skybridge_turn_seconds_count{flow="checkin"}`, 4},
		// The fake reports sent, delivered and read for every message.
		{`skybridge_inbound_events_total{channel="whatsapp",kind="status"}`, 3 * float64(sentToWA)},
		{`skybridge_call_errors_total{code="not_found",op="find_booking",system="booking"}`, -1},
	}
	for _, c := range exact {
		if got := metric(body, c.series); got != c.want {
			t.Errorf("%s = %v, want %v", c.series, got, c.want)
		}
	}
	atLeast := []struct {
		series string
		min    float64
	}{
		// Two messages and the status reports, each acknowledged with 200.
		{`skybridge_webhook_ack_seconds_count{channel="whatsapp",code="200"}`, 2 + float64(sentToWA)},
		{`skybridge_webhook_ack_seconds_count{channel="webchat",code="202"}`, 2},
		{`skybridge_call_seconds_count{op="find_booking",system="booking"}`, 2},
		{`skybridge_call_seconds_count{op="checkin_policy",system="booking"}`, 1},
		{`go_goroutines`, 1},
	}
	for _, c := range atLeast {
		if got := metric(body, c.series); got < c.min {
			t.Errorf("%s = %v, want at least %v", c.series, got, c.min)
		}
	}
	// The queue is read from the database at scrape time (every job of this
	// traffic may be done by now: TestQueueDepthShowsWaitingWork sees it full).
	if got := metric(body, "skybridge_queue_scrape_errors_total"); got != 0 {
		t.Errorf("the queue could not be read: %v errors", got)
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", grepSkybridge(body))
	}
}

func grepSkybridge(body string) string {
	var b strings.Builder
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, "skybridge_") && !strings.Contains(l, "_bucket{") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestRequestIDIsEchoedAndLogged(t *testing.T) {
	addr := freeAddr(t)
	in := startAt(t, addr, "SKYBRIDGE_DATABASE_URL="+filepath.Join(t.TempDir(), "sky.db"),
		"SKYBRIDGE_LOG_FORMAT=json", "SKYBRIDGE_LOG_LEVEL=debug", "SKYBRIDGE_STATUS_POLL=off")
	for _, c := range []struct {
		name, sent string
		kept       bool
	}{
		{"a load balancer's id", "lb-7f3a9c2e-1b4d-4e8a-9f00-0123456789ab", true},
		{"none", "", false},
		{"too long", strings.Repeat("a", 65), false},
		{"a forged log line", "x\" level=ERROR msg=forged", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, in.URL+"/readyz", nil)
			if c.sent != "" {
				req.Header.Set("X-Request-ID", c.sent)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			id := resp.Header.Get("X-Request-ID")
			if c.kept && id != c.sent {
				t.Fatalf("request id %q, want %q echoed", id, c.sent)
			}
			if !c.kept && (id == "" || id == c.sent || len(id) != 24) {
				t.Fatalf("request id %q: want a new one in place of %q", id, c.sent)
			}
			// The request's log line carries the id.
			deadline := time.Now().Add(5 * time.Second)
			for !logHas(in.logs.String(), func(l map[string]any) bool {
				return l["msg"] == "http request" && l["request_id"] == id && l["route"] == "/readyz"
			}) {
				if time.Now().After(deadline) {
					t.Fatalf("no log line with request_id %s:\n%s", id, in.logs.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

// jsonLines parses a JSON log; every line must be a JSON object.
func jsonLines(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		out = append(out, m)
	}
	return out
}

func logHas(logs string, pred func(map[string]any) bool) bool {
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && pred(m) {
			return true
		}
	}
	return false
}

// TestLogsHoldNoPersonalData checks in a WhatsApp traveller with a passport, at
// debug level in JSON, and reads the whole log: neither the passport number nor
// the phone number may appear, and every line logged while answering carries
// the request id or the conversation.
func TestLogsHoldNoPersonalData(t *testing.T) {
	const (
		phone    = "33655501234"
		passport = "X7654321"
	)
	r := telemetryRig(t, "SKYBRIDGE_LOG_FORMAT=json", "SKYBRIDGE_LOG_LEVEL=debug")
	wa := r.traveller("whatsapp", phone)
	wa.say("I want to check in", "booking reference")
	wa.say("DB4LHR Dubois", "Dubois")
	wa.tap("pax:2", "passport")
	wa.say(passport, "nationality")
	wa.say("France", "issued")
	wa.tap("same", "expire")
	wa.say("01-05-2031", "date of birth")
	wa.say("12-03-1985", "dangerous goods")
	wa.tap("yes", "seat")
	wa.tap("seat:keep", "Please check")
	wa.tap("yes", "checked in")
	time.Sleep(500 * time.Millisecond) // the last status callbacks
	r.in.stop()

	logs := r.in.logs.String()
	for _, secret := range []string{passport, phone, "+" + phone, "1985-03-12", "12-03-1985"} {
		if strings.Contains(logs, secret) {
			for _, l := range strings.Split(logs, "\n") {
				if strings.Contains(l, secret) {
					t.Errorf("personal data %q in the log: %s", secret, l)
				}
			}
		}
	}
	lines := jsonLines(t, logs)
	var requests, turns, sends int
	webhookRequests := map[any]bool{}
	for _, l := range lines {
		if l["msg"] == "http request" && l["request_id"] != nil {
			webhookRequests[l["request_id"]] = true
		}
	}
	for _, l := range lines {
		switch l["msg"] {
		case "http request":
			requests++
			if l["request_id"] == nil {
				t.Errorf("request logged without its id: %v", l)
			}
		case "turn":
			// Logged without naming the conversation: it comes from the context,
			// with the id of the webhook request that delivered the message.
			turns++
			if l["conversation"] == nil || l["inbound"] == nil {
				t.Errorf("turn logged without its conversation and message: %v", l)
			}
			if id := l["request_id"]; id == nil || !webhookRequests[id] {
				t.Errorf("turn logged without the id of the request that delivered its message: %v", l)
			}
		case "message sent":
			sends++
			if l["conversation"] == nil {
				t.Errorf("delivery logged without its conversation: %v", l)
			}
		}
		if _, ok := l["inbound"]; ok && l["conversation"] == nil {
			t.Errorf("line of a turn without the conversation: %v", l)
		}
	}
	// Every message the traveller sent was one request and one turn.
	if requests < 11 || turns != 11 || sends < 11 {
		t.Errorf("%d request lines, %d turn lines, %d sends; want at least 11, exactly 11, at least 11", requests, turns, sends)
	}
	t.Logf("%d log lines: %d requests, %d turns, %d messages sent", len(lines), requests, turns, sends)
}

// TestQueueDepthShowsWaitingWork runs an intake-only instance (no workers): a
// traveller's message waits in the queue, and /metrics shows it waiting.
func TestQueueDepthShowsWaitingWork(t *testing.T) {
	in := startAt(t, freeAddr(t), "SKYBRIDGE_DATABASE_URL="+filepath.Join(t.TempDir(), "sky.db"),
		"SKYBRIDGE_WORKERS=0", "SKYBRIDGE_STATUS_POLL=off")
	chat := newChat(t, in.URL)
	if st := chat.post("I want to check in", ""); st != http.StatusAccepted {
		t.Fatalf("post: %d", st)
	}
	time.Sleep(1100 * time.Millisecond)
	st, body := scrapeMetrics(t, in.URL, "") // no token configured: open
	if st != http.StatusOK {
		t.Fatalf("metrics: %d", st)
	}
	if got := metric(body, `skybridge_queue_jobs{kind="process_conversation",state="available"}`); got != 1 {
		t.Fatalf("waiting turns = %v, want 1:\n%s", got, grepSkybridge(body))
	}
	if age := metric(body, `skybridge_queue_oldest_seconds{kind="process_conversation"}`); age < 1 || age > 60 {
		t.Fatalf("oldest waiting turn %v s, want about a second", age)
	}
	if got := metric(body, `skybridge_inbound_events_total{channel="webchat",kind="message"}`); got != 1 {
		t.Fatalf("web chat messages = %v, want 1", got)
	}
}
