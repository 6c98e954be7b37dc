package domain

import "time"

// BoardingPass is what a traveller receives for one passenger on one flight after
// check-in: the BCBP barcode data plus a snapshot of the human-readable details.
// It is addressed by an unguessable token.
type BoardingPass struct {
	Token        string
	Locator      RecordLocator
	PassengerID  int64
	SegmentID    int64
	Name         PersonName
	PaxType      PaxType
	Flight       FlightNumber
	Origin       Airport
	Destination  Airport
	Departure    time.Time // scheduled departure, in the origin's location
	BoardingTime time.Time // in the origin's location
	Gate         string    // empty when not yet known
	Terminal     string
	Cabin        Cabin
	BookingClass string
	Seat         string // "14C"; "INF" for an infant without a seat
	Sequence     int
	TicketNumber string
	BCBP         string // IATA Resolution 792 "M" format
	IssuedAt     time.Time
	// Valid is false once a pass has been superseded (e.g. a seat change re-issued it).
	Valid bool
}
