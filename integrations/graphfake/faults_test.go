package graphfake

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	wa := func(t *testing.T, s *Server) answer { return sendWA(t, s, waText("+447700900123", "hi")) }
	ms := func(t *testing.T, s *Server) answer { return sendMS(t, s, msText("7000000000000001", "hi")) }
	waTemplate := func(t *testing.T, s *Server) answer {
		return sendWA(t, s, map[string]any{"messaging_product": "whatsapp", "to": "+447700900123", "type": "template",
			"template": map[string]any{"name": "checkin_open", "language": map[string]any{"code": "en"}}})
	}
	msTagged := func(t *testing.T, s *Server) answer {
		m := with(msText("7000000000000001", "hi"), "messaging_type", "MESSAGE_TAG")
		m["tag"] = "HUMAN_AGENT"
		return sendMS(t, s, m)
	}
	tests := []struct {
		name   string
		faults Faults
		send   func(*testing.T, *Server) answer
		status int
		code   int
		fault  string
	}{
		{"whatsapp throttle", Faults{Throttle: Fault{Next: 1}}, wa, 429, 130429, "throttle"},
		{"whatsapp waba limit", Faults{Throttle: Fault{Next: 1, Code: 80007}}, wa, 429, 80007, "throttle"},
		{"whatsapp pair limit", Faults{Throttle: Fault{Next: 1, Code: 131056}}, wa, 400, 131056, "throttle"},
		{"messenger throttle", Faults{Throttle: Fault{Next: 1}}, ms, 400, 613, "throttle"},
		{"messenger app limit", Faults{Throttle: Fault{Next: 1, Code: 4}}, ms, 400, 4, "throttle"},
		{"whatsapp code on messenger falls back", Faults{Throttle: Fault{Next: 1, Code: 130429}}, ms, 400, 613, "throttle"},
		{"whatsapp server error", Faults{ServerError: Fault{Next: 1}}, wa, 500, 131000, "server_error"},
		{"messenger server error", Faults{ServerError: Fault{Next: 1}}, ms, 500, 1, "server_error"},
		{"server error as 503", Faults{ServerError: Fault{Next: 1, Status: 503}}, wa, 503, 131000, "server_error"},
		{"whatsapp window closed", Faults{WindowClosed: Fault{Next: 1}}, wa, 400, 131047, "window_closed"},
		{"template passes a closed window", Faults{WindowClosed: Fault{Next: 1}}, waTemplate, 200, 0, ""},
		{"messenger window closed", Faults{WindowClosed: Fault{Next: 1}}, ms, 400, 10, "window_closed"},
		{"messenger window closed 1545041", Faults{WindowClosed: Fault{Next: 1, Code: 1545041}}, ms, 400, 1545041, "window_closed"},
		{"tagged message passes a closed window", Faults{WindowClosed: Fault{Next: 1}}, msTagged, 200, 0, ""},
		{"fault for the other channel", Faults{Throttle: Fault{Next: 1, Channel: Messenger}}, wa, 200, 0, ""},
		{"fraction one", Faults{ServerError: Fault{Fraction: 1}}, ms, 500, 1, "server_error"},
		{"async window closed accepts", Faults{WindowClosed: Fault{Next: 1, Async: true}}, wa, 200, 0, "window_closed_async"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, Config{})
			if err := s.SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			a := tt.send(t, s)
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("got HTTP %d code %d (%v), want HTTP %d code %d", a.status, a.code(), a.body, tt.status, tt.code)
			}
			if tt.status != 200 {
				checkErrorBody(t, a)
				msg := a.body["error"].(map[string]any)["message"].(string)
				if !strings.HasPrefix(msg, "(#") {
					t.Errorf("message %q", msg)
				}
			}
			reqs := s.Requests()
			if len(reqs) != 1 || reqs[0].Fault != tt.fault || reqs[0].ErrorCode != tt.code {
				t.Fatalf("recorded %+v", reqs)
			}
			if tt.faults.Throttle.Next+tt.faults.ServerError.Next+tt.faults.WindowClosed.Next > 0 && tt.fault != "" {
				if a := tt.send(t, s); a.status != 200 {
					t.Errorf("the fault outlived Next: HTTP %d %v", a.status, a.body)
				}
			}
		})
	}
}

