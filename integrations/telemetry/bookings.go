package telemetry

import (
	"context"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// BookingSystem decorates a domain.BookingSystem: every call's latency and error
// are recorded under system "booking" and the operation's name.
type BookingSystem struct {
	next domain.BookingSystem
	m    *Metrics
	now  func() time.Time
}

// Bookings wraps next so that its calls are measured.
func (m *Metrics) Bookings(next domain.BookingSystem) *BookingSystem {
	return &BookingSystem{next: next, m: m, now: time.Now}
}

func (b *BookingSystem) observe(op string, start time.Time, err error) {
	b.m.ObserveCall("booking", op, b.now().Sub(start), err)
}

// FindBooking calls the booking system's FindBooking.
func (b *BookingSystem) FindBooking(ctx context.Context, loc domain.RecordLocator) (domain.Booking, error) {
	start := b.now()
	r, err := b.next.FindBooking(ctx, loc)
	b.observe("find_booking", start, err)
	return r, err
}

// CheckInPolicy calls the booking system's CheckInPolicy.
func (b *BookingSystem) CheckInPolicy(ctx context.Context, carrier domain.CarrierCode) (domain.CheckInPolicy, error) {
	start := b.now()
	r, err := b.next.CheckInPolicy(ctx, carrier)
	b.observe("checkin_policy", start, err)
	return r, err
}

// SeatMap calls the booking system's SeatMap.
func (b *BookingSystem) SeatMap(ctx context.Context, flightID int64) (domain.SeatMap, error) {
	start := b.now()
	r, err := b.next.SeatMap(ctx, flightID)
	b.observe("seat_map", start, err)
	return r, err
}

// CheckIn calls the booking system's CheckIn.
func (b *BookingSystem) CheckIn(ctx context.Context, req domain.CheckInRequest) ([]domain.CheckIn, error) {
	start := b.now()
	r, err := b.next.CheckIn(ctx, req)
	b.observe("check_in", start, err)
	return r, err
}
