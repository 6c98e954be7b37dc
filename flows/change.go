package flows

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Change (voluntary) states; the look-up states are shared with check-in, the
// alternative choice with rebooking.
const (
	chooseSegments    State = "choose_segments"
	checkingRules     State = "checking_rules"
	askDate           State = "ask_date"
	searching         State = "searching"
	chooseAlternative State = "choose_alternative"
	confirmChange     State = "confirm_change"
	changing          State = "changing"
	changed           State = "changed"
	changeLinkSent    State = "change_link_sent"
	notChangeable     State = "not_changeable"
	nothingToChange   State = "nothing_to_change"
	confirmCancel     State = "confirm_cancel"
	cancellingBooking State = "cancelling_booking"
	bookingCancelled  State = "booking_cancelled"
	changeAbandoned   State = "change_abandoned"
	changeUnavailable State = "change_unavailable"
)

// changeFlow changes flights at the traveller's request, under the fare's rules:
// pick the flights, a new date, one of up to 10 priced alternatives, confirm, pay
// the difference when there is one, and get the new itinerary. Old boarding passes
// stop being valid; whoever was checked in is checked in on the new flights and
// gets new ones (recheckIn). With the goal "cancel_booking" it cancels for a
// refund instead.
func changeFlow() *Flow {
	return &Flow{
		Name:    "change",
		Initial: askBooking,
		Events: withLookupEvents(
			ev("found", chooseSegments, lookingUp),
			ev("correct", lookingUp, chooseSegments, askDate),
			ev("found_one", checkingRules, lookingUp),
			ev("nothing_to_change", nothingToChange, lookingUp),
			ev("choose_segments", checkingRules, chooseSegments),
			ev("changeable", askDate, checkingRules),
			ev("cancellable", confirmCancel, checkingRules),
			ev("not_changeable", notChangeable, checkingRules),
			ev("rules_unavailable", changeUnavailable, checkingRules),
			ev("date_given", searching, askDate),
			ev("alternatives", chooseAlternative, searching),
			ev("no_alternatives", askDate, searching),
			ev("search_unavailable", askDate, searching),
			ev("another_date", askDate, chooseAlternative),
			ev("choose_alternative", confirmChange, chooseAlternative),
			ev("other_option", chooseAlternative, confirmChange),
			ev("confirm", changing, confirmChange),
			ev("reissued", changed, changing),
			ev("link_ready", changeLinkSent, changing),
			ev("alternative_gone", searching, changing),
			ev("reissue_unavailable", confirmChange, changing),
			ev("confirm_cancel", cancellingBooking, confirmCancel),
			ev("booking_cancelled", bookingCancelled, cancellingBooking),
			ev("cancel_unavailable", confirmCancel, cancellingBooking),
			ev("cancel", changeAbandoned, askBooking, chooseSegments, askDate, chooseAlternative, confirmChange, confirmCancel),
		),
		States: withLookupStates(map[State]*StateDef{
			chooseSegments:    {Enter: enterChooseSegments, Handle: handleChooseSegments, NeedsBooking: true},
			checkingRules:     {Effect: checkRules, NeedsBooking: true},
			askDate:           {Enter: enterAskDate, Handle: handleAskDate, NeedsBooking: true},
			searching:         {Effect: searchAlternatives, NeedsBooking: true},
			chooseAlternative: {Enter: enterChooseAlternative, Handle: handleChooseAlternative},
			confirmChange:     {Enter: enterConfirmChange, Handle: handleConfirmChange},
			changing:          {Effect: changeEffect, NeedsBooking: true},
			changed:           {Enter: func(t *Turn) { t.menu() }, Final: true},
			changeLinkSent:    {Enter: enterLinkSent, Final: true},
			notChangeable: {Enter: func(t *Turn) {
				t.Ask(t.T("change.not_allowed"), t.Choice("intent:human", "menu.human"))
			}, Final: true},
			nothingToChange:   {Enter: func(t *Turn) { t.Say("change.nothing"); t.menu() }, Final: true},
			confirmCancel:     {Enter: enterConfirmCancel, Handle: handleConfirmCancel, NeedsBooking: true},
			cancellingBooking: {Effect: cancelBookingEffect, NeedsBooking: true},
			bookingCancelled:  {Enter: func(t *Turn) { t.menu() }, Final: true},
			changeAbandoned:   {Enter: func(t *Turn) { t.Say("change.abandoned"); t.menu() }, Final: true},
			changeUnavailable: {Enter: func(t *Turn) { t.Say("error.unavailable"); t.menu() }, Final: true},
		}),
		AfterLookup: afterChangeLookup,
	}
}

