package domain

import (
	"context"
	"time"
)

// ChangeRules are the fare rules for changing segments of a booking.
type ChangeRules struct {
	// Changeable is false when the fare forbids changes (a basic fare).
	Changeable bool
	// Fee is charged per passenger for a voluntary change.
	Fee Money
	// Refundable tells whether a cancellation refunds the fare.
	Refundable bool
	// Reason says why a change is not allowed, in English, for staff and logs.
	Reason string
}

// AlternativesQuery asks for flights to replace segments of a booking.
type AlternativesQuery struct {
	Locator    RecordLocator
	SegmentIDs []int64
	// From and To bound the new departure (in UTC instants); the booking system
	// searches the same city pair.
	From, To time.Time
	// Involuntary is set for a rebooking after a cancellation or long delay: no fee,
	// no fare difference.
	Involuntary bool
}

// Alternative is one priced option replacing the queried segments.
type Alternative struct {
	// ID identifies the option for a reissue until ExpiresAt.
	ID      string
	Flights []Flight
	Cabin   Cabin
	// FareDifference is the new fare minus the old, for all passengers; negative
	// when the new fare is cheaper.
	FareDifference Money
	// ChangeFee is the fee for all passengers (zero when involuntary).
	ChangeFee Money
	// ToPay is what the traveller pays: fare difference plus fee, never below zero.
	ToPay Money
	// Residual is the value left when the new fare is cheaper than the old after
	// the fee, kept as a credit; zero otherwise.
	Residual  Money
	SeatsLeft int
	ExpiresAt time.Time
}

// ReissueRequest replaces segments with an alternative.
type ReissueRequest struct {
	IdempotencyKey string
	Locator        RecordLocator
	SegmentIDs     []int64
	AlternativeID  string
	// PaymentID is the captured payment when the alternative costs money.
	PaymentID   string
	Involuntary bool
}

// Reissue is the result of a reissue: the booking as it now stands and what
// happened to what was bought on the old flights.
type Reissue struct {
	Booking Booking
	// NewSegmentIDs are the ids of the segments that replaced the old ones.
	NewSegmentIDs []int64
	// CarriedOver are extras moved to the new flights; Refunded those that could
	// not be (a seat not available on the new aircraft) and are refunded.
	CarriedOver []EMD
	Refunded    []EMD
	// VoidedCheckIns lists passengers whose check-in on an old segment was undone;
	// their boarding passes for it are no longer valid.
	VoidedCheckIns []CheckIn
	// Replacements says which new segments took the place of each old one, when
	// the booking system says so; empty when it does not, and whoever needs the
	// pairing then works it out from the flights' airports.
	Replacements []Replacement
}

// Replacement pairs an old segment of a reissue with the new segments that
// replaced it: one for a flight moved to another flight, several when a direct
// flight became a connection. Every segment of a connection replaced as a whole
// names all the new segments of its replacement.
type Replacement struct {
	OldSegmentID  int64
	NewSegmentIDs []int64
}

// CancelRequest cancels segments of a booking for a refund.
type CancelRequest struct {
	IdempotencyKey string
	Locator        RecordLocator
	SegmentIDs     []int64
	// Involuntary refunds in full (the airline cancelled the flight).
	Involuntary bool
}

// Cancellation is the result of a cancellation.
type Cancellation struct {
	Reference string
	Refund    Money
}

// Changes is what Skybridge needs from the booking system to change and rebook.
type Changes interface {
	// ChangeRules returns the fare rules for changing the given segments.
	ChangeRules(ctx context.Context, loc RecordLocator, segmentIDs []int64) (ChangeRules, error)
	// Alternatives searches replacement flights, cheapest first, at most 10.
	Alternatives(ctx context.Context, q AlternativesQuery) ([]Alternative, error)
	// Reissue replaces segments with a priced alternative; idempotent by key. An
	// expired alternative is a Conflict error.
	Reissue(ctx context.Context, req ReissueRequest) (Reissue, error)
	// CancelSegments cancels segments and requests the refund; idempotent by key.
	CancelSegments(ctx context.Context, req CancelRequest) (Cancellation, error)
}
