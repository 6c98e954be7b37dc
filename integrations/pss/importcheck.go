package pss

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// A plan is an import file checked and turned into rows: dates shifted, local times
// resolved, layouts expanded, references between records resolved.

type flightKey struct {
	carrier string
	number  int
	date    string // YYYY-MM-DD
}

type seatInfo struct {
	cabin   string
	exit    bool
	blocked bool
}

type planFlight struct {
	path   string
	row    flightRow
	seats  []seatRow
	layout map[string]seatInfo
	fares  []flightFareRow // nil: keep what is stored
}

type planSeat struct {
	path string
	pax  int
	seat string
}

type planCheckIn struct {
	path     string
	pax      int
	seat     string
	sequence int
	at       time.Time
}

type planSegment struct {
	path     string
	flight   *planFlight // in the file
	dbFlight *flightRow  // or already in the database
	layout   map[string]seatInfo
	row      segmentRow
	seats    []planSeat
	checkIns []planCheckIn
	fare     *segmentFareRow // nil: keep what is stored
}

type planBooking struct {
	path     string
	row      bookingRow
	whatsapp string
	email    string
	pax      []passengerRow
	infantOf []int // index of the adult, -1 for none
	segs     []planSegment
}

type plan struct {
	airline     airlineRow
	brands      []fareBrandRow // nil: keep what is stored
	ancillaries []ancillaryRow // nil: keep what is stored
	flights     []*planFlight
	bookings    []*planBooking
}

type checker struct {
	tx    *gorm.DB
	now   time.Time
	delta time.Duration // added to every date and time of the file
	shift bool
	probs problems
	// badFlights are flights of the file with problems of their own.
	badFlights map[flightKey]bool
	layouts    map[string][]fileCabin
	currency   string
	brands     []fareBrandRow // the file's, nil when it gives none
}

func (c *checker) check(doc fileDoc) (*plan, error) {
	p := &plan{}
	c.badFlights = map[flightKey]bool{}
	if doc.ReferenceTime != "" {
		ref, err := time.Parse(time.RFC3339Nano, doc.ReferenceTime)
		if err != nil {
			c.probs.add("reference_time", "must be an RFC 3339 time like 2025-01-31T12:00:00Z")
		} else {
			c.shift = true
			c.delta = c.now.Truncate(time.Hour).Sub(ref)
		}
	}
	a := doc.Airline
	p.airline = airlineRow{Code: a.IATA, ICAO: a.ICAO, Name: strings.TrimSpace(a.Name), TicketPrefix: a.TicketPrefix}
	if a.CheckIn != nil {
		p.airline.CheckInOpensMin = a.CheckIn.OpensHours * 60
		if a.CheckIn.ClosesMinutes != nil {
			p.airline.CheckInClosesMin = *a.CheckIn.ClosesMinutes
		}
		if p.airline.CheckInOpensMin > 0 && p.airline.CheckInOpensMin <= p.airline.CheckInClosesMin {
			c.probs.add("airline.check_in", "check-in must open before it closes")
		}
	}
	c.checkCommercial(a, p)
	c.layouts = doc.Layouts

	byKey := map[flightKey]*planFlight{}
	for i, f := range doc.Flights {
		pf, key := c.checkFlight(at("flights", i), f)
		if pf == nil {
			c.badFlights[key] = true // already reported; its segments are not
			continue
		}
		if prev, dup := byKey[key]; dup {
			c.probs.add(pf.path, "flight %s%d on %s is also %s", f.Carrier, f.Number, key.date, prev.path)
			continue
		}
		byKey[key] = pf
		p.flights = append(p.flights, pf)
	}

	locators := map[string]string{}
	tickets := map[string]string{}
	for i, b := range doc.Bookings {
		path := at("bookings", i)
		if prev, dup := locators[b.Locator]; dup {
			c.probs.add(at(path, "locator"), "booking %s is also %s", b.Locator, prev)
			continue
		}
		locators[b.Locator] = path
		pb, err := c.checkBooking(path, b, p.airline.TicketPrefix, byKey, tickets)
		if err != nil {
			return nil, err
		}
		if pb != nil {
			p.bookings = append(p.bookings, pb)
		}
	}
	c.checkSharedSeats(p)
	return p, nil
}