// changeableSegments are the confirmed segments still ahead.
func (t *Turn) changeableSegments() []domain.Segment {
	var out []domain.Segment
	for _, s := range t.Booking.Segments {
		if s.Status == domain.SegmentConfirmed && s.Flight.Departure.After(t.Now.Add(time.Hour)) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Flight.Departure.Before(out[j].Flight.Departure) })
	return out
}

func afterChangeLookup(t *Turn) Event {
	segs := t.changeableSegments()
	s := t.sale()
	switch {
	case len(segs) == 0:
		return "nothing_to_change"
	case len(segs) == 1 || t.Slots.Goal == string(intentCancelBooking):
		s.Segments = nil
		for _, sg := range segs {
			s.Segments = append(s.Segments, sg.ID)
		}
		return "found_one"
	}
	return "found"
}

func enterChooseSegments(t *Turn) {
	var choices []domain.Choice
	for _, sg := range t.changeableSegments() {
		choices = append(choices, domain.Choice{ID: fmt.Sprintf("seg:%d", sg.ID),
			Title:       truncate(sg.Flight.Number.String()+" "+string(sg.Flight.Origin.Code)+"–"+string(sg.Flight.Destination.Code), 20),
			Description: t.FormatTime(sg.Flight.Departure, sg.Flight.Origin.Location)})
	}
	var lines []string
	for _, sg := range t.changeableSegments() {
		lines = append(lines, "• "+t.describeFlight(sg))
	}
	t.Ask(t.T("change.choose_segment", "flights", strings.Join(lines, "\n")), choices...)
}

func handleChooseSegments(t *Turn) Event {
	segs := t.changeableSegments()
	p := t.In.Payload
	if p == "" {
		if n, ok := t.U.First(domain.EntityNumber); ok {
			if i, err := strconv.Atoi(n.Normalized); err == nil && i >= 1 && i <= len(segs) {
				p = fmt.Sprintf("seg:%d", segs[i-1].ID)
			}
		}
	}
	if t.U.Intent == domain.IntentNo && p == "" {
		return "cancel"
	}
	for _, sg := range segs {
		if p == fmt.Sprintf("seg:%d", sg.ID) || (p == "" && t.textHas([]string{fold(sg.Flight.Number.String()), fold(string(sg.Flight.Destination.Code)), fold(sg.Flight.Destination.City)})) {
			t.sale().Segments = []int64{sg.ID}
			return "choose_segments"
		}
	}
	return ""
}

func checkRules(ctx context.Context, t *Turn) (Event, error) {
	s := t.sale()
	if t.e.changes == nil {
		return "rules_unavailable", nil
	}
	r, err := t.e.changes.ChangeRules(ctx, domain.RecordLocator(t.Slots.Locator), s.Segments)
	if err != nil {
		t.e.log.Warn("change rules failed", "conversation", t.Conv.ID, "err", err)
		return "rules_unavailable", nil
	}
	s.Rules = &ruleSlots{Changeable: r.Changeable, Refundable: r.Refundable, Fee: r.Fee}
	if t.Slots.Goal == string(intentCancelBooking) {
		return "cancellable", nil
	}
	if !r.Changeable {
		return "not_changeable", nil
	}
	return "changeable", nil
}

func (t *Turn) segmentsOf(ids []int64) []domain.Segment {
	var out []domain.Segment
	for _, id := range ids {
		if sg, ok := t.Booking.Segment(id); ok {
			out = append(out, sg)
		}
	}
	return out
}

func enterAskDate(t *Turn) {
	s := t.sale()
	segs := t.segmentsOf(s.Segments)
	if len(segs) == 0 {
		t.Say("change.ask_date_generic")
		return
	}
	f := segs[0].Flight
	fee := t.T("change.no_fee")
	if s.Rules != nil && !s.Rules.Fee.IsZero() {
		fee = t.T("change.fee", "fee", t.money(s.Rules.Fee))
	}
	t.Say("change.ask_date", "flight", t.describeFlight(segs[0]), "fee", fee,
		"example", t.FormatDate(f.Departure.In(f.Origin.Location).AddDate(0, 0, 1)))
}

func handleAskDate(t *Turn) Event {
	if t.U.Intent == domain.IntentNo && t.In.Payload == "" {
		return "cancel"
	}
	d, ok := t.U.First(domain.EntityDate)
	if !ok {
		return ""
	}
	day, err := time.Parse("2006-01-02", d.Normalized)
	if err != nil {
		return ""
	}
	segs := t.segmentsOf(t.sale().Segments)
	if len(segs) > 0 {
		loc := segs[0].Flight.Origin.Location
		today := t.Now.In(loc)
		if day.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
			t.Say("change.date_past")
			return ""
		}
	}
	t.sale().Date = d.Normalized
	return "date_given"
}

