package domain

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// FlightKey names one operated flight: the marketed flight number and the scheduled
// departure date at the origin (local), as "2006-01-02".
type FlightKey struct {
	Flight FlightNumber
	Date   string
}

func (k FlightKey) String() string { return k.Flight.String() + "/" + k.Date }

// ParseFlightKey reads a flight number and a date ("KL1234", "2026-11-26").
func ParseFlightKey(number, date string) (FlightKey, error) {
	n, err := ParseFlightNumber(number)
	if err != nil {
		return FlightKey{}, err
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return FlightKey{}, Errorf(Invalid, "parse flight key", "%q is not a date (YYYY-MM-DD)", date)
	}
	return FlightKey{Flight: n, Date: date}, nil
}

// KeyOf returns the key of a flight.
func KeyOf(f Flight) FlightKey {
	d := f.Departure
	if f.Origin.Location != nil {
		d = d.In(f.Origin.Location)
	}
	return FlightKey{Flight: f.Number, Date: d.Format(time.DateOnly)}
}

// FlightPhase is where an operated flight stands, in the canonical vocabulary the
// status sources are mapped to (airline.md §3.2: Google Wallet, AeroDataBox,
// FlightStats).
type FlightPhase string

// Flight phases.
const (
	PhaseScheduled FlightPhase = "scheduled" // expected, estimated times may differ
	PhaseBoarding  FlightPhase = "boarding"
	PhaseGateClose FlightPhase = "gate_closed"
	PhaseDeparted  FlightPhase = "departed"
	PhaseArrived   FlightPhase = "arrived"
	PhaseCancelled FlightPhase = "cancelled"
	PhaseDiverted  FlightPhase = "diverted"
)

// ParseFlightPhase reads a phase, accepting the common spellings of the status
// sources ("canceled", "Boarding", "GateClosed", "landed", "en_route").
func ParseFlightPhase(s string) (FlightPhase, error) {
	k := strings.ToLower(strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.TrimSpace(s)))
	switch k {
	case "scheduled", "expected", "ontime", "delayed", "checkin", "unknown", "":
		return PhaseScheduled, nil
	case "boarding":
		return PhaseBoarding, nil
	case "gateclosed", "gateclosing", "finalcall":
		return PhaseGateClose, nil
	case "departed", "active", "enroute", "airborne", "approaching":
		return PhaseDeparted, nil
	case "arrived", "landed":
		return PhaseArrived, nil
	case "cancelled", "canceled":
		return PhaseCancelled, nil
	case "diverted", "redirected":
		return PhaseDiverted, nil
	}
	return "", Errorf(Invalid, "parse flight status", "unknown flight status %q", s)
}

// Operated reports whether the flight has left the gate.
func (p FlightPhase) Operated() bool {
	return p == PhaseDeparted || p == PhaseArrived || p == PhaseDiverted
}

// FlightStatusReport is the canonical status of one flight (airline.md §3.3), the
// same whether it was polled from a provider or pushed by the airline. Times are
// instants (stored in UTC, shown in the airport's zone); zero means unknown.
type FlightStatusReport struct {
	Key         FlightKey
	Phase       FlightPhase
	Origin      AirportCode
	Destination AirportCode

	ScheduledDeparture time.Time
	EstimatedDeparture time.Time
	ActualDeparture    time.Time
	ScheduledArrival   time.Time
	EstimatedArrival   time.Time
	ActualArrival      time.Time

	DepartureTerminal string
	DepartureGate     string
	ArrivalTerminal   string
	ArrivalGate       string
	BaggageBelt       string
	// DivertedTo is where a diverted flight landed or is heading.
	DivertedTo AirportCode
	// Reason is the airline's or provider's explanation, shown as given.
	Reason string
	// Source names where the status came from ("push:ops-name", "poll:rest", "demo").
	Source string
	// UpdatedAt is when the source last changed it, zero when the source does not
	// say.
	UpdatedAt time.Time
}

// Departure is the best known departure time: actual, else estimated, else
// scheduled.
func (r FlightStatusReport) Departure() time.Time {
	switch {
	case !r.ActualDeparture.IsZero():
		return r.ActualDeparture
	case !r.EstimatedDeparture.IsZero():
		return r.EstimatedDeparture
	}
	return r.ScheduledDeparture
}

// Arrival is the best known arrival time.
func (r FlightStatusReport) Arrival() time.Time {
	switch {
	case !r.ActualArrival.IsZero():
		return r.ActualArrival
	case !r.EstimatedArrival.IsZero():
		return r.EstimatedArrival
	}
	return r.ScheduledArrival
}

