package flows

import (
	"context"
	"time"

	"github.com/looplab/fsm"

	"github.com/skybridge/skybridge/domain"
)

// Intents of the sales and change flows, as the classifier and the menu buttons
// ("intent:change_flight") produce them.
const (
	intentChangeFlight    = domain.IntentChangeFlight
	intentCancelBooking   = domain.IntentCancel
	intentDisruption      = domain.IntentDisruption
	intentAddBag          = domain.IntentAddBag
	intentChooseSeat      = domain.IntentChooseSeat
	intentMeal            = domain.IntentMeal
	intentExtras          = domain.IntentExtras
	intentFlightStatus    = domain.IntentFlightStatus
	intentQuestion        = domain.IntentQuestion
	intentBaggageQuestion = domain.IntentBaggageQuestion
)

// transactional intents start an action that can cost money or change a booking:
// the classifier holds them back below its transactional threshold (Unsure), and a
// flow already under way gives way to one only when it is clear.
var transactional = map[domain.Intent]float64{
	intentChangeFlight: 0.5, intentCancelBooking: 0.5, intentAddBag: 0.5, intentChooseSeat: 0.5, intentMeal: 0.5, intentExtras: 0.5,
}

// KnownBooking is the booking the traveller proved they hold (reference and
// surname matched) in this conversation. Later flows reuse it instead of asking
// again.
type KnownBooking struct {
	Locator string `json:"loc"`
	Surname string `json:"surname"`
}

// SaleSlots is what the extras, change and rebooking flows collect.
type SaleSlots struct {
	Offer    *domain.AncillaryOffer `json:"offer_items,omitempty"`
	OfferID  string                 `json:"offer,omitempty"`
	OfferExp time.Time              `json:"offer_exp,omitempty"`
	Kind     string                 `json:"kind,omitempty"` // ancillary kind being chosen
	Code     string                 `json:"code,omitempty"` // service code being chosen
	Basket   []domain.BasketItem    `json:"basket,omitempty"`
	Quote    *domain.Quote          `json:"quote,omitempty"`
	Link     string                 `json:"link,omitempty"`
	// Held is the offer the basket was last priced against, which the booking
	// system's holds of its seats carry; releasing them names it (order_seats.go).
	Held string `json:"held,omitempty"`
	// The passenger and segment whose paid seat is being chosen, and the page of
	// seats shown as choices.
	SeatPax  int64 `json:"seat_pax,omitempty"`
	SeatSeg  int64 `json:"seat_seg,omitempty"`
	SeatPage int   `json:"seat_page,omitempty"`

	Segments    []int64    `json:"segs,omitempty"` // segments being changed or rebooked
	Date        string     `json:"date,omitempty"` // wanted travel date, YYYY-MM-DD
	Alts        []AltSlot  `json:"alts,omitempty"`
	Chosen      int        `json:"chosen,omitempty"` // 1-based index into Alts
	Involuntary bool       `json:"invol,omitempty"`
	Disruption  string     `json:"disruption,omitempty"` // "cancelled", "protected" (cancelled, already moved) or "delayed"
	Disrupted   int64      `json:"disrupted,omitempty"`  // the cancelled segment when the airline moved the traveller
	Rules       *ruleSlots `json:"rules,omitempty"`
}

type ruleSlots struct {
	Changeable bool         `json:"changeable"`
	Refundable bool         `json:"refundable"`
	Fee        domain.Money `json:"fee"`
}

// AltSlot is one alternative as shown to the traveller, kept between turns.
type AltSlot struct {
	ID        string       `json:"id"`
	Flights   []AltFlight  `json:"flights"`
	Cabin     string       `json:"cabin"`
	FareDiff  domain.Money `json:"fare_diff"`
	Fee       domain.Money `json:"fee"`
	ToPay     domain.Money `json:"to_pay"`
	Residual  domain.Money `json:"residual"`
	ExpiresAt time.Time    `json:"exp"`
}

// AltFlight is one flight of an alternative. Times keep the airport's UTC offset.
type AltFlight struct {
	Number   string    `json:"no"`
	From     string    `json:"from"`
	FromCity string    `json:"from_city"`
	To       string    `json:"to"`
	ToCity   string    `json:"to_city"`
	Dep      time.Time `json:"dep"`
	Arr      time.Time `json:"arr"`
}

func (t *Turn) sale() *SaleSlots {
	if t.Slots.Sale == nil {
		t.Slots.Sale = &SaleSlots{}
	}
	return t.Slots.Sale
}

