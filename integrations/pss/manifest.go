package pss

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// Demo implements domain.Manifest: who is booked on a flight and how to reach them,
// for flight-status notifications.

// FlightByKey returns the flight with its airports and their zones. An unknown
// flight is a NotFound error.
func (d *Demo) FlightByKey(ctx context.Context, key domain.FlightKey) (domain.Flight, error) {
	date, err := keyDate(key)
	if err != nil {
		return domain.Flight{}, err
	}
	var rows []flightRow
	err = d.db.Gorm.WithContext(ctx).
		Where("carrier = ? AND number = ? AND suffix = ? AND flight_date = ?",
			string(key.Flight.Carrier), key.Flight.Number, key.Flight.Suffix, date).
		Limit(1).Find(&rows).Error
	if err != nil {
		return domain.Flight{}, fmt.Errorf("find flight %s: %w", key, err)
	}
	if len(rows) == 0 {
		return domain.Flight{}, domain.Errorf(domain.NotFound, "find flight", "no flight %s", key)
	}
	return toFlight(rows[0]), nil
}

// keyDate is the stored form of a key's date (see dateOnly).
func keyDate(key domain.FlightKey) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, key.Date)
	if err != nil || key.Flight.Carrier == "" || key.Flight.Number == 0 {
		return time.Time{}, domain.Errorf(domain.Invalid, "find flight", "%q is not a flight key (flight number and YYYY-MM-DD date)", key.String())
	}
	return dateOnly(t), nil
}

// travellerRow is one booking holding a confirmed segment on a flight, as read by
// the first query of a Travellers page.
type travellerRow struct {
	SegmentID      int64  `gorm:"column:segment_id"`
	BookingID      int64  `gorm:"column:booking_id"`
	Locator        string `gorm:"column:locator"`
	WhatsAppSealed string `gorm:"column:whatsapp_sealed"`
	EmailSealed    string `gorm:"column:email_sealed"`
	MessengerID    string `gorm:"column:messenger_id"`
	Lang           string `gorm:"column:lang"`
}

// travellersSQL reads one page of bookings on a flight. The flight is found through
// its unique (carrier, number, flight_date) index, its segments through
// pss_segments_by_flight, and the bookings by primary key: the cost is that of the
// flight's own segments, whatever the size of the booking tables. A booking holds a
// flight at most once (UNIQUE (booking_id, flight_id)), so booking_id is a keyset.
const travellersSQL = `SELECT s.id AS segment_id, b.id AS booking_id, b.locator,
	b.whatsapp_sealed, b.email_sealed, b.messenger_id, b.lang
FROM pss_flights f
JOIN pss_segments s ON s.flight_id = f.id
JOIN pss_bookings b ON b.id = s.booking_id
WHERE f.carrier = ? AND f.number = ? AND f.suffix = ? AND f.flight_date = ?
	AND s.status = ? AND s.booking_id > ?
ORDER BY s.booking_id
LIMIT ?`