// Validate checks a report for what change detection needs.
func (r FlightStatusReport) Validate() error {
	const op = "validate flight status"
	var probs []string
	if r.Key.Flight.Carrier == "" || r.Key.Flight.Number == 0 {
		probs = append(probs, "flight number is missing")
	}
	if _, err := time.Parse(time.DateOnly, r.Key.Date); err != nil {
		probs = append(probs, fmt.Sprintf("departure date %q is not YYYY-MM-DD", r.Key.Date))
	}
	if r.Phase == "" {
		probs = append(probs, "status is missing")
	}
	if r.ScheduledDeparture.IsZero() {
		probs = append(probs, "scheduled departure is missing")
	}
	if !r.EstimatedDeparture.IsZero() && !r.ScheduledDeparture.IsZero() &&
		r.EstimatedDeparture.Sub(r.ScheduledDeparture).Abs() > 72*time.Hour {
		probs = append(probs, "estimated departure is more than 72 hours from the schedule")
	}
	if r.Phase == PhaseDiverted && r.DivertedTo == "" {
		probs = append(probs, "a diverted flight needs the airport it diverted to")
	}
	for _, s := range []string{r.DepartureGate, r.DepartureTerminal, r.ArrivalGate, r.ArrivalTerminal, r.BaggageBelt} {
		if len(s) > 8 {
			probs = append(probs, fmt.Sprintf("%q is too long for a gate, terminal or belt (8 characters)", s))
		}
	}
	if len(r.Reason) > 200 {
		probs = append(probs, "reason is longer than 200 characters")
	}
	if len(probs) > 0 {
		return Errorf(Invalid, op, "%s: %s", r.Key, strings.Join(probs, "; "))
	}
	return nil
}

// FlightStatusSource is a provider of flight status that Skybridge polls.
// integrations/flightstatus implements it for a REST provider and for the demo
// airline's simulator.
type FlightStatusSource interface {
	// Departing returns the status of the carrier's flights scheduled to depart in
	// [from, to).
	Departing(ctx context.Context, carrier CarrierCode, from, to time.Time) ([]FlightStatusReport, error)
}

// FlightEventKind is a change worth telling travellers about.
type FlightEventKind string

// Flight event kinds (airline.md §3.1).
const (
	EventCheckInOpen    FlightEventKind = "checkin_open"
	EventDelay          FlightEventKind = "delay"
	EventEarlier        FlightEventKind = "earlier"
	EventGateChange     FlightEventKind = "gate_change"
	EventTerminalChange FlightEventKind = "terminal_change"
	EventBoarding       FlightEventKind = "boarding"
	EventGateClosing    FlightEventKind = "gate_closing"
	EventCancelled      FlightEventKind = "cancelled"
	EventReinstated     FlightEventKind = "reinstated"
	EventDiverted       FlightEventKind = "diverted"
	EventArrived        FlightEventKind = "arrived"
)

// FlightEventKinds lists every kind, in the order rules are shown.
var FlightEventKinds = []FlightEventKind{
	EventCheckInOpen, EventDelay, EventEarlier, EventGateChange, EventTerminalChange,
	EventBoarding, EventGateClosing, EventCancelled, EventReinstated, EventDiverted, EventArrived,
}

// FlightEvent is one change of one flight. Version counts the events of the kind
// on the flight from 1: (flight, kind, version) is unique, and a notification is
// sent once per passenger for it.
type FlightEvent struct {
	ID      int64
	Key     FlightKey
	Kind    FlightEventKind
	Version int
	// Status is the report that raised the event; Before what travellers were told
	// until then.
	Status FlightStatusReport
	Before Notified
	// SeenAt is when Skybridge saw the change (push lag is measured from it).
	SeenAt time.Time
}

// Priority orders the work of an event when there is more to send than the
// channels allow (River runs 1 first): cancellations and diversions, then by how
// soon the flight leaves.
func (e FlightEvent) Priority(now time.Time) int {
	if e.Kind == EventCancelled || e.Kind == EventDiverted {
		return 1
	}
	switch until := e.Status.Departure().Sub(now); {
	case until < 3*time.Hour:
		return 2
	case until < 24*time.Hour:
		return 3
	}
	return 4
}

// Notified is what travellers on a flight were last told: the baseline new
// statuses are compared with, so that a delay creeping up five minutes at a time is
// told once it adds up, and a gate that flaps back before anyone was told is not
// told at all.
type Notified struct {
	Departure time.Time   `json:"departure,omitzero"` // last departure time told, zero: the schedule
	Gate      string      `json:"gate,omitempty"`
	Terminal  string      `json:"terminal,omitempty"`
	Phase     FlightPhase `json:"phase,omitempty"`
	Belt      string      `json:"belt,omitempty"`
	// Versions is the last version raised per kind.
	Versions map[FlightEventKind]int `json:"versions,omitempty"`
}

