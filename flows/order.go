package flows

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// Extras (order) states. The booking look-up states are shared with check-in.
const (
	loadingOffer     State = "loading_offer"
	chooseExtra      State = "choose_extra"
	chooseItem       State = "choose_item"
	chooseWho        State = "choose_who"
	pricing          State = "pricing"
	reviewBasket     State = "review"
	payingOrder      State = "paying"
	paymentLinkSent  State = "link_sent"
	noExtras         State = "no_extras"
	orderCancelled   State = "order_cancelled"
	orderUnavailable State = "order_unavailable"
)

// orderFlow sells extras: find the booking, show what the booking system offers,
// fill a basket per passenger and flight (seats chosen seat by seat, see
// order_seats.go), quote it, and send a payment link. The
// provider's webhook settles it later, whatever the traveller is doing then
// (paymentEvent): the extras are issued and the receipt sent, or the money refunded.
func orderFlow() *Flow {
	return &Flow{
		Name:    "order",
		Initial: askBooking,
		Events: withLookupEvents(
			ev("found", loadingOffer, lookingUp),
			ev("correct", lookingUp, chooseExtra),
			ev("offer_ready", chooseExtra, loadingOffer),
			ev("offer_ready_kind", chooseItem, loadingOffer),
			ev("offer_ready_seat", choosePaidSeat, loadingOffer),
			ev("nothing_for_sale", noExtras, loadingOffer),
			ev("offer_unavailable", orderUnavailable, loadingOffer),
			ev("pick_kind", chooseItem, chooseExtra),
			ev("pick_seats", choosePaidSeat, chooseExtra),
			ev("seat_next", choosePaidSeat, choosePaidSeat),
			ev("more_seats", choosePaidSeat, choosePaidSeat),
			ev("seats_done", chooseExtra, choosePaidSeat),
			ev("pick_item", chooseWho, chooseItem),
			ev("back", chooseExtra, chooseItem, chooseWho, choosePaidSeat),
			ev("added", chooseExtra, chooseWho),
			ev("checkout", pricing, chooseExtra),
			ev("priced", reviewBasket, pricing),
			ev("basket_invalid", chooseExtra, pricing),
			ev("seat_taken", choosePaidSeat, pricing),
			ev("offer_expired", loadingOffer, pricing, payingOrder),
			ev("pricing_unavailable", chooseExtra, pricing),
			ev("more", chooseExtra, reviewBasket),
			ev("pay", payingOrder, reviewBasket),
			ev("link_ready", paymentLinkSent, payingOrder),
			ev("payment_unavailable", reviewBasket, payingOrder),
			ev("cancel", orderCancelled, askBooking, chooseExtra, reviewBasket),
		),
		States: withLookupStates(map[State]*StateDef{
			loadingOffer:     {Effect: loadOffer},
			chooseExtra:      {Enter: enterChooseExtra, Handle: handleChooseExtra, NeedsOffer: true},
			chooseItem:       {Enter: enterChooseItem, Handle: handleChooseItem, NeedsOffer: true},
			chooseWho:        {Enter: enterChooseWho, Handle: handleChooseWho, NeedsBooking: true, NeedsOffer: true},
			choosePaidSeat:   {Enter: enterChoosePaidSeat, Handle: handleChoosePaidSeat, NeedsBooking: true, NeedsOffer: true},
			pricing:          {Effect: priceBasket},
			reviewBasket:     {Enter: enterReview, Handle: handleReview, NeedsBooking: true},
			payingOrder:      {Effect: payOrder, NeedsBooking: true},
			paymentLinkSent:  {Enter: enterLinkSent, Final: true},
			noExtras:         {Enter: func(t *Turn) { t.Say("order.nothing"); t.menu() }, Final: true},
			orderCancelled:   {Enter: func(t *Turn) { t.Say("order.cancelled"); t.menu() }, Final: true},
			orderUnavailable: {Enter: func(t *Turn) { t.Say("error.unavailable"); t.menu() }, Final: true},
		}),
		AfterLookup: func(t *Turn) Event { return "found" },
	}
}

