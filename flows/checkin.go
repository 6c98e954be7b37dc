package flows

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/looplab/fsm"

	"github.com/skybridge/skybridge/domain"
)

// Check-in states.
const (
	askBooking       State = "ask_booking"
	lookingUp        State = "looking_up"
	lockedOut        State = "locked_out"
	choosePassengers State = "choose_passengers"
	collectDocuments State = "collect_documents"
	dangerousGoods   State = "dangerous_goods"
	chooseSeat       State = "choose_seat"
	confirmCheckIn   State = "confirm"
	checkingIn       State = "checking_in"
	resendingPasses  State = "resending_passes"
	checkedIn        State = "checked_in"
	notEligible      State = "not_eligible"
	refused          State = "refused"
	cancelled        State = "cancelled"
	failed           State = "failed"
)

func ev(name string, dst State, src ...State) fsm.EventDesc {
	s := make([]string, len(src))
	for i, x := range src {
		s[i] = string(x)
	}
	return fsm.EventDesc{Name: name, Src: s, Dst: string(dst)}
}

// checkInFlow is online check-in: find the booking, choose passengers, collect travel
// documents where the route needs them, dangerous-goods statement, seats, confirm,
// check in and send one boarding pass per passenger and flight.
func checkInFlow() *Flow {
	return &Flow{
		Name:    "checkin",
		Initial: askBooking,
		Events: fsm.Events{
			ev("start", askBooking, idle),
			ev("provide", askBooking, askBooking),
			ev("lookup", lookingUp, askBooking),
			ev("not_found", askBooking, lookingUp),
			ev("lookup_unavailable", askBooking, lookingUp),
			ev("locked", lockedOut, lookingUp),
			ev("unlock", askBooking, lockedOut),
			ev("found", choosePassengers, lookingUp),
			ev("correct", lookingUp, choosePassengers),
			ev("already_checked_in", resendingPasses, lookingUp),
			ev("nothing_to_check_in", notEligible, lookingUp),
			ev("choose", collectDocuments, choosePassengers),
			ev("choose_no_documents", dangerousGoods, choosePassengers),
			ev("provide_document", collectDocuments, collectDocuments),
			ev("documents_done", dangerousGoods, collectDocuments),
			ev("accept_dangerous_goods", chooseSeat, dangerousGoods),
			ev("accept_dangerous_goods_no_seats", confirmCheckIn, dangerousGoods),
			ev("decline_dangerous_goods", refused, dangerousGoods),
			ev("pick_seat", chooseSeat, chooseSeat),
			ev("seats_done", confirmCheckIn, chooseSeat),
			ev("change_seats", chooseSeat, confirmCheckIn),
			ev("confirm", checkingIn, confirmCheckIn),
			ev("cancel", cancelled, confirmCheckIn, choosePassengers, askBooking),
			ev("checked_in", checkedIn, checkingIn),
			ev("seat_taken", chooseSeat, checkingIn),
			ev("checkin_unavailable", confirmCheckIn, checkingIn),
			ev("checkin_failed", failed, checkingIn),
			ev("now_ineligible", notEligible, checkingIn, confirmCheckIn),
			ev("passes_sent", checkedIn, resendingPasses),
		},
		States: map[State]*StateDef{
			askBooking:       {Enter: enterAskBooking, Handle: handleAskBooking},
			lookingUp:        {Effect: lookupBooking},
			lockedOut:        {Enter: enterLockedOut, Handle: handleLockedOut},
			choosePassengers: {Enter: enterChoosePassengers, Handle: handleChoosePassengers, NeedsBooking: true},
			collectDocuments: {Enter: enterCollectDocuments, Handle: handleCollectDocuments, NeedsBooking: true},
			dangerousGoods:   {Enter: enterDangerousGoods, Handle: handleDangerousGoods, NeedsBooking: true},
			chooseSeat:       {Enter: enterChooseSeat, Handle: handleChooseSeat, NeedsBooking: true, NeedsSeatMap: true},
			confirmCheckIn:   {Enter: enterConfirm, Handle: handleConfirm, NeedsBooking: true},
			checkingIn:       {Effect: checkInEffect, NeedsBooking: true},
			resendingPasses:  {Effect: resendPasses, NeedsBooking: true},
			checkedIn:        {Enter: enterCheckedIn, Final: true},
			notEligible:      {Enter: enterNotEligible, Final: true, NeedsBooking: true},
			refused:          {Enter: func(t *Turn) { t.Say("checkin.dg_refused"); t.menu() }, Final: true},
			cancelled:        {Enter: func(t *Turn) { t.Say("checkin.cancelled"); t.menu() }, Final: true},
			failed:           {Enter: func(t *Turn) { t.Say("checkin.failed"); t.menu() }, Final: true},
		},
	}
}

