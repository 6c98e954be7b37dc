package pss

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
)

// Demo is the built-in booking system: bookings, flights, seats and check-ins in the
// pss_ tables of Skybridge's own database. It is safe for concurrent use, also by
// several instances sharing one PostgreSQL database.
type Demo struct {
	db     *database.DB
	sealer *domain.Sealer
	now    func() time.Time

	// OfferTTL is how long an offer of extras stays valid (default one hour).
	OfferTTL time.Duration
	// AlternativeTTL is how long a priced change stays valid (default 30 minutes).
	AlternativeTTL time.Duration
}

// NewDemo returns the demo booking system on db. sealer encrypts contact details and
// travel documents at rest; now is the clock used for check-in windows and times.
func NewDemo(db *database.DB, sealer *domain.Sealer, now func() time.Time) *Demo {
	if now == nil {
		now = time.Now
	}
	return &Demo{db: db, sealer: sealer, now: now}
}

// FindBooking returns a booking with its passengers, segments (with flights and
// airports, times in the airports' zones), seat assignments and check-ins.
func (d *Demo) FindBooking(ctx context.Context, loc domain.RecordLocator) (domain.Booking, error) {
	l, err := domain.ParseRecordLocator(string(loc))
	if err != nil {
		return domain.Booking{}, err
	}
	b, _, err := d.loadBooking(d.db.Gorm.WithContext(ctx), l)
	if isNotFound(err) {
		return domain.Booking{}, err
	}
	if err != nil {
		return domain.Booking{}, fmt.Errorf("find booking %s: %w", l, err)
	}
	return b, nil
}

// CheckInPolicy returns the online check-in window of a carrier as imported, or
// domain.DefaultCheckInPolicy when the carrier sets none.
func (d *Demo) CheckInPolicy(ctx context.Context, carrier domain.CarrierCode) (domain.CheckInPolicy, error) {
	p, err := policyOf(d.db.Gorm.WithContext(ctx), string(carrier))
	if err != nil {
		return domain.CheckInPolicy{}, fmt.Errorf("check-in policy %s: %w", carrier, err)
	}
	return p, nil
}

func policyOf(tx *gorm.DB, carrier string) (domain.CheckInPolicy, error) {
	var rows []airlineRow
	if err := tx.Where("code = ?", carrier).Limit(1).Find(&rows).Error; err != nil {
		return domain.CheckInPolicy{}, err
	}
	p := domain.DefaultCheckInPolicy
	if len(rows) == 1 {
		if rows[0].CheckInOpensMin > 0 {
			p.Opens = time.Duration(rows[0].CheckInOpensMin) * time.Minute
		}
		if rows[0].CheckInClosesMin > 0 {
			p.Closes = time.Duration(rows[0].CheckInClosesMin) * time.Minute
		}
	}
	return p, nil
}

// SeatMap returns the seats of a flight in row and letter order, Free when no one
// holds them (a seat held for someone's unpaid basket of extras is not free).
func (d *Demo) SeatMap(ctx context.Context, flightID int64) (domain.SeatMap, error) {
	tx := d.db.Gorm.WithContext(ctx)
	var n int64
	if err := tx.Model(&flightRow{}).Where("id = ?", flightID).Count(&n).Error; err != nil {
		return domain.SeatMap{}, fmt.Errorf("seat map of flight %d: %w", flightID, err)
	}
	if n == 0 {
		return domain.SeatMap{}, domain.Errorf(domain.NotFound, "seat map", "no flight %d", flightID)
	}
	seats, err := d.seatsHeld(tx, flightID)
	if err != nil {
		return domain.SeatMap{}, fmt.Errorf("seat map of flight %d: %w", flightID, err)
	}
	m := domain.SeatMap{FlightID: flightID, Seats: make([]domain.Seat, len(seats))}
	for i, s := range seats {
		m.Seats[i] = toSeat(s)
	}
	return m, nil
}

func seatsOf(tx *gorm.DB, flightID int64) ([]seatRow, error) {
	var rows []seatRow
	err := tx.Where("flight_id = ?", flightID).Order("seat_row, letter").Find(&rows).Error
	return rows, err
}

func toSeat(s seatRow) domain.Seat {
	return domain.Seat{
		Code:    s.Code,
		Row:     s.Row,
		Letter:  s.Letter,
		Cabin:   domain.Cabin(s.Cabin),
		Free:    !s.Blocked && !s.PassengerID.Valid,
		Window:  s.Window,
		Aisle:   s.Aisle,
		ExitRow: s.Exit,
	}
}