// routeSales starts the extras, change or rebooking flow from an idle
// conversation; it reports whether it did.
func (e *Engine) routeSales(ctx context.Context, t *Turn) bool {
	switch t.U.Intent {
	case intentFlightStatus:
		e.flightStatusAnswer(ctx, t)
		return true
	case intentQuestion, intentBaggageQuestion:
		if e.answer(ctx, t) {
			return true
		}
	}
	name, ok := e.salesFlowFor(t)
	if !ok {
		return false
	}
	e.startWithBooking(ctx, t, name)
	return true
}

// clarifyLabels name the choices of a clarifying question, by intent.
var clarifyLabels = map[domain.Intent]string{
	domain.IntentCheckIn: "menu.check_in", domain.IntentBoardingPass: "menu.boarding_pass",
	intentChangeFlight: "menu.change", intentCancelBooking: "clarify.cancel_booking", intentDisruption: "rebook.button",
	intentAddBag: "order.kind.bag", intentMeal: "order.kind.meal", intentExtras: "menu.extras",
	intentChooseSeat: "clarify.choose_seat", intentFlightStatus: "clarify.flight_status", domain.IntentHuman: "menu.human",
}

// clarify asks what the traveller meant when the classifier was unsure between a
// few intents, instead of guessing; it reports whether it asked.
func (t *Turn) clarify() bool {
	if !t.U.Unsure {
		return false
	}
	var choices []domain.Choice
	for _, in := range t.U.Alternatives {
		if key, ok := clarifyLabels[in]; ok {
			choices = append(choices, t.Choice("intent:"+string(in), key))
		}
	}
	if len(choices) == 0 {
		return false
	}
	choices = append(choices, t.Choice("intent:human", "menu.human"))
	t.Ask(t.T("clarify.prompt"), dedupe(choices)...)
	t.Slots.Clarifying = nil
	for _, in := range t.U.Alternatives {
		t.Slots.Clarifying = append(t.Slots.Clarifying, string(in))
	}
	return true
}

// clarifyAgain answers a clarifying question answered with a booking reference
// alone: the reference is kept and the same choices are offered again, instead
// of guessing that the traveller wants to check in. It reports whether it asked.
func (t *Turn) clarifyAgain(asked []string, locator string) bool {
	var choices []domain.Choice
	for _, in := range asked {
		if key, ok := clarifyLabels[domain.Intent(in)]; ok {
			choices = append(choices, t.Choice("intent:"+in, key))
		}
	}
	if len(choices) == 0 {
		return false
	}
	choices = append(choices, t.Choice("intent:human", "menu.human"))
	t.Ask(t.T("clarify.with_booking", "locator", locator), dedupe(choices)...)
	t.Slots.Clarifying, t.Slots.ClarifyLocator = asked, locator
	return true
}