// ---- booking look-up ----

func enterAskBooking(t *Turn) {
	s := t.Slots
	switch {
	case len(s.PendingLocators) > 0 && len(s.PendingSurnames) == 0:
		t.Say("checkin.ask_surname")
	case len(s.PendingSurnames) > 0 && len(s.PendingLocators) == 0:
		t.Say("checkin.ask_locator")
	case t.Conv.Flow != "" && t.Conv.Flow != "checkin":
		t.Say(t.Conv.Flow + ".ask_booking")
	default:
		t.Say("checkin.ask_booking")
	}
}

func handleAskBooking(t *Turn) Event {
	locs, names := bookingCandidates(t)
	if t.U.Intent == domain.IntentNo && len(locs) == 0 && len(names) == 0 {
		return "cancel"
	}
	if len(locs) == 0 && len(names) == 0 {
		return ""
	}
	s := t.Slots
	s.PendingLocators = mergeCap(locs, s.PendingLocators, 3)
	s.PendingSurnames = mergeCap(names, s.PendingSurnames, 3)
	if len(pairs(s)) == 0 {
		return "provide"
	}
	return "lookup"
}

// bookingCandidates reads possible record locators and surnames from a message. A
// six-letter word may be either (a surname like "Jansen" looks like a locator), so
// letter-only locator candidates are also offered as surnames; the look-up tries the
// combinations.
func bookingCandidates(t *Turn) (locs, names []string) {
	for _, e := range t.U.All(domain.EntityLocator) {
		if l, err := domain.ParseRecordLocator(e.Normalized); err == nil {
			locs = append(locs, string(l))
			if !strings.ContainsAny(string(l), "0123456789") {
				names = append(names, e.Text)
			}
		}
	}
	for _, e := range t.U.All(domain.EntitySurname) {
		names = append(names, e.Text)
	}
	return locs, names
}

func mergeCap(front, back []string, n int) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range append(append([]string(nil), front...), back...) {
		k := fold(x)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, x)
		if len(out) == n {
			break
		}
	}
	return out
}

type pair struct{ loc, surname string }

// maxPairsPerMessage bounds the (reference, surname) combinations one message may
// try.
const maxPairsPerMessage = 4

// pairs lists the (locator, surname) combinations worth trying, most likely first.
func pairs(s *Slots) []pair {
	var out []pair
	for _, l := range s.PendingLocators {
		for _, n := range s.PendingSurnames {
			if fold(l) == fold(n) {
				continue
			}
			out = append(out, pair{l, n})
		}
	}
	return out
}