func (c *checker) checkFlight(path string, f fileFlight) (*planFlight, flightKey) {
	before := len(c.probs)
	key := flightKey{carrier: f.Carrier, number: f.Number, date: f.Date}
	date, err := time.Parse(time.DateOnly, f.Date)
	if err != nil {
		c.probs.add(at(path, "date"), "%q is not a date", f.Date)
	}
	org, okO := Airport(domain.AirportCode(f.Origin))
	if !okO {
		c.probs.add(at(path, "origin"), "unknown airport %q", f.Origin)
	}
	dst, okD := Airport(domain.AirportCode(f.Destination))
	if !okD {
		c.probs.add(at(path, "destination"), "unknown airport %q", f.Destination)
	}
	if okO && okD && f.Origin == f.Destination {
		c.probs.add(at(path, "destination"), "same as the origin")
	}
	var dep, arr time.Time
	if okO {
		if dep, err = parseWhen(f.Departure, org.Location); err != nil {
			c.probs.add(at(path, "departure"), "%v", err)
		} else if err == nil && !date.IsZero() && dep.In(org.Location).Format(time.DateOnly) != f.Date {
			c.probs.add(at(path, "date"), "departure is on %s local time, not %s", dep.In(org.Location).Format(time.DateOnly), f.Date)
		}
	}
	if okD {
		if arr, err = parseWhen(f.Arrival, dst.Location); err != nil {
			c.probs.add(at(path, "arrival"), "%v", err)
		}
	}
	if !dep.IsZero() && !arr.IsZero() && !arr.After(dep) {
		c.probs.add(at(path, "arrival"), "arrival before departure")
	} else if !dep.IsZero() && !arr.IsZero() && arr.Sub(dep) > 24*time.Hour {
		c.probs.add(at(path, "arrival"), "more than 24 hours after departure")
	}
	c.expandLayout(path, &f)
	seats, layout := c.checkLayout(path, f)
	fares := c.checkFlightFares(path, f, layout)
	if len(c.probs) > before {
		return nil, key
	}
	if c.shift {
		dep, arr = dep.Add(c.delta), arr.Add(c.delta)
	}
	status := f.Status
	if status == "" {
		status = string(domain.FlightScheduled)
	}
	boarding := f.BoardingMinutes
	if boarding == 0 {
		boarding = 40
	}
	return &planFlight{
		path: path,
		row: flightRow{
			Carrier: f.Carrier, Number: f.Number, Suffix: f.Suffix,
			Date:   dateOnly(dep.In(org.Location)),
			Origin: f.Origin, Destination: f.Destination,
			OriginZone: org.Location.String(), DestinationZone: dst.Location.String(),
			Departure: dep.UTC(), Arrival: arr.UTC(),
			Aircraft: f.Aircraft, Gate: f.Gate, Terminal: f.Terminal,
			Status: status, BoardingMin: boarding,
		},
		seats:  seats,
		layout: layout,
		fares:  fares,
	}, key
}

// parseWhen reads an RFC 3339 time, or a local time without offset at loc.
func parseWhen(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time like 2025-01-31T09:30 or 2025-01-31T09:30:00+01:00", s)
}