func dedupe(cs []domain.Choice) []domain.Choice {
	var out []domain.Choice
	seen := map[string]bool{}
	for _, c := range cs {
		if !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	return out
}

// salesFlowFor maps an intent to a flow. A transactional intent understood with
// low confidence asks rather than acts.
func (e *Engine) salesFlowFor(t *Turn) (string, bool) {
	in := t.U.Intent
	if min, ok := transactional[in]; ok && t.U.Confidence < min && t.In.Payload == "" {
		return "", false
	}
	switch in {
	case intentChangeFlight:
		return "change", true
	case intentCancelBooking:
		t.Slots.Goal = string(in)
		return "change", true
	case intentDisruption:
		return "rebook", true
	case intentAddBag, intentMeal, intentExtras:
		t.Slots.Goal = string(in)
		return "order", true
	case intentChooseSeat:
		if t.Conv.Flow == "checkin" {
			// Checking in, the seat is chosen on the seat map, for free.
			return "checkin", true
		}
		// Otherwise the extras flow sells a seat of the traveller's choice.
		t.Slots.Goal = string(in)
		return "order", true
	}
	return "", false
}

// switchFlow leaves the current flow for another one the traveller clearly asks
// for ("actually, I want to change my flight"). The booking they proved stays known.
func (e *Engine) switchFlow(ctx context.Context, t *Turn) bool {
	if t.U.Confidence < 0.7 || t.In.Payload != "" && !isIntentPayload(t.In.Payload) {
		return false
	}
	name, ok := e.salesFlowFor(t)
	if !ok || name == t.Conv.Flow {
		return false
	}
	t.endFlow("switched_to_" + name)
	e.startWithBooking(ctx, t, name)
	return true
}

func isIntentPayload(p string) bool { return len(p) > 7 && p[:7] == "intent:" }

// startWithBooking starts a flow that begins by finding the booking. When the
// traveller already proved a booking in this conversation it is used at once.
func (e *Engine) startWithBooking(ctx context.Context, t *Turn, name string) {
	known, goal := t.Slots.Known, t.Slots.Goal
	f := e.flows[name]
	if known == nil || f == nil {
		e.start(ctx, t, name)
		return
	}
	t.resetSlots()
	t.Slots.Goal = goal
	t.Conv.Flow, t.Conv.State = name, string(idle)
	t.Slots.PendingLocators = []string{known.Locator}
	t.Slots.PendingSurnames = []string{known.Surname}
	e.fire(ctx, t, f, "use_known")
}

// digress answers a question asked in the middle of a flow and brings the
// traveller back to the step they were at, keeping what they gave.
func (e *Engine) digress(ctx context.Context, t *Turn) bool {
	if t.U.Confidence < 0.6 || t.In.Payload != "" {
		return false
	}
	switch t.U.Intent {
	case intentFlightStatus:
		e.flightStatusAnswer(ctx, t)
	case intentQuestion, intentBaggageQuestion:
		if !e.answer(ctx, t) {
			return false
		}
	default:
		return false
	}
	e.reprompt(ctx, t)
	return true
}

// flightStatusAnswer tells the status of the traveller's next flight on the booking
// they proved, or how to get it.
func (e *Engine) flightStatusAnswer(ctx context.Context, t *Turn) {
	loc := t.Slots.Locator
	if loc == "" && t.Slots.Known != nil {
		loc = t.Slots.Known.Locator
	}
	if loc == "" {
		t.Say("status.need_booking")
		return
	}
	if t.Booking == nil || string(t.Booking.Locator) != loc {
		b, err := e.bookings.FindBooking(ctx, domain.RecordLocator(loc))
		if err != nil {
			t.Say("error.unavailable")
			return
		}
		t.Booking = &b
	}
	for _, s := range t.Booking.Segments {
		if s.Status != domain.SegmentConfirmed && s.Status != domain.SegmentUnable {
			continue
		}
		if s.Flight.Departure.Before(t.Now.Add(-2 * time.Hour)) {
			continue
		}
		f := s.Flight
		dep, gate, phase := f.Departure, f.Gate, ""
		if w, ok := e.watch(ctx, f); ok {
			dep, phase = w.Status.Departure(), string(w.Status.Phase)
			if w.Status.DepartureGate != "" {
				gate = w.Status.DepartureGate
			}
		}
		if gate == "" {
			gate = t.T("status.gate_unknown")
		}
		if phase == string(domain.PhaseCancelled) || f.Status == domain.FlightCancelled || s.Status == domain.SegmentUnable {
			t.Ask(t.T("status.cancelled", "flight", f.Number.String()), t.Choice("intent:disruption", "rebook.button"))
			return
		}
		t.Say("status.line", "flight", f.Number.String(), "to", f.Destination.City,
			"time", t.FormatTime(dep, f.Origin.Location), "gate", gate)
		return
	}
	t.Say("status.no_flight")
}

// FlightStatuses reads the operational status Skybridge keeps for flights.
type FlightStatuses interface {
	FlightWatches(ctx context.Context, keys []domain.FlightKey) (map[domain.FlightKey]domain.FlightWatch, error)
}

func (e *Engine) watch(ctx context.Context, f domain.Flight) (domain.FlightWatch, bool) {
	if e.statuses == nil {
		return domain.FlightWatch{}, false
	}
	k := domain.KeyOf(f)
	m, err := e.statuses.FlightWatches(ctx, []domain.FlightKey{k})
	if err != nil {
		e.log.Warn("flight status read failed", "flight", k.String(), "err", err)
		return domain.FlightWatch{}, false
	}
	w, ok := m[k]
	return w, ok && w.Version > 0
}

// withLookupEvents prepends the booking look-up that the extras, change and
// rebooking flows start with (shared with check-in's states): from idle, ask for
// the booking, or use the one the traveller already proved.
func withLookupEvents(rest ...fsm.EventDesc) fsm.Events {
	return append(fsm.Events{
		ev("start", askBooking, idle),
		ev("use_known", lookingUp, idle),
		ev("provide", askBooking, askBooking),
		ev("lookup", lookingUp, askBooking),
		ev("not_found", askBooking, lookingUp),
		ev("lookup_unavailable", askBooking, lookingUp),
		ev("locked", lockedOut, lookingUp),
		ev("unlock", askBooking, lockedOut),
	}, rest...)
}

// withLookupStates adds the look-up's states to a flow's own.
func withLookupStates(states map[State]*StateDef) map[State]*StateDef {
	states[askBooking] = &StateDef{Enter: enterAskBooking, Handle: handleAskBooking}
	states[lookingUp] = &StateDef{Effect: lookupBooking}
	states[lockedOut] = &StateDef{Enter: enterLockedOut, Handle: handleLockedOut}
	return states
}
