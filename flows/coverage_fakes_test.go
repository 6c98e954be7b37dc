package flows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// The coverage scripts (coverage_*_test.go) walk every transition of every flow
// that no other conversation test takes. They run on coverageHarness: the sales
// harness whose booking system can also fail check-ins, and whose engine reads
// the flight statuses Skybridge follows (for delays).

// checkInFaults is the demo booking system whose check-in answers fail while Err
// is set, the way a real one answers when its host is down, refuses the
// passenger, or closes the flight between the summary and the confirmation.
type checkInFaults struct {
	domain.BookingSystem
	mu  sync.Mutex
	err error
}

func (f *checkInFaults) CheckIn(ctx context.Context, req domain.CheckInRequest) ([]domain.CheckIn, error) {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return f.BookingSystem.CheckIn(ctx, req)
}

func (f *checkInFaults) fail(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

type coverageHarness struct {
	*salesHarness
	checkIns *checkInFaults
}

func newCoverageHarness(t *testing.T) *coverageHarness {
	t.Helper()
	h := newSalesHarness(t)
	faults := &checkInFaults{BookingSystem: h.pss.BookingSystem}
	h.pss.BookingSystem = faults // the outage switch stays outermost
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: h.pss, Now: h.clock.Now,
		Log: testLogger(t), Ancillaries: h.sales, Changes: h.sales, Payments: h.pay, Ledger: h.pay, Statuses: h.store})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return &coverageHarness{salesHarness: h, checkIns: faults}
}

// booking reads a demo booking as the booking system holds it now.
func (h *coverageHarness) booking(t *testing.T, loc string) domain.Booking {
	t.Helper()
	b, err := h.bookings().FindBooking(context.Background(), domain.RecordLocator(loc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// delay records, as the flight-status watcher does, that the booking's first
// flight will leave late by d.
func (h *coverageHarness) delay(t *testing.T, loc string, d time.Duration) {
	t.Helper()
	f := h.booking(t, loc).Segments[0].Flight
	k := domain.KeyOf(f)
	st := domain.FlightStatusReport{Key: k, Phase: domain.PhaseScheduled, Origin: f.Origin.Code, Destination: f.Destination.Code,
		ScheduledDeparture: f.Departure, EstimatedDeparture: f.Departure.Add(d),
		ScheduledArrival: f.Arrival, EstimatedArrival: f.Arrival.Add(d), Source: "test", UpdatedAt: h.clock.Now()}
	if err := h.store.SaveFlightWatch(context.Background(), domain.FlightWatch{Key: k, Status: st, SeenAt: h.clock.Now()}, nil); err != nil {
		t.Fatal(err)
	}
}

// publishRules publishes a new content version with the default texts and the
// rules changed by edit; conversations that start afterwards use it.
func (h *coverageHarness) publishRules(t *testing.T, edit func(*flows.Rules)) {
	t.Helper()
	c, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	edit(&c.Rules)
	body, err := flows.MarshalContent(c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.PublishContent(context.Background(), body, "editor", "rules changed by a test"); err != nil {
		t.Fatal(err)
	}
}

// lockOut makes five failed look-ups in a row (the content's limit), the last of
// which locks the traveller out for the look-up window.
func lockOut() []line {
	var out []line
	for _, loc := range []string{"AAA111", "AAA112", "AAA113", "AAA114"} {
		out = append(out, line{say: loc + " Nobody", want: []string{"couldn't find a booking"}})
	}
	return append(out, line{say: "AAA115 Nobody", want: []string{"too many attempts"}, not: []string{"couldn't find"}})
}

// unlock lets the look-up window pass: the next message gets the booking
// question again instead of the lock-out.
func unlock(ask string) []line {
	return []line{
		{say: "JN7KQP Jansen", want: []string{"too many attempts"}},
		{do: func(h *salesHarness) { h.clock.Advance(16 * time.Minute) }, say: "hello", want: []string{ask}, not: []string{"too many attempts"}},
	}
}

func script(parts ...[]line) []line {
	var out []line
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// errTimeout is a booking-system call that timed out, as the adapters report it.
var errTimeout = &domain.Error{Op: "booking system", Code: domain.Unavailable, Err: context.DeadlineExceeded}

// errCheckInRefused is a check-in the booking system refuses for a reason the
// chat cannot fix.
var errCheckInRefused = domain.Errorf(domain.Invalid, "check in", "passenger record inhibited")
