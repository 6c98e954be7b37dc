package domain

import (
	"time"
)

// Airport is a place flights leave from and arrive at. Times at an airport are shown
// in its own time zone.
type Airport struct {
	Code     AirportCode
	Name     string
	City     string
	Country  CountryCode // ISO 3166-1 alpha-3
	Location *time.Location
}

// Flight is one scheduled departure of a marketed flight number on a date.
type Flight struct {
	ID          int64
	Number      FlightNumber
	Date        time.Time // scheduled departure date at the origin, midnight local time
	Origin      Airport
	Destination Airport
	Departure   time.Time // scheduled, with the origin's location
	Arrival     time.Time // scheduled, with the destination's location
	Aircraft    string
	Gate        string // empty when not yet known
	Terminal    string
	Status      FlightStatus
	BoardingMin int // boarding starts this many minutes before departure
}

// FlightStatus is the operational status of a flight.
type FlightStatus string

// Flight statuses.
const (
	FlightScheduled FlightStatus = "scheduled"
	FlightCancelled FlightStatus = "cancelled"
	FlightDeparted  FlightStatus = "departed"
	FlightArrived   FlightStatus = "arrived"
)

// BoardingTime is when boarding starts.
func (f Flight) BoardingTime() time.Time {
	m := f.BoardingMin
	if m <= 0 {
		m = 40
	}
	return f.Departure.Add(-time.Duration(m) * time.Minute)
}

// International reports whether the flight crosses a border, in which case travel
// documents are required before a boarding pass is issued.
func (f Flight) International() bool { return f.Origin.Country != f.Destination.Country }

// PaxType is the IATA passenger type code.
type PaxType string

// Passenger types.
const (
	Adult  PaxType = "ADT"
	Child  PaxType = "CHD"
	Infant PaxType = "INF"
)

// Passenger is a person on a booking.
type Passenger struct {
	ID           int64
	Name         PersonName
	Type         PaxType
	TicketNumber string // 13 digits
	// InfantOf is the ID of the adult an infant travels on the lap of, 0 otherwise.
	InfantOf int64
}

// SegmentStatus is the status of a booked segment.
type SegmentStatus string

// Segment statuses, as in a PNR: HK confirmed, XX cancelled, UN unable (flight
// cancelled), FL flown.
const (
	SegmentConfirmed SegmentStatus = "HK"
	SegmentCancelled SegmentStatus = "XX"
	SegmentUnable    SegmentStatus = "UN"
	SegmentFlown     SegmentStatus = "FL"
)

// Cabin is the compartment of travel.
type Cabin string

// Cabins with their IATA compartment codes.
const (
	Economy  Cabin = "Y"
	Premium  Cabin = "W"
	Business Cabin = "C"
	First    Cabin = "F"
)

// Segment is one flight of a booking.
type Segment struct {
	ID           int64
	Flight       Flight
	Cabin        Cabin
	BookingClass string // one letter, e.g. "Y", "M", "J"
	Status       SegmentStatus
}

// Contact holds the ways to reach the people on a booking.
type Contact struct {
	WhatsApp  Secret // E.164 digits
	Messenger string // page-scoped id
	Email     Secret
	Lang      Lang
}

// Booking is a reservation: its passengers and segments.
type Booking struct {
	Locator    RecordLocator
	Passengers []Passenger
	Segments   []Segment
	Contact    Contact
	// CheckIns holds what has been checked in so far, one entry per passenger and segment.
	CheckIns []CheckIn
	// Seats holds the seats assigned before check-in (pre-assigned or chosen).
	Seats []SeatAssignment
}

// Passenger returns the passenger with the given id.
func (b Booking) Passenger(id int64) (Passenger, bool) {
	for _, p := range b.Passengers {
		if p.ID == id {
			return p, true
		}
	}
	return Passenger{}, false
}

// Segment returns the segment with the given id.
func (b Booking) Segment(id int64) (Segment, bool) {
	for _, s := range b.Segments {
		if s.ID == id {
			return s, true
		}
	}
	return Segment{}, false
}

// CheckInOf returns the check-in of a passenger on a segment, if there is one.
func (b Booking) CheckInOf(passengerID, segmentID int64) (CheckIn, bool) {
	for _, c := range b.CheckIns {
		if c.PassengerID == passengerID && c.SegmentID == segmentID {
			return c, true
		}
	}
	return CheckIn{}, false
}

// HasSurname reports whether any passenger on the booking has the typed surname.
func (b Booking) HasSurname(typed string) bool {
	for _, p := range b.Passengers {
		if p.Name.MatchesSurname(typed) {
			return true
		}
	}
	return false
}

// CheckIn records that a passenger was accepted on a segment.
type CheckIn struct {
	PassengerID int64
	SegmentID   int64
	Seat        string // "14C"
	Sequence    int    // check-in sequence number on the flight
	At          time.Time
}

// AssignedSeat returns the seat held for a passenger on a segment, "" if none.
func (b Booking) AssignedSeat(passengerID, segmentID int64) string {
	if c, ok := b.CheckInOf(passengerID, segmentID); ok && c.Seat != "" {
		return c.Seat
	}
	for _, s := range b.Seats {
		if s.PassengerID == passengerID && s.SegmentID == segmentID {
			return s.Seat
		}
	}
	return ""
}
