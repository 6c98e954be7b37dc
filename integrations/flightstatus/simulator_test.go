package flightstatus_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/flightstatus"
)

// schedule is a hand-written flight schedule.
type schedule struct {
	FlightsDepartingFunc func(ctx context.Context, from, to time.Time) ([]domain.Flight, error)
}

func (s schedule) FlightsDeparting(ctx context.Context, from, to time.Time) ([]domain.Flight, error) {
	return s.FlightsDepartingFunc(ctx, from, to)
}

// fixed schedules the given flights, filtered by departure as the manifest does.
func fixed(flights []domain.Flight) schedule {
	return schedule{func(_ context.Context, from, to time.Time) ([]domain.Flight, error) {
		var out []domain.Flight
		for _, f := range flights {
			if !f.Departure.Before(from) && f.Departure.Before(to) {
				out = append(out, f)
			}
		}
		return out, nil
	}}
}

// synthetic returns n SB flights from Amsterdam to London, one every 7 minutes
// from start, with varied boarding times, and a scheduled gate on a third of them.
func synthetic(n int, start time.Time) []domain.Flight {
	ams := domain.Airport{Code: "AMS", Country: "NLD", Location: amsterdam}
	lhr := domain.Airport{Code: "LHR", Country: "GBR", Location: london}
	out := make([]domain.Flight, n)
	for i := range out {
		dep := start.Add(time.Duration(i*7) * time.Minute).In(amsterdam)
		out[i] = domain.Flight{
			ID:          int64(i + 1),
			Number:      domain.FlightNumber{Carrier: "SB", Number: 1 + i%9999},
			Origin:      ams,
			Destination: lhr,
			Departure:   dep,
			Arrival:     dep.Add(time.Duration(60+i%60) * time.Minute).In(london),
			Status:      domain.FlightScheduled,
			BoardingMin: []int{40, 0, 60, 30}[i%4],
		}
		if i%3 == 0 {
			out[i].Gate = fmt.Sprintf("D%d", 1+i%20)
		}
		if i%5 == 0 {
			out[i].Terminal = "1"
		}
	}
	return out
}

func newSimulator(t testing.TB, cfg flightstatus.SimulatorConfig) *flightstatus.Simulator {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return flightstatus.NewSimulator(cfg)
}

var simStart = time.Date(2026, 7, 1, 4, 0, 0, 0, time.UTC)

