package pss

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

const (
	opReissue = "reissue"
	opCancel  = "cancel segments"
)

// Messages of reissue and cancellation errors.
const (
	msgAltOtherBooking  = "alternative is for another booking"
	msgAltOtherSegments = "alternative replaces other segments"
	msgAltKind          = "alternative was priced for another kind of change"
	msgPaymentRequired  = "payment required"
	msgFlightGone       = "flight no longer available"
	msgNoSeatsLeft      = "not enough seats left"
	msgAlreadyOnFlight  = "booking already holds the flight"
)

// storedReissue is what a retried reissue returns (with the booking read again).
type storedReissue struct {
	NewSegmentIDs  []int64          `json:"new_segments"`
	CarriedOver    []domain.EMD     `json:"carried_over"`
	Refunded       []domain.EMD     `json:"refunded"`
	VoidedCheckIns []domain.CheckIn `json:"voided"`
	// Replacements is absent from results stored before it was recorded: a retry
	// of such a reissue returns none.
	Replacements []domain.Replacement `json:"replacements,omitempty"`
}

// Reissue moves the booking's passengers from the segments to the alternative's
// flights in one transaction under the booking's lock: new confirmed segments at the
// alternative's fares, the old ones cancelled (XX), seats kept where the same seat
// is free on the new aircraft (a paid seat that cannot be kept is refunded), bags,
// meals, priority and lounge moved along, check-ins of the old segments voided, and
// new ticket numbers for every passenger as on any reissue. The result is stored
// under the idempotency key: a retry returns it and moves nobody twice. An expired
// alternative, a flight that filled up meanwhile or segments already changed are
// Conflicts. The alternative replaces the segments as one journey (same city pair),
// so each old segment is reported replaced by all the new ones.
func (d *Demo) Reissue(ctx context.Context, req domain.ReissueRequest) (domain.Reissue, error) {
	if strings.TrimSpace(req.IdempotencyKey) == "" {
		return domain.Reissue{}, domain.Errorf(domain.Invalid, opReissue, msgNoKey)
	}
	l, err := domain.ParseRecordLocator(string(req.Locator))
	if err != nil {
		return domain.Reissue{}, err
	}
	fpReq := req
	fpReq.IdempotencyKey = ""
	fp := requestFingerprint(fpReq)
	now := d.now()
	var out domain.Reissue
	err = d.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		bookingID, err := lockBooking(tx, l, now, opReissue)
		if err != nil {
			return err
		}
		var res storedReissue
		ok, err := storedResult(tx, opReissue, req.IdempotencyKey, fp, &res)
		if err != nil {
			return err
		}
		if !ok {
			if res, err = d.reissue(tx, bookingID, l, req); err != nil {
				return err
			}
			if err := storeResult(tx, opReissue, req.IdempotencyKey, fp, res, now); err != nil {
				return err
			}
		}
		b, _, err := d.loadBooking(tx, l)
		if err != nil {
			return err
		}
		out = domain.Reissue{Booking: b, NewSegmentIDs: res.NewSegmentIDs, CarriedOver: res.CarriedOver, Refunded: res.Refunded, VoidedCheckIns: res.VoidedCheckIns,
			Replacements: res.Replacements}
		return nil
	})
	if err != nil {
		return domain.Reissue{}, domainError(opReissue+" "+string(l), err)
	}
	return out, nil
}

