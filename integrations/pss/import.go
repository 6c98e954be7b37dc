package pss

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
)

// maxImportSize bounds an import file; the demo file is a few hundred kilobytes.
const maxImportSize = 32 << 20

// errProblems rolls the import transaction back once problems were found.
var errProblems = errors.New("import has problems")

// Import loads an airline, flights and bookings from a JSON document (see IMPORT.md
// and import.schema.json) into the demo booking system. It checks the whole file
// first — schema, then meaning — and reports every bad record by its JSON position;
// if anything is wrong it writes nothing and returns the report with an Invalid
// error. Records are matched on natural keys (flight: carrier, number and date;
// booking: locator; passenger: booking and position), so importing the same file
// twice changes nothing the second time. now anchors "reference_time" shifting and
// stamps check-ins given without a time.
func Import(ctx context.Context, db *database.DB, sealer *domain.Sealer, r io.Reader, now time.Time) (Report, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxImportSize+1))
	if err != nil {
		return Report{}, fmt.Errorf("import: read: %w", err)
	}
	if len(raw) > maxImportSize {
		return problemReport(Problem{Path: "(document)", Message: fmt.Sprintf("larger than %d MiB", maxImportSize>>20)})
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return problemReport(Problem{Path: "(document)", Message: "not JSON: " + err.Error()})
	}
	probs, err := schemaProblems(doc)
	if err != nil {
		return Report{}, fmt.Errorf("import: %w", err)
	}
	if len(probs) > 0 {
		return problemReport(probs...)
	}
	var file fileDoc
	if err := json.Unmarshal(raw, &file); err != nil {
		return problemReport(Problem{Path: "(document)", Message: err.Error()})
	}

	var rep Report
	err = db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c := &checker{tx: tx, now: now}
		p, err := c.check(file)
		if err != nil {
			return err
		}
		if len(c.probs) > 0 {
			rep.Problems = c.probs
			return errProblems
		}
		w := &writer{tx: tx, sealer: sealer, now: now}
		if err := w.write(p); err != nil {
			return err
		}
		if len(w.probs) > 0 {
			rep.Problems = w.probs
			return errProblems
		}
		rep = w.rep
		return nil
	})
	if errors.Is(err, errProblems) {
		return problemReport(rep.Problems...)
	}
	if err != nil {
		return Report{}, fmt.Errorf("import: %w", err)
	}
	return rep, nil
}

func problemReport(ps ...Problem) (Report, error) {
	return Report{Problems: ps}, domain.Errorf(domain.Invalid, "import", "%d problem(s), nothing imported", len(ps))
}

// writer applies a checked plan inside the import transaction.
type writer struct {
	tx     *gorm.DB
	sealer *domain.Sealer
	now    time.Time
	rep    Report
	probs  problems
}