func (c *checker) checkLayout(path string, f fileFlight) ([]seatRow, map[string]seatInfo) {
	var seats []seatRow
	layout := map[string]seatInfo{}
	addSeat := func(p string, s seatRow) {
		if _, dup := layout[s.Code]; dup {
			c.probs.add(p, "seat %s defined twice", s.Code)
			return
		}
		layout[s.Code] = seatInfo{cabin: s.Cabin, exit: s.Exit}
		seats = append(seats, s)
	}
	for i, cb := range f.Cabins {
		cp := at(path, "cabins", i)
		if cb.LastRow < cb.FirstRow {
			c.probs.add(at(cp, "last_row"), "last row %d before first row %d", cb.LastRow, cb.FirstRow)
			continue
		}
		letters := map[string]bool{}
		for j, l := range cb.Letters {
			if letters[l] {
				c.probs.add(at(cp, "letters", j), "letter %s given twice", l)
			}
			letters[l] = true
		}
		set := func(field string, ls []string) map[string]bool {
			m := map[string]bool{}
			for j, l := range ls {
				if !letters[l] {
					c.probs.add(at(cp, field, j), "letter %s is not among the cabin's letters", l)
				}
				m[l] = true
			}
			return m
		}
		window, aisle := set("window", cb.Window), set("aisle", cb.Aisle)
		rows := func(field string, rs []int) map[int]bool {
			m := map[int]bool{}
			for j, r := range rs {
				if r < cb.FirstRow || r > cb.LastRow {
					c.probs.add(at(cp, field, j), "row %d is outside rows %d-%d", r, cb.FirstRow, cb.LastRow)
				}
				m[r] = true
			}
			return m
		}
		exits, skips := rows("exit_rows", cb.ExitRows), rows("skip_rows", cb.SkipRows)
		for r := cb.FirstRow; r <= cb.LastRow; r++ {
			if skips[r] {
				continue
			}
			for _, l := range cb.Letters {
				addSeat(cp, seatRow{
					Code: fmt.Sprintf("%d%s", r, l), Row: r, Letter: l, Cabin: cb.Cabin,
					Window: window[l], Aisle: aisle[l], Exit: exits[r],
				})
			}
		}
	}
	for i, s := range f.Seats {
		sp := at(path, "seats", i)
		code, err := domain.ParseSeatCode(s.Code)
		if err != nil || code != s.Code {
			c.probs.add(at(sp, "code"), "%q is not a seat like 14C", s.Code)
			continue
		}
		var row int
		fmt.Sscanf(code[:len(code)-1], "%d", &row)
		addSeat(sp, seatRow{Code: code, Row: row, Letter: code[len(code)-1:], Cabin: s.Cabin, Window: s.Window, Aisle: s.Aisle, Exit: s.Exit})
	}
	for i, o := range f.Occupied {
		info, ok := layout[o]
		if !ok {
			c.probs.add(at(path, "occupied", i), "seat %s is not in the layout", o)
			continue
		}
		info.blocked = true
		layout[o] = info
	}
	for i := range seats {
		seats[i].Blocked = layout[seats[i].Code].blocked
	}
	return seats, layout
}