func (d *Demo) reissue(tx *gorm.DB, bookingID int64, l domain.RecordLocator, req domain.ReissueRequest) (storedReissue, error) {
	var res storedReissue
	now := d.now()
	var alt storedAlternative
	row, err := loadOffer(tx, req.AlternativeID, offerChange, opReissue, &alt)
	if err != nil {
		return res, err
	}
	switch {
	case alt.Locator != string(l) || row.BookingID != bookingID:
		return res, domain.Errorf(domain.Invalid, opReissue, msgAltOtherBooking)
	case !sameIDs(alt.SegmentIDs, req.SegmentIDs):
		return res, domain.Errorf(domain.Invalid, opReissue, msgAltOtherSegments)
	case alt.Involuntary != req.Involuntary:
		return res, domain.Errorf(domain.Invalid, opReissue, msgAltKind)
	case !now.Before(row.ExpiresAt):
		return res, domain.Errorf(domain.Conflict, opReissue, msgOfferExpired)
	case alt.ToPay > 0 && strings.TrimSpace(req.PaymentID) == "":
		return res, domain.Errorf(domain.Invalid, opReissue, msgPaymentRequired)
	}
	b, _, err := d.loadBooking(tx, l)
	if err != nil {
		return res, err
	}
	olds, err := pickSegments(b, req.SegmentIDs, opReissue)
	if err != nil {
		return res, err
	}
	fares, err := segmentFares(tx, olds)
	if err != nil {
		return res, err
	}
	if err := changeAllowed(olds, fares, req.Involuntary, opReissue); err != nil {
		return res, err
	}

	// Lock the new flights in id order (no deadlock between two reissues), then
	// count their seats under the lock.
	ids := slices.Clone(alt.FlightIDs)
	slices.Sort(ids)
	for _, id := range ids {
		r := tx.Exec(`UPDATE pss_flights SET last_sequence = last_sequence WHERE id = ? AND status = ?`, id, string(domain.FlightScheduled))
		if r.Error != nil {
			return res, fmt.Errorf("lock flight: %w", r.Error)
		}
		if r.RowsAffected == 0 {
			return res, domain.Errorf(domain.Conflict, opReissue, msgFlightGone)
		}
	}
	left, err := seatsLeft(tx, ids, alt.Cabin)
	if err != nil {
		return res, err
	}
	need := payingPassengers(b)
	for _, id := range ids {
		if left[id] < need {
			return res, domain.Errorf(domain.Conflict, opReissue, msgNoSeatsLeft)
		}
	}

	// New segments, in the alternative's order (by departure).
	news := make([]int64, len(alt.FlightIDs))
	for i, fid := range alt.FlightIDs {
		var existing []segmentRow
		if err := tx.Where("booking_id = ? AND flight_id = ?", bookingID, fid).Limit(1).Find(&existing).Error; err != nil {
			return res, err
		}
		seg := segmentRow{BookingID: bookingID, FlightID: fid, Cabin: alt.Cabin, BookingClass: alt.Class, Status: string(domain.SegmentConfirmed)}
		switch {
		case len(existing) == 0:
			if err := tx.Create(&seg).Error; err != nil {
				return res, fmt.Errorf("create segment: %w", err)
			}
		case existing[0].Status == string(domain.SegmentConfirmed):
			return res, domain.Errorf(domain.Conflict, opReissue, msgAlreadyOnFlight)
		default:
			// Back to a flight the booking once left: its old row comes back to life.
			seg.ID = existing[0].ID
			if err := tx.Save(&seg).Error; err != nil {
				return res, fmt.Errorf("restore segment: %w", err)
			}
		}
		f := segmentFareRow{SegmentID: seg.ID, Brand: alt.Brand, Basis: fareBasis(alt.Class, alt.Brand), AmountMinor: alt.Fares[i], Currency: alt.Currency}
		if err := tx.Where("segment_id = ?", seg.ID).Delete(&segmentFareRow{}).Error; err != nil {
			return res, fmt.Errorf("record fare: %w", err)
		}
		if err := tx.Create(&f).Error; err != nil {
			return res, fmt.Errorf("record fare: %w", err)
		}
		news[i] = seg.ID
	}
	res.NewSegmentIDs = news

	pax := map[int64]domain.Passenger{}
	for _, p := range b.Passengers {
		pax[p.ID] = p
	}
	for i, old := range olds {
		to := news[min(i, len(news)-1)]
		var toFlight int64
		for j, id := range news {
			if id == to {
				toFlight = alt.FlightIDs[j]
			}
		}
		carried, refunded, err := d.moveExtras(tx, b, old, to, toFlight, pax)
		if err != nil {
			return res, err
		}
		res.CarriedOver = append(res.CarriedOver, carried...)
		res.Refunded = append(res.Refunded, refunded...)
		voided, err := voidCheckIns(tx, b, old)
		if err != nil {
			return res, err
		}
		res.VoidedCheckIns = append(res.VoidedCheckIns, voided...)
		res.Replacements = append(res.Replacements, domain.Replacement{OldSegmentID: old.ID, NewSegmentIDs: slices.Clone(news)})
		if err := tx.Model(&segmentRow{}).Where("id = ?", old.ID).Update("status", string(domain.SegmentCancelled)).Error; err != nil {
			return res, fmt.Errorf("cancel old segment: %w", err)
		}
	}
	if err := reticket(tx, b, string(olds[0].Flight.Number.Carrier)); err != nil {
		return res, err
	}
	return res, nil
}