func (w *writer) write(p *plan) error {
	if err := w.airline(p.airline); err != nil {
		return err
	}
	if err := w.commercial(p); err != nil {
		return err
	}
	for _, f := range p.flights {
		if err := w.flight(f); err != nil {
			return err
		}
	}
	for _, b := range p.bookings {
		if err := w.booking(b); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) airline(a airlineRow) error {
	var rows []airlineRow
	if err := w.tx.Where("code = ?", a.Code).Limit(1).Find(&rows).Error; err != nil {
		return fmt.Errorf("read airline: %w", err)
	}
	switch {
	case len(rows) == 0:
		w.rep.Airlines.add(true, false)
		return w.tx.Create(&a).Error
	case rows[0] != a:
		w.rep.Airlines.add(false, true)
		return w.tx.Save(&a).Error
	}
	w.rep.Airlines.add(false, false)
	return nil
}

func (w *writer) flight(f *planFlight) error {
	var rows []flightRow
	err := w.tx.Where("carrier = ? AND number = ? AND flight_date = ?", f.row.Carrier, f.row.Number, f.row.Date).Limit(1).Find(&rows).Error
	if err != nil {
		return fmt.Errorf("read flight: %w", err)
	}
	if len(rows) == 0 {
		if err := w.tx.Create(&f.row).Error; err != nil {
			return fmt.Errorf("create flight: %w", err)
		}
		for i := range f.seats {
			f.seats[i].FlightID = f.row.ID
		}
		if len(f.seats) > 0 {
			// Batches of 100 rows: the SQLite driver binds parameters in time quadratic
			// in their number per statement, so big batches cost more than they save.
			if err := w.tx.CreateInBatches(&f.seats, 100).Error; err != nil {
				return fmt.Errorf("create seats: %w", err)
			}
		}
		w.rep.Flights.add(true, false)
		return w.flightFares(f)
	}
	old := rows[0]
	f.row.ID, f.row.LastSequence = old.ID, old.LastSequence
	changed := !sameFlight(old, f.row)
	if changed {
		if err := w.tx.Save(&f.row).Error; err != nil {
			return fmt.Errorf("update flight: %w", err)
		}
	}
	seatsChanged, err := w.syncSeats(f)
	if err != nil {
		return err
	}
	w.rep.Flights.add(false, changed || seatsChanged)
	return w.flightFares(f)
}

func sameFlight(a, b flightRow) bool {
	return a.Carrier == b.Carrier && a.Number == b.Number && a.Suffix == b.Suffix &&
		storedDate(a.Date).Equal(storedDate(b.Date)) && a.Origin == b.Origin && a.Destination == b.Destination &&
		a.OriginZone == b.OriginZone && a.DestinationZone == b.DestinationZone &&
		a.Departure.Equal(b.Departure) && a.Arrival.Equal(b.Arrival) && a.Aircraft == b.Aircraft &&
		a.Gate == b.Gate && a.Terminal == b.Terminal && a.Status == b.Status && a.BoardingMin == b.BoardingMin
}

// syncSeats makes a flight's seats match the file: new seats are added, changed ones
// updated, and seats no longer in the layout removed unless someone holds them.
func (w *writer) syncSeats(f *planFlight) (bool, error) {
	old, err := seatsOf(w.tx, f.row.ID)
	if err != nil {
		return false, fmt.Errorf("read seats: %w", err)
	}
	have := make(map[string]seatRow, len(old))
	for _, s := range old {
		have[s.Code] = s
	}
	changed := false
	for _, s := range f.seats {
		s.FlightID = f.row.ID
		o, ok := have[s.Code]
		delete(have, s.Code)
		switch {
		case !ok:
			if err := w.tx.Create(&s).Error; err != nil {
				return false, fmt.Errorf("create seat: %w", err)
			}
			changed = true
		case o.Cabin != s.Cabin || o.Window != s.Window || o.Aisle != s.Aisle || o.Exit != s.Exit || o.Blocked != s.Blocked || o.Row != s.Row || o.Letter != s.Letter:
			if s.Blocked && o.PassengerID.Valid {
				w.probs.add(at(f.path, "occupied"), "seat %s is held by a passenger", s.Code)
				continue
			}
			err := w.tx.Model(&seatRow{}).Where("id = ?", o.ID).Updates(map[string]any{
				"cabin": s.Cabin, "is_window": s.Window, "is_aisle": s.Aisle, "is_exit": s.Exit,
				"blocked": s.Blocked, "seat_row": s.Row, "letter": s.Letter,
			}).Error
			if err != nil {
				return false, fmt.Errorf("update seat: %w", err)
			}
			changed = true
		}
	}
	for code, o := range have {
		if o.PassengerID.Valid {
			w.probs.add(f.path, "seat %s is held by a passenger but missing from the layout", code)
			continue
		}
		if err := w.tx.Delete(&seatRow{}, o.ID).Error; err != nil {
			return false, fmt.Errorf("delete seat: %w", err)
		}
		changed = true
	}
	return changed, nil
}

func (w *writer) booking(b *planBooking) error {
	var rows []bookingRow
	if err := w.tx.Where("locator = ?", b.row.Locator).Limit(1).Find(&rows).Error; err != nil {
		return fmt.Errorf("read booking: %w", err)
	}
	if len(rows) == 0 {
		b.row.WhatsAppSealed = w.sealer.Seal(b.whatsapp)
		b.row.EmailSealed = w.sealer.Seal(b.email)
		b.row.CreatedAt, b.row.UpdatedAt = w.now.UTC(), w.now.UTC()
		if err := w.tx.Create(&b.row).Error; err != nil {
			return fmt.Errorf("create booking: %w", err)
		}
		w.rep.Bookings.add(true, false)
	} else {
		old := rows[0]
		wa, err := w.sealer.Open(old.WhatsAppSealed)
		if err != nil {
			return fmt.Errorf("read booking %s: %w", old.Locator, err)
		}
		email, err := w.sealer.Open(old.EmailSealed)
		if err != nil {
			return fmt.Errorf("read booking %s: %w", old.Locator, err)
		}
		b.row.ID, b.row.CreatedAt = old.ID, old.CreatedAt
		changed := wa != b.whatsapp || email != b.email || old.MessengerID != b.row.MessengerID || old.Lang != b.row.Lang
		if changed {
			b.row.WhatsAppSealed = w.sealer.Seal(b.whatsapp)
			b.row.EmailSealed = w.sealer.Seal(b.email)
			b.row.UpdatedAt = w.now.UTC()
			if err := w.tx.Save(&b.row).Error; err != nil {
				return fmt.Errorf("update booking: %w", err)
			}
		}
		w.rep.Bookings.add(false, changed)
	}
	ids, err := w.passengers(b)
	if err != nil {
		return err
	}
	for _, s := range b.segs {
		if err := w.segment(b, s, ids); err != nil {
			return err
		}
	}
	return nil
}

// passengers upserts a booking's passengers by position and returns their ids.
func (w *writer) passengers(b *planBooking) ([]int64, error) {
	var old []passengerRow
	if err := w.tx.Where("booking_id = ?", b.row.ID).Find(&old).Error; err != nil {
		return nil, fmt.Errorf("read passengers: %w", err)
	}
	byPos := map[int]passengerRow{}
	for _, p := range old {
		byPos[p.Pos] = p
	}
	ids := make([]int64, len(b.pax))
	created := make([]bool, len(b.pax))
	changed := make([]bool, len(b.pax))
	for i, p := range b.pax {
		p.BookingID = b.row.ID
		if p.TicketNumber != "" {
			var other []passengerRow
			err := w.tx.Where("ticket_number = ? AND NOT (booking_id = ? AND pos = ?)", p.TicketNumber, b.row.ID, p.Pos).Limit(1).Find(&other).Error
			if err != nil {
				return nil, fmt.Errorf("read ticket: %w", err)
			}
			if len(other) > 0 {
				w.probs.add(at(b.path, "passengers", i, "ticket_number"), "ticket number already on another booking")
				continue
			}
		}
		o, ok := byPos[i]
		if !ok {
			if err := w.tx.Create(&p).Error; err != nil {
				return nil, fmt.Errorf("create passenger: %w", err)
			}
			ids[i], created[i] = p.ID, true
			continue
		}
		p.ID, p.InfantOf = o.ID, o.InfantOf
		ids[i] = o.ID
		if o.Given != p.Given || o.Surname != p.Surname || o.Title != p.Title || o.Type != p.Type || o.TicketNumber != p.TicketNumber {
			if err := w.tx.Save(&p).Error; err != nil {
				return nil, fmt.Errorf("update passenger: %w", err)
			}
			changed[i] = true
		}
	}
	// Lap infants point at their adult's id, known only now.
	for i, a := range b.infantOf {
		if ids[i] == 0 {
			continue
		}
		if a >= 0 && ids[a] == 0 {
			continue
		}
		var want sql.NullInt64
		if a >= 0 {
			want = sql.NullInt64{Int64: ids[a], Valid: true}
		}
		if o, ok := byPos[i]; ok && o.InfantOf == want {
			continue
		}
		if !want.Valid && created[i] {
			continue
		}
		if err := w.tx.Model(&passengerRow{}).Where("id = ?", ids[i]).Update("infant_of", want).Error; err != nil {
			return nil, fmt.Errorf("link infant: %w", err)
		}
		changed[i] = !created[i]
	}
	for i := range b.pax {
		w.rep.Passengers.add(created[i], changed[i])
	}
	return ids, nil
}

func (w *writer) segment(b *planBooking, s planSegment, pax []int64) error {
	flightID := int64(0)
	if s.flight != nil {
		flightID = s.flight.row.ID
	} else {
		flightID = s.dbFlight.ID
	}
	row := s.row
	row.BookingID, row.FlightID = b.row.ID, flightID
	var rows []segmentRow
	if err := w.tx.Where("booking_id = ? AND flight_id = ?", row.BookingID, flightID).Limit(1).Find(&rows).Error; err != nil {
		return fmt.Errorf("read segment: %w", err)
	}
	created, changed := len(rows) == 0, false
	if created {
		if err := w.tx.Create(&row).Error; err != nil {
			return fmt.Errorf("create segment: %w", err)
		}
	} else {
		row.ID = rows[0].ID
		if rows[0] != row {
			if err := w.tx.Save(&row).Error; err != nil {
				return fmt.Errorf("update segment: %w", err)
			}
			changed = true
		}
	}

	var holds []seatAssignmentRow
	if err := w.tx.Where("segment_id = ?", row.ID).Find(&holds).Error; err != nil {
		return fmt.Errorf("read seats held: %w", err)
	}
	held := map[int64]string{}
	for _, h := range holds {
		held[h.PassengerID] = h.Seat
	}
	seatRows, err := seatsOf(w.tx, flightID)
	if err != nil {
		return fmt.Errorf("read seats: %w", err)
	}
	byCode := map[string]*seatRow{}
	for i := range seatRows {
		byCode[seatRows[i].Code] = &seatRows[i]
	}
	take := func(path string, paxID int64, code string) (bool, error) {
		if held[paxID] == code {
			return false, nil
		}
		err := takeSeat(w.tx, byCode[code], paxID, row.ID)
		if domain.IsCode(err, domain.Conflict) {
			w.probs.add(path, "seat %s is already taken", code)
			return false, nil
		}
		if err != nil {
			return false, err
		}
		held[paxID] = code
		return true, nil
	}
	for _, h := range s.seats {
		if pax[h.pax] == 0 {
			continue
		}
		moved, err := take(h.path, pax[h.pax], h.seat)
		if err != nil {
			return err
		}
		changed = changed || moved && !created
	}
	w.rep.Segments.add(created, changed)
	if err := w.segmentFare(s, row.ID); err != nil {
		return err
	}

	for _, ci := range s.checkIns {
		paxID := pax[ci.pax]
		if paxID == 0 {
			continue
		}
		var n int64
		if err := w.tx.Model(&checkInRow{}).Where("passenger_id = ? AND segment_id = ?", paxID, row.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("read check-in: %w", err)
		}
		if n > 0 {
			w.rep.CheckIns.add(false, false)
			continue
		}
		seat := ci.seat
		if seat == "" && b.pax[ci.pax].Type != string(domain.Infant) {
			seat = held[paxID]
			if seat == "" {
				if free := pickSeat(seatRows, domain.Cabin(row.Cabin), b.pax[ci.pax].Type == string(domain.Adult), 0); free != nil {
					seat = free.Code
				}
			}
		}
		if seat != "" {
			if _, err := take(at(ci.path, "seat"), paxID, seat); err != nil {
				return err
			}
			if s := byCode[seat]; s != nil {
				s.PassengerID = sql.NullInt64{Int64: paxID, Valid: true}
			}
		}
		seq := ci.sequence
		if seq == 0 {
			if err := w.tx.Raw(`UPDATE pss_flights SET last_sequence = last_sequence + 1 WHERE id = ? RETURNING last_sequence`, flightID).Scan(&seq).Error; err != nil {
				return fmt.Errorf("allocate sequence: %w", err)
			}
		} else if err := w.tx.Exec(`UPDATE pss_flights SET last_sequence = ? WHERE id = ? AND last_sequence < ?`, seq, flightID, seq).Error; err != nil {
			return fmt.Errorf("record sequence: %w", err)
		}
		when := ci.at
		if when.IsZero() {
			when = w.now.UTC().Truncate(time.Second)
		}
		c := checkInRow{PassengerID: paxID, SegmentID: row.ID, Seat: seat, Sequence: seq, At: when, DangerousGoods: true, IdempotencyKey: "import"}
		if err := w.tx.Create(&c).Error; err != nil {
			return fmt.Errorf("create check-in: %w", err)
		}
		w.rep.CheckIns.add(true, false)
	}
	return nil
}
