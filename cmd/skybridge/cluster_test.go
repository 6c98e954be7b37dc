package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/graphfake"
)

// The cluster test runs what production runs — several instances on one
// PostgreSQL behind a load balancer — and breaks it the two ways production
// breaks: an instance dies without warning (SIGKILL) and the database restarts.
// Traffic comes from the load command, which spreads signed webhooks over the
// instances and, like Meta, posts a webhook that was not acknowledged again.
//
// A PostgreSQL restart breaks every other test using the server at that moment,
// so the test runs only when SKYBRIDGE_TEST_PG_RESTART_CMD holds the shell
// command that restarts the server of TEST_DATABASE_URL; CI runs it on its own
// after the rest of the suite.

// pgRestartEnv names the variable holding the restart command.
const pgRestartEnv = "SKYBRIDGE_TEST_PG_RESTART_CMD"

var (
	loadBuildOnce sync.Once
	loadBinPath   string
	loadBuildErr  error
)

// loadBinary builds cmd/skybridge-load once per test run.
func loadBinary(t testing.TB) string {
	t.Helper()
	loadBuildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skybridge-load-bin")
		if err != nil {
			loadBuildErr = err
			return
		}
		loadBinPath = filepath.Join(dir, "skybridge-load")
		out, err := exec.Command("go", "build", "-o", loadBinPath, "../skybridge-load").CombinedOutput()
		if err != nil {
			loadBuildErr = fmt.Errorf("go build skybridge-load: %v\n%s", err, out)
		}
	})
	if loadBuildErr != nil {
		t.Fatal(loadBuildErr)
	}
	return loadBinPath
}

// loadReport is the part of skybridge-load's JSON report the test reads.
type loadReport struct {
	Webhooks struct {
		Sent, Redelivered, Acked int
	}
	Errors struct {
		NonOK            map[string]int `json:"non_200_acks"`
		Transport        int            `json:"transport_errors"`
		DuplicateReplies int            `json:"duplicate_replies"`
		LateReplies      int            `json:"late_replies"`
	}
	Messages struct {
		Sent, Acknowledged, Unacknowledged, Answered, Lost, Duplicated int
		DuplicateSends                                                 int `json:"duplicate_sends"`
	}
	EndToEnd struct {
		P50 float64 `json:"p50_ms"`
		P99 float64 `json:"p99_ms"`
		Max float64 `json:"max_ms"`
	} `json:"end_to_end_latency"`
}

// loadTurn is one line of skybridge-load's -turns-out file.
type loadTurn struct {
	Traveller  string      `json:"traveller"`
	Channel    string      `json:"channel"`
	MessageID  string      `json:"message_id"`
	Targets    []string    `json:"targets"`
	Statuses   []int       `json:"statuses"`
	Answered   []time.Time `json:"answered"`
	Sent       time.Time   `json:"sent"`
	Acked      time.Time   `json:"acked"`
	FirstReply time.Time   `json:"first_reply"`
	LastReply  time.Time   `json:"last_reply"`
	Replies    int         `json:"replies"`
	Duplicates int         `json:"duplicates"`
	TimedOut   bool        `json:"timed_out"`
}

// loadRun is a running skybridge-load.
type loadRun struct {
	cmd    *exec.Cmd
	fake   string // base URL of its fake Graph API
	report chan loadReport
	stderr *syncBuffer
	done   chan error
}

// startLoad runs skybridge-load with args; the report arrives on report once
// printed, and the fake Graph API stays up until stop.
func startLoad(t *testing.T, fakeAddr string, args ...string) *loadRun {
	t.Helper()
	cmd := exec.Command(loadBinary(t), append([]string{"-fake-addr", fakeAddr, "-json"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &loadRun{cmd: cmd, fake: "http://" + fakeAddr, report: make(chan loadReport, 1), stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		var rep loadReport
		if err := json.NewDecoder(bufio.NewReader(out)).Decode(&rep); err == nil {
			r.report <- rep
		}
		close(r.report)
	}()
	go func() { r.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-r.done
		}
	})
	// The fake answers once the load command is up.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(r.fake + "/_fake/faults"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load command's fake Graph API never answered:\n%s", r.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return r
}

// messages returns what the fake accepted as messages, in order of arrival.
func (r *loadRun) messages(t *testing.T) []graphfake.Request {
	t.Helper()
	resp, err := http.Get(r.fake + "/_fake/requests")
	if err != nil {
		t.Fatalf("read the fake's requests: %v", err)
	}
	defer resp.Body.Close()
	var body struct{ Requests []graphfake.Request }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("read the fake's requests: %v", err)
	}
	return messagesOnly(body.Requests)
}