// NotifyRule is how one kind of event is told.
type NotifyRule struct {
	Enabled bool `json:"enabled"`
	// ThresholdMinutes: for delay and earlier, the minutes the departure must move
	// from what was last told.
	ThresholdMinutes int `json:"threshold_minutes,omitempty"`
	// Quiet holds the notification during quiet hours in the departure airport's
	// local time; urgent kinds are not held.
	Quiet bool `json:"quiet,omitempty"`
}

// NotifyRules are the airline's rules for proactive flight updates. They are
// content: staff edit them, they are versioned and published with the texts.
type NotifyRules struct {
	Kinds map[FlightEventKind]NotifyRule `json:"kinds"`
	// QuietStart and QuietEnd ("22:00", "07:00") bound the quiet hours, local to
	// the departure airport.
	QuietStart string `json:"quiet_start"`
	QuietEnd   string `json:"quiet_end"`
	// RebookDelayMinutes: a delay at least this long offers rebooking (or a person)
	// in the message.
	RebookDelayMinutes int `json:"rebook_delay_minutes"`
}

// DefaultNotifyRules are the rules a new airline starts with.
func DefaultNotifyRules() NotifyRules {
	return NotifyRules{
		Kinds: map[FlightEventKind]NotifyRule{
			EventCheckInOpen:    {Enabled: true, Quiet: true},
			EventDelay:          {Enabled: true, ThresholdMinutes: 15},
			EventEarlier:        {Enabled: true, ThresholdMinutes: 10},
			EventGateChange:     {Enabled: true},
			EventTerminalChange: {Enabled: true},
			EventBoarding:       {Enabled: true},
			EventGateClosing:    {Enabled: true},
			EventCancelled:      {Enabled: true},
			EventReinstated:     {Enabled: true},
			EventDiverted:       {Enabled: true},
			EventArrived:        {Enabled: true, Quiet: true},
		},
		QuietStart:         "22:00",
		QuietEnd:           "07:00",
		RebookDelayMinutes: 180,
	}
}

// Validate reports every rule out of range, one message per problem.
func (r NotifyRules) Validate() []string {
	var probs []string
	for k, rule := range r.Kinds {
		if !k.known() {
			probs = append(probs, fmt.Sprintf("notify: unknown event kind %q", k))
		}
		if rule.ThresholdMinutes < 0 || rule.ThresholdMinutes > 24*60 {
			probs = append(probs, fmt.Sprintf("notify.%s: threshold %d minutes is out of range (0–1440)", k, rule.ThresholdMinutes))
		}
		if (k == EventDelay || k == EventEarlier) && rule.Enabled && rule.ThresholdMinutes < 5 {
			probs = append(probs, fmt.Sprintf("notify.%s: threshold must be at least 5 minutes", k))
		}
	}
	for _, s := range []string{r.QuietStart, r.QuietEnd} {
		if _, ok := clockMinutes(s); !ok {
			probs = append(probs, fmt.Sprintf("notify: quiet hours %q is not HH:MM", s))
		}
	}
	if r.RebookDelayMinutes < 30 || r.RebookDelayMinutes > 24*60 {
		probs = append(probs, fmt.Sprintf("notify: rebooking delay %d minutes is out of range (30–1440)", r.RebookDelayMinutes))
	}
	return probs
}

