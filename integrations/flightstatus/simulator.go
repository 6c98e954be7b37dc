package flightstatus

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Schedule lists the flights the simulator gives a status to: the part of
// domain.Manifest (the demo booking system) it needs.
type Schedule interface {
	// FlightsDeparting lists the flights scheduled to depart in [from, to).
	FlightsDeparting(ctx context.Context, from, to time.Time) ([]domain.Flight, error)
}

// Proportions are the shares of simulated flights that depart from the plan.
// Each is in [0, 1].
type Proportions struct {
	// Delayed flights leave 15 to 120 minutes late, told 1 to 4 hours before
	// departure.
	Delayed float64
	// DelayGrows is the share of the delayed flights whose delay grows once, by
	// 15 to 60 minutes, before boarding.
	DelayGrows float64
	// GateChanged flights move gate about an hour before departure.
	GateChanged float64
	// Cancelled flights are cancelled about 5 hours before departure.
	Cancelled float64
	// Reinstated is the share of the cancelled flights that operate after all,
	// 60 to 90 minutes after the cancellation, 30 to 90 minutes late.
	Reinstated float64
}

// DefaultProportions are the demo's: a fifth of the flights late (a third of
// those twice), one in ten changing gate, 3% cancelled and one cancellation in
// ten reversed.
func DefaultProportions() Proportions {
	return Proportions{Delayed: 0.20, DelayGrows: 0.30, GateChanged: 0.10, Cancelled: 0.03, Reinstated: 0.10}
}

// Validate reports a share out of [0, 1].
func (p Proportions) Validate() error {
	for name, v := range map[string]float64{
		"delayed": p.Delayed, "delay grows": p.DelayGrows, "gate changed": p.GateChanged,
		"cancelled": p.Cancelled, "reinstated": p.Reinstated,
	} {
		if !(v >= 0 && v <= 1) {
			return domain.Errorf(domain.Invalid, "configure flight status simulator", "share of %s flights %v is not in [0, 1]", name, v)
		}
	}
	return nil
}

// SimulatorConfig configures a Simulator.
type SimulatorConfig struct {
	// Manifest lists the flights to simulate; required.
	Manifest Schedule
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Proportions shape the simulated day; DefaultProportions when nil.
	Proportions *Proportions
	// Seed varies which flights are disrupted. Every instance given the same seed
	// tells the same story.
	Seed uint64
}

// Simulator is the demo airline's flight-status source: it makes up a realistic,
// evolving status for every scheduled flight (see the package documentation). The
// status of a flight at an instant depends only on the flight, the instant, the
// proportions and the seed, so that instances sharing a database agree, polls
// repeat, and a restart changes nothing. It implements domain.FlightStatusSource.
type Simulator struct {
	flights Schedule
	now     func() time.Time
	p       Proportions
	seed    uint64
	err     error // of an invalid configuration, returned by Departing
}

// Validate reports a configuration the simulator cannot work with: no manifest,
// or a proportion out of [0, 1].
func (c SimulatorConfig) Validate() error {
	if c.Manifest == nil {
		return domain.Errorf(domain.Invalid, "configure flight status simulator", "no manifest to list the flights")
	}
	if c.Proportions != nil {
		return c.Proportions.Validate()
	}
	return nil
}

