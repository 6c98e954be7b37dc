package pss

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

const opCheckIn = "check in"

// Messages of check-in errors that are not domain eligibility codes.
const (
	msgNoKey          = "idempotency key required"
	msgKeyReused      = "idempotency key already used for another request"
	msgNoPassengers   = "no passenger to check in"
	msgDuplicatePax   = "passenger given twice"
	msgSegmentUnknown = "segment not on booking"
	msgPaxUnknown     = "passenger not on booking"
	msgDangerousGoods = "dangerous goods not acknowledged"
	msgInfantSeat     = "an infant travels on an adult's lap and takes no seat"
	msgNoSuchSeat     = "no such seat on this flight"
	msgOtherCabin     = "seat is in another cabin"
	msgExitAdults     = "exit rows are for adults only"
	msgSeatTaken      = domain.SeatTaken
	msgCabinFull      = "no free seat in the cabin"
)

// storedCheckIn is the JSON form of a check-in kept with an idempotency key.
type storedCheckIn struct {
	Passenger int64     `json:"passenger"`
	Segment   int64     `json:"segment"`
	Seat      string    `json:"seat"`
	Sequence  int       `json:"sequence"`
	At        time.Time `json:"at"`
}

// CheckIn accepts passengers on one segment of a booking, all or nothing, in one
// transaction. It assigns seats (the requested one, the one held, or the first free
// window seat of the cabin), allocates check-in sequence numbers per flight, stores
// travel documents sealed, and remembers the result under req.IdempotencyKey so that
// a retry returns the same check-ins without changing anything.
func (d *Demo) CheckIn(ctx context.Context, req domain.CheckInRequest) ([]domain.CheckIn, error) {
	if strings.TrimSpace(req.IdempotencyKey) == "" {
		return nil, domain.Errorf(domain.Invalid, opCheckIn, msgNoKey)
	}
	loc, err := domain.ParseRecordLocator(string(req.Locator))
	if err != nil {
		return nil, err
	}
	req.Locator = loc
	if len(req.Passengers) == 0 {
		return nil, domain.Errorf(domain.Invalid, opCheckIn, msgNoPassengers)
	}
	seen := map[int64]bool{}
	for _, p := range req.Passengers {
		if seen[p.PassengerID] {
			return nil, domain.Errorf(domain.Invalid, opCheckIn, msgDuplicatePax)
		}
		seen[p.PassengerID] = true
	}
	fp := fingerprint(req)

	var out []domain.CheckIn
	err = d.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = d.checkIn(tx, req, fp)
		return err
	})
	var rp *replayed
	if errors.As(err, &rp) {
		return rp.out, nil
	}
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return nil, err
		}
		return nil, fmt.Errorf("check in %s: %w", loc, err)
	}
	return out, nil
}

// replayed carries a stored result out of a transaction that must roll back.
type replayed struct{ out []domain.CheckIn }

func (r *replayed) Error() string { return "replayed" }