// moveExtras carries a segment's seats and extras to the new segment: each
// passenger keeps their seat code when it is free on the new flight in the same
// cabin and not held for someone else's basket; a paid seat that cannot be kept is
// refunded; every other extra follows.
func (d *Demo) moveExtras(tx *gorm.DB, b domain.Booking, old domain.Segment, to, toFlight int64, pax map[int64]domain.Passenger) (carried, refunded []domain.EMD, err error) {
	var emds []emdRow
	if err := tx.Where("segment_id = ? AND status = ?", old.ID, emdIssued).Order("number").Find(&emds).Error; err != nil {
		return nil, nil, fmt.Errorf("read extras: %w", err)
	}
	seatOf := map[int64]string{}
	for _, p := range b.Passengers {
		if s := b.AssignedSeat(p.ID, old.ID); s != "" {
			seatOf[p.ID] = s
		}
	}
	// Free the old flight's seats first.
	if err := tx.Exec(`UPDATE pss_seats SET passenger_id = NULL, segment_id = NULL WHERE segment_id = ?`, old.ID).Error; err != nil {
		return nil, nil, fmt.Errorf("release seats: %w", err)
	}
	if err := tx.Exec(`DELETE FROM pss_seat_assignments WHERE segment_id = ?`, old.ID).Error; err != nil {
		return nil, nil, fmt.Errorf("release seats: %w", err)
	}
	// A seat held for another passenger's basket shows as theirs: that
	// passenger may be paying for it right now.
	seats, err := d.seatsHeld(tx, toFlight)
	if err != nil {
		return nil, nil, fmt.Errorf("read seats: %w", err)
	}
	byCode := map[string]*seatRow{}
	for i := range seats {
		byCode[seats[i].Code] = &seats[i]
	}
	kept := map[int64]bool{}
	ids := make([]int64, 0, len(seatOf))
	for id := range seatOf {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		s := byCode[seatOf[id]]
		if s == nil || s.Cabin != string(old.Cabin) || s.Exit && pax[id].Type != domain.Adult ||
			s.PassengerID.Valid && (s.PassengerID.Int64 != id || s.SegmentID.Int64 != to) {
			continue
		}
		err := takeSeat(tx, s, id, to)
		if domain.IsCode(err, domain.Conflict) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		kept[id] = true
	}
	for _, e := range emds {
		if e.Kind == string(domain.AncillarySeat) && !kept[e.PassengerID] {
			if err := tx.Model(&emdRow{}).Where("number = ?", e.Number).Update("status", emdRefunded).Error; err != nil {
				return nil, nil, fmt.Errorf("refund emd: %w", err)
			}
			refunded = append(refunded, toEMD(e))
			continue
		}
		if err := tx.Model(&emdRow{}).Where("number = ?", e.Number).Update("segment_id", to).Error; err != nil {
			return nil, nil, fmt.Errorf("move emd: %w", err)
		}
		e.SegmentID = to
		carried = append(carried, toEMD(e))
	}
	return carried, refunded, nil
}

// voidCheckIns undoes the check-ins of a segment and returns them.
func voidCheckIns(tx *gorm.DB, b domain.Booking, s domain.Segment) ([]domain.CheckIn, error) {
	var out []domain.CheckIn
	for _, c := range b.CheckIns {
		if c.SegmentID == s.ID {
			out = append(out, c)
		}
	}
	if err := tx.Where("segment_id = ?", s.ID).Delete(&checkInRow{}).Error; err != nil {
		return nil, fmt.Errorf("void check-ins: %w", err)
	}
	return out, nil
}

