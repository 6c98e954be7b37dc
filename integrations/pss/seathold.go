package pss

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// A seat chosen in a priced basket of extras is held for its passenger until the
// offer expires (pss_seat_holds). A hold is not an assignment: the seat row stays
// free in pss_seats, and the readers that hand seats out (the extras offer, the seat
// map, check-in) treat a live hold of someone else as taken. Paying turns the hold
// into the passenger's seat; an unpaid hold lapses with its offer.

type seatHoldRow struct {
	FlightID    int64     `gorm:"column:flight_id;primaryKey"`
	Code        string    `gorm:"column:code;primaryKey"`
	PassengerID int64     `gorm:"column:passenger_id"`
	SegmentID   int64     `gorm:"column:segment_id"`
	OfferID     string    `gorm:"column:offer_id"`
	ExpiresAt   time.Time `gorm:"column:expires_at"`
}

func (seatHoldRow) TableName() string { return "pss_seat_holds" }

// holder is the passenger on a segment who holds a seat.
type holder struct{ pax, seg int64 }

// liveHolds returns the seats of a flight held at now, by seat code.
func liveHolds(tx *gorm.DB, flightID int64, now time.Time) (map[string]holder, error) {
	var rows []seatHoldRow
	if err := tx.Where("flight_id = ? AND expires_at > ?", flightID, now.UTC()).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read seat holds: %w", err)
	}
	out := make(map[string]holder, len(rows))
	for _, r := range rows {
		out[r.Code] = holder{r.PassengerID, r.SegmentID}
	}
	return out, nil
}

// seatsHeld reads a flight's seats with the live holds shown as the holder's seat,
// in memory only: to everyone else the seat is taken, to its holder it is theirs to
// check into. The stored rows are unchanged, so takeSeat's guard still works.
func (d *Demo) seatsHeld(tx *gorm.DB, flightID int64) ([]seatRow, error) {
	rows, err := seatsOf(tx, flightID)
	if err != nil {
		return nil, err
	}
	holds, err := liveHolds(tx, flightID, d.now())
	if err != nil || len(holds) == 0 {
		return rows, err
	}
	for i := range rows {
		h, ok := holds[rows[i].Code]
		if !ok || rows[i].Blocked || rows[i].PassengerID.Valid {
			continue
		}
		rows[i].PassengerID.Int64, rows[i].PassengerID.Valid = h.pax, true
		rows[i].SegmentID.Int64, rows[i].SegmentID.Valid = h.seg, true
	}
	return rows, nil
}

// holdSeat holds a seat for a passenger on a segment until expires, in place of any
// other seat the passenger held there. A live hold of someone else on the seat is a
// Conflict: the conditional upsert only replaces an expired hold or the passenger's
// own, so two baskets racing for one seat cannot both hold it.
func holdSeat(tx *gorm.DB, segID, paxID int64, code, offerID string, now, expires time.Time, op string) error {
	var flightID int64
	if err := tx.Raw(`SELECT flight_id FROM pss_segments WHERE id = ?`, segID).Scan(&flightID).Error; err != nil {
		return fmt.Errorf("hold seat: %w", err)
	}
	err := tx.Exec(`DELETE FROM pss_seat_holds WHERE passenger_id = ? AND segment_id = ? AND code <> ?`, paxID, segID, code).Error
	if err != nil {
		return fmt.Errorf("release held seat: %w", err)
	}
	res := tx.Exec(`INSERT INTO pss_seat_holds (flight_id, code, passenger_id, segment_id, offer_id, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (flight_id, code) DO UPDATE SET passenger_id = excluded.passenger_id, segment_id = excluded.segment_id,
			offer_id = excluded.offer_id, expires_at = excluded.expires_at
		WHERE pss_seat_holds.expires_at <= ? OR (pss_seat_holds.passenger_id = excluded.passenger_id AND pss_seat_holds.segment_id = excluded.segment_id)`,
		flightID, code, paxID, segID, offerID, expires.UTC(), now.UTC())
	if res.Error != nil {
		return fmt.Errorf("hold seat: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return domain.Errorf(domain.Conflict, op, msgSeatTaken)
	}
	return nil
}

// releaseHold forgets a passenger's hold on a segment once the seat is theirs.
func releaseHold(tx *gorm.DB, segID, paxID int64) error {
	if err := tx.Exec(`DELETE FROM pss_seat_holds WHERE passenger_id = ? AND segment_id = ?`, paxID, segID).Error; err != nil {
		return fmt.Errorf("release seat hold: %w", err)
	}
	return nil
}

// opRelease names the early release of seat holds in errors.
const opRelease = "release seat holds"

// ReleaseSeatHolds gives back, before the offer expires, the seats that baskets
// priced against the offer hold: for each seat item, the passenger's hold of that
// seat on the segment, if the offer made it. A basket that leaves the seat
// (removed, replaced, abandoned) lets someone else buy it at once. A hold that
// another offer made or took over (the same passenger's seat priced again in
// another conversation on the booking) is that basket's, and stays until it lets
// go of the seat or the offer expires. Releasing is idempotent: a hold already
// released, lapsed, taken over or turned into the passenger's seat is no error. An
// unknown offer is NotFound.
func (d *Demo) ReleaseSeatHolds(ctx context.Context, offerID string, items []domain.BasketItem) error {
	err := d.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var off storedOffer
		row, err := loadOffer(tx, offerID, offerExtras, opRelease, &off)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Seat == "" {
				continue
			}
			code, err := domain.ParseSeatCode(it.Seat)
			if err != nil {
				return err
			}
			// offer_id: a basket re-priced since against another offer owns the hold.
			err = tx.Exec(`DELETE FROM pss_seat_holds WHERE passenger_id = ? AND segment_id = ? AND code = ? AND offer_id = ?
				AND segment_id IN (SELECT id FROM pss_segments WHERE booking_id = ?)`,
				it.PassengerID, it.SegmentID, code, offerID, row.BookingID).Error
			if err != nil {
				return fmt.Errorf("release seat hold: %w", err)
			}
		}
		return nil
	})
	return domainError(opRelease+" "+offerID, err)
}