// searchAlternatives asks the booking system for replacement flights: on the
// wanted day (voluntary change) or within the airline's rebooking limits around
// the disrupted flight (involuntary).
func searchAlternatives(ctx context.Context, t *Turn) (Event, error) {
	s := t.sale()
	segs := t.segmentsOf(s.Segments)
	if t.e.changes == nil || len(segs) == 0 {
		t.Say("error.unavailable")
		return "search_unavailable", nil
	}
	f := segs[0].Flight
	q := domain.AlternativesQuery{Locator: domain.RecordLocator(t.Slots.Locator), SegmentIDs: s.Segments, Involuntary: s.Involuntary}
	if s.Involuntary {
		r := t.Content.Rules.rebook()
		q.From = f.Departure.AddDate(0, 0, -r.DaysBefore)
		if q.From.Before(t.Now.Add(time.Hour)) {
			q.From = t.Now.Add(time.Hour)
		}
		q.To = f.Departure.AddDate(0, 0, r.DaysAfter)
	} else {
		day, _ := time.ParseInLocation("2006-01-02", s.Date, f.Origin.Location)
		q.From, q.To = day, day.AddDate(0, 0, 1)
		if q.From.Before(t.Now.Add(time.Hour)) {
			q.From = t.Now.Add(time.Hour)
		}
	}
	alts, err := t.e.changes.Alternatives(ctx, q)
	if err != nil {
		t.e.log.Warn("alternatives search failed", "conversation", t.Conv.ID, "err", err)
		t.Say("error.unavailable")
		return "search_unavailable", nil
	}
	if len(alts) > 10 {
		alts = alts[:10]
	}
	s.Alts, s.Chosen = nil, 0
	for _, a := range alts {
		s.Alts = append(s.Alts, toAltSlot(a))
	}
	if len(s.Alts) == 0 {
		if s.Involuntary {
			t.Say("rebook.no_alternatives")
		} else {
			t.Say("change.no_alternatives", "date", t.FormatDate(q.From.In(f.Origin.Location)))
		}
		return "no_alternatives", nil
	}
	return "alternatives", nil
}

func toAltSlot(a domain.Alternative) AltSlot {
	s := AltSlot{ID: a.ID, Cabin: string(a.Cabin), FareDiff: a.FareDifference, Fee: a.ChangeFee, ToPay: a.ToPay,
		Residual: a.Residual, ExpiresAt: a.ExpiresAt}
	for _, f := range a.Flights {
		dep, arr := f.Departure, f.Arrival
		if f.Origin.Location != nil {
			dep = dep.In(f.Origin.Location)
		}
		if f.Destination.Location != nil {
			arr = arr.In(f.Destination.Location)
		}
		s.Flights = append(s.Flights, AltFlight{Number: f.Number.String(), From: string(f.Origin.Code), FromCity: f.Origin.City,
			To: string(f.Destination.Code), ToCity: f.Destination.City, Dep: dep, Arr: arr})
	}
	return s
}

// altLine renders an option: "SB123 Amsterdam 14:05 → London 14:25, Economy, to pay EUR 50.00".
func (t *Turn) altLine(i int, a AltSlot) string {
	var legs []string
	for _, f := range a.Flights {
		legs = append(legs, t.T("change.leg", "flight", f.Number, "from", f.FromCity, "to", f.ToCity,
			"departure", t.FormatTime(f.Dep, nil), "arrival", f.Arr.Format("15:04")))
	}
	price := t.T("change.free")
	switch {
	case !a.ToPay.IsZero():
		price = t.T("change.to_pay", "amount", t.money(a.ToPay), "difference", t.money(a.FareDiff), "fee", t.money(a.Fee))
	case !a.Residual.IsZero():
		price = t.T("change.residual", "amount", t.money(a.Residual))
	}
	return t.T("change.option", "n", strconv.Itoa(i+1), "legs", strings.Join(legs, " + "),
		"cabin", t.T("cabin."+a.Cabin), "price", price)
}