// reticket gives every passenger of the booking a new ticket number.
func reticket(tx *gorm.DB, b domain.Booking, carrier string) error {
	numbers, err := documentNumbers(tx, carrier, len(b.Passengers))
	if err != nil {
		return err
	}
	for i, p := range b.Passengers {
		if err := tx.Model(&passengerRow{}).Where("id = ?", p.ID).Update("ticket_number", numbers[i]).Error; err != nil {
			return fmt.Errorf("reissue ticket: %w", err)
		}
	}
	return nil
}

func sameIDs(a, b []int64) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// CancelSegments cancels segments (XX) under the booking's lock, frees their seats,
// voids their check-ins and computes the refund: in full, paid extras included,
// when the airline cancelled (involuntary); the fare when it is refundable;
// nothing otherwise. Idempotent by key.
func (d *Demo) CancelSegments(ctx context.Context, req domain.CancelRequest) (domain.Cancellation, error) {
	if strings.TrimSpace(req.IdempotencyKey) == "" {
		return domain.Cancellation{}, domain.Errorf(domain.Invalid, opCancel, msgNoKey)
	}
	l, err := domain.ParseRecordLocator(string(req.Locator))
	if err != nil {
		return domain.Cancellation{}, err
	}
	fpReq := req
	fpReq.IdempotencyKey = ""
	fp := requestFingerprint(fpReq)
	now := d.now()
	var out domain.Cancellation
	err = d.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockBooking(tx, l, now, opCancel); err != nil {
			return err
		}
		if ok, err := storedResult(tx, opCancel, req.IdempotencyKey, fp, &out); err != nil || ok {
			return err
		}
		b, _, err := d.loadBooking(tx, l)
		if err != nil {
			return err
		}
		segs, err := pickSegments(b, req.SegmentIDs, opCancel)
		if err != nil {
			return err
		}
		for _, s := range segs {
			if s.Status != domain.SegmentConfirmed && s.Status != domain.SegmentUnable {
				return domain.Errorf(domain.Conflict, opCancel, "%s: %s (%s)", msgSegmentInactive, s.Flight.Number, s.Status)
			}
		}
		fares, err := segmentFares(tx, segs)
		if err != nil {
			return err
		}
		paying := int64(payingPassengers(b))
		refund := domain.NewMoney(0, fares[segs[0].ID].Amount.Currency)
		for _, s := range segs {
			f := fares[s.ID]
			if req.Involuntary || f.Brand.Refundable {
				refund.Minor += f.Amount.Minor * paying
			}
			if req.Involuntary {
				var emds []emdRow
				if err := tx.Where("segment_id = ? AND status = ?", s.ID, emdIssued).Find(&emds).Error; err != nil {
					return err
				}
				for _, e := range emds {
					refund.Minor += e.AmountMinor
				}
				if err := tx.Model(&emdRow{}).Where("segment_id = ? AND status = ?", s.ID, emdIssued).Update("status", emdRefunded).Error; err != nil {
					return fmt.Errorf("refund extras: %w", err)
				}
			}
			if err := tx.Exec(`UPDATE pss_seats SET passenger_id = NULL, segment_id = NULL WHERE segment_id = ?`, s.ID).Error; err != nil {
				return fmt.Errorf("release seats: %w", err)
			}
			if err := tx.Exec(`DELETE FROM pss_seat_assignments WHERE segment_id = ?`, s.ID).Error; err != nil {
				return fmt.Errorf("release seats: %w", err)
			}
			if _, err := voidCheckIns(tx, b, s); err != nil {
				return err
			}
			if err := tx.Model(&segmentRow{}).Where("id = ?", s.ID).Update("status", string(domain.SegmentCancelled)).Error; err != nil {
				return fmt.Errorf("cancel segment: %w", err)
			}
		}
		out = domain.Cancellation{Reference: newOfferID("RF")[:14], Refund: refund}
		return storeResult(tx, opCancel, req.IdempotencyKey, fp, out, now)
	})
	if err != nil {
		return domain.Cancellation{}, domainError(opCancel+" "+string(l), err)
	}
	return out, nil
}
