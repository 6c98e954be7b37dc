package domain

import "context"

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
	// Document is required on international flights.
	Document *TravelDocument
	// DangerousGoodsAck records that the traveller confirmed carrying no forbidden
	// dangerous goods.
	DangerousGoodsAck bool
}