// lookupBooking tries the candidate pairs against the booking system. An unknown
// booking and a wrong surname are indistinguishable to the traveller; repeated
// failures lock look-ups for a while.
func lookupBooking(ctx context.Context, t *Turn) (Event, error) {
	r := t.Content.Rules
	window := time.Duration(r.LookupWindowMinutes) * time.Minute
	failures, err := t.e.store.LookupFailures(ctx, lookupKey(t.Conv), t.Now.Add(-window))
	if err != nil {
		return "", err
	}
	if failures >= r.MaxLookupFailures {
		t.Slots.LockedUntil = t.Now.Add(window)
		return "locked", nil
	}
	tried := pairs(t.Slots)
	// Each (reference, surname) pair tried counts as one attempt against the
	// limit, and a message may try only a few: guessing costs what it costs.
	if n := r.MaxLookupFailures - failures; len(tried) > n {
		tried = tried[:n]
	}
	if len(tried) > maxPairsPerMessage {
		tried = tried[:maxPairsPerMessage]
	}
	for _, p := range tried {
		b, err := t.e.bookings.FindBooking(ctx, domain.RecordLocator(p.loc))
		if domain.IsCode(err, domain.NotFound) {
			continue
		}
		if err != nil {
			t.e.log.WarnContext(ctx, "booking look-up failed", "conversation", t.Conv.ID, "err", err)
			t.Say("error.unavailable")
			return "lookup_unavailable", nil
		}
		if !b.HasSurname(p.surname) {
			continue
		}
		t.Booking = &b
		if err := t.e.loadPolicies(ctx, t); err != nil {
			t.Say("error.unavailable")
			return "lookup_unavailable", nil
		}
		t.Slots.Locator, t.Slots.Surname = string(b.Locator), p.surname
		t.Slots.Known = &KnownBooking{Locator: string(b.Locator), Surname: p.surname}
		t.linked = b.Locator
		t.linkedNames = t.linkedNames[:0]
		for _, px := range b.Passengers {
			t.linkedNames = append(t.linkedNames, px.Name)
		}
		t.Slots.PendingLocators, t.Slots.PendingSurnames = nil, nil
		if f := t.e.flows[t.Conv.Flow]; f != nil && f.AfterLookup != nil {
			return f.AfterLookup(t), nil
		}
		return afterLookup(t), nil
	}
	t.lookupFailures = len(tried)
	t.Slots.PendingLocators, t.Slots.PendingSurnames = nil, nil
	if failures+len(tried) >= r.MaxLookupFailures {
		t.Slots.LockedUntil = t.Now.Add(window)
		return "locked", nil
	}
	t.Say("checkin.not_found")
	return "not_found", nil
}

// afterLookup decides where a found booking leads.
func afterLookup(t *Turn) Event {
	opts := t.options()
	var eligible, done bool
	for _, o := range opts {
		switch o.Status {
		case domain.Eligible:
			eligible = true
		case domain.AlreadyCheckedIn:
			done = true
		}
	}
	switch {
	case done && (!eligible || t.Slots.Goal == string(domain.IntentBoardingPass)):
		return "already_checked_in"
	case !eligible:
		return "nothing_to_check_in"
	}
	if t.Slots.Goal == string(domain.IntentBoardingPass) {
		t.Say("checkin.not_checked_in_yet")
	}
	return "found"
}

// options evaluates the check-in rules for the loaded booking, each segment with its
// carrier's window.
func (t *Turn) options() []domain.CheckInOption {
	var out []domain.CheckInOption
	b := *t.Booking
	for _, seg := range b.Segments {
		one := b
		one.Segments = []domain.Segment{seg}
		policy, ok := t.Policies[seg.Flight.Number.Carrier]
		if !ok {
			policy = domain.DefaultCheckInPolicy
		}
		out = append(out, one.CheckInOptions(policy, t.Now)...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		si, _ := b.Segment(out[i].SegmentID)
		sj, _ := b.Segment(out[j].SegmentID)
		return si.Flight.Departure.Before(sj.Flight.Departure)
	})
	return out
}

func enterLockedOut(t *Turn) {
	// Minutes, not a clock time: the traveller's own time zone is unknown.
	left := int(t.Slots.LockedUntil.Sub(t.Now).Minutes()) + 1
	t.Say("checkin.locked", "minutes", strconv.Itoa(max(left, 1)))
}

func handleLockedOut(t *Turn) Event {
	if !t.Now.Before(t.Slots.LockedUntil) {
		t.Slots.LockedUntil = time.Time{}
		return "unlock"
	}
	return ""
}

// ---- passengers ----

// describeFlight renders "SB123 Amsterdam (AMS) → London (LHR), Tue 3 Mar 14:05".
func (t *Turn) describeFlight(seg domain.Segment) string {
	f := seg.Flight
	return t.T("flight.line", "flight", f.Number.String(),
		"from", f.Origin.City, "from_code", string(f.Origin.Code),
		"to", f.Destination.City, "to_code", string(f.Destination.Code),
		"departure", t.FormatTime(f.Departure, f.Origin.Location))
}

