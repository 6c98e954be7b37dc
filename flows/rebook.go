package flows

import (
	"context"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// Rebooking (involuntary) states.
const (
	rebookOptions State = "rebook_options"
	confirmRefund State = "confirm_refund"
	keptFlight    State = "kept_flight"
	notDisrupted  State = "not_disrupted"
	rebooked      State = "rebooked"
	rebookAbandon State = "rebook_abandoned"
)

// rebookFlow helps a traveller whose flight the airline cancelled or delayed a
// long time: another flight within the airline's limits at no cost, a refund, or
// keeping the flight (when delayed). Entered from the cancellation push, from "my
// flight was cancelled", or from the status answer. Where EU 261 applies the
// traveller gets the staff-managed rights notice.
func rebookFlow() *Flow {
	return &Flow{
		Name:    "rebook",
		Initial: askBooking,
		Events: withLookupEvents(
			ev("disrupted", rebookOptions, lookingUp),
			ev("correct", lookingUp, rebookOptions),
			ev("not_disrupted", notDisrupted, lookingUp),
			ev("other_flight", searching, rebookOptions),
			ev("refund", confirmRefund, rebookOptions),
			ev("keep", keptFlight, rebookOptions),
			ev("alternatives", chooseAlternative, searching),
			ev("no_alternatives", rebookOptions, searching),
			ev("search_unavailable", rebookOptions, searching),
			ev("choose_alternative", confirmChange, chooseAlternative),
			ev("other_option", chooseAlternative, confirmChange),
			ev("confirm", changing, confirmChange),
			ev("reissued", rebooked, changing),
			ev("alternative_gone", searching, changing),
			ev("reissue_unavailable", confirmChange, changing),
			ev("confirm_cancel", cancellingBooking, confirmRefund),
			ev("booking_cancelled", bookingCancelled, cancellingBooking),
			ev("cancel_unavailable", confirmRefund, cancellingBooking),
			ev("back", rebookOptions, confirmRefund, chooseAlternative),
			ev("cancel", rebookAbandon, askBooking, rebookOptions, chooseAlternative, confirmChange),
		),
		States: withLookupStates(map[State]*StateDef{
			rebookOptions:     {Enter: enterRebookOptions, Handle: handleRebookOptions, NeedsBooking: true},
			searching:         {Effect: searchAlternatives, NeedsBooking: true},
			chooseAlternative: {Enter: enterChooseAlternative, Handle: handleRebookAlternative},
			confirmChange:     {Enter: enterConfirmChange, Handle: handleConfirmChange},
			changing:          {Effect: changeEffect, NeedsBooking: true},
			rebooked:          {Enter: func(t *Turn) { t.eu261Notice(); t.menu() }, Final: true, NeedsBooking: true},
			confirmRefund:     {Enter: enterConfirmRefund, Handle: handleConfirmRefund, NeedsBooking: true},
			cancellingBooking: {Effect: cancelBookingEffect, NeedsBooking: true},
			bookingCancelled:  {Enter: func(t *Turn) { t.menu() }, Final: true},
			keptFlight:        {Enter: func(t *Turn) { t.Say("rebook.kept"); t.menu() }, Final: true},
			notDisrupted: {Enter: func(t *Turn) {
				t.Ask(t.T("rebook.not_disrupted"), t.Choice("intent:change_flight", "rebook.button_change"), t.Choice("intent:human", "menu.human"))
			}, Final: true},
			rebookAbandon: {Enter: func(t *Turn) { t.Say("rebook.abandoned"); t.menu() }, Final: true},
		}),
		AfterLookup: afterRebookLookup,
	}
}

// afterRebookLookup finds the disrupted segment: cancelled by the airline (in the
// booking system or by the flight status Skybridge follows) or delayed beyond the
// airline's threshold.
func afterRebookLookup(t *Turn) Event {
	s := t.sale()
	s.Involuntary = true
	delay := float64(t.Content.Rules.notifyRules().RebookDelayMinutes)
	for _, sg := range t.Booking.Segments {
		if sg.Status != domain.SegmentConfirmed && sg.Status != domain.SegmentUnable {
			continue
		}
		f := sg.Flight
		if f.Departure.Before(t.Now.Add(-6 * 60 * 60 * 1e9)) {
			continue
		}
		cancelled := sg.Status == domain.SegmentUnable || f.Status == domain.FlightCancelled
		delayed := false
		if w, ok := t.e.watch(t.ctx(), f); ok {
			cancelled = cancelled || w.Status.Phase == domain.PhaseCancelled
			delayed = w.Status.Departure().Sub(f.Departure).Minutes() >= delay
		}
		if cancelled || delayed {
			s.Segments = []int64{sg.ID}
			s.Disruption = "delayed"
			if cancelled {
				s.Disruption = "cancelled"
				if p, ok := protectedFlight(t.Booking, sg); ok {
					// The airline already moved the traveller: what they may change
					// or refund now is that protected flight.
					s.Disruption, s.Disrupted, s.Segments = "protected", sg.ID, []int64{p.ID}
				}
			}
			return "disrupted"
		}
	}
	return "not_disrupted"
}

func enterRebookOptions(t *Turn) {
	s := t.sale()
	segs := t.segmentsOf(s.Segments)
	if len(segs) == 0 {
		t.Say("rebook.not_disrupted")
		return
	}
	choices := []domain.Choice{t.Choice("rebook:other", "rebook.button_other"), t.Choice("rebook:refund", "rebook.button_refund")}
	if s.Disruption == "delayed" || s.Disruption == "protected" {
		choices = append(choices, t.Choice("rebook:keep", "rebook.button_keep"))
	}
	choices = append(choices, t.Choice("intent:human", "menu.human"))
	if s.Disruption == "protected" {
		if old := t.segmentsOf([]int64{s.Disrupted}); len(old) == 1 {
			t.Ask(t.T("rebook.protected", "flight", t.describeFlight(old[0]), "protected", t.describeFlight(segs[0])), choices...)
			return
		}
	}
	t.Ask(t.T("rebook."+s.Disruption, "flight", t.describeFlight(segs[0])), choices...)
}

// protectedFlight finds the flight the airline booked a traveller on in place of
// a cancelled one: a confirmed segment of the same city pair departing after it.
func protectedFlight(b *domain.Booking, cancelled domain.Segment) (domain.Segment, bool) {
	for _, p := range b.Segments {
		f := p.Flight
		if p.ID == cancelled.ID || p.Status != domain.SegmentConfirmed || f.Status == domain.FlightCancelled {
			continue
		}
		if f.Origin.Code == cancelled.Flight.Origin.Code && f.Destination.Code == cancelled.Flight.Destination.Code &&
			f.Departure.After(cancelled.Flight.Departure) {
			return p, true
		}
	}
	return domain.Segment{}, false
}

func handleRebookOptions(t *Turn) Event {
	switch p := t.In.Payload; {
	case p == "rebook:other":
		return "other_flight"
	case p == "rebook:refund":
		return "refund"
	case p == "rebook:keep" && (t.sale().Disruption == "delayed" || t.sale().Disruption == "protected"):
		return "keep"
	case t.U.Intent == domain.IntentNo:
		return "cancel"
	case t.textHas(t.Words("rebook.words.refund")):
		return "refund"
	case t.textHas(t.Words("rebook.words.other")):
		return "other_flight"
	}
	return ""
}

func handleRebookAlternative(t *Turn) Event {
	if t.In.Payload == "back" {
		return "back"
	}
	return handleChooseAlternative(t)
}

func enterConfirmRefund(t *Turn) {
	var lines []string
	for _, sg := range t.segmentsOf(t.sale().Segments) {
		lines = append(lines, "• "+t.describeFlight(sg))
	}
	t.Ask(t.T("rebook.confirm_refund", "flights", strings.Join(lines, "\n")),
		t.Choice("yes", "rebook.button_refund"), t.Choice("back", "order.button_back"))
}

func handleConfirmRefund(t *Turn) Event {
	switch {
	case t.In.Payload == "back", t.U.Intent == domain.IntentNo:
		return "back"
	case t.U.Intent == domain.IntentYes:
		return "confirm_cancel"
	}
	return ""
}

// eu261Notice sends the staff-managed rights notice when EU 261 covers the
// disrupted flight, with the enforcement body of the departure country.
func (t *Turn) eu261Notice() {
	s := t.Slots.Sale
	if s == nil || !s.Involuntary || t.Booking == nil {
		return
	}
	r := t.Content.Rules.rebook()
	for _, id := range s.Segments {
		sg, ok := t.Booking.Segment(id)
		if !ok {
			continue
		}
		f := sg.Flight
		eu := false
		for _, c := range r.EUCarriers {
			if c == string(f.Number.Carrier) {
				eu = true
			}
		}
		if !domain.EU261Applies(f, eu) {
			continue
		}
		body, ok := r.EnforcementBodies[string(f.Origin.Country)]
		if !ok {
			body = r.EnforcementBodies["*"]
		}
		t.Say("rebook.eu261", "body", body)
		return
	}
}

// ctx is the turn's context for lookups made while deciding (flight status).
func (t *Turn) ctx() context.Context {
	if t.context != nil {
		return t.context
	}
	return context.Background()
}
