package domain

import (
	"context"
	"time"
)

// BookingSystem is what Skybridge needs from an airline's reservation and departure
// control system. The demo booking system in integrations/pss implements it on the
// database; REST adapters implement it for external systems.
//
// Mutations carry an idempotency key: a retried call with the same key has the effect
// of one call and returns the same result.
type BookingSystem interface {
	// FindBooking returns the booking with its passengers, segments, seats and
	// check-ins. An unknown locator is a NotFound error.
	FindBooking(ctx context.Context, loc RecordLocator) (Booking, error)
	// CheckInPolicy returns an airline's online check-in window. The booking system
	// is its authority: it refuses check-ins outside it.
	CheckInPolicy(ctx context.Context, carrier CarrierCode) (CheckInPolicy, error)
	// SeatMap returns a flight's seats with their current occupancy.
	SeatMap(ctx context.Context, flightID int64) (SeatMap, error)
	// CheckIn accepts passengers on one segment and returns their check-ins (seat and
	// sequence number). It is all or nothing.
	CheckIn(ctx context.Context, req CheckInRequest) ([]CheckIn, error)
}

// CheckInRequest asks the booking system to check passengers in on one segment.
type CheckInRequest struct {
	IdempotencyKey string
	Locator        RecordLocator
	SegmentID      int64
	Passengers     []PassengerCheckIn
}

// PassengerCheckIn is one passenger of a check-in request.
type PassengerCheckIn struct {
	PassengerID int64
	// Seat is the seat to take; empty keeps the assigned seat or lets the booking
	// system assign one.
	Seat string
	// Document is required on international flights; nil there asks the booking
	// system to use the one it holds for the passenger from an earlier check-in
	// (an Invalid error when it holds none).
	Document *TravelDocument
	// DangerousGoodsAck records that the traveller confirmed carrying no forbidden
	// dangerous goods.
	DangerousGoodsAck bool
}

// Manifest tells who is booked on a flight and how to reach them. The booking
// system is its authority; the demo booking system implements it on the database.
type Manifest interface {
	// FlightByKey returns a scheduled flight with its airports (and their zones).
	// An unknown flight is a NotFound error.
	FlightByKey(ctx context.Context, key FlightKey) (Flight, error)
	// Travellers returns the bookings holding a confirmed segment on the flight,
	// ordered by BookingID, those after afterBookingID, at most limit. Only
	// confirmed passengers' segments count: cancelled and flown ones are left out.
	Travellers(ctx context.Context, key FlightKey, afterBookingID int64, limit int) ([]TravellerGroup, error)
	// FlightsDeparting lists the flights scheduled to depart in [from, to), ordered
	// by departure.
	FlightsDeparting(ctx context.Context, from, to time.Time) ([]Flight, error)
	// Carriers lists the airlines whose flights the booking system holds.
	Carriers(ctx context.Context) ([]CarrierCode, error)
}

// TravellerGroup is one booking's passengers on one flight, with the booking's
// contact.
type TravellerGroup struct {
	BookingID  int64
	Locator    RecordLocator
	SegmentID  int64
	Passengers []Passenger
	Contact    Contact
	// CheckedIn holds the ids of the passengers already checked in on the flight.
	CheckedIn map[int64]bool
}

// Snooze is returned by work that cannot be done yet but will be later: a
// notification held for quiet hours, a message waiting for the messaging tier.
// Job runners put the work back until At without counting an attempt.
type Snooze struct {
	At     time.Time
	Reason string
}

func (s *Snooze) Error() string {
	return "held until " + s.At.UTC().Format(time.RFC3339) + ": " + s.Reason
}
