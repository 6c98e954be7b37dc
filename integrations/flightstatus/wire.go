package flightstatus

import (
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// The provider's answer as openapi.yaml describes it. Nulls decode to zero values:
// an empty string or a zero time means the provider does not know.

type pageDTO struct {
	Flights  []flightDTO `json:"flights"`
	Links    *linksDTO   `json:"links"`
	NumPages int         `json:"num_pages"`
}

type linksDTO struct {
	Next string `json:"next"`
}

type airportDTO struct {
	Code     string `json:"code"`
	CodeIATA string `json:"code_iata"`
	CodeICAO string `json:"code_icao"`
}

type flightDTO struct {
	IdentIATA           string      `json:"ident_iata"`
	OperatorIATA        string      `json:"operator_iata"`
	FlightNumber        string      `json:"flight_number"`
	ScheduledOut        time.Time   `json:"scheduled_out"`
	EstimatedOut        time.Time   `json:"estimated_out"`
	ActualOut           time.Time   `json:"actual_out"`
	ScheduledIn         time.Time   `json:"scheduled_in"`
	EstimatedIn         time.Time   `json:"estimated_in"`
	ActualIn            time.Time   `json:"actual_in"`
	Origin              *airportDTO `json:"origin"`
	Destination         *airportDTO `json:"destination"`
	DivertedTo          *airportDTO `json:"diverted_to"`
	GateOrigin          string      `json:"gate_origin"`
	TerminalOrigin      string      `json:"terminal_origin"`
	GateDestination     string      `json:"gate_destination"`
	TerminalDestination string      `json:"terminal_destination"`
	BaggageClaim        string      `json:"baggage_claim"`
	Cancelled           bool        `json:"cancelled"`
	Diverted            bool        `json:"diverted"`
	Status              string      `json:"status"`
	DepartureDelay      *int        `json:"departure_delay"`
	ArrivalDelay        *int        `json:"arrival_delay"`
}

type errorDTO struct {
	Title  string `json:"title"`
	Reason string `json:"reason"`
	Detail string `json:"detail"`
	Status int    `json:"status"`
}

func (e errorDTO) String() string {
	var parts []string
	for _, s := range []string{e.Title, e.Reason, e.Detail} {
		if s = strings.TrimSpace(s); s != "" && (len(parts) == 0 || parts[len(parts)-1] != s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// toReport maps one flight of the provider to the canonical report. zones gives
// the origin's time zone, which dates the flight. A flight that cannot be keyed or
// fails domain validation is an error: the caller leaves it out.
func toReport(f flightDTO, zones func(domain.AirportCode) *time.Location) (domain.FlightStatusReport, error) {
	const op = "read flight status"
	ident := f.IdentIATA
	if ident == "" {
		ident = f.OperatorIATA + f.FlightNumber
	}
	number, err := domain.ParseFlightNumber(ident)
	if err != nil {
		return domain.FlightStatusReport{}, err
	}
	if f.Origin == nil {
		return domain.FlightStatusReport{}, domain.Errorf(domain.Invalid, op, "%s has no origin", number)
	}
	origin, err := domain.ParseAirportCode(f.Origin.CodeIATA)
	if err != nil {
		return domain.FlightStatusReport{}, domain.Errorf(domain.Invalid, op, "%s: origin %q has no IATA code", number, f.Origin.Code)
	}
	if f.ScheduledOut.IsZero() {
		return domain.FlightStatusReport{}, domain.Errorf(domain.Invalid, op, "%s has no scheduled departure", number)
	}
	var zone *time.Location
	if zones != nil {
		zone = zones(origin)
	}
	if zone == nil {
		return domain.FlightStatusReport{}, domain.Errorf(domain.Invalid, op, "%s: no time zone known for %s to date the flight", number, origin)
	}
	r := domain.FlightStatusReport{
		Key:                domain.FlightKey{Flight: number, Date: f.ScheduledOut.In(zone).Format(time.DateOnly)},
		Phase:              phaseOf(f),
		Origin:             origin,
		Destination:        iataOf(f.Destination),
		ScheduledDeparture: utc(f.ScheduledOut),
		EstimatedDeparture: estimate(f.EstimatedOut, f.ScheduledOut, f.ActualOut, f.DepartureDelay),
		ActualDeparture:    utc(f.ActualOut),
		ScheduledArrival:   utc(f.ScheduledIn),
		EstimatedArrival:   estimate(f.EstimatedIn, f.ScheduledIn, f.ActualIn, f.ArrivalDelay),
		ActualArrival:      utc(f.ActualIn),
		DepartureTerminal:  strings.TrimSpace(f.TerminalOrigin),
		DepartureGate:      strings.TrimSpace(f.GateOrigin),
		ArrivalTerminal:    strings.TrimSpace(f.TerminalDestination),
		ArrivalGate:        strings.TrimSpace(f.GateDestination),
		BaggageBelt:        strings.TrimSpace(f.BaggageClaim),
		Source:             SourceREST,
	}
	if r.Phase == domain.PhaseDiverted {
		r.DivertedTo = iataOf(f.DivertedTo)
		if r.DivertedTo == "" {
			r.DivertedTo = r.Destination
		}
	}
	if err := r.Validate(); err != nil {
		return domain.FlightStatusReport{}, err
	}
	return r, nil
}

// phaseOf reads the phase: the flags first, then the gate times, then the status
// text for what only it says (boarding, gate closed).
func phaseOf(f flightDTO) domain.FlightPhase {
	switch {
	case f.Cancelled:
		return domain.PhaseCancelled
	case f.Diverted:
		return domain.PhaseDiverted
	case !f.ActualIn.IsZero():
		return domain.PhaseArrived
	case !f.ActualOut.IsZero():
		return domain.PhaseDeparted
	}
	for _, part := range strings.Split(f.Status, "/") {
		p, err := domain.ParseFlightPhase(part)
		if err == nil && (p == domain.PhaseBoarding || p == domain.PhaseGateClose) {
			return p
		}
	}
	return domain.PhaseScheduled
}

func iataOf(a *airportDTO) domain.AirportCode {
	if a == nil {
		return ""
	}
	c, err := domain.ParseAirportCode(a.CodeIATA)
	if err != nil {
		return ""
	}
	return c
}

// estimate is the estimated time, else, before the actual time is known, the
// scheduled one moved by the delay (seconds) when the provider gives only that,
// else zero.
func estimate(est, sched, actual time.Time, delay *int) time.Time {
	switch {
	case !est.IsZero():
		return est.UTC()
	case delay != nil && !sched.IsZero() && actual.IsZero():
		return sched.Add(time.Duration(*delay) * time.Second).UTC()
	}
	return time.Time{}
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