// offer fetches a fresh offer from the booking system and keeps it in the slots
// for the rest of the flow: the basket is built against that offer, and its
// expiry is the booking system's to enforce when pricing.
func (e *Engine) offer(ctx context.Context, t *Turn) (domain.AncillaryOffer, error) {
	if e.extras == nil {
		return domain.AncillaryOffer{}, domain.Errorf(domain.Unavailable, "extras offer", "no booking-system sales interface")
	}
	o, err := e.extras.AncillaryOffer(ctx, domain.RecordLocator(t.Slots.Locator))
	if err != nil {
		return o, err
	}
	s := t.sale()
	s.Offer, s.OfferID, s.OfferExp = &o, o.ID, o.ExpiresAt
	s.Basket, s.Quote = nil, nil
	t.offer = s.Offer
	return o, nil
}

func loadOffer(ctx context.Context, t *Turn) (Event, error) {
	o, err := t.e.offer(ctx, t)
	if err != nil {
		t.e.log.Warn("extras offer failed", "conversation", t.Conv.ID, "err", err)
		return "offer_unavailable", nil
	}
	if len(sellable(o)) == 0 {
		return "nothing_for_sale", nil
	}
	// Asked for a seat, bags or meals: go straight there when the offer has them.
	k := goalKind(t.Slots.Goal)
	if k == domain.AncillarySeat && hasKind(o, k) {
		t.startSeats()
		return "offer_ready_seat", nil
	}
	if k == domain.AncillarySeat {
		t.Say("order.no_seats")
	}
	if k != "" && hasKind(o, k) {
		t.sale().Kind = string(k)
		t.Say("order.intro")
		return "offer_ready_kind", nil
	}
	return "offer_ready", nil
}

func goalKind(goal string) domain.AncillaryKind {
	switch domain.Intent(goal) {
	case intentAddBag:
		return domain.AncillaryBag
	case intentMeal:
		return domain.AncillaryMeal
	case intentChooseSeat:
		return domain.AncillarySeat
	}
	return ""
}

// sellable lists the offer's items the chat sells: everything still for sale, seats
// when the item names the seats to choose from.
func sellable(o domain.AncillaryOffer) []domain.OfferItem {
	var out []domain.OfferItem
	for _, it := range o.Items {
		if it.Max > 0 && (it.Kind != domain.AncillarySeat || len(it.SeatChoices()) > 0) {
			out = append(out, it)
		}
	}
	return out
}

func hasKind(o domain.AncillaryOffer, k domain.AncillaryKind) bool {
	for _, it := range sellable(o) {
		if it.Kind == k {
			return true
		}
	}
	return false
}

func enterChooseExtra(t *Turn) {
	s := t.sale()
	o := *t.offer
	var choices []domain.Choice
	for _, k := range domain.AncillaryKinds {
		if hasKind(o, k) {
			choices = append(choices, t.Choice("kind:"+string(k), "order.kind."+string(k)))
		}
	}
	if len(s.Basket) > 0 {
		choices = append(choices, t.Choice("checkout", "order.checkout", "count", strconv.Itoa(basketCount(s.Basket))))
	}
	choices = append(choices, t.Choice("no", "order.button_cancel"))
	if len(s.Basket) == 0 {
		t.Ask(t.T("order.choose_kind"), choices...)
		return
	}
	t.Ask(t.T("order.choose_more", "count", strconv.Itoa(basketCount(s.Basket))), choices...)
}

func basketCount(b []domain.BasketItem) int {
	n := 0
	for _, it := range b {
		n += it.Quantity
	}
	return n
}

func handleChooseExtra(t *Turn) Event {
	s := t.sale()
	p := t.In.Payload
	switch {
	case p == "kind:"+string(domain.AncillarySeat) && hasKind(*t.offer, domain.AncillarySeat):
		t.startSeats()
		return "pick_seats"
	case strings.HasPrefix(p, "kind:"):
		s.Kind = strings.TrimPrefix(p, "kind:")
		return "pick_kind"
	case p == "checkout" && len(s.Basket) > 0:
		return "checkout"
	case p == "no" || t.U.Intent == domain.IntentNo:
		return "cancel"
	}
	// Typed: "bag", "meal", … or "pay".
	o := *t.offer
	for _, k := range domain.AncillaryKinds {
		if hasKind(o, k) && t.textHas(t.Words("order.words."+string(k))) {
			if k == domain.AncillarySeat {
				t.startSeats()
				return "pick_seats"
			}
			s.Kind = string(k)
			return "pick_kind"
		}
	}
	if len(s.Basket) > 0 && t.textHas(t.Words("order.words.checkout")) {
		return "checkout"
	}
	return ""
}