func (t *Turn) paxName(p domain.Passenger) string {
	n := p.Name.String()
	if p.Type != domain.Adult {
		n += " (" + t.T("paxtype."+string(p.Type)) + ")"
	}
	return n
}

// eligibleBySegment returns, per segment in departure order, the passengers that can
// be checked in now.
func (t *Turn) eligibleBySegment() ([]int64, map[int64][]int64) {
	var segs []int64
	by := map[int64][]int64{}
	for _, o := range t.options() {
		if o.Status != domain.Eligible {
			continue
		}
		if _, ok := by[o.SegmentID]; !ok {
			segs = append(segs, o.SegmentID)
		}
		by[o.SegmentID] = append(by[o.SegmentID], o.PassengerID)
	}
	return segs, by
}

// eligiblePassengers lists the passengers eligible on at least one segment, in
// booking order.
func (t *Turn) eligiblePassengers() []domain.Passenger {
	_, by := t.eligibleBySegment()
	ok := map[int64]bool{}
	for _, ids := range by {
		for _, id := range ids {
			ok[id] = true
		}
	}
	var out []domain.Passenger
	for _, p := range t.Booking.Passengers {
		if ok[p.ID] {
			out = append(out, p)
		}
	}
	return out
}

func enterChoosePassengers(t *Turn) {
	segs, _ := t.eligibleBySegment()
	var lines []string
	for _, id := range segs {
		seg, _ := t.Booking.Segment(id)
		lines = append(lines, "✈ "+t.describeFlight(seg))
	}
	t.SayText(t.T("checkin.booking_found", "locator", t.Slots.Locator) + "\n" + strings.Join(lines, "\n"))
	t.explainIneligible(true)
	pax := t.eligiblePassengers()
	// Passengers first, "all" last: a channel that has to show the choices as a
	// numbered list then numbers the passengers as this prompt does, and a typed
	// "2" means the same passenger whichever list the traveller reads.
	var choices []domain.Choice
	var names []string
	for i, p := range pax {
		choices = append(choices, domain.Choice{ID: "pax:" + strconv.FormatInt(p.ID, 10), Title: t.paxName(p)})
		names = append(names, strconv.Itoa(i+1)+". "+t.paxName(p))
	}
	if len(pax) > 1 {
		choices = append(choices, t.Choice("pax:all", "checkin.pax_all", "count", strconv.Itoa(len(pax))))
	}
	if len(pax) == 1 {
		t.Ask(t.T("checkin.choose_single", "name", pax[0].Name.String()),
			domain.Choice{ID: "pax:" + strconv.FormatInt(pax[0].ID, 10), Title: t.T("checkin.yes")},
			t.Choice("no", "checkin.no"))
		return
	}
	t.Ask(t.T("checkin.choose_passengers")+"\n"+strings.Join(names, "\n"), choices...)
}

// explainIneligible tells why passengers or flights of the booking are not offered.
// With onlyOthers it stays quiet about the fully ineligible case (not_eligible
// explains that).
func (t *Turn) explainIneligible(onlyOthers bool) {
	seen := map[string]bool{}
	for _, o := range t.options() {
		seg, _ := t.Booking.Segment(o.SegmentID)
		pax, _ := t.Booking.Passenger(o.PassengerID)
		var key string
		var kv []string
		switch o.Status {
		case domain.WindowNotOpen:
			key, kv = "checkin.window_not_open", []string{"flight", seg.Flight.Number.String(),
				"opens", t.FormatTime(o.Opens, seg.Flight.Origin.Location), "airport", seg.Flight.Origin.City}
		case domain.WindowClosed:
			key, kv = "checkin.window_closed", []string{"flight", seg.Flight.Number.String(),
				"closed", t.FormatTime(o.Closes, seg.Flight.Origin.Location), "airport", seg.Flight.Origin.City}
		case domain.SegmentNotActive:
			if seg.Status == domain.SegmentFlown || seg.Flight.Status == domain.FlightDeparted || seg.Flight.Status == domain.FlightArrived {
				continue
			}
			key, kv = "checkin.segment_cancelled", []string{"flight", seg.Flight.Number.String()}
		case domain.NeedsAdult:
			key, kv = "checkin.needs_adult", []string{"name", pax.Name.String(), "flight", seg.Flight.Number.String()}
		case domain.AlreadyCheckedIn:
			if onlyOthers {
				key, kv = "checkin.already_some", []string{"name", pax.Name.String(), "flight", seg.Flight.Number.String()}
			} else {
				continue
			}
		default:
			continue
		}
		msg := t.T(key, kv...)
		if !seen[msg] {
			seen[msg] = true
			t.SayText(msg)
		}
	}
}

