package main

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest/fake"
)

func TestPSSConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		kind    string
		timeout time.Duration
		problem string
	}{
		{"default is the demo booking system", nil, "demo", 4500 * time.Millisecond, ""},
		{"rest with url and key", map[string]string{"SKYBRIDGE_PSS": "REST", "SKYBRIDGE_PSS_URL": "https://pss.example.com/v1/", "SKYBRIDGE_PSS_API_KEY": "k", "SKYBRIDGE_PSS_TIMEOUT": "3s"}, "rest", 3 * time.Second, ""},
		{"rest without url", map[string]string{"SKYBRIDGE_PSS": "rest", "SKYBRIDGE_PSS_API_KEY": "k"}, "rest", 4500 * time.Millisecond, "SKYBRIDGE_PSS_URL"},
		{"rest without key", map[string]string{"SKYBRIDGE_PSS": "rest", "SKYBRIDGE_PSS_URL": "http://127.0.0.1:9"}, "rest", 4500 * time.Millisecond, "SKYBRIDGE_PSS_API_KEY"},
		{"unknown kind", map[string]string{"SKYBRIDGE_PSS": "amadeus"}, "amadeus", 4500 * time.Millisecond, "SKYBRIDGE_PSS:"},
		{"timeout too long for a chat", map[string]string{"SKYBRIDGE_PSS_TIMEOUT": "2m"}, "demo", 2 * time.Minute, "SKYBRIDGE_PSS_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, problems := loadPSS(env(tt.env))
			if p.Kind != tt.kind || p.Timeout != tt.timeout {
				t.Errorf("config = %+v", p)
			}
			if got := strings.Join(problems, "\n"); tt.problem == "" && got != "" || !strings.Contains(got, tt.problem) {
				t.Errorf("problems %q, want one about %q", got, tt.problem)
			}
		})
	}
	c, err := LoadConfig(env(map[string]string{"SKYBRIDGE_PSS": "rest", "SKYBRIDGE_PSS_URL": "https://pss.example.com", "SKYBRIDGE_PSS_API_KEY": "very-secret-key"}))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.String(); strings.Contains(s, "very-secret-key") || !strings.Contains(s, "SKYBRIDGE_PSS_API_KEY=*****") || !strings.Contains(s, "SKYBRIDGE_PSS=rest") {
		t.Errorf("printed configuration shows the key or lacks the booking system:\n%s", s)
	}
}

// TestRESTBookingSystemAnswersOrSaysUnavailable: wired as configured, the REST
// booking system finds a booking on a healthy system, and says Unavailable within
// SKYBRIDGE_PSS_TIMEOUT when the system does not answer, telling the metrics hook
// when its circuit opens.
func TestRESTBookingSystemAnswersOrSaysUnavailable(t *testing.T) {
	f := fake.New("key", nil)
	srv := httptest.NewServer(f)
	defer srv.Close()
	var states []string
	bs, err := newBookingSystem(PSSConfig{Kind: "rest", URL: srv.URL, APIKey: "key", Timeout: 600 * time.Millisecond},
		nil, func(_, s string) { states = append(states, s) }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := bs.bookings.FindBooking(t.Context(), f.Locators()[0]); err != nil || len(b.Segments) == 0 {
		t.Fatalf("FindBooking = %+v, %v", b, err)
	}
	f.SetFaults(fake.Faults{Hang: true})
	for range 5 {
		start := time.Now()
		_, err := bs.changes.ChangeRules(t.Context(), f.Locators()[0], []int64{1})
		if !domain.IsCode(err, domain.Unavailable) || time.Since(start) > time.Second {
			t.Fatalf("during an outage: %v after %s, want Unavailable within the timeout", err, time.Since(start))
		}
	}
	if len(states) == 0 || states[len(states)-1] != "open" {
		t.Errorf("circuit states told to the hook: %v, want it to end open", states)
	}
}

// The demo payment page takes no money: with a real booking system it is off by
// default and refused when asked for.
func TestDemoPaymentsNeverSellARealBookingSystemsGoods(t *testing.T) {
	rest := map[string]string{"SKYBRIDGE_PSS": "rest", "SKYBRIDGE_PSS_URL": "https://pss.example.com/v1", "SKYBRIDGE_PSS_API_KEY": "k",
		"SKYBRIDGE_DATA_KEYS": "k1:" + strings.Repeat("A", 43) + "="}
	c, err := LoadConfig(env(rest))
	if err != nil {
		t.Fatal(err)
	}
	if c.Payments.Provider != "off" {
		t.Errorf("payments with a REST booking system default to %q, want off", c.Payments.Provider)
	}
	rest["SKYBRIDGE_PAYMENTS"] = "demo"
	if _, err := LoadConfig(env(rest)); err == nil || !strings.Contains(err.Error(), "cannot be used with SKYBRIDGE_PSS=rest") {
		t.Errorf("demo payments with a REST booking system: %v", err)
	}
}