func enterChooseAlternative(t *Turn) {
	s := t.sale()
	var lines []string
	var choices []domain.Choice
	for i, a := range s.Alts {
		lines = append(lines, t.altLine(i, a))
		title := a.Flights[0].Number + " " + a.Flights[0].Dep.Format("15:04")
		desc := t.FormatTime(a.Flights[0].Dep, nil)
		if !a.ToPay.IsZero() {
			desc += " · " + t.money(a.ToPay)
		}
		choices = append(choices, domain.Choice{ID: fmt.Sprintf("alt:%d", i+1), Title: truncate(title, 20), Description: desc})
	}
	if !s.Involuntary {
		choices = append(choices, t.Choice("another_date", "change.button_other_date"))
	} else {
		choices = append(choices, t.Choice("back", "order.button_back"))
	}
	t.Ask(t.T("change.options", "options", strings.Join(lines, "\n")), choices...)
}

func handleChooseAlternative(t *Turn) Event {
	s := t.sale()
	p := t.In.Payload
	if p == "another_date" && !s.Involuntary {
		return "another_date"
	}
	if p == "" {
		if _, ok := t.U.First(domain.EntityDate); ok && !s.Involuntary {
			if ev := handleAskDate(t); ev != "" {
				return "another_date"
			}
		}
		if n, ok := t.U.First(domain.EntityNumber); ok {
			p = "alt:" + n.Normalized
		}
	}
	if t.U.Intent == domain.IntentNo && p == "" {
		return "cancel"
	}
	if i, err := strconv.Atoi(strings.TrimPrefix(p, "alt:")); err == nil && strings.HasPrefix(p, "alt:") && i >= 1 && i <= len(s.Alts) {
		s.Chosen = i
		return "choose_alternative"
	}
	return ""
}

func (t *Turn) chosen() (AltSlot, bool) {
	s := t.sale()
	if s.Chosen < 1 || s.Chosen > len(s.Alts) {
		return AltSlot{}, false
	}
	return s.Alts[s.Chosen-1], true
}

func enterConfirmChange(t *Turn) {
	a, ok := t.chosen()
	if !ok {
		t.Say("not_understood")
		return
	}
	key, pay := "change.confirm_free", t.T("change.button_confirm")
	switch {
	case !a.ToPay.IsZero():
		key, pay = "change.confirm_pay", t.T("change.button_pay", "amount", t.money(a.ToPay))
	case t.sale().Involuntary:
		key = "rebook.confirm"
	}
	t.Ask(t.T(key, "option", t.altLine(s0(t), a), "amount", t.money(a.ToPay)),
		domain.Choice{ID: "yes", Title: truncate(pay, 20)},
		t.Choice("other_option", "change.button_other_option"),
		t.Choice("no", "order.button_cancel"))
}

func s0(t *Turn) int { return t.sale().Chosen - 1 }

func handleConfirmChange(t *Turn) Event {
	switch {
	case t.In.Payload == "other_option":
		return "other_option"
	case t.U.Intent == domain.IntentYes:
		return "confirm"
	case t.U.Intent == domain.IntentNo:
		return "cancel"
	}
	return ""
}

// changeEffect reissues at once when nothing is due, or sends a payment link and
// reissues when the provider confirms the payment (reissuePaid).
func changeEffect(ctx context.Context, t *Turn) (Event, error) {
	s := t.sale()
	a, ok := t.chosen()
	if !ok {
		return "alternative_gone", nil
	}
	if !t.Now.Before(a.ExpiresAt) {
		t.Say("change.option_expired")
		return "alternative_gone", nil
	}
	if !a.ToPay.IsZero() {
		o := &OpenOrder{Kind: "change", Locator: t.Slots.Locator, AltID: a.ID, Alt: &a, Segments: s.Segments,
			Amount: a.ToPay, ExpiresAt: a.ExpiresAt}
		if err := t.e.createLink(ctx, t, o, t.T("change.payment_description", "locator", t.Slots.Locator)); err != nil {
			t.e.log.Warn("payment link failed", "conversation", t.Conv.ID, "err", err)
			t.Say("pay.unavailable")
			return "reissue_unavailable", nil
		}
		return "link_ready", nil
	}
	// The key names the confirmed choice, not the message: confirming again after
	// a timeout replays the booking system's stored result instead of a second change.
	key := fmt.Sprintf("reissue:%d:%s:%v", t.Conv.ID, a.ID, s.Segments)
	res, err := t.e.changes.Reissue(ctx, domain.ReissueRequest{IdempotencyKey: key, Locator: domain.RecordLocator(t.Slots.Locator),
		SegmentIDs: s.Segments, AlternativeID: a.ID, Involuntary: s.Involuntary})
	switch {
	case domain.IsCode(err, domain.Conflict):
		t.Say("change.option_expired")
		return "alternative_gone", nil
	case err != nil:
		t.e.log.Warn("reissue failed", "conversation", t.Conv.ID, "err", err)
		t.Say("error.unavailable")
		return "reissue_unavailable", nil
	}
	t.reissued(ctx, res, a, key, s.Segments)
	return "reissued", nil
}