func TestSimulatorIsDeterministic(t *testing.T) {
	t.Parallel()
	flights := synthetic(300, simStart)
	now := simStart.Add(10 * time.Hour)
	cfg := flightstatus.SimulatorConfig{Manifest: fixed(flights), Now: func() time.Time { return now }}
	a, b := newSimulator(t, cfg), newSimulator(t, cfg) // two instances, or one restarted

	for _, f := range flights {
		for _, at := range []time.Time{f.Departure.Add(-6 * time.Hour), f.Departure.Add(-30 * time.Minute), f.Departure, f.Arrival.Add(2 * time.Hour)} {
			if ra, rb := a.Status(f, at), b.Status(f, at); !reflect.DeepEqual(ra, rb) {
				t.Fatalf("%s at %s: instances disagree:\n%+v\n%+v", f.Number, at, ra, rb)
			}
		}
	}
	first, err := a.Departing(t.Context(), "SB", simStart, simStart.Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	again, err := b.Departing(t.Context(), "SB", simStart, simStart.Add(48*time.Hour))
	if err != nil || !reflect.DeepEqual(first, again) {
		t.Fatalf("two polls at the same time differ (err %v)", err)
	}
	if len(first) != len(flights) {
		t.Fatalf("%d reports for %d flights", len(first), len(flights))
	}

	cfg.Seed = 42
	other := newSimulator(t, cfg)
	differ := 0
	for _, f := range flights {
		if !reflect.DeepEqual(a.Status(f, f.Departure), other.Status(f, f.Departure)) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("another seed tells the same story for every flight")
	}
}

var rank = map[domain.FlightPhase]int{
	domain.PhaseScheduled: 0, domain.PhaseBoarding: 1, domain.PhaseGateClose: 2, domain.PhaseDeparted: 3, domain.PhaseArrived: 4,
}

// story is what one flight went through, sampled over its day.
type story struct {
	delayed, grew, gateChanged, cancelled, reinstated bool
	final                                             domain.FlightPhase
}

// follow samples a flight's status every 5 minutes from 8 hours before departure
// to 4 hours after arrival and checks that it makes sense to a traveller watching.
func follow(t *testing.T, sim *flightstatus.Simulator, f domain.Flight) story {
	t.Helper()
	var s story
	var prev domain.FlightStatusReport
	lead := time.Duration(f.BoardingMin) * time.Minute
	if f.BoardingMin <= 0 {
		lead = 40 * time.Minute
	}
	gates := 0 // gate values seen after the first
	for at := f.Departure.Add(-8 * time.Hour); !at.After(f.Arrival.Add(4 * time.Hour)); at = at.Add(5 * time.Minute) {
		r := sim.Status(f, at)
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("%s at %s (departs %s): %s\nnow:    %+v\nbefore: %+v", f.Number, at.Format("15:04"),
				f.Departure.Format("15:04"), fmt.Sprintf(format, args...), r, prev)
		}
		if err := r.Validate(); err != nil {
			fail("invalid: %v", err)
		}
		if r.Source != flightstatus.SourceDemo || r.Key != domain.KeyOf(f) || r.Origin != "AMS" {
			fail("wrong flight or source")
		}
		if r.UpdatedAt.After(at) || r.UpdatedAt.Before(prev.UpdatedAt) {
			fail("updated at %s", r.UpdatedAt)
		}
		switch {
		case r.Phase == domain.PhaseCancelled:
			if prev.Phase != "" && prev.Phase != domain.PhaseScheduled && prev.Phase != domain.PhaseCancelled {
				fail("cancelled after %s", prev.Phase)
			}
			if s.reinstated {
				fail("cancelled again after reinstatement")
			}
			s.cancelled = true
		case prev.Phase == domain.PhaseCancelled:
			if r.Phase != domain.PhaseScheduled {
				fail("reinstated straight to %s", r.Phase)
			}
			s.reinstated = true
		case prev.Phase != "" && rank[r.Phase] < rank[prev.Phase]:
			fail("went back from %s to %s", prev.Phase, r.Phase)
		}
		if r.Phase == domain.PhaseCancelled {
			prev = r
			continue
		}

		delay := r.EstimatedDeparture.Sub(r.ScheduledDeparture)
		if delay < 0 || (delay > 0 && delay < 15*time.Minute) || delay > 180*time.Minute {
			fail("delay %s out of 0 or 15m–3h", delay)
		}
		if prevDelay := prev.EstimatedDeparture.Sub(prev.ScheduledDeparture); prev.Phase != domain.PhaseCancelled && !prev.EstimatedDeparture.IsZero() && delay < prevDelay {
			fail("delay shrank from %s to %s", prevDelay, delay)
		} else if prevDelay > 0 && delay > prevDelay {
			s.grew = true
		}
		if delay > 0 {
			s.delayed = true
		}
		etd := r.EstimatedDeparture
		switch r.Phase {
		case domain.PhaseScheduled:
			if !at.Before(etd.Add(-lead)) {
				fail("still scheduled at boarding time")
			}
		case domain.PhaseBoarding:
			if at.Before(etd.Add(-lead)) || !at.Before(etd.Add(-15*time.Minute)) || r.DepartureGate == "" {
				fail("boarding outside boarding time, or without a gate")
			}
		case domain.PhaseGateClose:
			if at.Before(etd.Add(-15*time.Minute)) || !at.Before(etd) {
				fail("gate closed outside the last 15 minutes")
			}
		case domain.PhaseDeparted:
			if !r.ActualDeparture.Equal(etd) || !r.ActualArrival.IsZero() {
				fail("departed without the actual departure")
			}
		case domain.PhaseArrived:
			if r.BaggageBelt == "" || r.ActualArrival.Sub(r.ActualDeparture) != f.Arrival.Sub(f.Departure) {
				fail("arrived without a belt, or after another block time")
			}
		}
		if r.DepartureGate != prev.DepartureGate && prev.DepartureGate != "" && prev.Phase != domain.PhaseCancelled {
			if r.DepartureGate == "" {
				fail("gate withdrawn")
			}
			if rank[r.Phase] > 0 {
				fail("gate changed after boarding started")
			}
			gates++
			s.gateChanged = true
		}
		if at.After(f.Departure.Add(-90*time.Minute)) && r.DepartureGate == "" {
			fail("no gate 90 minutes before departure")
		}
		prev = r
	}
	if gates > 1 {
		t.Fatalf("%s changed gate %d times", f.Number, gates)
	}
	s.final = prev.Phase
	if s.final != domain.PhaseArrived && s.final != domain.PhaseCancelled {
		t.Fatalf("%s ends %s", f.Number, s.final)
	}
	return s
}

func TestSimulatorStoriesArePlausible(t *testing.T) {
	t.Parallel()
	flights := synthetic(2000, simStart)
	sim := newSimulator(t, flightstatus.SimulatorConfig{Manifest: fixed(flights)})
	var delayed, grew, gateChanged, cancelled, reinstated, operated int
	for _, f := range flights {
		s := follow(t, sim, f)
		if s.final == domain.PhaseCancelled {
			cancelled++
			continue
		}
		operated++
		if s.reinstated {
			reinstated++
			continue // late because of the cancellation
		}
		if s.delayed {
			delayed++
		}
		if s.grew {
			grew++
		}
		if s.gateChanged {
			gateChanged++
		}
	}
	p := flightstatus.DefaultProportions()
	share := func(name string, n, of int, want, tolerance float64) {
		t.Helper()
		got := float64(n) / float64(of)
		t.Logf("%s: %d of %d (%.1f%%, want %.1f%%)", name, n, of, 100*got, 100*want)
		if math.Abs(got-want) > tolerance {
			t.Errorf("%s share %.3f, want %.3f ± %.3f", name, got, want, tolerance)
		}
	}
	share("cancelled for good", cancelled, len(flights), p.Cancelled*(1-p.Reinstated), 0.012)
	share("delayed", delayed, operated-reinstated, p.Delayed, 0.03)
	share("delay grew", grew, delayed, p.DelayGrows, 0.07)
	share("gate changed", gateChanged, operated-reinstated, p.GateChanged, 0.025)
	if reinstated == 0 {
		t.Error("no cancellation reinstated in 2,000 flights")
	}
}