func (c *checker) checkBooking(path string, b fileBooking, prefix string, flights map[flightKey]*planFlight, tickets map[string]string) (*planBooking, error) {
	if _, err := domain.ParseRecordLocator(b.Locator); err != nil {
		c.probs.add(at(path, "locator"), "a booking reference has 6 letters or digits")
	}
	pb := &planBooking{path: path, row: bookingRow{Locator: b.Locator, MessengerID: b.Contact.Messenger, Lang: b.Contact.Lang}}
	if b.Contact.WhatsApp != "" {
		wa, ok := parseE164(b.Contact.WhatsApp)
		if !ok {
			c.probs.add(at(path, "contact", "whatsapp"), "not an E.164 phone number like +31612345678")
		}
		pb.whatsapp = wa
	}
	if b.Contact.Email != "" {
		if a, err := mail.ParseAddress(b.Contact.Email); err != nil || a.Address != b.Contact.Email {
			c.probs.add(at(path, "contact", "email"), "not an e-mail address")
		}
		pb.email = b.Contact.Email
	}
	if b.Contact.Lang != "" && !domain.Lang(b.Contact.Lang).Supported() {
		c.probs.add(at(path, "contact", "lang"), "unsupported language %q (supported: %s)", b.Contact.Lang, langList())
	}

	infants := map[int]int{}
	adults := 0
	for i, p := range b.Passengers {
		pp := at(path, "passengers", i)
		row := passengerRow{Pos: i, Given: strings.TrimSpace(p.Given), Surname: strings.TrimSpace(p.Surname), Title: p.Title, Type: p.Type, TicketNumber: p.TicketNumber}
		if row.Given == "" {
			c.probs.add(at(pp, "given"), "empty")
		}
		if row.Surname == "" {
			c.probs.add(at(pp, "surname"), "empty")
		}
		if p.TicketNumber != "" {
			if !ticketNumber(p.TicketNumber) {
				c.probs.add(at(pp, "ticket_number"), "a ticket number has 13 digits")
			} else if !strings.HasPrefix(p.TicketNumber, prefix) {
				c.probs.add(at(pp, "ticket_number"), "does not start with the airline's prefix %s", prefix)
			} else if prev, dup := tickets[p.TicketNumber]; dup {
				c.probs.add(at(pp, "ticket_number"), "also on %s", prev)
			} else {
				tickets[p.TicketNumber] = pp
			}
		}
		adultIdx := -1
		switch {
		case p.Type == string(domain.Adult):
			adults++
			if p.InfantOf != nil {
				c.probs.add(at(pp, "infant_of"), "only an infant (INF) travels on an adult's lap")
			}
		case p.Type == string(domain.Infant):
			switch {
			case p.InfantOf == nil:
				c.probs.add(at(pp, "infant_of"), "an infant needs the adult it travels with")
			case *p.InfantOf >= len(b.Passengers) || b.Passengers[*p.InfantOf].Type != string(domain.Adult):
				c.probs.add(at(pp, "infant_of"), "passenger %d is not an adult of this booking", *p.InfantOf)
			default:
				if prev, dup := infants[*p.InfantOf]; dup {
					c.probs.add(at(pp, "infant_of"), "the adult already holds passengers[%d]", prev)
				}
				infants[*p.InfantOf] = i
				adultIdx = *p.InfantOf
			}
		case p.InfantOf != nil:
			c.probs.add(at(pp, "infant_of"), "only an infant (INF) travels on an adult's lap")
		}
		pb.pax = append(pb.pax, row)
		pb.infantOf = append(pb.infantOf, adultIdx)
	}
	if len(infants) > 0 && adults == 0 {
		c.probs.add(at(path, "passengers"), "infants need an adult on the booking")
	}

	seen := map[flightKey]string{}
	for i, s := range b.Segments {
		sp := at(path, "segments", i)
		key := flightKey{carrier: s.Carrier, number: s.Number, date: s.Date}
		if prev, dup := seen[key]; dup {
			c.probs.add(sp, "same flight as %s", prev)
			continue
		}
		seen[key] = sp
		ps := planSegment{path: sp, row: segmentRow{Cabin: s.Cabin, BookingClass: s.BookingClass, Status: s.Status}}
		if f, ok := flights[key]; ok {
			ps.flight, ps.layout = f, f.layout
		} else if c.badFlights[key] {
			continue
		} else {
			fr, layout, err := c.dbFlight(key)
			if err != nil {
				return nil, err
			}
			switch {
			case fr != nil:
				ps.dbFlight, ps.layout = fr, layout
			case c.shift:
				c.probs.add(sp, "flight %s%d on %s is not in this file (with reference_time, segments must use the file's flights)", s.Carrier, s.Number, s.Date)
				continue
			default:
				c.probs.add(sp, "flight %s%d on %s is neither in this file nor in the database", s.Carrier, s.Number, s.Date)
				continue
			}
		}
		if !cabinIn(ps.layout, s.Cabin) {
			c.probs.add(at(sp, "cabin"), "the flight has no cabin %s", s.Cabin)
		} else if err := c.checkSegmentFare(sp, s, &ps); err != nil {
			return nil, err
		}
		held := map[int]bool{}
		for j, h := range s.Seats {
			hp := at(sp, "seats", j)
			if !c.seatOK(hp, h.Passenger, h.Seat, b, ps) {
				continue
			}
			if held[h.Passenger] {
				c.probs.add(at(hp, "passenger"), "passenger %d already holds a seat on this segment", h.Passenger)
				continue
			}
			held[h.Passenger] = true
			ps.seats = append(ps.seats, planSeat{path: at(hp, "seat"), pax: h.Passenger, seat: h.Seat})
		}
		checked := map[int]bool{}
		for j, ci := range s.CheckIns {
			cp := at(sp, "check_ins", j)
			if s.Status != string(domain.SegmentConfirmed) && s.Status != string(domain.SegmentFlown) {
				c.probs.add(cp, "a segment with status %s has no check-ins", s.Status)
				continue
			}
			if ci.Seat != "" && !c.seatOK(cp, ci.Passenger, ci.Seat, b, ps) {
				continue
			}
			if ci.Passenger >= len(b.Passengers) {
				c.probs.add(at(cp, "passenger"), "no passenger %d on this booking", ci.Passenger)
				continue
			}
			if checked[ci.Passenger] {
				c.probs.add(at(cp, "passenger"), "passenger %d checked in twice", ci.Passenger)
				continue
			}
			checked[ci.Passenger] = true
			pc := planCheckIn{path: cp, pax: ci.Passenger, seat: ci.Seat, sequence: ci.Sequence}
			if ci.At != "" {
				t, err := time.Parse(time.RFC3339Nano, ci.At)
				if err != nil {
					c.probs.add(at(cp, "at"), "must be an RFC 3339 time")
					continue
				}
				if c.shift {
					t = t.Add(c.delta)
				}
				pc.at = t.UTC()
			}
			ps.checkIns = append(ps.checkIns, pc)
		}
		pb.segs = append(pb.segs, ps)
	}
	// Kept even with problems, so that seats given twice across bookings are found;
	// nothing is written when there are problems.
	return pb, nil
}