func (k FlightEventKind) known() bool {
	for _, x := range FlightEventKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Urgent kinds are sent at once, quiet hours or not, and go first when there is
// more to send than the channel allows.
func (k FlightEventKind) Urgent() bool {
	switch k {
	case EventCancelled, EventDiverted, EventGateClosing, EventBoarding, EventGateChange, EventReinstated:
		return true
	}
	return false
}

// Rule returns the rule of a kind; kinds without one are disabled.
func (r NotifyRules) Rule(k FlightEventKind) NotifyRule { return r.Kinds[k] }

// QuietUntil returns when the quiet hours that hold t end, in loc; zero when t is
// outside them.
func (r NotifyRules) QuietUntil(t time.Time, loc *time.Location) time.Time {
	start, ok1 := clockMinutes(r.QuietStart)
	end, ok2 := clockMinutes(r.QuietEnd)
	if !ok1 || !ok2 || start == end {
		return time.Time{}
	}
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	now := lt.Hour()*60 + lt.Minute()
	midnight := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
	at := func(dayOffset, minutes int) time.Time {
		return time.Date(midnight.Year(), midnight.Month(), midnight.Day()+dayOffset, minutes/60, minutes%60, 0, 0, loc)
	}
	switch {
	case start < end: // e.g. 01:00–06:00
		if now >= start && now < end {
			return at(0, end)
		}
	case now >= start: // e.g. 22:00–07:00, evening part
		return at(1, end)
	case now < end: // morning part
		return at(0, end)
	}
	return time.Time{}
}

func clockMinutes(s string) (int, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// DetectEvents compares a new status with what travellers were last told and
// returns the events to raise, with the new baseline. Disabled kinds raise nothing
// and leave their part of the baseline alone, so enabling one later tells only
// what changes from then on. seen is when the change was seen.
func DetectEvents(told Notified, r FlightStatusReport, rules NotifyRules, seen time.Time) ([]FlightEvent, Notified) {
	next := told
	next.Versions = make(map[FlightEventKind]int, len(told.Versions)+1)
	for k, v := range told.Versions {
		next.Versions[k] = v
	}
	var events []FlightEvent
	raise := func(k FlightEventKind) bool {
		if !rules.Rule(k).Enabled {
			return false
		}
		next.Versions[k]++
		events = append(events, FlightEvent{Key: r.Key, Kind: k, Version: next.Versions[k], Status: r, Before: told, SeenAt: seen})
		return true
	}
	was := told.Phase
	if was == "" {
		was = PhaseScheduled
	}
	switch {
	case r.Phase == PhaseCancelled && was != PhaseCancelled:
		if raise(EventCancelled) {
			next.Phase = PhaseCancelled
		}
		return events, next
	case r.Phase == PhaseCancelled:
		return events, next
	case was == PhaseCancelled:
		// Reinstated: the flight operates after all. Everything else is told anew
		// in the same message, so the baseline moves with it.
		if raise(EventReinstated) {
			next.Phase, next.Departure, next.Gate, next.Terminal = r.Phase, r.Departure(), r.DepartureGate, r.DepartureTerminal
		}
		return events, next
	case r.Phase == PhaseDiverted && was != PhaseDiverted:
		if raise(EventDiverted) {
			next.Phase = PhaseDiverted
		}
		return events, next
	case r.Phase == PhaseArrived:
		if was != PhaseArrived || (r.BaggageBelt != "" && r.BaggageBelt != told.Belt) {
			if raise(EventArrived) {
				next.Phase, next.Belt = PhaseArrived, r.BaggageBelt
			}
		}
		return events, next
	case r.Phase.Operated():
		// Departed: nothing more to tell until it lands.
		next.Phase = r.Phase
		return events, next
	case was.Operated():
		// A stale report from before departure: the flight has left.
		return events, next
	}

	// Before departure: times, gate, terminal, boarding.
	delayed := false
	baseline := told.Departure
	if baseline.IsZero() {
		baseline = r.ScheduledDeparture
	}
	if dep := r.Departure(); !dep.IsZero() && !baseline.IsZero() {
		moved := dep.Sub(baseline)
		if d := rules.Rule(EventDelay); moved > 0 && moved >= time.Duration(d.ThresholdMinutes)*time.Minute {
			if raise(EventDelay) {
				next.Departure, delayed = dep, true
			}
		}
		if e := rules.Rule(EventEarlier); moved < 0 && -moved >= time.Duration(e.ThresholdMinutes)*time.Minute {
			if raise(EventEarlier) {
				next.Departure = dep
			}
		}
	}
	// A terminal change usually brings a gate change: one message says both.
	if r.DepartureTerminal != "" && told.Terminal != "" && r.DepartureTerminal != told.Terminal {
		if raise(EventTerminalChange) {
			next.Terminal, next.Gate = r.DepartureTerminal, r.DepartureGate
		}
	} else if r.DepartureTerminal != "" && told.Terminal == "" {
		next.Terminal = r.DepartureTerminal // first known terminal: part of the schedule, not a change
	}
	if r.DepartureGate != "" && r.DepartureGate != next.Gate {
		if told.Gate == "" {
			next.Gate = r.DepartureGate // first gate assignment: told with boarding, not a change
		} else if raise(EventGateChange) {
			next.Gate = r.DepartureGate
		}
	}
	switch {
	case r.Phase == PhaseBoarding && was == PhaseScheduled:
		if raise(EventBoarding) {
			next.Phase = PhaseBoarding
		}
	case r.Phase == PhaseGateClose && was != PhaseGateClose:
		if raise(EventGateClosing) {
			next.Phase = PhaseGateClose
		}
	case r.Phase == PhaseScheduled && (was == PhaseBoarding || was == PhaseGateClose) && delayed:
		// Boarding interrupted by a delay at the gate: back to expecting it. (A
		// source merely lagging behind a boarding time told from the clock says
		// scheduled too: that is not an interruption.)
		next.Phase = PhaseScheduled
	}
	return events, next
}