// Travellers returns the bookings holding a confirmed (HK) segment on the flight,
// in booking id order after afterBookingID, at most limit of them, with their
// passengers, contact (unsealed) and who is checked in. A page costs three queries
// whatever its size: bookings with their segments, the passengers of those
// bookings, their check-ins. An unknown flight is a NotFound error on the first
// page (afterBookingID 0); later pages of a flight that vanished are empty.
func (d *Demo) Travellers(ctx context.Context, key domain.FlightKey, afterBookingID int64, limit int) ([]domain.TravellerGroup, error) {
	date, err := keyDate(key)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, domain.Errorf(domain.Invalid, "list travellers", "limit %d must be positive", limit)
	}
	tx := d.db.Gorm.WithContext(ctx)
	var rows []travellerRow
	err = tx.Raw(travellersSQL, string(key.Flight.Carrier), key.Flight.Number, key.Flight.Suffix, date,
		string(domain.SegmentConfirmed), afterBookingID, limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list travellers of %s: %w", key, err)
	}
	if len(rows) == 0 {
		if afterBookingID == 0 {
			if _, err := d.FlightByKey(ctx, key); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}

	out := make([]domain.TravellerGroup, len(rows))
	bookingIDs := make([]int64, len(rows))
	segmentIDs := make([]int64, len(rows))
	index := make(map[int64]int, len(rows)) // booking id → position in out
	for i, r := range rows {
		c, err := d.contactOf(r.WhatsAppSealed, r.EmailSealed, r.MessengerID, r.Lang)
		if err != nil {
			return nil, fmt.Errorf("list travellers of %s: booking %s: %w", key, r.Locator, err)
		}
		out[i] = domain.TravellerGroup{
			BookingID: r.BookingID,
			Locator:   domain.RecordLocator(r.Locator),
			SegmentID: r.SegmentID,
			Contact:   c,
			CheckedIn: map[int64]bool{},
		}
		bookingIDs[i], segmentIDs[i] = r.BookingID, r.SegmentID
		index[r.BookingID] = i
	}

	pax, err := passengersOf(tx, bookingIDs)
	if err != nil {
		return nil, fmt.Errorf("list travellers of %s: %w", key, err)
	}
	for _, p := range pax {
		i := index[p.BookingID]
		out[i].Passengers = append(out[i].Passengers, toPassenger(p))
	}

	var cis []checkInRow
	if err := tx.Select("passenger_id", "segment_id").Where("segment_id IN ?", segmentIDs).Find(&cis).Error; err != nil {
		return nil, fmt.Errorf("list travellers of %s: check-ins: %w", key, err)
	}
	bySegment := make(map[int64]int, len(rows))
	for i, g := range out {
		bySegment[g.SegmentID] = i
	}
	for _, c := range cis {
		out[bySegment[c.SegmentID]].CheckedIn[c.PassengerID] = true
	}
	return out, nil
}

// passengersOf reads the passengers of several bookings in one query, by booking
// and then in booking order.
func passengersOf(tx *gorm.DB, bookingIDs []int64) ([]passengerRow, error) {
	var rows []passengerRow
	err := tx.Where("booking_id IN ?", bookingIDs).Order("booking_id, pos").Find(&rows).Error
	return rows, err
}

// contactOf unseals a booking's contact details.
func (d *Demo) contactOf(whatsAppSealed, emailSealed, messengerID, lang string) (domain.Contact, error) {
	wa, err := d.sealer.Open(whatsAppSealed)
	if err != nil {
		return domain.Contact{}, err
	}
	email, err := d.sealer.Open(emailSealed)
	if err != nil {
		return domain.Contact{}, err
	}
	return domain.Contact{
		WhatsApp:  domain.Secret(wa),
		Messenger: messengerID,
		Email:     domain.Secret(email),
		Lang:      domain.Lang(lang),
	}, nil
}

// FlightsDeparting lists the flights scheduled to depart in [from, to), in
// departure order (then by flight number), through pss_flights_by_departure.
func (d *Demo) FlightsDeparting(ctx context.Context, from, to time.Time) ([]domain.Flight, error) {
	var rows []flightRow
	err := d.db.Gorm.WithContext(ctx).
		Where("departure >= ? AND departure < ?", from.UTC(), to.UTC()).
		Order("departure, carrier, number, suffix").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list flights departing %s–%s: %w", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), err)
	}
	out := make([]domain.Flight, len(rows))
	for i, r := range rows {
		out[i] = toFlight(r)
	}
	return out, nil
}

// carriersSQL lists the distinct carriers of pss_flights by skipping through the
// (carrier, number, flight_date) index, one probe per carrier, rather than reading
// every flight: neither SQLite nor PostgreSQL does that for a plain DISTINCT.
const carriersSQL = `WITH RECURSIVE c(carrier) AS (
	SELECT MIN(carrier) FROM pss_flights
	UNION ALL
	SELECT (SELECT MIN(f.carrier) FROM pss_flights f WHERE f.carrier > c.carrier) FROM c WHERE c.carrier IS NOT NULL
)
SELECT carrier FROM c WHERE carrier IS NOT NULL ORDER BY carrier`

// Carriers lists the airlines that have flights, in code order.
func (d *Demo) Carriers(ctx context.Context) ([]domain.CarrierCode, error) {
	var codes []string
	if err := d.db.Gorm.WithContext(ctx).Raw(carriersSQL).Scan(&codes).Error; err != nil {
		return nil, fmt.Errorf("list carriers: %w", err)
	}
	out := make([]domain.CarrierCode, len(codes))
	for i, c := range codes {
		out[i] = domain.CarrierCode(c)
	}
	return out, nil
}