// stop interrupts the load command (its fake lingers until then) and waits.
func (r *loadRun) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("skybridge-load: %v\n%s", err, r.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("skybridge-load did not end after an interrupt")
	}
}

// restartPostgres runs the restart command and returns when it has finished and
// the server accepts connections again.
func restartPostgres(t *testing.T, command, url string) time.Time {
	t.Helper()
	out, err := exec.Command("sh", "-c", command).CombinedOutput()
	if err != nil {
		t.Fatalf("restart PostgreSQL (%s): %v\n%s", command, err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		db, err := database.Open(ctx, url, nil)
		cancel()
		if err == nil {
			db.Close()
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("PostgreSQL not back 30s after the restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestClusterSurvivesSIGKILLAndPostgresRestart starts three instances on one
// PostgreSQL schema and puts them under conversational load from both channels,
// spread over all three. A flight cancellation is pushed to two of them; one
// instance is killed with SIGKILL in the middle of it, PostgreSQL is restarted,
// and the killed instance comes back. Every message an instance acknowledged is
// answered exactly once, no reply goes out twice, every traveller on the
// cancelled flight is told once, and the instances recover by themselves.
func TestClusterSurvivesSIGKILLAndPostgresRestart(t *testing.T) {
	restart := os.Getenv(pgRestartEnv)
	if restart == "" {
		t.Skip(pgRestartEnv + " is not set: this test restarts PostgreSQL, which CI does in a step of its own")
	}
	base := dbtest.PostgresURL(t)
	url := dbtest.WithSchema(t, base, dbtest.NewSchema(t, base))

	const (
		secret     = "load-secret"
		passengers = 90
		loadFor    = 60 * time.Second
	)
	fakeAddr := freeAddr(t)
	var addrs [3]string
	for i := range addrs {
		addrs[i] = freeAddr(t)
	}
	env := []string{
		"SKYBRIDGE_DATABASE_URL=" + url, "SKYBRIDGE_DATA_KEYS=" + domain.NewKey("ci"),
		"SKYBRIDGE_PUBLIC_URL=http://" + addrs[0], "SKYBRIDGE_GRAPH_URL=http://" + fakeAddr,
		"SKYBRIDGE_WHATSAPP_APP_SECRET=" + secret, "SKYBRIDGE_WHATSAPP_VERIFY_TOKEN=load-verify-token",
		"SKYBRIDGE_WHATSAPP_ACCESS_TOKEN=wa-token", "SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID=" + graphfake.DefaultPhoneNumberID,
		"SKYBRIDGE_MESSENGER_APP_SECRET=" + secret, "SKYBRIDGE_MESSENGER_VERIFY_TOKEN=load-verify-token",
		"SKYBRIDGE_MESSENGER_PAGE_ID=" + graphfake.DefaultPageID, "SKYBRIDGE_MESSENGER_PAGE_TOKEN=page-token",
		"SKYBRIDGE_MESSENGER_APP_ID=" + graphfake.DefaultAppID,
		"SKYBRIDGE_WHATSAPP_RATE=15", "SKYBRIDGE_JOB_TIMEOUT=10s", "SKYBRIDGE_STATUS_POLL=off",
	}
	// The first instance loads the demo airline the travellers check in with;
	// then the cancelled flight and its passengers are imported.
	var inst [3]*instance
	inst[0] = startB(t, append(env, "SKYBRIDGE_ADDR="+addrs[0])...)
	dep := time.Now().Add(6 * time.Hour)
	flight, phones := disruptionFile(t, passengers, 7101, dep)
	runCommand(t, env, "import", flight)
	token := strings.TrimSpace(runCommand(t, env, "token", "create", "--role", "ops", "ops"))
	for i := 1; i < len(inst); i++ {
		inst[i] = startB(t, append(env, "SKYBRIDGE_ADDR="+addrs[i])...)
	}
	defer func() {
		if t.Failed() {
			for i, in := range inst {
				logs := in.logs.String()
				t.Logf("instance %d log (last 4000 bytes):\n%s", i, logs[max(0, len(logs)-4000):])
			}
		}
	}()

	turnsOut := filepath.Join(t.TempDir(), "turns.jsonl")
	targets := make([]string, len(addrs))
	for i, a := range addrs {
		targets[i] = "http://" + a
	}
	load := startLoad(t, fakeAddr, "-targets", strings.Join(targets, ","), "-channel", "both", "-travellers", "24",
		"-rate", "25", "-duration", loadFor.String(), "-app-secret", secret, "-wa-token", "wa-token", "-page-token", "page-token",
		"-reply-timeout", "100s", "-settle", "700ms", "-redeliver-failed", "90s", "-status-webhooks",
		"-turns-out", turnsOut, "-linger", "5m")
	began := time.Now()

	// The cancellation, pushed to two instances (the operations system retries).
	time.Sleep(4 * time.Second)
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	sched := dep.Truncate(time.Minute).UTC()
	cancel := map[string]any{"carrier": "SB", "flight_number": "7101", "departure_date": dep.In(ams).Format(time.DateOnly),
		"status": "cancelled", "scheduled_departure": sched.Format(time.RFC3339), "reason": "crew shortage"}
	for _, i := range []int{0, 1} {
		if st, body := pushStatus(t, inst[i].URL, token, cancel); st != http.StatusOK {
			t.Fatalf("push to instance %d: %d %s", i, st, body)
		}
	}
	isPassenger := map[string]bool{}
	for _, p := range phones {
		isPassenger[p] = true
	}
	pushed := func() map[string]int {
		got := map[string]int{}
		for _, r := range load.messages(t) {
			if isPassenger[r.Recipient] {
				got[r.Recipient]++
			}
		}
		return got
	}
	// SIGKILL the second instance (it took one of the pushes) once the fan-out
	// is under way.
	deadline := time.Now().Add(25 * time.Second)
	for len(pushed()) < passengers/4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	killedAt := time.Now()
	inst[1].kill()
	t.Logf("instance 1 killed %s into the run, %d of %d passengers told", killedAt.Sub(began).Round(time.Millisecond), len(pushed()), passengers)

	// Restart PostgreSQL while two instances answer the load alone.
	time.Sleep(3 * time.Second)
	downAt := time.Now()
	backAt := restartPostgres(t, restart, url)
	t.Logf("PostgreSQL restarted %s into the run; the restart command took %s", downAt.Sub(began).Round(time.Millisecond),
		backAt.Sub(downAt).Round(time.Millisecond))
	time.Sleep(3 * time.Second)
	inst[1] = startB(t, append(env, "SKYBRIDGE_ADDR="+addrs[1])...)

	var rep loadReport
	select {
	case r, ok := <-load.report:
		if !ok {
			t.Fatalf("skybridge-load printed no report:\n%s", load.stderr.String())
		}
		rep = r
	case <-time.After(loadFor + 150*time.Second):
		t.Fatalf("skybridge-load did not finish:\n%s", load.stderr.String())
	}

	// Every passenger of the cancelled flight is told: a delivery the killed
	// instance held is taken over once its lease (job timeout + 45 s) expires.
	deadline = killedAt.Add(120 * time.Second)
	for len(pushed()) < passengers && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // anything sent twice would have arrived by now
	all := load.messages(t)
	told := pushed()
	load.stop(t)

	// What the load command measured, message by message.
	turns := readTurns(t, turnsOut)
	m := rep.Messages
	t.Logf("messages: %d sent, %d acknowledged, %d never acknowledged, %d answered, %d lost, %d duplicated (WhatsApp sends repeated: %d)",
		m.Sent, m.Acknowledged, m.Unacknowledged, m.Answered, m.Lost, m.Duplicated, m.DuplicateSends)
	t.Logf("webhooks: %d posted, %d acknowledged, non-2xx %v, %d without an answer; replies end to end p50 %.0f ms, p99 %.0f ms, max %.0f ms",
		rep.Webhooks.Sent, rep.Webhooks.Acked, rep.Errors.NonOK, rep.Errors.Transport, rep.EndToEnd.P50, rep.EndToEnd.P99, rep.EndToEnd.Max)
	if m.Sent < 100 || m.Acknowledged == 0 || len(turns) != m.Sent {
		t.Fatalf("too little traffic to judge: %+v, %d turn lines", m, len(turns))
	}
	// Late replies (arriving between a traveller's turns) are logged, not
	// failed: a reply set split by the outage ends its turn early, and its rest
	// arrives late. A reply sent twice is caught exactly below.
	t.Logf("late replies %d", rep.Errors.LateReplies)
	if m.Lost != 0 || m.Duplicated != 0 || m.DuplicateSends != 0 || m.Answered != m.Acknowledged {
		for _, tr := range turns {
			if !tr.Acked.IsZero() && (tr.TimedOut || tr.Duplicates > 0) {
				t.Logf("turn %+v", tr)
			}
		}
		t.Errorf("acknowledged messages not answered exactly once: %+v", m)
	}
	// A message nobody acknowledged is Meta's to redeliver, and the load command
	// did so for 90 s: with one instance always up, every message got through.
	if m.Unacknowledged != 0 {
		t.Errorf("%d messages never acknowledged in 90 s of redelivery", m.Unacknowledged)
	}
	// The outage was seen and was short: what was refused while the database was
	// down was refused with a status Meta redelivers on, never acknowledged unstored.
	for code := range rep.Errors.NonOK {
		if code != "503" && code != "500" {
			t.Errorf("webhooks answered %s during the run", code)
		}
	}

	// Every passenger told once, and every reply sent once: a send is identified
	// by our outbound id, which WhatsApp echoes (biz_opaque_callback_data), and
	// the part's content.
	missing, twice := 0, 0
	for _, p := range phones {
		switch n := told[p]; {
		case n == 0:
			missing++
		case n > 1:
			twice++
		}
	}
	if missing > 0 || twice > 0 {
		t.Errorf("cancellation of %d passengers: %d not told, %d told more than once", passengers, missing, twice)
	}
	sent := map[string][]time.Time{}
	for _, r := range all {
		if cb, _ := r.Body["biz_opaque_callback_data"].(string); cb != "" {
			key := cb + "\x00" + r.Kind + "\x00" + r.Text
			sent[key] = append(sent[key], r.Received)
			if at := sent[key]; len(at) == 2 {
				t.Errorf("sent twice: outbound %s to %s, %s and %s into the run: %s %q", cb, r.Recipient,
					at[0].Sub(began).Round(time.Millisecond), at[1].Sub(began).Round(time.Millisecond), r.Kind, r.Text)
			}
		}
	}
	// The database agrees: every acknowledged message is stored and processed,
	// nothing waits, nothing is stuck.
	var acked []string
	for _, tr := range turns {
		if !tr.Acked.IsZero() {
			acked = append(acked, tr.MessageID)
		}
	}
	checkDrained(t, url, acked)

	// Recovery: from PostgreSQL accepting connections again to the first
	// answered turn acknowledged after it, and to the answer of the last message
	// first posted while it was down (refused, redelivered, answered). Replies
	// the killed instance held wait for its delivery lease instead (job timeout
	// + 45 s after the kill): they show in the slowest reply.
	var firstTurn, drained time.Time
	var slowest time.Duration
	for _, tr := range turns {
		if !tr.Acked.Before(backAt) && !tr.FirstReply.IsZero() && (firstTurn.IsZero() || tr.FirstReply.Before(firstTurn)) {
			firstTurn = tr.FirstReply
		}
		if !tr.Sent.Before(downAt) && tr.Sent.Before(backAt) && tr.FirstReply.After(drained) {
			drained = tr.FirstReply
		}
		if !tr.FirstReply.IsZero() {
			slowest = max(slowest, tr.FirstReply.Sub(tr.Sent))
		}
	}
	refusedFrom, refusedTo := outage(turns)
	if firstTurn.IsZero() {
		t.Fatal("no turn was answered after PostgreSQL came back")
	}
	t.Logf("recovery: PostgreSQL back → first answered turn %s, → messages posted during the outage all answered %s; "+
		"webhooks refused from %s to %s after the restart began; slowest reply %s (killed at %s, restarted at %s into the run)",
		firstTurn.Sub(backAt).Round(time.Millisecond), drained.Sub(backAt).Round(time.Millisecond),
		refusedFrom.Sub(downAt).Round(time.Millisecond), refusedTo.Sub(downAt).Round(time.Millisecond),
		slowest.Round(time.Millisecond), killedAt.Sub(began).Round(time.Millisecond), downAt.Sub(began).Round(time.Millisecond))
	for i, in := range inst {
		t.Logf("instance %d errors logged: %v", i, errorLines(in.logs.String()))
	}
	if d := firstTurn.Sub(backAt); d > 30*time.Second {
		t.Errorf("first answered turn %s after PostgreSQL came back: the instances did not recover by themselves", d)
	}
	for _, in := range inst {
		in.stop()
	}
}

// readTurns reads skybridge-load's turn log.
func readTurns(t *testing.T, path string) []loadTurn {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []loadTurn
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var tr loadTurn
		if err := json.Unmarshal([]byte(line), &tr); err != nil {
			t.Fatalf("turn line %q: %v", line, err)
		}
		out = append(out, tr)
	}
	return out
}

// outage returns when the first and the last webhook post answered 5xx were
// answered.
func outage(turns []loadTurn) (from, to time.Time) {
	for _, tr := range turns {
		for i, st := range tr.Statuses {
			if st < 500 || i >= len(tr.Answered) {
				continue
			}
			if at := tr.Answered[i]; from.IsZero() || at.Before(from) {
				from = at
			}
			if at := tr.Answered[i]; at.After(to) {
				to = at
			}
		}
	}
	return from, to
}

// checkDrained asserts that every stored message was processed and every reply
// and notification left the queue.
func checkDrained(t *testing.T, url string, acked []string) {
	t.Helper()
	db, err := database.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var processed int64
	err = db.Gorm.Raw(`SELECT COUNT(*) FROM inbound_messages WHERE channel_message_id IN ? AND processed_at IS NOT NULL`, acked).
		Scan(&processed).Error
	if err != nil {
		t.Fatal(err)
	}
	if int(processed) != len(acked) {
		t.Errorf("%d of %d acknowledged messages stored and processed", processed, len(acked))
	}
	var counts []struct {
		What string
		N    int
	}
	err = db.Gorm.Raw(`SELECT 'inbound unprocessed' AS what, COUNT(*) AS n FROM inbound_messages WHERE processed_at IS NULL
		UNION ALL SELECT 'outbound ' || status, COUNT(*) FROM outbound_messages GROUP BY status
		UNION ALL SELECT 'job ' || kind || ' ' || state, COUNT(*) FROM river_job
			WHERE state NOT IN ('completed', 'cancelled') GROUP BY kind, state`).Scan(&counts).Error
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("database after the run: %+v", counts)
	for _, c := range counts {
		if c.N > 0 && (c.What == "inbound unprocessed" || c.What == "outbound queued" || c.What == "outbound failed") {
			t.Errorf("%d %s after the run", c.N, c.What)
		}
	}
}

// errorLines counts a log's error lines by message and the start of the error.
func errorLines(logs string) map[string]int {
	out := map[string]int{}
	for _, line := range strings.Split(logs, "\n") {
		if _, rest, ok := strings.Cut(line, "level=ERROR msg="); ok {
			msg := rest
			if strings.HasPrefix(rest, `"`) {
				if end := strings.Index(rest[1:], `"`); end >= 0 {
					msg = rest[1 : end+1]
				}
			} else if sp := strings.IndexByte(rest, ' '); sp >= 0 {
				msg = rest[:sp]
			}
			if _, e, ok := strings.Cut(rest, " err="); ok {
				msg += ": " + e[:min(len(e), 90)]
			}
			out[msg]++
		}
	}
	return out
}
