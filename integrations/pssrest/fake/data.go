package fake

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// The fake's airline, held in memory and guarded by Server.mu. Its rules are a
// simple, coherent subset of the demo booking system's: enough for the contract to
// be exercised end to end.

type flight struct {
	f        domain.Flight
	seats    []domain.Seat
	occupant map[string]int64 // seat → passenger
	base     int64            // economy fare per passenger, minor units
	seq      int
}

type fare struct {
	brand      string
	amount     int64
	changeable bool
	fee        int64
	refundable bool
}

type booking struct {
	id    int64 // the booking system's own id, by creation
	b     domain.Booking
	fares map[int64]fare // by segment
	emds  []domain.EMD
}

type offer struct {
	o domain.AncillaryOffer
}

type alternative struct {
	a        domain.Alternative
	loc      domain.RecordLocator
	segments []int64
	invol    bool
	fare     int64
}

type airline struct {
	flights  map[int64]*flight
	bookings map[domain.RecordLocator]*booking
	offers   map[string]offer
	alts     map[string]alternative
	next     int64 // ids
	doc      int64 // ticket and EMD serials
}

const currency = "EUR"

func eur(units int64) domain.Money { return domain.NewMoney(units*100, currency) }

var zones = map[domain.AirportCode]string{"AMS": "Europe/Amsterdam", "LHR": "Europe/London", "CDG": "Europe/Paris"}

func airport(code domain.AirportCode) domain.Airport {
	loc, _ := time.LoadLocation(zones[code])
	return domain.Airport{Code: code, Location: loc}
}

func (a *airline) id() int64 { a.next++; return a.next }

func (a *airline) document() string {
	a.doc++
	return fmt.Sprintf("999%010d", a.doc)
}

// seed builds the airline around now: AMS-LHR three times a day and AMS-CDG daily
// for four days, and three bookings.
func seed(now time.Time) *airline {
	a := &airline{flights: map[int64]*flight{}, bookings: map[domain.RecordLocator]*booking{}, offers: map[string]offer{}, alts: map[string]alternative{}, doc: 7_000_000_000}
	rnd := rand.New(rand.NewPCG(7, 7))
	ams := airport("AMS")
	today := now.In(ams.Location)
	add := func(num int, day int, dst domain.AirportCode, hh, mm int, minutes int, base int64) *flight {
		d := time.Date(today.Year(), today.Month(), today.Day()+day, 0, 0, 0, 0, ams.Location)
		dep := d.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
		to := airport(dst)
		f := &flight{f: domain.Flight{ID: a.id(), Number: domain.FlightNumber{Carrier: "SB", Number: num}, Date: d, Origin: ams, Destination: to,
			Departure: dep, Arrival: dep.Add(time.Duration(minutes) * time.Minute).In(to.Location), Aircraft: "A320", Status: domain.FlightScheduled, BoardingMin: 40},
			occupant: map[string]int64{}, base: base * 100}
		for row := 1; row <= 20; row++ {
			for _, l := range []string{"A", "B", "C", "D", "E", "F"} {
				code := fmt.Sprint(row, l)
				f.seats = append(f.seats, domain.Seat{Code: code, Row: row, Letter: l, Cabin: domain.Economy,
					Window: l == "A" || l == "F", Aisle: l == "C" || l == "D", ExitRow: row == 10})
				if rnd.Float64() < 0.4 {
					f.occupant[code] = -1 // someone outside the fake's bookings
				}
			}
		}
		a.flights[f.f.ID] = f
		return f
	}
	var first [4][]*flight
	for day := range 4 {
		first[day] = append(first[day],
			add(1003+day%2*10, day, "LHR", 7, 10, 75, 119-int64(day)*10),
			add(1001+day%2*10, day, "LHR", 16, 0, 75, 99-int64(day)*5),
			add(1005+day%2*10, day, "LHR", 19, 40, 75, 139-int64(day)*20),
			add(1301+day%2*10, day, "CDG", 13, 0, 80, 89))
	}
	book := func(loc domain.RecordLocator, f *flight, brand string, amount int64, changeable bool, fee int64, refundable bool, names ...string) {
		b := &booking{id: int64(len(a.bookings) + 1), b: domain.Booking{Locator: loc, Contact: domain.Contact{Lang: "en"}}, fares: map[int64]fare{}}
		for _, n := range names {
			given, surname, _ := strings.Cut(n, " ")
			b.b.Passengers = append(b.b.Passengers, domain.Passenger{ID: a.id(), Name: domain.PersonName{Given: given, Surname: surname}, Type: domain.Adult, TicketNumber: a.document()})
		}
		seg := domain.Segment{ID: a.id(), Flight: f.f, Cabin: domain.Economy, BookingClass: "M", Status: domain.SegmentConfirmed}
		b.b.Segments = append(b.b.Segments, seg)
		b.fares[seg.ID] = fare{brand: brand, amount: amount * 100, changeable: changeable, fee: fee * 100, refundable: refundable}
		a.bookings[loc] = b
	}
	book("FK1LHR", first[1][1], "STANDARD", 129, true, 60, false, "Ada Lovelace")
	book("FK2LGT", first[2][3], "LIGHT", 89, false, 0, false, "Alan Turing")
	book("FK3FLX", first[1][0], "FLEX", 239, true, 0, true, "Grace Hopper", "Edsger Dijkstra")
	return a
}