// itemsOf groups the offer's items of a kind by service code, in offer order.
func itemsOf(o domain.AncillaryOffer, kind string) []domain.OfferItem {
	var out []domain.OfferItem
	seen := map[string]bool{}
	for _, it := range sellable(o) {
		if string(it.Kind) == kind && !seen[it.Code] {
			seen[it.Code] = true
			out = append(out, it)
		}
	}
	return out
}

func enterChooseItem(t *Turn) {
	o := *t.offer
	var choices []domain.Choice
	for _, it := range itemsOf(o, t.sale().Kind) {
		choices = append(choices, domain.Choice{ID: "item:" + it.Code,
			Title: t.T("order.item", "name", it.Name, "price", t.money(it.Price))})
	}
	choices = append(choices, t.Choice("back", "order.button_back"))
	t.Ask(t.T("order.choose_item"), choices...)
}

func handleChooseItem(t *Turn) Event {
	s := t.sale()
	p := t.In.Payload
	if p == "back" || t.U.Intent == domain.IntentNo {
		s.Kind = ""
		return "back"
	}
	o := *t.offer
	items := itemsOf(o, s.Kind)
	code := strings.TrimPrefix(p, "item:")
	if p == "" {
		// A number typed for the n-th option.
		if n, ok := t.U.First(domain.EntityNumber); ok {
			if i, err := strconv.Atoi(n.Normalized); err == nil && i >= 1 && i <= len(items) {
				code = items[i-1].Code
			}
		}
		if len(items) == 1 && (t.U.Intent == domain.IntentYes) {
			code = items[0].Code
		}
	}
	for _, it := range items {
		if it.Code == code {
			s.Code = code
			return "pick_item"
		}
	}
	return ""
}