func fingerprint(req domain.CheckInRequest) string {
	var b strings.Builder
	b.WriteString(string(req.Locator))
	b.WriteString("|" + strconv.FormatInt(req.SegmentID, 10))
	for _, p := range req.Passengers {
		b.WriteString("|" + strconv.FormatInt(p.PassengerID, 10))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// replay returns the stored result of an earlier request with the same key, or nil.
func replay(tx *gorm.DB, key, fp string, f domain.Flight) ([]domain.CheckIn, bool, error) {
	var rows []checkInRequestRow
	if err := tx.Where("idempotency_key = ?", key).Limit(1).Find(&rows).Error; err != nil {
		return nil, false, err
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	if rows[0].Fingerprint != fp {
		return nil, false, domain.Errorf(domain.Conflict, opCheckIn, msgKeyReused)
	}
	var stored []storedCheckIn
	if err := json.Unmarshal([]byte(rows[0].Result), &stored); err != nil {
		return nil, false, fmt.Errorf("read stored check-in: %w", err)
	}
	out := make([]domain.CheckIn, len(stored))
	for i, s := range stored {
		out[i] = toCheckIn(checkInRow{PassengerID: s.Passenger, SegmentID: s.Segment, Seat: s.Seat, Sequence: s.Sequence, At: s.At}, f)
	}
	return out, true, nil
}

func (d *Demo) checkIn(tx *gorm.DB, req domain.CheckInRequest, fp string) ([]domain.CheckIn, error) {
	// Find the segment's flight first: its row is the lock that serialises check-ins
	// on one flight (sequence numbers and seats) across connections and instances.
	var segs []struct {
		FlightID int64
	}
	err := tx.Raw(`SELECT s.flight_id FROM pss_segments s JOIN pss_bookings b ON b.id = s.booking_id
		WHERE b.locator = ? AND s.id = ?`, string(req.Locator), req.SegmentID).Scan(&segs).Error
	if err != nil {
		return nil, err
	}
	if len(segs) == 0 {
		var n int64
		if err := tx.Model(&bookingRow{}).Where("locator = ?", string(req.Locator)).Count(&n).Error; err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, domain.Errorf(domain.NotFound, opCheckIn, "no booking %s", req.Locator)
		}
		return nil, domain.Errorf(domain.NotFound, opCheckIn, msgSegmentUnknown)
	}
	flightID := segs[0].FlightID
	var fr flightRow
	if err := tx.Where("id = ?", flightID).Take(&fr).Error; err != nil {
		return nil, err
	}
	if out, ok, err := replay(tx, req.IdempotencyKey, fp, toFlight(fr)); err != nil || ok {
		return out, err
	}

	// Allocate the sequence numbers now: the UPDATE takes the flight's row lock until
	// commit, and a rollback returns the numbers.
	var last int
	if err := tx.Raw(`UPDATE pss_flights SET last_sequence = last_sequence + ? WHERE id = ? RETURNING last_sequence`,
		len(req.Passengers), flightID).Scan(&last).Error; err != nil {
		return nil, fmt.Errorf("allocate sequence: %w", err)
	}
	first := last - len(req.Passengers) + 1

	b, _, err := d.loadBooking(tx, req.Locator)
	if err != nil {
		return nil, err
	}
	seg, _ := b.Segment(req.SegmentID)
	f := seg.Flight

	// Checked again under the lock: a concurrent attempt with the same key has waited
	// for the first one and replays it, rolling back its own sequence numbers.
	if out, ok, err := replay(tx, req.IdempotencyKey, fp, f); err != nil || ok {
		if err == nil {
			err = &replayed{out: out}
		}
		return nil, err
	}

	pax := make([]domain.Passenger, len(req.Passengers))
	ids := make([]int64, len(req.Passengers))
	for i, p := range req.Passengers {
		bp, ok := b.Passenger(p.PassengerID)
		if !ok {
			return nil, domain.Errorf(domain.NotFound, opCheckIn, msgPaxUnknown)
		}
		pax[i], ids[i] = bp, p.PassengerID
	}
	if seg.Status != domain.SegmentConfirmed || f.Status != domain.FlightScheduled {
		return nil, domain.Errorf(domain.Forbidden, opCheckIn, string(domain.SegmentNotActive))
	}
	policy, err := policyOf(tx, string(f.Number.Carrier))
	if err != nil {
		return nil, err
	}
	now := d.now()
	opens, closes := policy.Window(f)
	switch {
	case now.Before(opens):
		return nil, domain.Errorf(domain.Forbidden, opCheckIn, string(domain.WindowNotOpen))
	case !now.Before(closes):
		return nil, domain.Errorf(domain.Forbidden, opCheckIn, string(domain.WindowClosed))
	}
	for _, id := range ids {
		if _, done := b.CheckInOf(id, seg.ID); done {
			return nil, domain.Errorf(domain.Conflict, opCheckIn, string(domain.AlreadyCheckedIn))
		}
	}
	if err := b.ValidateSelection(seg.ID, ids); err != nil {
		return nil, err
	}
	chosen := map[int64]bool{}
	for _, id := range ids {
		chosen[id] = true
	}
	docs := make([]*domain.TravelDocument, len(req.Passengers))
	for i, p := range req.Passengers {
		if pax[i].Type == domain.Infant {
			if p.Seat != "" {
				return nil, domain.Errorf(domain.Invalid, opCheckIn, msgInfantSeat)
			}
			_, adultDone := b.CheckInOf(pax[i].InfantOf, seg.ID)
			if pax[i].InfantOf != 0 && !chosen[pax[i].InfantOf] && !adultDone {
				return nil, domain.Errorf(domain.Forbidden, opCheckIn, string(domain.NeedsAdult))
			}
		}
		if !p.DangerousGoodsAck {
			return nil, domain.Errorf(domain.Invalid, opCheckIn, msgDangerousGoods)
		}
		if f.International() {
			given := p.Document
			if given == nil {
				// No document in the request: the one on file (given at an earlier
				// check-in, e.g. on a flight this one replaced) is used again.
				if given, err = d.documentOnFile(tx, p.PassengerID); err != nil {
					return nil, err
				}
			}
			doc, err := checkDocument(given, f.Departure, now)
			if err != nil {
				return nil, err
			}
			docs[i] = doc
		}
	}

	seats, err := d.assignSeats(tx, b, seg, req.Passengers, pax)
	if err != nil {
		return nil, err
	}

	at := now.UTC().Truncate(time.Second)
	out := make([]domain.CheckIn, len(req.Passengers))
	stored := make([]storedCheckIn, len(req.Passengers))
	for i, p := range req.Passengers {
		row := checkInRow{
			PassengerID:    p.PassengerID,
			SegmentID:      seg.ID,
			Seat:           seats[i],
			Sequence:       first + i,
			At:             at,
			DangerousGoods: p.DangerousGoodsAck,
			IdempotencyKey: req.IdempotencyKey,
		}
		if err := tx.Create(&row).Error; err != nil {
			return nil, fmt.Errorf("record check-in: %w", err)
		}
		out[i] = toCheckIn(row, f)
		stored[i] = storedCheckIn{Passenger: row.PassengerID, Segment: row.SegmentID, Seat: row.Seat, Sequence: row.Sequence, At: at}
		if docs[i] != nil {
			if err := d.storeDocument(tx, p.PassengerID, seg.ID, *docs[i], now); err != nil {
				return nil, err
			}
		}
	}
	result, err := json.Marshal(stored)
	if err != nil {
		return nil, err
	}
	if err := tx.Create(&checkInRequestRow{Key: req.IdempotencyKey, Fingerprint: fp, Result: string(result), CreatedAt: at}).Error; err != nil {
		return nil, fmt.Errorf("record idempotency key: %w", err)
	}
	return out, nil
}

// checkDocument normalises and validates a travel document for a flight departing at
// dep, as seen on today.
func checkDocument(doc *domain.TravelDocument, dep, today time.Time) (*domain.TravelDocument, error) {
	if doc == nil {
		return nil, domain.Errorf(domain.Invalid, opCheckIn, domain.DocMissingField)
	}
	d := *doc
	if d.Number != "" {
		n, err := domain.ParseDocumentNumber(d.Number.Reveal())
		if err != nil {
			return nil, err
		}
		d.Number = n
	}
	if d.Type == "" {
		d.Type = "P"
	}
	d.Nationality = domain.CountryCode(strings.ToUpper(string(d.Nationality)))
	d.IssuingCountry = domain.CountryCode(strings.ToUpper(string(d.IssuingCountry)))
	if err := d.Validate(dep, today); err != nil {
		return nil, err
	}
	return &d, nil
}

// documentOnFile returns the travel document a passenger gave most recently, nil
// when there is none. The booking system keeps APIS data with the passenger: a
// check-in on a replacement flight does not ask for it again.
func (d *Demo) documentOnFile(tx *gorm.DB, paxID int64) (*domain.TravelDocument, error) {
	var rows []documentRow
	if err := tx.Where("passenger_id = ?", paxID).Order("created_at DESC, id DESC").Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	r := rows[0]
	number, err := d.sealer.Open(r.NumberSealed)
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	birth, err := d.sealer.Open(r.BirthDateSealed)
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	born, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		return nil, fmt.Errorf("read document: birth date: %w", err)
	}
	return &domain.TravelDocument{Type: r.Type, Number: domain.Secret(number), Nationality: domain.CountryCode(r.Nationality),
		IssuingCountry: domain.CountryCode(r.IssuingCountry), Expiry: r.Expiry, BirthDate: born}, nil
}

func (d *Demo) storeDocument(tx *gorm.DB, paxID, segID int64, doc domain.TravelDocument, now time.Time) error {
	if err := tx.Where("passenger_id = ? AND segment_id = ?", paxID, segID).Delete(&documentRow{}).Error; err != nil {
		return fmt.Errorf("store document: %w", err)
	}
	row := documentRow{
		PassengerID:     paxID,
		Type:            doc.Type,
		NumberSealed:    d.sealer.Seal(doc.Number.Reveal()),
		Nationality:     string(doc.Nationality),
		IssuingCountry:  string(doc.IssuingCountry),
		Expiry:          dateOnly(doc.Expiry),
		BirthDateSealed: d.sealer.Seal(doc.BirthDate.Format(time.DateOnly)),
		CreatedAt:       now.UTC(),
	}
	row.SegmentID.Int64, row.SegmentID.Valid = segID, true
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("store document: %w", err)
	}
	return nil
}

