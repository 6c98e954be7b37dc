package flows_test

import (
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pssrest"
	"github.com/skybridge/skybridge/integrations/pssrest/fake"
)

// TestTravellerReplyUnderBookingSystemFaults measures, through the whole engine
// and the REST booking-system adapter, how long a traveller waits for the reply
// to the message that looks their booking up for a flight change, when the
// external booking system answers in 3 s, never answers, or fails half its calls.
// Every reply must come within the turn's 5 s budget: the booking when it can be
// had, an honest "try again shortly" otherwise.
func TestTravellerReplyUnderBookingSystemFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("measures seconds of waiting")
	}
	for _, mode := range []struct {
		name   string
		faults fake.Faults
		n      int
	}{
		{"answers in 3 s", fake.Faults{Latency: 3 * time.Second}, 8},
		{"never answers", fake.Faults{Hang: true}, 12},
		{"fails half its calls", fake.Faults{FailRatio: 0.5}, 24},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, dbtest.SQLite(t))
			f := fake.New("key-0123456789abcdef", h.clock.Now)
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			c, err := pssrest.New(pssrest.Config{BaseURL: srv.URL, APIKey: "key-0123456789abcdef"})
			if err != nil {
				t.Fatal(err)
			}
			e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: c, Changes: c,
				Ancillaries: c, Now: h.clock.Now, Log: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			h.engine = e
			f.SetFaults(mode.faults)
			var waits []time.Duration
			found, tryAgain := 0, 0
			for i := 0; i < mode.n; i++ {
				tr := h.traveller(fmt.Sprint("fault", i))
				tr.send("Change flight", "intent:change_flight")
				start := time.Now()
				out := tr.say("FK1LHR Lovelace")
				waits = append(waits, time.Since(start))
				all := transcript(out)
				switch {
				case strings.Contains(all, "isn't responding"):
					tryAgain++
				case strings.Contains(all, "FK1LHR") || strings.Contains(all, "Which date"):
					found++
				default:
					t.Fatalf("neither the booking nor an honest try-again:\n%s", all)
				}
			}
			sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
			p50, p99 := waits[len(waits)/2], waits[len(waits)*99/100]
			t.Logf("%s: %d replies, p50 %v, p99 %v, max %v; booking shown %d, try again %d",
				mode.name, len(waits), p50.Round(time.Millisecond), p99.Round(time.Millisecond),
				waits[len(waits)-1].Round(time.Millisecond), found, tryAgain)
			if max := waits[len(waits)-1]; max > 5500*time.Millisecond {
				t.Errorf("a traveller waited %v for a reply, want within the 5 s budget", max)
			}
			if mode.faults.Hang && found > 0 {
				t.Errorf("a booking system that never answers showed %d bookings", found)
			}
		})
	}
}

var _ domain.Changes = (*pssrest.Client)(nil)