func toFlight(r flightRow) domain.Flight {
	o := airportOrZone(r.Origin, r.OriginZone)
	dst := airportOrZone(r.Destination, r.DestinationZone)
	date := storedDate(r.Date)
	return domain.Flight{
		ID:          r.ID,
		Number:      domain.FlightNumber{Carrier: domain.CarrierCode(r.Carrier), Number: r.Number, Suffix: r.Suffix},
		Date:        time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, o.Location),
		Origin:      o,
		Destination: dst,
		Departure:   r.Departure.In(o.Location),
		Arrival:     r.Arrival.In(dst.Location),
		Aircraft:    r.Aircraft,
		Gate:        r.Gate,
		Terminal:    r.Terminal,
		Status:      domain.FlightStatus(r.Status),
		BoardingMin: r.BoardingMin,
	}
}

func toPassenger(r passengerRow) domain.Passenger {
	return domain.Passenger{
		ID:           r.ID,
		Name:         domain.PersonName{Given: r.Given, Surname: r.Surname, Title: r.Title},
		Type:         domain.PaxType(r.Type),
		TicketNumber: r.TicketNumber,
		InfantOf:     r.InfantOf.Int64, // 0 when NULL
	}
}

// loadBooking reads a whole booking through tx. It also returns the booking's row id.
func (d *Demo) loadBooking(tx *gorm.DB, loc domain.RecordLocator) (domain.Booking, int64, error) {
	var brs []bookingRow
	if err := tx.Where("locator = ?", string(loc)).Limit(1).Find(&brs).Error; err != nil {
		return domain.Booking{}, 0, err
	}
	if len(brs) == 0 {
		return domain.Booking{}, 0, domain.Errorf(domain.NotFound, "find booking", "no booking %s", loc)
	}
	br := brs[0]
	c, err := d.contactOf(br.WhatsAppSealed, br.EmailSealed, br.MessengerID, br.Lang)
	if err != nil {
		return domain.Booking{}, 0, err
	}
	b := domain.Booking{Locator: domain.RecordLocator(br.Locator), Contact: c}

	var pax []passengerRow
	if err := tx.Where("booking_id = ?", br.ID).Order("pos").Find(&pax).Error; err != nil {
		return domain.Booking{}, 0, err
	}
	for _, p := range pax {
		b.Passengers = append(b.Passengers, toPassenger(p))
	}

	var segs []segmentRow
	if err := tx.Where("booking_id = ?", br.ID).Find(&segs).Error; err != nil {
		return domain.Booking{}, 0, err
	}
	if len(segs) == 0 {
		return b, br.ID, nil
	}
	flightIDs := make([]int64, 0, len(segs))
	segIDs := make([]int64, 0, len(segs))
	for _, s := range segs {
		flightIDs = append(flightIDs, s.FlightID)
		segIDs = append(segIDs, s.ID)
	}
	var frs []flightRow
	if err := tx.Where("id IN ?", flightIDs).Find(&frs).Error; err != nil {
		return domain.Booking{}, 0, err
	}
	flights := make(map[int64]domain.Flight, len(frs))
	for _, f := range frs {
		flights[f.ID] = toFlight(f)
	}
	for _, s := range segs {
		b.Segments = append(b.Segments, domain.Segment{
			ID:           s.ID,
			Flight:       flights[s.FlightID],
			Cabin:        domain.Cabin(s.Cabin),
			BookingClass: s.BookingClass,
			Status:       domain.SegmentStatus(s.Status),
		})
	}
	sort.SliceStable(b.Segments, func(i, j int) bool {
		return b.Segments[i].Flight.Departure.Before(b.Segments[j].Flight.Departure)
	})
	segFlight := make(map[int64]domain.Flight, len(segs))
	for _, s := range b.Segments {
		segFlight[s.ID] = s.Flight
	}

	var seats []seatAssignmentRow
	if err := tx.Where("segment_id IN ?", segIDs).Order("id").Find(&seats).Error; err != nil {
		return domain.Booking{}, 0, err
	}
	for _, s := range seats {
		b.Seats = append(b.Seats, domain.SeatAssignment{PassengerID: s.PassengerID, SegmentID: s.SegmentID, Seat: s.Seat})
	}
	var cis []checkInRow
	if err := tx.Where("segment_id IN ?", segIDs).Order("sequence, id").Find(&cis).Error; err != nil {
		return domain.Booking{}, 0, err
	}
	for _, c := range cis {
		b.CheckIns = append(b.CheckIns, toCheckIn(c, segFlight[c.SegmentID]))
	}
	return b, br.ID, nil
}

func toCheckIn(c checkInRow, f domain.Flight) domain.CheckIn {
	at := c.At.UTC()
	if f.Origin.Location != nil {
		at = at.In(f.Origin.Location)
	}
	return domain.CheckIn{PassengerID: c.PassengerID, SegmentID: c.SegmentID, Seat: c.Seat, Sequence: c.Sequence, At: at}
}

// isNotFound reports whether err is a domain NotFound error.
func isNotFound(err error) bool {
	var e *domain.Error
	return errors.As(err, &e) && e.Code == domain.NotFound
}