// NewSimulator returns a simulator for cfg. With a configuration that fails
// Validate, Departing returns that error.
func NewSimulator(cfg SimulatorConfig) *Simulator {
	p := DefaultProportions()
	if cfg.Proportions != nil {
		p = *cfg.Proportions
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Simulator{flights: cfg.Manifest, now: now, p: p, seed: cfg.Seed, err: cfg.Validate()}
}

// Departing returns the simulated status, now, of the carrier's flights scheduled
// to depart in [from, to).
func (s *Simulator) Departing(ctx context.Context, carrier domain.CarrierCode, from, to time.Time) ([]domain.FlightStatusReport, error) {
	if s.err != nil {
		return nil, s.err
	}
	flights, err := s.flights.FlightsDeparting(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("simulate flight status of %s: %w", carrier, err)
	}
	now := s.now()
	var out []domain.FlightStatusReport
	for _, f := range flights {
		if f.Number.Carrier == carrier {
			out = append(out, s.Status(f, now))
		}
	}
	return out, nil
}

// Status returns the simulated status of flight f at instant at.
func (s *Simulator) Status(f domain.Flight, at time.Time) domain.FlightStatusReport {
	p := s.plan(f)
	dep, arr := f.Departure.UTC(), f.Arrival.UTC()
	r := domain.FlightStatusReport{
		Key:                domain.KeyOf(f),
		Phase:              domain.PhaseScheduled,
		Origin:             f.Origin.Code,
		Destination:        f.Destination.Code,
		ScheduledDeparture: dep,
		ScheduledArrival:   arr,
		DepartureTerminal:  f.Terminal,
		Source:             SourceDemo,
	}
	if f.Status == domain.FlightCancelled {
		// Cancelled in the booking system: nothing to simulate.
		r.Phase, r.Reason = domain.PhaseCancelled, "Cancelled by the airline"
		return r
	}

	var changed time.Time // when the status last changed, up to at
	happened := func(t time.Time) bool {
		if t.IsZero() || t.After(at) {
			return false
		}
		if t.After(changed) {
			changed = t
		}
		return true
	}

	if happened(p.cancelAt) && !happened(p.reinstateAt) {
		r.Phase, r.Reason = domain.PhaseCancelled, p.cancelReason
		r.UpdatedAt = changed
		return r
	}
	r.DepartureGate = f.Gate
	if happened(p.gateAt) {
		r.DepartureGate = p.gate
	}
	if happened(p.gateChangeAt) {
		r.DepartureGate = p.newGate
	}

	var delay time.Duration
	if happened(p.delayAt) {
		delay, r.Reason = p.delay, p.delayReason
	}
	if happened(p.growAt) {
		delay += p.growth
	}
	etd, eta := dep.Add(delay), arr.Add(delay)
	r.EstimatedDeparture, r.EstimatedArrival = etd, eta
	boarding := etd.Add(-boardingLead(f))
	switch {
	case happened(eta):
		r.Phase, r.ActualDeparture, r.ActualArrival, r.BaggageBelt = domain.PhaseArrived, etd, eta, p.belt
	case happened(etd):
		r.Phase, r.ActualDeparture = domain.PhaseDeparted, etd
	case happened(etd.Add(-gateCloses)):
		r.Phase = domain.PhaseGateClose
	case happened(boarding):
		r.Phase = domain.PhaseBoarding
	}
	r.UpdatedAt = changed
	return r
}

// gateCloses is how long before departure the gate closes.
const gateCloses = 15 * time.Minute

func boardingLead(f domain.Flight) time.Duration {
	m := f.BoardingMin
	if m <= 0 {
		m = 40 // as domain.Flight.BoardingTime
	}
	return time.Duration(m) * time.Minute
}

// plan is what will happen to one flight, decided once from its key: every
// instant is absolute, zero when the event does not happen.
type plan struct {
	delay, growth   time.Duration // the first delay, and what it grows by
	delayAt, growAt time.Time     // when they are told
	delayReason     string
	gate            string // assigned at gateAt, when the schedule has none
	newGate         string // moved to at gateChangeAt
	gateAt          time.Time
	gateChangeAt    time.Time
	cancelAt        time.Time
	reinstateAt     time.Time
	cancelReason    string
	belt            string // baggage belt on arrival
}

var (
	delayReasons = []string{
		"Late arrival of the incoming aircraft", "Air traffic control restrictions",
		"Technical check of the aircraft", "Crew availability", "Weather at the destination",
		"Busy airport: waiting for a departure slot",
	}
	cancelReasons = []string{
		"Operational reasons", "Technical problem with the aircraft", "Severe weather", "Air traffic control strike",
	}
	piers = "BCDEFGH"
)

// plan decides a flight's story. Times are chosen so that phases only move
// forward: every announcement before boarding comes before boarding could start.
func (s *Simulator) plan(f domain.Flight) plan {
	rnd := newDice(s.seed, domain.KeyOf(f).String())
	dep := f.Departure.UTC()
	board := boardingLead(f)
	minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rnd.intn(hi-lo+1)) * time.Minute }
	var p plan

	// Every draw happens whatever the outcome, in a fixed order, so that changing
	// one proportion does not reshuffle the other stories.
	cancelled, reinstated := rnd.float() < s.p.Cancelled, rnd.float() < s.p.Reinstated
	cancelLead, reinstateAfter, lateAfterReinstate := minutes(270, 330), minutes(60, 90), 5*(6+rnd.intn(13))
	cancelReason := cancelReasons[rnd.intn(len(cancelReasons))]
	delayed, grows := rnd.float() < s.p.Delayed, rnd.float() < s.p.DelayGrows
	delay, growth := 5*(3+rnd.intn(22)), 5*(3+rnd.intn(10)) // 15–120 and 15–60 minutes
	// Told at least half an hour before boarding would start.
	lead := max(60*time.Minute, board+30*time.Minute) + minutes(0, 180)
	delayReason := delayReasons[rnd.intn(len(delayReasons))]
	gateChanged := rnd.float() < s.p.GateChanged
	gateJitter, changeJitter := minutes(0, 30)-15*time.Minute, minutes(0, 20)-10*time.Minute
	gate := pickGate(rnd, f.Gate, "")
	p.belt = strconv.Itoa(1 + rnd.intn(25))

	if f.Gate == "" {
		p.gate = gate
		p.gateAt = minTime(dep.Add(-2*time.Hour+gateJitter), dep.Add(-board-30*time.Minute))
	}
	if gateChanged {
		p.newGate = pickGate(rnd, f.Gate, gate)
		p.gateChangeAt = minTime(dep.Add(-time.Hour+changeJitter), dep.Add(-board-10*time.Minute))
	}
	if cancelled {
		p.cancelAt, p.cancelReason = dep.Add(-cancelLead), cancelReason
		if reinstated {
			// Back on, later: the delay is told with the reinstatement.
			p.reinstateAt = p.cancelAt.Add(reinstateAfter)
			p.delay, p.delayAt, p.delayReason = time.Duration(lateAfterReinstate)*time.Minute, p.reinstateAt, "Reinstated after the cancellation"
		}
		return p
	}
	if delayed {
		p.delay, p.delayAt, p.delayReason = time.Duration(delay)*time.Minute, dep.Add(-lead), delayReason
		if grows {
			// Half-way between the first notice and boarding as it then stands.
			firstBoarding := dep.Add(p.delay - board)
			p.growth = time.Duration(growth) * time.Minute
			p.growAt = p.delayAt.Add(firstBoarding.Sub(p.delayAt) / 2).Truncate(time.Minute)
		}
	}
	return p
}

// pickGate returns a gate at the flight's pier (the letter of the scheduled gate,
// else one drawn), other than not.
func pickGate(rnd *dice, scheduled, not string) string {
	pier := string(piers[rnd.intn(len(piers))])
	if i := strings.IndexFunc(scheduled, func(r rune) bool { return r >= '0' && r <= '9' }); i > 0 {
		pier = scheduled[:i]
	}
	for {
		g := pier + strconv.Itoa(1+rnd.intn(40))
		if g != not && g != scheduled {
			return g
		}
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// dice is a splitmix64 sequence seeded from a flight's key: the same numbers on
// every machine and every Go version.
type dice struct{ state uint64 }

func newDice(seed uint64, key string) *dice {
	h := fnv.New64a()
	h.Write([]byte(key))
	return &dice{state: h.Sum64() ^ seed}
}

func (d *dice) next() uint64 {
	d.state += 0x9e3779b97f4a7c15
	z := d.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a number in [0, 1).
func (d *dice) float() float64 { return float64(d.next()>>11) / (1 << 53) }

// intn returns a number in [0, n).
func (d *dice) intn(n int) int { return int(math.Floor(d.float() * float64(n))) }