// seatOK checks a seat held or taken by passenger pax of booking b on segment s.
func (c *checker) seatOK(path string, pax int, seat string, b fileBooking, s planSegment) bool {
	if pax >= len(b.Passengers) {
		c.probs.add(at(path, "passenger"), "no passenger %d on this booking", pax)
		return false
	}
	typ := b.Passengers[pax].Type
	info, ok := s.layout[seat]
	switch {
	case typ == string(domain.Infant):
		c.probs.add(at(path, "seat"), "an infant travels on an adult's lap and takes no seat")
	case !ok:
		c.probs.add(at(path, "seat"), "seat %s is not in the flight's layout", seat)
	case info.cabin != s.row.Cabin:
		c.probs.add(at(path, "seat"), "seat %s is in cabin %s, the segment is booked in %s", seat, info.cabin, s.row.Cabin)
	case info.blocked:
		c.probs.add(at(path, "seat"), "seat %s is listed as occupied", seat)
	case info.exit && typ != string(domain.Adult):
		c.probs.add(at(path, "seat"), "exit row seat %s is for adults only", seat)
	default:
		return true
	}
	return false
}

// checkSharedSeats finds one seat given to two passengers of the file on one flight.
func (c *checker) checkSharedSeats(p *plan) {
	type flightSeat struct {
		flight any
		seat   string
	}
	taken := map[flightSeat]string{}
	for _, b := range p.bookings {
		for _, s := range b.segs {
			var f any = s.flight
			if s.flight == nil {
				f = s.dbFlight.ID
			}
			mine := map[int]string{}
			for _, h := range s.seats {
				mine[h.pax] = h.seat
			}
			claim := func(path, seat string) {
				k := flightSeat{f, seat}
				if prev, dup := taken[k]; dup {
					c.probs.add(path, "seat %s is also given at %s", seat, prev)
					return
				}
				taken[k] = path
			}
			for _, h := range s.seats {
				claim(h.path, h.seat)
			}
			for _, ci := range s.checkIns {
				// A check-in on the seat the passenger holds is the same claim.
				if ci.seat != "" && ci.seat != mine[ci.pax] {
					claim(at(ci.path, "seat"), ci.seat)
				}
			}
		}
	}
}

func (c *checker) dbFlight(k flightKey) (*flightRow, map[string]seatInfo, error) {
	d, err := time.Parse(time.DateOnly, k.date)
	if err != nil {
		return nil, nil, nil
	}
	var rows []flightRow
	if err := c.tx.Where("carrier = ? AND number = ? AND flight_date = ?", k.carrier, k.number, d).Limit(1).Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("look up flight: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil, nil
	}
	seats, err := seatsOf(c.tx, rows[0].ID)
	if err != nil {
		return nil, nil, fmt.Errorf("look up seats: %w", err)
	}
	layout := make(map[string]seatInfo, len(seats))
	for _, s := range seats {
		layout[s.Code] = seatInfo{cabin: s.Cabin, exit: s.Exit, blocked: s.Blocked}
	}
	return &rows[0], layout, nil
}

func cabinIn(layout map[string]seatInfo, cabin string) bool {
	for _, s := range layout {
		if s.cabin == cabin {
			return true
		}
	}
	return false
}

// parseE164 accepts "+31612345678" (spaces allowed) and returns the digits, as
// WhatsApp addresses users.
func parseE164(s string) (string, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if !strings.HasPrefix(s, "+") {
		return "", false
	}
	d := s[1:]
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return d, true
}

func ticketNumber(s string) bool {
	if len(s) != 13 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func langList() string {
	var ls []string
	for _, l := range domain.Languages {
		ls = append(ls, string(l))
	}
	return strings.Join(ls, ", ")
}
