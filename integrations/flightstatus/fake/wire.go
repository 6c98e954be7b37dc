package flightstatusfake

import (
	"strconv"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// The provider's answer as openapi.yaml describes it, written independently of the
// client's reading of it so that each is checked against the document. Pointers
// are null when unknown: the contract sends every field, null or not.

type pageDTO struct {
	Flights  []flightDTO `json:"flights"`
	Links    *linksDTO   `json:"links"`
	NumPages int         `json:"num_pages"`
}

type linksDTO struct {
	Next *string `json:"next"`
}

type airportDTO struct {
	Code     string  `json:"code"`
	CodeIATA *string `json:"code_iata"`
	CodeICAO *string `json:"code_icao"`
}

type flightDTO struct {
	IdentIATA           *string     `json:"ident_iata"`
	OperatorIATA        *string     `json:"operator_iata"`
	FlightNumber        *string     `json:"flight_number"`
	ScheduledOut        string      `json:"scheduled_out"`
	EstimatedOut        *string     `json:"estimated_out"`
	ActualOut           *string     `json:"actual_out"`
	ScheduledIn         *string     `json:"scheduled_in"`
	EstimatedIn         *string     `json:"estimated_in"`
	ActualIn            *string     `json:"actual_in"`
	Origin              airportDTO  `json:"origin"`
	Destination         *airportDTO `json:"destination"`
	DivertedTo          *airportDTO `json:"diverted_to,omitempty"`
	GateOrigin          *string     `json:"gate_origin"`
	TerminalOrigin      *string     `json:"terminal_origin"`
	GateDestination     *string     `json:"gate_destination"`
	TerminalDestination *string     `json:"terminal_destination"`
	BaggageClaim        *string     `json:"baggage_claim"`
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

// toDTO writes a report the way the provider would. A provider always knows when
// a flight it calls departed or arrived left or came in: when the report leaves
// those times out, the best known ones are sent as actual.
func toDTO(r domain.FlightStatusReport) flightDTO {
	n := r.Key.Flight
	actualOut, actualIn := r.ActualDeparture, r.ActualArrival
	if actualOut.IsZero() && r.Phase.Operated() {
		actualOut = r.Departure()
	}
	if actualIn.IsZero() && r.Phase == domain.PhaseArrived {
		actualIn = r.Arrival()
	}
	f := flightDTO{
		IdentIATA:           str(n.String()),
		OperatorIATA:        str(string(n.Carrier)),
		FlightNumber:        str(strconv.Itoa(n.Number) + n.Suffix),
		ScheduledOut:        r.ScheduledDeparture.UTC().Format(time.RFC3339),
		EstimatedOut:        ts(r.EstimatedDeparture),
		ActualOut:           ts(actualOut),
		ScheduledIn:         ts(r.ScheduledArrival),
		EstimatedIn:         ts(r.EstimatedArrival),
		ActualIn:            ts(actualIn),
		Origin:              airport(r.Origin),
		GateOrigin:          str(r.DepartureGate),
		TerminalOrigin:      str(r.DepartureTerminal),
		GateDestination:     str(r.ArrivalGate),
		TerminalDestination: str(r.ArrivalTerminal),
		BaggageClaim:        str(r.BaggageBelt),
		Cancelled:           r.Phase == domain.PhaseCancelled,
		Diverted:            r.Phase == domain.PhaseDiverted,
		DepartureDelay:      delay(r.ScheduledDeparture, actualOut, r.EstimatedDeparture),
		ArrivalDelay:        delay(r.ScheduledArrival, actualIn, r.EstimatedArrival),
	}
	if r.Destination != "" {
		a := airport(r.Destination)
		f.Destination = &a
	}
	if f.Diverted && r.DivertedTo != "" {
		a := airport(r.DivertedTo)
		f.DivertedTo = &a
	}
	f.Status = statusText(r.Phase, f.DepartureDelay)
	return f
}

// statusText is AeroAPI's kind of status: what happens, then how it runs.
func statusText(p domain.FlightPhase, depDelay *int) string {
	late := depDelay != nil && *depDelay >= 15*60
	timing := " / On Time"
	if late {
		timing = " / Delayed"
	}
	switch p {
	case domain.PhaseBoarding:
		return "Boarding"
	case domain.PhaseGateClose:
		return "Gate Closed"
	case domain.PhaseDeparted:
		return "En Route" + timing
	case domain.PhaseArrived:
		return "Arrived / Gate Arrival"
	case domain.PhaseCancelled:
		return "Cancelled"
	case domain.PhaseDiverted:
		return "Diverted"
	}
	if late {
		return "Scheduled / Delayed"
	}
	return "Scheduled"
}

// airport writes an IATA code; the fake knows no ICAO codes.
func airport(code domain.AirportCode) airportDTO {
	return airportDTO{Code: string(code), CodeIATA: str(string(code))}
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ts(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return str(t.UTC().Format(time.RFC3339))
}

// delay is the seconds from sched to the actual time, else the estimated one.
func delay(sched, actual, est time.Time) *int {
	t := actual
	if t.IsZero() {
		t = est
	}
	if sched.IsZero() || t.IsZero() {
		return nil
	}
	d := int(t.Sub(sched) / time.Second)
	return &d
}