func enterChooseWho(t *Turn) {
	o := *t.offer
	paxs, segs := forCode(o, t.sale().Code)
	choices := []domain.Choice{t.Choice("who:all", "order.who_all")}
	if len(paxs) > 1 {
		for _, id := range paxs {
			if p, ok := t.Booking.Passenger(id); ok {
				choices = append(choices, domain.Choice{ID: fmt.Sprintf("who:p:%d", id), Title: truncate(p.Name.String(), 20)})
			}
		}
	}
	if len(segs) > 1 {
		for _, id := range segs {
			if sg, ok := t.Booking.Segment(id); ok {
				choices = append(choices, domain.Choice{ID: fmt.Sprintf("who:s:%d", id),
					Title: t.T("order.who_flight", "flight", sg.Flight.Number.String(), "to", sg.Flight.Destination.City)})
			}
		}
	}
	choices = append(choices, t.Choice("back", "order.button_back"))
	t.Ask(t.T("order.choose_who"), choices...)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// forCode lists the passengers and segments the offer sells a service code for.
func forCode(o domain.AncillaryOffer, code string) (paxs, segs []int64) {
	sp, ss := map[int64]bool{}, map[int64]bool{}
	for _, it := range sellable(o) {
		if it.Code != code {
			continue
		}
		if !sp[it.PassengerID] {
			sp[it.PassengerID] = true
			paxs = append(paxs, it.PassengerID)
		}
		if !ss[it.SegmentID] {
			ss[it.SegmentID] = true
			segs = append(segs, it.SegmentID)
		}
	}
	return paxs, segs
}

func handleChooseWho(t *Turn) Event {
	s := t.sale()
	p := t.In.Payload
	if p == "back" || t.U.Intent == domain.IntentNo {
		return "back"
	}
	if p == "" && (t.U.Intent == domain.IntentYes || t.textHas(t.Words("words.all"))) {
		p = "who:all"
	}
	if !strings.HasPrefix(p, "who:") {
		return ""
	}
	o := *t.offer
	var pax, seg int64
	switch {
	case strings.HasPrefix(p, "who:p:"):
		pax, _ = strconv.ParseInt(strings.TrimPrefix(p, "who:p:"), 10, 64)
	case strings.HasPrefix(p, "who:s:"):
		seg, _ = strconv.ParseInt(strings.TrimPrefix(p, "who:s:"), 10, 64)
	}
	added, full := 0, 0
	for _, it := range sellable(o) {
		if it.Code != s.Code || (pax != 0 && it.PassengerID != pax) || (seg != 0 && it.SegmentID != seg) {
			continue
		}
		if addToBasket(s, it) {
			added++
		} else {
			full++
		}
	}
	switch {
	case added > 0:
		t.Say("order.added", "count", strconv.Itoa(added))
	case full > 0:
		t.Say("order.at_max")
	default:
		return ""
	}
	s.Kind, s.Code, s.Quote = "", "", nil
	return "added"
}

// addToBasket adds one unit of an item, up to the most a passenger may buy.
func addToBasket(s *SaleSlots, it domain.OfferItem) bool {
	for i := range s.Basket {
		b := &s.Basket[i]
		if b.Code == it.Code && b.PassengerID == it.PassengerID && b.SegmentID == it.SegmentID {
			if b.Quantity >= it.Max {
				return false
			}
			b.Quantity++
			return true
		}
	}
	s.Basket = append(s.Basket, domain.BasketItem{Code: it.Code, PassengerID: it.PassengerID, SegmentID: it.SegmentID, Quantity: 1})
	return true
}

func priceBasket(ctx context.Context, t *Turn) (Event, error) {
	s := t.sale()
	if t.e.extras == nil {
		t.Say("error.unavailable")
		return "pricing_unavailable", nil
	}
	q, err := t.e.extras.PriceBasket(ctx, s.OfferID, s.Basket)
	switch {
	case domain.IsCode(err, domain.Conflict) && domain.ErrorMessage(err) == domain.SeatTaken:
		return seatTaken(ctx, t)
	case domain.IsCode(err, domain.Conflict):
		t.Say("order.offer_expired")
		return "offer_expired", nil
	case domain.IsCode(err, domain.Invalid):
		t.Say("order.basket_invalid")
		s.Basket = nil
		return "basket_invalid", nil
	case err != nil:
		t.e.log.Warn("pricing failed", "conversation", t.Conv.ID, "err", err)
		t.Say("error.unavailable")
		return "pricing_unavailable", nil
	}
	s.Quote, s.Held = &q, s.OfferID
	return "priced", nil
}

func (t *Turn) quoteLines(q domain.Quote) []string {
	var lines []string
	for _, it := range q.Items {
		who, flight := "", ""
		if t.Booking != nil {
			if p, ok := t.Booking.Passenger(it.PassengerID); ok {
				who = p.Name.String()
			}
			if sg, ok := t.Booking.Segment(it.SegmentID); ok {
				flight = sg.Flight.Number.String()
			}
		}
		name := it.Name
		if it.Seat != "" {
			name = t.T("order.seat_line", "name", it.Name, "seat", it.Seat)
		}
		lines = append(lines, t.T("order.line", "quantity", strconv.Itoa(it.Quantity), "name", name,
			"passenger", who, "flight", flight, "price", t.money(it.Total)))
	}
	return lines
}

func enterReview(t *Turn) {
	q := t.sale().Quote
	if q == nil {
		t.Say("order.basket_invalid")
		return
	}
	t.Ask(t.T("order.review", "lines", strings.Join(t.quoteLines(*q), "\n"), "total", t.money(q.Total)),
		t.Choice("pay", "order.button_pay", "total", t.money(q.Total)),
		t.Choice("more", "order.button_more"),
		t.Choice("no", "order.button_cancel"))
}

func handleReview(t *Turn) Event {
	switch p := t.In.Payload; {
	case p == "pay" || (p == "" && (t.U.Intent == domain.IntentYes || t.textHas(t.Words("order.words.checkout")))):
		return "pay"
	case p == "more":
		return "more"
	case p == "no" || t.U.Intent == domain.IntentNo:
		return "cancel"
	}
	return ""
}

func payOrder(ctx context.Context, t *Turn) (Event, error) {
	s := t.sale()
	if s.Quote == nil || len(s.Basket) == 0 {
		return "offer_expired", nil
	}
	if !t.Now.Before(s.OfferExp) {
		t.Say("order.offer_expired")
		return "offer_expired", nil
	}
	lines := t.quoteLines(*s.Quote)
	o := &OpenOrder{Kind: "order", Locator: t.Slots.Locator, OfferID: s.OfferID, Amount: s.Quote.Total,
		ExpiresAt: s.OfferExp, Lines: lines}
	for _, it := range s.Quote.Items {
		o.Items = append(o.Items, it.BasketItem)
	}
	// Receipt lines name each item as quoted, in the same order as Items.
	desc := t.T("order.payment_description", "locator", t.Slots.Locator)
	if err := t.e.createLink(ctx, t, o, desc); err != nil {
		t.e.log.Warn("payment link failed", "conversation", t.Conv.ID, "err", err)
		t.Say("pay.unavailable")
		return "payment_unavailable", nil
	}
	return "link_ready", nil
}