func TestFaultFractionIsSpreadEvenly(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	if err := s.SetFaults(Faults{Throttle: Fault{Fraction: 0.25}}); err != nil {
		t.Fatal(err)
	}
	var throttled []int
	for i := range 12 {
		if a := sendWA(t, s, waText("+447700900123", "hi")); a.status == http.StatusTooManyRequests {
			throttled = append(throttled, i)
		}
	}
	if len(throttled) != 3 || throttled[0] != 3 || throttled[1] != 7 || throttled[2] != 11 {
		t.Fatalf("throttled requests %v, want every fourth", throttled)
	}
}

func TestSlowResponses(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	if err := s.SetFaults(Faults{Delay: Duration(150 * time.Millisecond), Slow: Fault{Next: 1}}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	sendWA(t, s, waText("+447700900123", "hi"))
	if d := time.Since(t0); d < 150*time.Millisecond {
		t.Fatalf("first answer after %s, want at least 150ms", d)
	}
	t0 = time.Now()
	sendWA(t, s, waText("+447700900123", "hi"))
	if d := time.Since(t0); d > 100*time.Millisecond {
		t.Fatalf("second answer after %s, want no delay", d)
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRateLimitPerPhoneNumber(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	s := start(t, Config{Now: clock.now})
	if err := s.SetFaults(Faults{RateLimit: 5}); err != nil {
		t.Fatal(err)
	}
	count := func(n int) (ok, limited int) {
		for range n {
			switch a := sendWA(t, s, waText("+447700900123", "hi")); {
			case a.status == 200:
				ok++
			case a.status == 429 && a.code() == 130429:
				limited++
			default:
				t.Fatalf("HTTP %d %v", a.status, a.body)
			}
		}
		return ok, limited
	}
	if ok, limited := count(8); ok != 5 || limited != 3 {
		t.Fatalf("burst of 8 at 5/s: %d accepted, %d limited", ok, limited)
	}
	clock.add(400 * time.Millisecond) // two tokens back
	if ok, limited := count(3); ok != 2 || limited != 1 {
		t.Fatalf("after 400ms: %d accepted, %d limited", ok, limited)
	}
	// The page has its own budget.
	if a := sendMS(t, s, msText("7000000000000001", "hi")); a.status != 200 {
		t.Fatalf("messenger limited by the phone number's budget: %v", a.body)
	}
	clock.add(time.Second)
	_ = s.SetFaults(Faults{})
	if ok, _ := count(20); ok != 20 {
		t.Fatalf("limit still on after clearing faults")
	}
}

func TestRateLimitKeepsSenderUnderLimit(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	if err := s.SetFaults(Faults{RateLimit: 20}); err != nil {
		t.Fatal(err)
	}
	// A sender pacing itself at 10/s is never limited.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for range 6 {
		<-tick.C
		if a := sendWA(t, s, waText("+447700900123", "hi")); a.status != 200 {
			t.Fatalf("paced sender limited: %v", a.body)
		}
	}
}

func TestFaultsOverHTTP(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	a := do(t, "POST", s.URL()+"/_fake/faults", "", `{"throttle":{"next":2},"delay":"1ms"}`)
	if a.status != 200 {
		t.Fatalf("POST /_fake/faults: HTTP %d %v", a.status, a.body)
	}
	for i, want := range []int{429, 429, 200} {
		if got := sendWA(t, s, waText("+447700900123", "hi")); got.status != want {
			t.Fatalf("send %d: HTTP %d, want %d", i, got.status, want)
		}
	}
	got := do(t, "GET", s.URL()+"/_fake/faults", "", nil)
	if thr := got.body["throttle"].(map[string]any); thr["next"] != nil || got.body["delay"] != "1ms" {
		t.Errorf("GET /_fake/faults: %v", got.body)
	}
	for _, bad := range []string{`{"throttle":{"fraction":2}}`, `{"throtle":{}}`, `{"delay":"soon"}`, `{"rate_limit":-1}`, `nope`} {
		if a := do(t, "POST", s.URL()+"/_fake/faults", "", bad); a.status != 400 || a.body["error"] == nil {
			t.Errorf("POST %s: HTTP %d %v", bad, a.status, a.body)
		}
	}
	if a := do(t, "POST", s.URL()+"/_fake/faults", "", `{"server_error":{"fraction":1}}`); a.status != 200 {
		t.Fatal(a.body)
	}
	if a := do(t, "DELETE", s.URL()+"/_fake/faults", "", nil); a.status != 204 {
		t.Fatalf("DELETE: %d", a.status)
	}
	if a := sendWA(t, s, waText("+447700900123", "hi")); a.status != 200 {
		t.Fatalf("faults not cleared: %v", a.body)
	}
}