// assignSeats decides and takes the seat of each passenger: "" for infants; the
// requested seat; else the seat already held; else a free seat of the cabin, next to
// the previous passenger of the request when possible, window first otherwise.
func (d *Demo) assignSeats(tx *gorm.DB, b domain.Booking, seg domain.Segment, req []domain.PassengerCheckIn, pax []domain.Passenger) ([]string, error) {
	rows, err := d.seatsHeld(tx, seg.Flight.ID)
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]*seatRow, len(rows))
	for i := range rows {
		byCode[rows[i].Code] = &rows[i]
	}
	holds := func(s *seatRow, paxID int64) bool {
		return s.PassengerID.Valid && s.PassengerID.Int64 == paxID && s.SegmentID.Int64 == seg.ID
	}
	free := func(s *seatRow) bool { return !s.Blocked && !s.PassengerID.Valid }
	out := make([]string, len(req))
	lastRow := 0
	for i, p := range req {
		if pax[i].Type == domain.Infant {
			continue
		}
		adult := pax[i].Type == domain.Adult
		code := ""
		switch {
		case p.Seat != "":
			c, err := domain.ParseSeatCode(p.Seat)
			if err != nil {
				return nil, err
			}
			s, ok := byCode[c]
			switch {
			case !ok:
				return nil, domain.Errorf(domain.NotFound, opCheckIn, msgNoSuchSeat)
			case domain.Cabin(s.Cabin) != seg.Cabin:
				return nil, domain.Errorf(domain.Forbidden, opCheckIn, msgOtherCabin)
			case s.Exit && !adult:
				return nil, domain.Errorf(domain.Forbidden, opCheckIn, msgExitAdults)
			case !free(s) && !holds(s, p.PassengerID):
				return nil, domain.Errorf(domain.Conflict, opCheckIn, msgSeatTaken)
			}
			code = c
		case b.AssignedSeat(p.PassengerID, seg.ID) != "":
			code = b.AssignedSeat(p.PassengerID, seg.ID)
		default:
			s := pickSeat(rows, domain.Cabin(seg.Cabin), adult, lastRow)
			if s == nil {
				return nil, domain.Errorf(domain.Conflict, opCheckIn, msgCabinFull)
			}
			code = s.Code
		}
		s := byCode[code]
		if s == nil {
			return nil, domain.Errorf(domain.NotFound, opCheckIn, msgNoSuchSeat)
		}
		if err := takeSeat(tx, s, p.PassengerID, seg.ID); err != nil {
			return nil, err
		}
		s.PassengerID.Int64, s.PassengerID.Valid = p.PassengerID, true
		s.SegmentID.Int64, s.SegmentID.Valid = seg.ID, true
		out[i], lastRow = code, s.Row
	}
	return out, nil
}