func handleChoosePassengers(t *Turn) Event {
	pax := t.eligiblePassengers()
	var chosen []int64
	p := t.In.Payload
	switch {
	case p == "pax:all" || t.textHas(t.Words("words.all")):
		for _, x := range pax {
			chosen = append(chosen, x.ID)
		}
	case strings.HasPrefix(p, "pax:"):
		id, _ := strconv.ParseInt(strings.TrimPrefix(p, "pax:"), 10, 64)
		for _, x := range pax {
			if x.ID == id {
				chosen = append(chosen, id)
			}
		}
	case t.U.Intent == domain.IntentYes && len(pax) == 1:
		chosen = []int64{pax[0].ID}
	case t.U.Intent == domain.IntentNo:
		return "cancel"
	default:
		for _, n := range t.U.All(domain.EntityNumber) {
			i, err := strconv.Atoi(n.Normalized)
			switch {
			case err == nil && i >= 1 && i <= len(pax):
				chosen = appendUnique(chosen, pax[i-1].ID)
			case err == nil && i == len(pax)+1 && len(pax) > 1: // the "all" line
				for _, x := range pax {
					chosen = appendUnique(chosen, x.ID)
				}
			}
		}
		if len(chosen) == 0 {
			for _, x := range pax {
				if t.mentions(x.Name) {
					chosen = appendUnique(chosen, x.ID)
				}
			}
		}
	}
	if len(chosen) == 0 {
		return ""
	}
	segs, by := t.eligibleBySegment()
	var useSegs []int64
	for _, s := range segs {
		var onSeg []int64
		for _, id := range chosen {
			if containsID(by[s], id) {
				onSeg = append(onSeg, id)
			}
		}
		if len(onSeg) == 0 {
			continue
		}
		if err := t.Booking.ValidateSelection(s, onSeg); err != nil {
			t.Say("checkin.selection_needs_adult")
			return ""
		}
		useSegs = append(useSegs, s)
	}
	t.Slots.Selected, t.Slots.Segments = chosen, useSegs
	t.Slots.Docs, t.Slots.DocIdx = nil, 0
	if t.needsDocuments() {
		return "choose"
	}
	return "choose_no_documents"
}

// mentions reports whether the message names the passenger (given name or surname).
func (t *Turn) mentions(n domain.PersonName) bool {
	for _, tok := range strings.Fields(t.In.Text) {
		f := domain.FoldName(tok)
		if f != "" && (f == domain.FoldName(n.Given) || f == domain.FoldName(n.Surname)) {
			return true
		}
	}
	return false
}

func appendUnique(xs []int64, x int64) []int64 {
	if containsID(xs, x) {
		return xs
	}
	return append(xs, x)
}

func containsID(xs []int64, x int64) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// needsDocuments reports whether any chosen segment crosses a border.
func (t *Turn) needsDocuments() bool {
	for _, id := range t.Slots.Segments {
		if s, ok := t.Booking.Segment(id); ok && s.Flight.International() {
			return true
		}
	}
	return false
}

func (t *Turn) firstDeparture() time.Time {
	var first time.Time
	for _, id := range t.Slots.Segments {
		if s, ok := t.Booking.Segment(id); ok && (first.IsZero() || s.Flight.Departure.Before(first)) {
			first = s.Flight.Departure
		}
	}
	return first
}

func (t *Turn) lastDeparture() time.Time {
	var last time.Time
	for _, id := range t.Slots.Segments {
		if s, ok := t.Booking.Segment(id); ok && s.Flight.Departure.After(last) {
			last = s.Flight.Departure
		}
	}
	return last
}
