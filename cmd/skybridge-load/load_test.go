package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// testConfig is a short run against target with the documented defaults.
func testConfig(t *testing.T, target string, args ...string) config {
	t.Helper()
	base := []string{"-target", target, "-fake-addr", "127.0.0.1:0", "-duration", "1s", "-travellers", "4",
		"-settle", "60ms", "-reply-timeout", "2s", "-bookings", "JN7KQP Jansen", "-wa-token", "wa-token", "-page-token", "page-token"}
	cfg, err := parseFlags(append(base, args...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func runLoad(t *testing.T, b *bot, cfg config) Report {
	t.Helper()
	cfg.fakeReady = b.setGraph
	var out bytes.Buffer
	r, err := execute(context.Background(), cfg, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.badShape) > 0 {
		t.Fatalf("webhooks not shaped like Meta's: %v", b.badShape[:min(3, len(b.badShape))])
	}
	return r
}

func TestConversationsOnEveryChannel(t *testing.T) {
	t.Parallel()
	for _, channel := range []string{"whatsapp", "messenger", "both"} {
		t.Run(channel, func(t *testing.T) {
			t.Parallel()
			b, srv := newBot(t, "load-secret")
			r := runLoad(t, b, testConfig(t, srv.URL, "-channel", channel))
			b.mu.Lock()
			webhooks, replies, badSig := b.webhooks, b.replies, b.badSig
			b.mu.Unlock()
			if badSig != 0 {
				t.Fatalf("%d webhooks failed the signature check", badSig)
			}
			if r.Webhooks.Sent == 0 || r.Webhooks.Sent != webhooks || r.Webhooks.Acked != webhooks {
				t.Fatalf("sent %d, acked %d; the bot saw %d", r.Webhooks.Sent, r.Webhooks.Acked, webhooks)
			}
			if r.Replies.Received != replies || r.Replies.Turns != r.Webhooks.Sent {
				t.Fatalf("replies %d (bot sent %d), turns %d of %d webhooks", r.Replies.Received, replies, r.Replies.Turns, r.Webhooks.Sent)
			}
			// Each conversation is four turns; finished ones tapped through to the end.
			if r.Conversations.Completed < 4 || r.Webhooks.Sent < 4*r.Conversations.Completed {
				t.Fatalf("conversations %+v for %d webhooks", r.Conversations, r.Webhooks.Sent)
			}
			if r.Errors.ReplyTimeouts+r.Errors.DuplicateReplies+r.Errors.LateReplies+r.Errors.Transport != 0 || len(r.Errors.NonOK) != 0 {
				t.Fatalf("errors on a healthy run: %+v", r.Errors)
			}
			// The bot answers at once and replies 20ms later: both latencies show it.
			if r.EndToEnd.P50 < 20 || r.AckLatency.P50 >= r.EndToEnd.P50 || r.AckLatency.Count != r.Webhooks.Sent || r.EndToEnd.Count != r.Replies.Turns {
				t.Fatalf("ack %+v, end to end %+v", r.AckLatency, r.EndToEnd)
			}
			if r.Webhooks.PerSecond <= 0 || r.Replies.TurnsPerSecond <= 0 || r.Elapsed < 1 || r.Elapsed > 4 {
				t.Fatalf("rates %+v %+v over %vs", r.Webhooks, r.Replies, r.Elapsed)
			}
			if !strings.Contains(r.Handshake, "ok") || strings.Contains(r.Handshake, "failed") {
				t.Errorf("handshake %q", r.Handshake)
			}
		})
	}
}

func TestWrongSecretIsRefused(t *testing.T) {
	t.Parallel()
	b, srv := newBot(t, "skybridge-secret")
	r := runLoad(t, b, testConfig(t, srv.URL, "-app-secret", "another-secret", "-duration", "300ms"))
	if r.Webhooks.Sent == 0 || r.Errors.NonOK["401"] != r.Webhooks.Sent || r.Webhooks.Acked != 0 || r.Replies.Turns != 0 {
		t.Fatalf("webhooks %+v errors %+v", r.Webhooks, r.Errors)
	}
}

func TestSilentSkybridgeTimesOut(t *testing.T) {
	t.Parallel()
	b, srv := newBot(t, "load-secret")
	b.silent = true
	start := time.Now()
	r := runLoad(t, b, testConfig(t, srv.URL, "-duration", "300ms", "-reply-timeout", "200ms"))
	if r.Errors.ReplyTimeouts == 0 || r.Errors.ReplyTimeouts != r.Webhooks.Sent || r.Replies.Turns != 0 || r.EndToEnd.Count != 0 {
		t.Fatalf("webhooks %+v errors %+v", r.Webhooks, r.Errors)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("run took %s: it must stop by itself", d)
	}
}

func TestDuplicateRepliesAreCounted(t *testing.T) {
	t.Parallel()
	b, srv := newBot(t, "load-secret")
	b.double = true
	r := runLoad(t, b, testConfig(t, srv.URL, "-duration", "500ms"))
	if r.Errors.DuplicateReplies == 0 || r.Errors.DuplicateReplies != r.Replies.Turns {
		t.Fatalf("duplicates %d for %d turns", r.Errors.DuplicateReplies, r.Replies.Turns)
	}
	if r.Messages.Duplicated != r.Replies.Turns || r.Messages.DuplicateSends != 0 {
		t.Fatalf("messages %+v: every turn duplicated, no reference to tell sends apart", r.Messages)
	}
	// With Skybridge's reference in each send, a repeated send is known exactly,
	// on both channels.
	b, srv = newBot(t, "load-secret")
	b.double, b.refs = true, true
	r = runLoad(t, b, testConfig(t, srv.URL, "-duration", "500ms", "-channel", "both"))
	if r.Messages.DuplicateSends == 0 || r.Messages.DuplicateSends != r.Messages.Duplicated {
		t.Fatalf("messages %+v", r.Messages)
	}
}

func TestRedeliveryIsHarmlessWhenSkybridgeDeduplicates(t *testing.T) {
	t.Parallel()
	b, srv := newBot(t, "load-secret")
	b.dedup = true
	r := runLoad(t, b, testConfig(t, srv.URL, "-duration", "500ms", "-redeliver", "1"))
	if r.Webhooks.Redelivered == 0 || r.Webhooks.Sent != 2*r.Webhooks.Redelivered || r.Errors.DuplicateReplies != 0 {
		t.Fatalf("webhooks %+v errors %+v", r.Webhooks, r.Errors)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.ids) != r.Webhooks.Redelivered {
		t.Fatalf("%d distinct message ids for %d redelivered", len(b.ids), r.Webhooks.Redelivered)
	}
}

func TestRateIsRespected(t *testing.T) {
	t.Parallel()
	b, srv := newBot(t, "load-secret")
	b.delay = 0
	r := runLoad(t, b, testConfig(t, srv.URL, "-rate", "25", "-travellers", "10", "-settle", "10ms"))
	if r.Webhooks.Sent < 18 || r.Webhooks.Sent > 27 {
		t.Fatalf("%d webhooks in 1s at 25/s", r.Webhooks.Sent)
	}
}

func TestGraphRefusalsAreReported(t *testing.T) {
	t.Parallel()
	b, srv := newBot(t, "load-secret")
	cfg := testConfig(t, srv.URL, "-duration", "300ms", "-reply-timeout", "200ms", "-faults", `{"server_error":{"fraction":1}}`)
	cfg.fakeReady = b.setGraph
	r, err := execute(context.Background(), cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors.GraphRefused["131000"] == 0 || r.Replies.Received != 0 || r.Errors.ReplyTimeouts == 0 {
		t.Fatalf("errors %+v", r.Errors)
	}
}

func TestOnlyLoopbackTargets(t *testing.T) {
	t.Parallel()
	for _, target := range []string{"http://10.0.0.8:8080", "https://skybridge.example.com", "http://0.0.0.0:8080", "ftp://127.0.0.1", "127.0.0.1:8080"} {
		_, err := parseFlags([]string{"-target", target}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-target") {
			t.Errorf("%s: %v", target, err)
		}
	}
	for _, target := range []string{"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://127.0.0.2"} {
		if _, err := parseFlags([]string{"-target", target}, io.Discard); err != nil {
			t.Errorf("%s refused: %v", target, err)
		}
	}
	if _, err := parseFlags([]string{"-targets", "http://127.0.0.1:8081,http://10.0.0.8:8080"}, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "10.0.0.8") {
		t.Errorf("-targets with a remote address: %v", err)
	}
	if err := run(context.Background(), []string{"-target", "http://192.168.1.10:8080"}, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "loopback") {
		t.Fatalf("run accepted a remote target: %v", err)
	}
}

func TestReportFormats(t *testing.T) {
	t.Parallel()
	b, srv := newBot(t, "load-secret")
	for _, asJSON := range []bool{false, true} {
		args := []string{"-target", srv.URL, "-fake-addr", "127.0.0.1:0", "-duration", "300ms", "-travellers", "2", "-settle", "30ms"}
		if asJSON {
			args = append(args, "-json")
		}
		cfg, err := parseFlags(args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg.fakeReady = b.setGraph
		var out bytes.Buffer
		if _, err := execute(context.Background(), cfg, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		if asJSON {
			var r Report
			if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Webhooks.Sent == 0 || r.EndToEnd.Count == 0 {
				t.Fatalf("JSON report %v: %s", err, out.String())
			}
			continue
		}
		for _, want := range []string{"webhooks acked", "turns answered", "replies received", "webhook ack", "end to end", "p50", "p99", "reply timeouts", "duplicate replies", "acknowledged", "lost", "duplicated"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, out.String())
			}
		}
		if strings.Contains(out.String(), "load-secret") {
			t.Error("the report shows the app secret")
		}
	}
}

func TestPercentiles(t *testing.T) {
	t.Parallel()
	var s []time.Duration
	for i := 100; i >= 1; i-- {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	p := percentiles(s)
	if p != (Percentiles{Count: 100, P50: 50, P90: 90, P99: 99, Max: 100}) {
		t.Fatalf("%+v", p)
	}
	if s[0] != 100*time.Millisecond {
		t.Fatal("percentiles sorted the caller's samples")
	}
	if percentiles(nil) != (Percentiles{}) {
		t.Fatal("empty samples")
	}
}

func TestPick(t *testing.T) {
	t.Parallel()
	c := func(titles ...string) []graphfake.Choice {
		var out []graphfake.Choice
		for _, t := range titles {
			out = append(out, graphfake.Choice{Kind: "button_reply", ID: strings.ToLower(t), Title: t})
		}
		return out
	}
	tests := []struct {
		choices []graphfake.Choice
		want    string
		ok      bool
	}{
		{c("No", "Yes"), "Yes", true},
		{c("I carry some", "I confirm"), "I confirm", true},
		{c("Jansen", "All 2 passengers"), "All 2 passengers", true},
		{c("Choose a seat", "Keep 14C"), "Keep 14C", true},
		{c("Talk to a person", "14C window"), "14C window", true},
		{c("Cancel", "No"), "", false},
	}
	for _, tt := range tests {
		got, ok := pick(tt.choices)
		if ok != tt.ok || got.Title != tt.want {
			t.Errorf("pick(%v) = %q %v, want %q %v", tt.choices, got.Title, ok, tt.want, tt.ok)
		}
	}
}

// TestTargetsSpreadAndRedeliverWhatWasNotAcknowledged: webhooks are spread over
// several instances; one is down and one refuses a few with 503, as Skybridge does
// while its database is unreachable. With -redeliver-failed every message is
// posted again to the next instance until acknowledged, and answered once; without
// it, the messages the dead instance got are counted as never acknowledged.
func TestTargetsSpreadAndRedeliverWhatWasNotAcknowledged(t *testing.T) {
	t.Parallel()
	b1, srv1 := newBot(t, "load-secret")
	b2, srv2 := newBot(t, "load-secret")
	for _, b := range []*bot{b1, b2} {
		b.dedup = true
	}
	b2.refuse = 3
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	targets := strings.Join([]string{srv1.URL, dead.URL, srv2.URL}, ",")
	turnsOut := filepath.Join(t.TempDir(), "turns.jsonl")
	cfg := testConfig(t, srv1.URL, "-targets", targets, "-redeliver-failed", "5s", "-turns-out", turnsOut, "-verify-token", "")
	if cfg.Target != srv1.URL || len(cfg.Targets) != 3 {
		t.Fatalf("targets %v, target %s", cfg.Targets, cfg.Target)
	}
	cfg.fakeReady = func(s *graphfake.Server) { b1.setGraph(s); b2.setGraph(s) }
	r, err := execute(context.Background(), cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b1.wg.Wait()
	b2.wg.Wait()
	m := r.Messages
	if m.Sent == 0 || m.Acknowledged != m.Sent || m.Unacknowledged != 0 || m.Answered != m.Sent || m.Lost != 0 || m.Duplicated != 0 {
		t.Fatalf("messages %+v", m)
	}
	if r.Errors.NonOK["503"] != 3 || r.Errors.Transport == 0 || r.Webhooks.Sent <= m.Sent {
		t.Fatalf("webhooks %+v errors %+v", r.Webhooks, r.Errors)
	}
	b1.mu.Lock()
	b2.mu.Lock()
	spread := b1.webhooks > 0 && b2.webhooks > 0 && b1.webhooks+b2.webhooks == m.Sent
	b2.mu.Unlock()
	b1.mu.Unlock()
	if !spread {
		t.Fatalf("bots saw %d and %d webhooks for %d messages", b1.webhooks, b2.webhooks, m.Sent)
	}
	// The turn log has one line per message with every post it took.
	raw, err := os.ReadFile(turnsOut)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	redelivered := 0
	for _, line := range lines {
		var rec turnRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("turn line %q: %v", line, err)
		}
		last := len(rec.Statuses) - 1
		if rec.MessageID == "" || last < 0 || rec.Statuses[last] != 200 || rec.Targets[last] == dead.URL ||
			rec.Acked.Before(rec.Sent) || rec.FirstReply.Before(rec.Acked) || rec.Replies == 0 || rec.TimedOut {
			t.Fatalf("turn %+v", rec)
		}
		if last > 0 {
			redelivered++
		}
	}
	if len(lines) != m.Sent || redelivered == 0 {
		t.Fatalf("%d turn lines (%d redelivered) for %d messages", len(lines), redelivered, m.Sent)
	}

	// Without redelivery, what the dead instance got is never acknowledged.
	cfg = testConfig(t, srv1.URL, "-targets", srv1.URL+","+dead.URL, "-verify-token", "")
	cfg.fakeReady = b1.setGraph
	r, err = execute(context.Background(), cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Messages.Unacknowledged == 0 || r.Messages.Acknowledged+r.Messages.Unacknowledged != r.Messages.Sent || r.Messages.Lost != 0 {
		t.Fatalf("without redelivery: messages %+v", r.Messages)
	}
}