func pickSeat(rows []seatRow, cabin domain.Cabin, adult bool, nearRow int) *seatRow {
	ok := func(s *seatRow) bool {
		return domain.Cabin(s.Cabin) == cabin && !s.Blocked && !s.PassengerID.Valid && (adult || !s.Exit)
	}
	if nearRow > 0 {
		for i := range rows {
			if rows[i].Row == nearRow && ok(&rows[i]) {
				return &rows[i]
			}
		}
	}
	for i := range rows {
		if rows[i].Window && ok(&rows[i]) {
			return &rows[i]
		}
	}
	for i := range rows {
		if ok(&rows[i]) {
			return &rows[i]
		}
	}
	return nil
}

// takeSeat moves a passenger's hold on a flight to seat s. The conditional UPDATE is
// the guard: it succeeds only while the seat is free or already the passenger's.
func takeSeat(tx *gorm.DB, s *seatRow, paxID, segID int64) error {
	err := tx.Exec(`UPDATE pss_seats SET passenger_id = NULL, segment_id = NULL
		WHERE flight_id = ? AND passenger_id = ? AND segment_id = ? AND code <> ?`, s.FlightID, paxID, segID, s.Code).Error
	if err != nil {
		return fmt.Errorf("release seat: %w", err)
	}
	res := tx.Exec(`UPDATE pss_seats SET passenger_id = ?, segment_id = ?
		WHERE id = ? AND NOT blocked AND (passenger_id IS NULL OR (passenger_id = ? AND segment_id = ?))`,
		paxID, segID, s.ID, paxID, segID)
	if res.Error != nil {
		return fmt.Errorf("take seat: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return domain.Errorf(domain.Conflict, opCheckIn, msgSeatTaken)
	}
	err = tx.Exec(`DELETE FROM pss_seat_assignments WHERE passenger_id = ? AND segment_id = ?`, paxID, segID).Error
	if err == nil {
		err = tx.Create(&seatAssignmentRow{PassengerID: paxID, SegmentID: segID, Seat: s.Code}).Error
	}
	if err != nil {
		return fmt.Errorf("record seat: %w", err)
	}
	return nil
}