// reissued tells the new itinerary, voids old boarding passes and checks in again
// those who were checked in on the old flights (recheckIn). key is the reissue's
// idempotency key and replaced the segments it was asked to replace: recheckIn
// pairs the old flights with the new ones by them when the booking system does
// not say, the same way whether the change was paid or not.
func (t *Turn) reissued(ctx context.Context, res domain.Reissue, a AltSlot, key string, replaced []int64) {
	b := res.Booking
	t.Booking = &b
	var lines []string
	for _, f := range a.Flights {
		lines = append(lines, "• "+t.T("change.leg", "flight", f.Number, "from", f.FromCity, "to", f.ToCity,
			"departure", t.FormatTime(f.Dep, nil), "arrival", f.Arr.Format("15:04")))
	}
	t.Say("change.done", "locator", string(b.Locator), "itinerary", strings.Join(lines, "\n"))
	for _, c := range res.VoidedCheckIns {
		t.voided = append(t.voided, domain.PassRef{Locator: b.Locator, PassengerID: c.PassengerID, SegmentID: c.SegmentID})
	}
	if len(res.Refunded) > 0 {
		var total domain.Money
		for _, d := range res.Refunded {
			total, _ = total.Add(d.Amount)
		}
		t.Say("change.extras_refunded", "amount", t.money(total))
	}
	t.recheckIn(ctx, res, replaced, key)
}

// reissuePaid completes a paid change when the provider confirms the payment.
func (e *Engine) reissuePaid(ctx context.Context, t *Turn, ref string, o *OpenOrder, rec PaymentRecord) {
	if e.changes == nil || o.Alt == nil {
		e.refundAndTell(ctx, t, rec, "change cannot be made", "pay.refunded_refused")
		return
	}
	key := "reissue:" + ref
	res, err := e.changes.Reissue(ctx, domain.ReissueRequest{IdempotencyKey: key, Locator: domain.RecordLocator(o.Locator),
		SegmentIDs: o.Segments, AlternativeID: o.AltID, PaymentID: rec.PaymentID})
	if err != nil {
		e.settleRefused(ctx, t, rec, "change", err)
		return
	}
	t.reissued(ctx, res, *o.Alt, key, o.Segments)
}

func enterConfirmCancel(t *Turn) {
	s := t.sale()
	var lines []string
	for _, sg := range t.segmentsOf(s.Segments) {
		lines = append(lines, "• "+t.describeFlight(sg))
	}
	key := "change.cancel_no_refund"
	if s.Rules != nil && s.Rules.Refundable {
		key = "change.cancel_refund"
	}
	t.Ask(t.T(key, "flights", strings.Join(lines, "\n")),
		t.Choice("yes", "change.button_cancel_booking"), t.Choice("no", "change.button_keep"))
}

func handleConfirmCancel(t *Turn) Event {
	switch t.U.Intent {
	case domain.IntentYes:
		return "confirm_cancel"
	case domain.IntentNo:
		return "cancel"
	}
	return ""
}

func cancelBookingEffect(ctx context.Context, t *Turn) (Event, error) {
	s := t.sale()
	key := fmt.Sprintf("cancel:%d:%s:%v", t.Conv.ID, t.Slots.Locator, s.Segments)
	res, err := t.e.changes.CancelSegments(ctx, domain.CancelRequest{IdempotencyKey: key,
		Locator: domain.RecordLocator(t.Slots.Locator), SegmentIDs: s.Segments, Involuntary: s.Involuntary})
	if err != nil {
		t.e.log.Warn("cancellation failed", "conversation", t.Conv.ID, "err", err)
		t.Say("error.unavailable")
		return "cancel_unavailable", nil
	}
	for _, sg := range t.segmentsOf(s.Segments) {
		for _, p := range t.Booking.Passengers {
			t.voided = append(t.voided, domain.PassRef{Locator: t.Booking.Locator, PassengerID: p.ID, SegmentID: sg.ID})
		}
	}
	if res.Refund.IsZero() {
		t.Say("change.cancelled_no_refund", "reference", res.Reference)
	} else {
		t.Say("change.cancelled_refund", "reference", res.Reference, "amount", t.money(res.Refund))
	}
	if s.Involuntary {
		t.eu261Notice()
	}
	return "booking_cancelled", nil
}
