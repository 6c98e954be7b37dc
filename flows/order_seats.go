package flows

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// Paid seats in the extras flow. The booking system sells seats by type (extra
// legroom exit rows, front rows, standard), each offer item listing the free seats
// of its type for one passenger on one segment. The traveller goes through the
// passengers and flights one by one, picks a seat by tapping or typing its number,
// and the seat goes into the basket with its fee. Pricing the basket makes the
// booking system hold the seat until the offer expires; paying issues the EMD and
// gives the passenger the seat. Seats given at check-in stay free.

// choosePaidSeat asks for the seat of one passenger on one flight.
const choosePaidSeat State = "choose_paid_seat"

// seatPage is how many seats are offered as choices at a time: with "more seats",
// "skip" and "back" the list stays within WhatsApp's ten rows. Any listed seat can
// also be typed.
const seatPage = 6

// seatListed is how many seats of a type the prompt names before "and n more".
const seatListed = 12

// seatPair is a passenger on a segment that can buy a seat.
type seatPair struct{ pax, seg int64 }

// seatPairs lists, in offer order, the passengers and segments with seats for sale.
func seatPairs(o domain.AncillaryOffer) []seatPair {
	var out []seatPair
	seen := map[seatPair]bool{}
	for _, it := range sellable(o) {
		p := seatPair{it.PassengerID, it.SegmentID}
		if it.Kind == domain.AncillarySeat && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// seatItemsFor lists the seat items (one per type) of a passenger on a segment.
func seatItemsFor(o domain.AncillaryOffer, p seatPair) []domain.OfferItem {
	return seatItemsExcept(o, p, nil)
}

// seatItemsExcept lists a pair's seat items without the seats already in the
// basket for someone else on the flight.
func seatItemsExcept(o domain.AncillaryOffer, p seatPair, basket []domain.BasketItem) []domain.OfferItem {
	gone := map[string]bool{}
	for _, b := range basket {
		if b.SegmentID == p.seg && b.PassengerID != p.pax && b.Seat != "" {
			gone[b.Seat] = true
		}
	}
	var out []domain.OfferItem
	for _, it := range sellable(o) {
		if it.Kind != domain.AncillarySeat || it.PassengerID != p.pax || it.SegmentID != p.seg {
			continue
		}
		if len(gone) > 0 {
			var seats []string
			for _, c := range it.SeatChoices() {
				if !gone[c] {
					seats = append(seats, c)
				}
			}
			it.Seat, it.Seats = "", seats
		}
		if len(it.SeatChoices()) > 0 {
			out = append(out, it)
		}
	}
	return out
}

// currentSeatPair is the passenger and segment being asked about: the one kept in
// the slots while the offer still sells them a seat, else the first.
func (t *Turn) currentSeatPair() (seatPair, bool) {
	s := t.sale()
	pairs := seatPairs(*t.offer)
	for _, p := range pairs {
		if p.pax == s.SeatPax && p.seg == s.SeatSeg {
			return p, true
		}
	}
	if len(pairs) == 0 {
		return seatPair{}, false
	}
	return pairs[0], true
}

// startSeats starts the seat choice at the first passenger and flight.
func (t *Turn) startSeats() {
	s := t.sale()
	s.Kind, s.SeatPax, s.SeatSeg, s.SeatPage = string(domain.AncillarySeat), 0, 0, 0
	if p, ok := t.currentSeatPair(); ok {
		s.SeatPax, s.SeatSeg = p.pax, p.seg
	}
}

// nextSeatPair moves to the next passenger or flight; it reports false after the last.
func (t *Turn) nextSeatPair() bool {
	s := t.sale()
	cur, _ := t.currentSeatPair()
	pairs := seatPairs(*t.offer)
	s.SeatPage = 0
	for i, p := range pairs {
		if p == cur && i+1 < len(pairs) {
			s.SeatPax, s.SeatSeg = pairs[i+1].pax, pairs[i+1].seg
			return true
		}
	}
	s.Kind, s.SeatPax, s.SeatSeg = "", 0, 0
	return false
}

// seatOptions lists a pair's seats with the item that sells each, in offer order
// (the booking system lists its types as the carrier ranks them).
func seatOptions(items []domain.OfferItem) (codes []string, by map[string]domain.OfferItem) {
	by = map[string]domain.OfferItem{}
	for _, it := range items {
		for _, c := range it.SeatChoices() {
			if _, ok := by[c]; !ok {
				by[c] = it
				codes = append(codes, c)
			}
		}
	}
	return codes, by
}

func (t *Turn) passengerName(id int64) string {
	if t.Booking != nil {
		if p, ok := t.Booking.Passenger(id); ok {
			return p.Name.String()
		}
	}
	return ""
}

func enterChoosePaidSeat(t *Turn) {
	pair, ok := t.currentSeatPair()
	if !ok {
		t.Ask(t.T("order.no_seats"), t.Choice("back", "order.button_back"))
		return
	}
	items := seatItemsExcept(*t.offer, pair, t.sale().Basket)
	var groups []string
	for _, it := range items {
		seats := it.SeatChoices()
		list := strings.Join(seats[:min(len(seats), seatListed)], " ")
		if n := len(seats) - seatListed; n > 0 {
			list += " " + t.T("order.seat_more_count", "count", strconv.Itoa(n))
		}
		groups = append(groups, t.T("order.seat_group", "name", it.Name, "price", t.money(it.Price), "seats", list))
	}
	flight, to := "", ""
	if sg, ok := t.Booking.Segment(pair.seg); ok {
		flight, to = sg.Flight.Number.String(), sg.Flight.Destination.City
	}
	codes, by := seatOptions(items)
	s := t.sale()
	// "More seats" pages on through the seats and round to the first page again.
	start := 0
	if pages := (len(codes) + seatPage - 1) / seatPage; pages > 0 {
		start = s.SeatPage % pages * seatPage
	}
	var choices []domain.Choice
	for _, c := range codes[start:min(len(codes), start+seatPage)] {
		choices = append(choices, domain.Choice{ID: "seat:" + c, Title: t.T("order.seat_choice", "seat", c, "price", t.money(by[c].Price))})
	}
	if len(codes) > seatPage {
		choices = append(choices, t.Choice("seat:more", "order.button_more_seats"))
	}
	choices = append(choices, t.Choice("seat:skip", "order.button_skip_seat"), t.Choice("back", "order.button_back"))
	example := "14C"
	if len(codes) > 0 {
		example = codes[0]
	}
	t.Ask(t.T("order.seat_for", "passenger", t.passengerName(pair.pax), "flight", flight, "to", to,
		"groups", strings.Join(groups, "\n"), "example", example), choices...)
}

func handleChoosePaidSeat(t *Turn) Event {
	s := t.sale()
	p := t.In.Payload
	switch {
	case p == "back" || t.U.Intent == domain.IntentNo:
		s.Kind, s.SeatPax, s.SeatSeg, s.SeatPage = "", 0, 0, 0
		return "back"
	case p == "seat:more":
		s.SeatPage++
		return "more_seats"
	case p == "seat:skip":
		return t.afterSeat()
	}
	pair, ok := t.currentSeatPair()
	if !ok {
		return "back"
	}
	if p != "" && !strings.HasPrefix(p, "seat:") {
		return ""
	}
	typed := strings.TrimPrefix(p, "seat:")
	if p == "" {
		typed = ""
		if e, ok := t.U.First(domain.EntitySeat); ok {
			typed = e.Normalized
		} else if raw := strings.TrimSpace(t.In.Text); len(raw) >= 2 && len(raw) <= 4 {
			// Something seat-shaped the classifier did not accept ("99Z"): answer
			// about that seat rather than "not understood".
			typed = raw
		}
	}
	if typed == "" {
		return ""
	}
	code, err := domain.ParseSeatCode(typed)
	if err != nil {
		t.Say("order.seat_unknown", "seat", strings.ToUpper(typed))
		return ""
	}
	_, by := seatOptions(seatItemsExcept(*t.offer, pair, s.Basket))
	it, ok := by[code]
	if !ok {
		t.Say("order.seat_unavailable", "seat", code)
		return ""
	}
	putSeat(s, it, code)
	t.Say("order.seat_added", "seat", code, "passenger", t.passengerName(pair.pax), "price", t.money(it.Price))
	s.Quote = nil
	return t.afterSeat()
}

// afterSeat asks about the next passenger or flight, or goes back to the extras.
func (t *Turn) afterSeat() Event {
	if t.nextSeatPair() {
		return "seat_next"
	}
	return "seats_done"
}

// putSeat puts a seat into the basket, in place of the seat chosen before for the
// same passenger and flight.
func putSeat(s *SaleSlots, it domain.OfferItem, code string) {
	dropSeat(s, it.PassengerID, it.SegmentID)
	s.Basket = append(s.Basket, domain.BasketItem{Code: it.Code, PassengerID: it.PassengerID, SegmentID: it.SegmentID, Quantity: 1, Seat: code})
}

// dropSeat removes a passenger's seat on a segment from the basket.
func dropSeat(s *SaleSlots, pax, seg int64) {
	out := s.Basket[:0]
	for _, b := range s.Basket {
		if b.Seat == "" || b.PassengerID != pax || b.SegmentID != seg {
			out = append(out, b)
		}
	}
	s.Basket = out
}

// seatTaken handles a basket whose seat someone else took since the offer was
// made: a fresh offer tells which seat is gone; it leaves the basket, the traveller
// hears which one and chooses again for that passenger and flight. The rest of the
// basket is kept against the fresh offer.
func seatTaken(ctx context.Context, t *Turn) (Event, error) {
	s := t.sale()
	basket := s.Basket
	if _, err := t.e.offer(ctx, t); err != nil {
		t.e.log.Warn("extras offer failed", "conversation", t.Conv.ID, "err", err)
		t.Say("error.unavailable")
		return "pricing_unavailable", nil
	}
	s.Basket = basket
	for _, b := range basket {
		if b.Seat == "" {
			continue
		}
		_, by := seatOptions(seatItemsFor(*t.offer, seatPair{b.PassengerID, b.SegmentID}))
		if _, free := by[b.Seat]; free {
			continue
		}
		dropSeat(s, b.PassengerID, b.SegmentID)
		t.Say("order.seat_taken", "seat", b.Seat)
		s.Kind, s.SeatPax, s.SeatSeg, s.SeatPage = string(domain.AncillarySeat), b.PassengerID, b.SegmentID, 0
		return "seat_taken", nil
	}
	// Nothing in the basket is gone by now (taken and released again): choose again.
	t.Say("order.basket_invalid")
	return "basket_invalid", nil
}

// A priced basket holds its seats in the booking system until the offer expires.
// When a seat leaves the basket (replaced by another seat, the basket cleared or
// the order cancelled, the flow abandoned, timed out or its offer replaced) the
// hold is released at once, so that nobody waits up to an hour for a seat that
// is no longer wanted. Handlers only change the basket; the engine compares the
// basket before and after the turn and releases what left it once the turn is
// committed. A seat still wanted elsewhere keeps its hold: in a payment link
// still open, or in a flow parked while a person helps.
//
// A hold carries the offer of the pricing that made it, and only that offer
// releases it: the same passenger's seat may be in the basket of another
// conversation on the booking (a companion on another channel, the traveller on
// WhatsApp and on the web), whose later pricing took the hold over. The offer
// named is the one the basket was last priced against (SaleSlots.Held), not the
// basket's current offer: after "seat taken, choose again" the basket's other
// seats are kept against a fresh offer but stay held under the old one until
// priced again.

// seatReleaser is a booking system that releases seat holds early. Releasing is
// idempotent; one that cannot lets the holds lapse with the offer.
type seatReleaser interface {
	ReleaseSeatHolds(ctx context.Context, offerID string, items []domain.BasketItem) error
}

// basketSeats are the seats of a basket with the offer their holds carry.
type basketSeats struct {
	offerID string
	items   []domain.BasketItem
}

// heldKey names a seat of a passenger on a segment, whatever the offer.
type heldKey struct {
	pax, seg int64
	seat     string
}

// seatsOf lists the seats in the slots' basket, with the offer the basket was last
// priced against; slots without one (never priced, or saved before Held was kept)
// name the basket's offer.
func seatsOf(s *Slots) basketSeats {
	if s == nil || s.Sale == nil {
		return basketSeats{}
	}
	out := basketSeats{offerID: s.Sale.Held}
	if out.offerID == "" {
		out.offerID = s.Sale.OfferID
	}
	for _, b := range s.Sale.Basket {
		if b.Seat != "" {
			out.items = append(out.items, b)
		}
	}
	return out
}

// left lists the seats of b that the slots no longer want: not in the basket
// (against any offer), not in an open payment, not in a parked flow.
func (b basketSeats) left(s *Slots) basketSeats {
	if len(b.items) == 0 {
		return basketSeats{}
	}
	keep := map[heldKey]bool{}
	add := func(items []domain.BasketItem) {
		for _, it := range items {
			keep[heldKey{it.PassengerID, it.SegmentID, it.Seat}] = true
		}
	}
	add(seatsOf(s).items)
	for _, o := range s.Orders {
		add(o.Items)
	}
	if s.Parked != nil {
		var parked Slots
		if err := json.Unmarshal(s.Parked.Slots, &parked); err != nil {
			return basketSeats{} // unreadable: keep everything, the holds lapse anyway
		}
		add(seatsOf(&parked).items)
	}
	out := basketSeats{offerID: b.offerID}
	for _, it := range b.items {
		if !keep[heldKey{it.PassengerID, it.SegmentID, it.Seat}] {
			out.items = append(out.items, it)
		}
	}
	return out
}

// releaseSeats releases the holds of seats that left a basket. A failure is
// logged and forgotten: the hold lapses with the offer. NotFound is expected (a
// booking system without early release, or one that already purged the expired
// offer) and logged at debug level only, not at every basket change.
func (e *Engine) releaseSeats(ctx context.Context, conversationID int64, gone basketSeats) {
	r, ok := e.extras.(seatReleaser)
	if len(gone.items) == 0 || gone.offerID == "" || !ok {
		return
	}
	if e.budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.budget)
		defer cancel()
	}
	err := r.ReleaseSeatHolds(ctx, gone.offerID, gone.items)
	switch {
	case domain.IsCode(err, domain.NotFound):
		e.log.DebugContext(ctx, "seat hold release not found", "conversation", conversationID, "seats", len(gone.items), "err", err)
	case err != nil:
		e.log.WarnContext(ctx, "seat hold release failed", "conversation", conversationID, "seats", len(gone.items), "err", err)
	}
}
