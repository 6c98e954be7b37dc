package pssrest_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest"
	"github.com/skybridge/skybridge/integrations/pssrest/fake"
)

func TestRetriesTransientFailuresOfIdempotentCalls(t *testing.T) {
	tests := []struct {
		name   string
		faults fake.Faults
		calls  int
		code   domain.Code
	}{
		{"two 503 then an answer", fake.Faults{FailRatio: 1, Only: 2}, 3, ""},
		{"a 429 with Retry-After", fake.Faults{FailRatio: 1, FailStatus: http.StatusTooManyRequests, RetryAfter: 1, Only: 1}, 2, ""},
		{"503 on every attempt", fake.Faults{FailRatio: 1}, 3, domain.Unavailable},
		{"500 on every attempt", fake.Faults{FailRatio: 1, FailStatus: 500}, 3, domain.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, pssrest.Config{Backoff: 20 * time.Millisecond})
			e.fake.SetFaults(tt.faults)
			_, err := e.client.FindBooking(t.Context(), "FK1LHR")
			if domain.ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Errorf("err = %v, want %q", err, tt.code)
			}
			if n := e.fake.Calls(); n != tt.calls {
				t.Errorf("%d calls reached the booking system, want %d", n, tt.calls)
			}
		})
	}
	t.Run("a verdict is not retried", func(t *testing.T) {
		e := newEnv(t, pssrest.Config{})
		if _, err := e.client.FindBooking(t.Context(), "ZZZ999"); !domain.IsCode(err, domain.NotFound) || e.fake.Calls() != 1 {
			t.Errorf("err = %v after %d calls, want NotFound after 1", err, e.fake.Calls())
		}
		if e.client.State() != "closed" {
			t.Errorf("circuit %s after verdicts, want closed", e.client.State())
		}
	})
	t.Run("a mutation without a key is never sent", func(t *testing.T) {
		e := newEnv(t, pssrest.Config{})
		_, err := e.client.Reissue(t.Context(), domain.ReissueRequest{Locator: "FK1LHR", SegmentIDs: []int64{1}, AlternativeID: "x"})
		if !domain.IsCode(err, domain.Invalid) || e.fake.Calls() != 0 {
			t.Errorf("err = %v after %d calls, want Invalid and none", err, e.fake.Calls())
		}
	})
}

// TestLostAnswerIsRetriedWithTheSameKey: the booking system issues the extras but
// the answer does not come back in time; the retry carries the same key and gets
// the same documents — one fulfilment, not two.
func TestLostAnswerIsRetriedWithTheSameKey(t *testing.T) {
	e := newEnv(t, pssrest.Config{AttemptTimeout: 300 * time.Millisecond, Backoff: 10 * time.Millisecond})
	ctx := t.Context()
	bk, err := e.client.FindBooking(ctx, "FK3FLX")
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.client.AncillaryOffer(ctx, bk.Locator)
	if err != nil {
		t.Fatal(err)
	}
	before := e.fake.Applied()
	e.fake.SetFaults(fake.Faults{SlowAnswer: time.Second, Only: 1})
	emds, err := e.client.FulfilAncillaries(ctx, domain.FulfilRequest{IdempotencyKey: "lost-1", Locator: bk.Locator, OfferID: o.ID, PaymentID: "pay",
		Items: []domain.BasketItem{{Code: "0CC", PassengerID: bk.Passengers[1].ID, SegmentID: bk.Segments[0].ID, Quantity: 1}}})
	if err != nil || len(emds) != 1 {
		t.Fatalf("fulfil = %+v, %v", emds, err)
	}
	if n := e.fake.Applied() - before; n != 1 || e.fake.Calls() != 4 {
		t.Errorf("%d fulfilments applied over %d calls, want 1 (the retry replayed it)", n, e.fake.Calls()-2)
	}
}

func TestCircuitOpensFailsFastAndCloses(t *testing.T) {
	e := newEnv(t, pssrest.Config{Timeout: 200 * time.Millisecond, TripAfter: 3, OpenFor: 300 * time.Millisecond})
	ctx := t.Context()
	e.fake.SetFaults(fake.Faults{Hang: true})
	for i := range 3 {
		start := time.Now()
		_, err := e.client.FindBooking(ctx, "FK1LHR")
		if !domain.IsCode(err, domain.Unavailable) || time.Since(start) > 400*time.Millisecond {
			t.Fatalf("call %d during the outage: %v after %s", i, err, time.Since(start))
		}
	}
	if e.client.State() != "open" {
		t.Fatalf("circuit %s after 3 timeouts, want open", e.client.State())
	}
	calls := e.fake.Calls()
	start := time.Now()
	_, err := e.client.FindBooking(ctx, "FK1LHR")
	if took := time.Since(start); !domain.IsCode(err, domain.Unavailable) || took > 20*time.Millisecond || e.fake.Calls() != calls {
		t.Errorf("open circuit: %v after %s with %d new calls; want Unavailable at once, no call", err, took, e.fake.Calls()-calls)
	}
	// The booking system recovers: after OpenFor one trial call closes the circuit.
	e.fake.SetFaults(fake.Faults{})
	time.Sleep(350 * time.Millisecond)
	if _, err := e.client.FindBooking(ctx, "FK1LHR"); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if got := e.states.String(); got != "open,half-open,closed" {
		t.Errorf("state changes %q, want open,half-open,closed", got)
	}
}

// TestTravellerWaitsAtMostTheBudget measures the time to the caller's answer over
// 200 calls per fault, 20 at a time, with the default configuration: the booking
// system answers in 3 s, never answers, or fails half its calls.
// go test ./integrations/pssrest -run TestTravellerWaitsAtMostTheBudget -v
func TestTravellerWaitsAtMostTheBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("a measurement of about a minute")
	}
	scenarios := []struct {
		name   string
		faults fake.Faults
	}{
		{"answers in 3 s", fake.Faults{Latency: 3 * time.Second}},
		{"never answers", fake.Faults{Hang: true}},
		{"fails half its calls", fake.Faults{FailRatio: 0.5}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			e := newEnv(t, pssrest.Config{})
			e.fake.SetFaults(sc.faults)
			const n, parallel = 200, 20
			took := make([]time.Duration, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			sem := make(chan struct{}, parallel)
			for i := range n {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer func() { <-sem; wg.Done() }()
					start := time.Now()
					_, errs[i] = e.client.FindBooking(context.Background(), "FK1LHR")
					took[i] = time.Since(start)
				}()
			}
			wg.Wait()
			ok, unavailable := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case domain.IsCode(err, domain.Unavailable):
					unavailable++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			slices.Sort(took)
			p := func(q float64) time.Duration { return took[int(q*float64(n-1))].Round(100 * time.Microsecond) }
			t.Logf("%-22s p50 %8s  p99 %8s  max %8s  answered %3d  unavailable %3d  calls to the booking system %3d  circuit now %s (changes: %s)",
				sc.name, p(0.50), p(0.99), took[n-1].Round(100*time.Microsecond), ok, unavailable, e.fake.Calls(), e.client.State(), e.states)
			if took[n-1] > 5*time.Second {
				t.Errorf("slowest answer %s, want within 5 s", took[n-1])
			}
			// Three attempts that each fail half the time: 7 calls in 8 answered.
			if sc.faults.FailRatio > 0 && ok < n*8/10 {
				t.Errorf("%d of %d calls answered when half the attempts fail, want most (retries)", ok, n)
			}
		})
	}
}