func TestSimulatorCancellationShare(t *testing.T) {
	t.Parallel()
	flights := synthetic(2000, simStart)
	for _, want := range []float64{0, 0.03, 0.10} {
		p := flightstatus.DefaultProportions()
		p.Cancelled, p.Reinstated = want, 0
		sim := newSimulator(t, flightstatus.SimulatorConfig{Manifest: fixed(flights), Proportions: &p})
		n, early := 0, 0
		for _, f := range flights {
			if sim.Status(f, f.Departure).Phase == domain.PhaseCancelled {
				n++
				// Told about 5 hours ahead: at 4 hours it is known, at 6 not yet.
				if sim.Status(f, f.Departure.Add(-4*time.Hour)).Phase != domain.PhaseCancelled ||
					sim.Status(f, f.Departure.Add(-6*time.Hour)).Phase == domain.PhaseCancelled {
					early++
				}
			}
		}
		got := float64(n) / float64(len(flights))
		if math.Abs(got-want) > 0.01 {
			t.Errorf("Cancelled %.2f: %d of %d flights cancelled (%.3f)", want, n, len(flights), got)
		}
		if early > 0 {
			t.Errorf("Cancelled %.2f: %d cancellations not told 4 to 6 hours ahead", want, early)
		}
	}
}

func TestSimulatorDeparting(t *testing.T) {
	t.Parallel()
	flights := synthetic(4, simStart)
	flights[1].Number.Carrier = "KL"
	flights[2].Status = domain.FlightCancelled // cancelled in the booking system
	var asked [2]time.Time
	sched := schedule{func(ctx context.Context, from, to time.Time) ([]domain.Flight, error) {
		asked = [2]time.Time{from, to}
		return flights, nil
	}}
	now := flights[3].Departure.Add(-10 * time.Minute)
	sim := newSimulator(t, flightstatus.SimulatorConfig{Manifest: sched, Now: func() time.Time { return now }})
	from, to := simStart.Add(-time.Hour), simStart.Add(time.Hour)
	got, err := sim.Departing(t.Context(), "SB", from, to)
	if err != nil {
		t.Fatal(err)
	}
	if asked != [2]time.Time{from, to} {
		t.Errorf("schedule asked for %v, want the polled window", asked)
	}
	if len(got) != 3 || got[0].Key.Flight.Number != 1 || got[1].Key.Flight.Number != 3 || got[2].Key.Flight.Number != 4 {
		t.Fatalf("reports = %+v, want SB1, SB3, SB4", got)
	}
	if got[1].Phase != domain.PhaseCancelled {
		t.Errorf("flight cancelled in the booking system is %s", got[1].Phase)
	}
	if got[2] != sim.Status(flights[3], now) {
		t.Errorf("Departing does not report the status at its clock's time")
	}

	broken := schedule{func(context.Context, time.Time, time.Time) ([]domain.Flight, error) {
		return nil, domain.Errorf(domain.Unavailable, "list flights", "database down")
	}}
	sim = newSimulator(t, flightstatus.SimulatorConfig{Manifest: broken})
	if _, err := sim.Departing(t.Context(), "SB", from, to); !domain.IsCode(err, domain.Unavailable) {
		t.Errorf("error = %v, want the schedule's", err)
	}
}

func TestNewSimulatorChecksConfig(t *testing.T) {
	t.Parallel()
	bad := flightstatus.DefaultProportions()
	bad.Delayed = 1.5
	nan := flightstatus.DefaultProportions()
	nan.Cancelled = math.NaN()
	for _, cfg := range []flightstatus.SimulatorConfig{
		{},
		{Manifest: fixed(nil), Proportions: &bad},
		{Manifest: fixed(nil), Proportions: &nan},
	} {
		var de *domain.Error
		if err := cfg.Validate(); !errors.As(err, &de) || de.Code != domain.Invalid {
			t.Errorf("%+v: Validate() = %v, want Invalid", cfg, err)
		}
		if _, err := flightstatus.NewSimulator(cfg).Departing(t.Context(), "SB", simStart, simStart.Add(time.Hour)); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("%+v: Departing error = %v, want Invalid", cfg, err)
		}
	}
}