func (a *airline) locators() []domain.RecordLocator {
	var out []domain.RecordLocator
	for l := range a.bookings {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func (a *airline) find(loc domain.RecordLocator) (*booking, error) {
	b, ok := a.bookings[domain.RecordLocator(strings.ToUpper(string(loc)))]
	if !ok {
		return nil, domain.Errorf(domain.NotFound, "find booking", "no booking %s", loc)
	}
	return b, nil
}

func (a *airline) booking(loc domain.RecordLocator) (domain.Booking, error) {
	b, err := a.find(loc)
	if err != nil {
		return domain.Booking{}, err
	}
	return a.view(b), nil
}

// view copies a booking with its segments' flights as they are now.
func (a *airline) view(b *booking) domain.Booking {
	out := b.b
	out.Passengers = slices.Clone(b.b.Passengers)
	out.Segments = slices.Clone(b.b.Segments)
	for i, s := range out.Segments {
		out.Segments[i].Flight = a.flights[s.Flight.ID].f
	}
	out.CheckIns = slices.Clone(b.b.CheckIns)
	out.Seats = slices.Clone(b.b.Seats)
	return out
}

func (a *airline) seatMap(id int64) (domain.SeatMap, error) {
	f, ok := a.flights[id]
	if !ok {
		return domain.SeatMap{}, domain.Errorf(domain.NotFound, "seat map", "no flight %d", id)
	}
	m := domain.SeatMap{FlightID: id}
	for _, s := range f.seats {
		_, taken := f.occupant[s.Code]
		s.Free = !taken
		m.Seats = append(m.Seats, s)
	}
	return m, nil
}

func (a *airline) segments(b *booking, ids []int64, op string) ([]domain.Segment, error) {
	var out []domain.Segment
	for _, id := range ids {
		s, ok := b.b.Segment(id)
		if !ok {
			return nil, domain.Errorf(domain.NotFound, op, "segment not on booking")
		}
		out = append(out, s)
	}
	return out, nil
}

func (a *airline) checkIn(req domain.CheckInRequest, now time.Time) ([]domain.CheckIn, error) {
	b, err := a.find(req.Locator)
	if err != nil {
		return nil, err
	}
	segs, err := a.segments(b, []int64{req.SegmentID}, "check in")
	if err != nil {
		return nil, err
	}
	seg := segs[0]
	if seg.Status != domain.SegmentConfirmed {
		return nil, domain.Errorf(domain.Forbidden, "check in", string(domain.SegmentNotActive))
	}
	f := a.flights[seg.Flight.ID]
	var out []domain.CheckIn
	for _, p := range req.Passengers {
		if _, ok := b.b.Passenger(p.PassengerID); !ok {
			return nil, domain.Errorf(domain.NotFound, "check in", "passenger not on booking")
		}
		if _, done := b.b.CheckInOf(p.PassengerID, seg.ID); done {
			return nil, domain.Errorf(domain.Conflict, "check in", string(domain.AlreadyCheckedIn))
		}
		seat := p.Seat
		if seat == "" {
			seat = b.b.AssignedSeat(p.PassengerID, seg.ID)
		}
		if seat == "" {
			for _, s := range f.seats {
				if _, taken := f.occupant[s.Code]; !taken {
					seat = s.Code
					break
				}
			}
		}
		if o, taken := f.occupant[seat]; taken && o != p.PassengerID || seat == "" {
			return nil, domain.Errorf(domain.Conflict, "check in", domain.SeatTaken)
		}
		f.occupant[seat] = p.PassengerID
		f.seq++
		out = append(out, domain.CheckIn{PassengerID: p.PassengerID, SegmentID: seg.ID, Seat: seat, Sequence: f.seq, At: now.UTC().Truncate(time.Second)})
	}
	b.b.CheckIns = append(b.b.CheckIns, out...)
	return out, nil
}

func (a *airline) changeRules(loc domain.RecordLocator, ids []int64) (domain.ChangeRules, error) {
	b, err := a.find(loc)
	if err != nil {
		return domain.ChangeRules{}, err
	}
	segs, err := a.segments(b, ids, "change rules")
	if err != nil {
		return domain.ChangeRules{}, err
	}
	r := domain.ChangeRules{Changeable: true, Refundable: true, Fee: eur(0)}
	for _, s := range segs {
		f := b.fares[s.ID]
		r.Refundable = r.Refundable && f.refundable
		if !f.changeable {
			r.Changeable, r.Reason = false, "fare "+f.brand+" does not allow changes"
		}
		if f.fee > r.Fee.Minor {
			r.Fee = domain.NewMoney(f.fee, currency)
		}
	}
	if !r.Changeable {
		r.Fee = eur(0)
	}
	return r, nil
}

func (a *airline) alternatives(q domain.AlternativesQuery, now time.Time) ([]domain.Alternative, error) {
	b, err := a.find(q.Locator)
	if err != nil {
		return nil, err
	}
	segs, err := a.segments(b, q.SegmentIDs, "alternatives")
	if err != nil {
		return nil, err
	}
	rules, _ := a.changeRules(q.Locator, q.SegmentIDs)
	if !q.Involuntary && !rules.Changeable {
		return nil, domain.Errorf(domain.Forbidden, "alternatives", "fare does not allow changes: %s", rules.Reason)
	}
	old := segs[0]
	pax := int64(len(b.b.Passengers))
	var out []alternative
	for _, f := range a.flights {
		ff := f.f
		if ff.ID == old.Flight.ID || ff.Origin.Code != old.Flight.Origin.Code || ff.Destination.Code != old.Flight.Destination.Code ||
			ff.Departure.Before(q.From) || !ff.Departure.Before(q.To) || ff.Departure.Before(now.Add(time.Hour)) || len(f.seats)-len(f.occupant) < int(pax) {
			continue
		}
		oldFare := b.fares[old.ID].amount
		newFare := f.base + supplement(b.fares[old.ID].brand)
		alt := domain.Alternative{ID: fmt.Sprintf("AL%d", a.id()), Flights: []domain.Flight{ff}, Cabin: domain.Economy,
			FareDifference: eur(0), ChangeFee: eur(0), ToPay: eur(0), Residual: eur(0), SeatsLeft: len(f.seats) - len(f.occupant), ExpiresAt: now.Add(30 * time.Minute).UTC()}
		if !q.Involuntary {
			diff, fee := (newFare-oldFare)*pax, rules.Fee.Minor*pax
			alt.FareDifference, alt.ChangeFee = domain.NewMoney(diff, currency), domain.NewMoney(fee, currency)
			if diff+fee >= 0 {
				alt.ToPay = domain.NewMoney(diff+fee, currency)
			} else {
				alt.Residual = domain.NewMoney(-(diff + fee), currency)
			}
		}
		out = append(out, alternative{a: alt, loc: b.b.Locator, segments: q.SegmentIDs, invol: q.Involuntary, fare: newFare})
	}
	sort.Slice(out, func(i, j int) bool {
		ci := out[i].a.FareDifference.Minor + out[i].a.ChangeFee.Minor
		cj := out[j].a.FareDifference.Minor + out[j].a.ChangeFee.Minor
		if ci != cj {
			return ci < cj
		}
		return out[i].a.Flights[0].Departure.Before(out[j].a.Flights[0].Departure)
	})
	if len(out) > 10 {
		out = out[:10]
	}
	var res []domain.Alternative
	for _, o := range out {
		a.alts[o.a.ID] = o
		res = append(res, o.a)
	}
	return res, nil
}

func supplement(brand string) int64 {
	switch brand {
	case "STANDARD":
		return 3000
	case "FLEX":
		return 12000
	}
	return 0
}

func (a *airline) reissue(req domain.ReissueRequest, now time.Time) (domain.Reissue, error) {
	b, err := a.find(req.Locator)
	if err != nil {
		return domain.Reissue{}, err
	}
	alt, ok := a.alts[req.AlternativeID]
	switch {
	case !ok:
		return domain.Reissue{}, domain.Errorf(domain.NotFound, "reissue", "no such alternative")
	case alt.loc != b.b.Locator || !slices.Equal(alt.segments, req.SegmentIDs) || alt.invol != req.Involuntary:
		return domain.Reissue{}, domain.Errorf(domain.Invalid, "reissue", "alternative is for another change")
	case !now.Before(alt.a.ExpiresAt):
		return domain.Reissue{}, domain.Errorf(domain.Conflict, "reissue", "offer expired")
	case alt.a.ToPay.Minor > 0 && req.PaymentID == "":
		return domain.Reissue{}, domain.Errorf(domain.Invalid, "reissue", "payment required")
	}
	segs, err := a.segments(b, req.SegmentIDs, "reissue")
	if err != nil {
		return domain.Reissue{}, err
	}
	old := segs[0]
	if old.Status != domain.SegmentConfirmed && !(req.Involuntary && old.Status == domain.SegmentUnable) {
		return domain.Reissue{}, domain.Errorf(domain.Conflict, "reissue", "segment is not confirmed")
	}
	nf := a.flights[alt.a.Flights[0].ID]
	of := a.flights[old.Flight.ID]
	res := domain.Reissue{}
	newSeg := domain.Segment{ID: a.id(), Flight: nf.f, Cabin: old.Cabin, BookingClass: old.BookingClass, Status: domain.SegmentConfirmed}
	for i := range b.b.Segments {
		if b.b.Segments[i].ID == old.ID {
			b.b.Segments[i].Status = domain.SegmentCancelled
		}
	}
	b.b.Segments = append(b.b.Segments, newSeg)
	f := b.fares[old.ID]
	f.amount = alt.fare
	b.fares[newSeg.ID] = f
	var keep []domain.CheckIn
	for _, c := range b.b.CheckIns {
		if c.SegmentID == old.ID {
			res.VoidedCheckIns = append(res.VoidedCheckIns, c)
			delete(of.occupant, c.Seat)
			continue
		}
		keep = append(keep, c)
	}
	b.b.CheckIns = keep
	for i, e := range b.emds {
		if e.SegmentID == old.ID {
			b.emds[i].SegmentID = newSeg.ID
			res.CarriedOver = append(res.CarriedOver, b.emds[i])
		}
	}
	for i := range b.b.Passengers {
		b.b.Passengers[i].TicketNumber = a.document()
	}
	res.Booking = a.view(b)
	res.NewSegmentIDs = []int64{newSeg.ID}
	res.Replacements = []domain.Replacement{{OldSegmentID: old.ID, NewSegmentIDs: []int64{newSeg.ID}}}
	return res, nil
}

func (a *airline) cancel(loc domain.RecordLocator, ids []int64, involuntary bool) (domain.Cancellation, error) {
	b, err := a.find(loc)
	if err != nil {
		return domain.Cancellation{}, err
	}
	segs, err := a.segments(b, ids, "cancel segments")
	if err != nil {
		return domain.Cancellation{}, err
	}
	refund := eur(0)
	for _, s := range segs {
		if s.Status != domain.SegmentConfirmed && s.Status != domain.SegmentUnable {
			return domain.Cancellation{}, domain.Errorf(domain.Conflict, "cancel segments", "segment is not confirmed")
		}
		if f := b.fares[s.ID]; involuntary || f.refundable {
			refund.Minor += f.amount * int64(len(b.b.Passengers))
		}
		for i := range b.b.Segments {
			if b.b.Segments[i].ID == s.ID {
				b.b.Segments[i].Status = domain.SegmentCancelled
			}
		}
	}
	return domain.Cancellation{Reference: fmt.Sprintf("RF%08d", a.id()), Refund: refund}, nil
}

func (a *airline) offer(loc domain.RecordLocator, now time.Time) (domain.AncillaryOffer, error) {
	b, err := a.find(loc)
	if err != nil {
		return domain.AncillaryOffer{}, err
	}
	o := domain.AncillaryOffer{ID: fmt.Sprintf("OF%d", a.id()), Locator: b.b.Locator, ExpiresAt: now.Add(time.Hour).UTC()}
	for _, s := range b.b.Segments {
		if s.Status != domain.SegmentConfirmed {
			continue
		}
		var free []string
		for _, st := range a.flights[s.Flight.ID].seats {
			if _, taken := a.flights[s.Flight.ID].occupant[st.Code]; !taken && st.Cabin == s.Cabin {
				free = append(free, st.Code)
			}
		}
		for _, p := range b.b.Passengers {
			o.Items = append(o.Items,
				domain.OfferItem{Code: "0CC", Kind: domain.AncillaryBag, Name: "First checked bag (23 kg)", PassengerID: p.ID, SegmentID: s.ID, Price: eur(35), Max: 1})
			if len(free) > 0 {
				o.Items = append(o.Items, domain.OfferItem{Code: "0B5", Kind: domain.AncillarySeat, Name: "Seat of your choice", PassengerID: p.ID,
					SegmentID: s.ID, Price: eur(9), Max: 1, Seats: free})
			}
		}
	}
	a.offers[o.ID] = offer{o: o}
	return o, nil
}

func (a *airline) price(id string, items []domain.BasketItem, now time.Time) (domain.Quote, error) {
	of, ok := a.offers[id]
	if !ok {
		return domain.Quote{}, domain.Errorf(domain.NotFound, "price basket", "no such offer")
	}
	if !now.Before(of.o.ExpiresAt) {
		return domain.Quote{}, domain.Errorf(domain.Conflict, "price basket", "offer expired")
	}
	if len(items) == 0 {
		return domain.Quote{}, domain.Errorf(domain.Invalid, "price basket", "empty basket")
	}
	q := domain.Quote{OfferID: id, Total: eur(0), ExpiresAt: of.o.ExpiresAt}
	for _, it := range items {
		var found *domain.OfferItem
		for i, o := range of.o.Items {
			if o.Code == it.Code && o.PassengerID == it.PassengerID && o.SegmentID == it.SegmentID {
				found = &of.o.Items[i]
			}
		}
		if found == nil || it.Quantity < 1 || it.Quantity > found.Max {
			return domain.Quote{}, domain.Errorf(domain.Invalid, "price basket", "item not in the offer: %s", it.Code)
		}
		if found.Kind == domain.AncillarySeat {
			if !slices.Contains(found.Seats, it.Seat) {
				return domain.Quote{}, domain.Errorf(domain.Invalid, "price basket", "seat not sold by this item: %q", it.Seat)
			}
			if a.seatTaken(it, of.o.Locator) {
				return domain.Quote{}, domain.Errorf(domain.Conflict, "price basket", domain.SeatTaken)
			}
		}
		total := found.Price.Times(it.Quantity)
		q.Items = append(q.Items, domain.QuotedItem{BasketItem: it, Kind: found.Kind, Name: found.Name, Unit: found.Price, Total: total})
		q.Total.Minor += total.Minor
	}
	return q, nil
}

func (a *airline) quote(id string, items []domain.BasketItem, now time.Time) (domain.Quote, error) {
	return a.price(id, items, now)
}

func (a *airline) fulfil(id string, loc domain.RecordLocator, items []domain.BasketItem, now time.Time) ([]domain.EMD, error) {
	q, err := a.price(id, items, now)
	if err != nil {
		return nil, err
	}
	b, err := a.find(a.offers[id].o.Locator)
	if err != nil {
		return nil, err
	}
	if loc != "" && loc != b.b.Locator {
		return nil, domain.Errorf(domain.Invalid, "fulfil", "offer is for another booking")
	}
	var out []domain.EMD
	for _, it := range q.Items {
		if it.Seat != "" {
			a.flightOf(b, it.SegmentID).occupant[it.Seat] = it.PassengerID
			b.b.Seats = append(b.b.Seats, domain.SeatAssignment{PassengerID: it.PassengerID, SegmentID: it.SegmentID, Seat: it.Seat})
		}
		e := domain.EMD{Number: a.document(), Code: it.Code, PassengerID: it.PassengerID, SegmentID: it.SegmentID, Quantity: it.Quantity, Amount: it.Total, Seat: it.Seat}
		b.emds = append(b.emds, e)
		out = append(out, e)
	}
	return out, nil
}

// flightOf returns the flight of a booking's segment.
func (a *airline) flightOf(b *booking, segID int64) *flight {
	for _, s := range b.b.Segments {
		if s.ID == segID {
			return a.flights[s.Flight.ID]
		}
	}
	return &flight{occupant: map[string]int64{}}
}

// seatTaken reports whether a basket item's seat went to another passenger since
// the offer was made.
func (a *airline) seatTaken(it domain.BasketItem, loc domain.RecordLocator) bool {
	b, err := a.find(loc)
	if err != nil {
		return true
	}
	o, taken := a.flightOf(b, it.SegmentID).occupant[it.Seat]
	return taken && o != it.PassengerID
}
