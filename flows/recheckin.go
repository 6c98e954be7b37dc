package flows

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/skybridge/skybridge/domain"
)

const opRecheckIn = "check in on the new flight"

// recheckIn checks the passengers whose check-in a reissue voided in again on the
// flights that replaced theirs, and sends their new boarding passes. Where the new
// flight's window is not open yet it says when it opens; where the booking system
// will not check them in, it says why and offers the check-in flow.
//
// Each passenger is checked in only on the new segments that replaced a segment
// they were checked in on (replacements): on a return trip whose outbound moved,
// the return is left alone, and a new segment that replaces no flight anyone was
// checked in on gets no check-in request. replaced are the segments the reissue
// was asked to replace (domain.ReissueRequest.SegmentIDs).
//
// The same rules as the check-in flow apply (the carriers' windows from the booking
// system, children with an adult); the seat carried over is kept and the booking
// system assigns one otherwise; travel documents are the ones the booking system
// holds; the dangerous-goods statement is the one each passenger confirmed for the
// check-in that was voided.
//
// reissueKey is the reissue's idempotency key: the check-in requests are keyed by
// it, so a retried turn or a replayed payment report replays them instead of
// checking in twice, and a boarding pass already issued for the same seat is not
// sent again.
func (t *Turn) recheckIn(ctx context.Context, res domain.Reissue, replaced []int64, reissueKey string) {
	if len(res.VoidedCheckIns) == 0 {
		return
	}
	if len(res.NewSegmentIDs) == 0 {
		t.recheckInFailed(ctx, domain.Errorf(domain.NotFound, opRecheckIn, "the reissue names no new segment"))
		return
	}
	// paxOn lists, per new segment, the passengers checked in on an old segment
	// it replaces, in the reissue's order: the same request on every retry.
	repl := replacements(res, replaced)
	paxOn := map[int64][]int64{}
	var unpaired []int64 // old segments with voided check-ins that nothing replaces
	for _, c := range res.VoidedCheckIns {
		news := repl[c.SegmentID]
		if len(news) == 0 {
			unpaired = appendUnique(unpaired, c.SegmentID)
		}
		for _, id := range news {
			paxOn[id] = appendUnique(paxOn[id], c.PassengerID)
		}
	}
	if err := t.e.loadPolicies(ctx, t); err != nil {
		t.recheckInFailed(ctx, err)
		return
	}
	status := map[string]domain.CheckInOption{}
	for _, o := range t.options() {
		status[seatKey(o.SegmentID, o.PassengerID)] = o
	}
	var (
		done    []domain.CheckIn
		later   []domain.CheckInOption
		failure error
		asked   []int64 // segments a check-in was requested on
	)
	for _, segID := range res.NewSegmentIDs {
		pax := paxOn[segID]
		if len(pax) == 0 {
			continue
		}
		if _, ok := t.Booking.Segment(segID); !ok {
			failure = domain.Errorf(domain.NotFound, opRecheckIn, "segment %d not on the booking", segID)
			continue
		}
		req := domain.CheckInRequest{IdempotencyKey: "recheckin:" + reissueKey + ":" + strconv.FormatInt(segID, 10),
			Locator: t.Booking.Locator, SegmentID: segID}
		var notOpen *domain.CheckInOption
		for _, id := range pax {
			o, ok := status[seatKey(segID, id)]
			switch {
			case !ok:
				failure = domain.Errorf(domain.NotFound, opRecheckIn, "passenger %d not on the booking", id)
			case o.Status == domain.Eligible || o.Status == domain.AlreadyCheckedIn:
				// Passengers already checked in stay in the request: a retried
				// turn must send the same request to have it replayed.
				req.Passengers = append(req.Passengers, domain.PassengerCheckIn{PassengerID: id, DangerousGoodsAck: true})
			case o.Status == domain.WindowNotOpen:
				notOpen = &o
			default:
				failure = domain.Errorf(domain.Forbidden, opRecheckIn, "%s", o.Status)
			}
		}
		if notOpen != nil {
			later = append(later, *notOpen)
		}
		if len(req.Passengers) == 0 {
			continue
		}
		asked = append(asked, segID)
		got, err := t.e.bookings.CheckIn(ctx, req)
		if domain.IsCode(err, domain.Conflict) && domain.ErrorMessage(err) == string(domain.AlreadyCheckedIn) {
			got, err = t.checkInRest(ctx, req)
		}
		if err != nil {
			failure = err
			continue
		}
		done = append(done, got...)
	}
	if len(asked) > 0 {
		// Passes carry what the booking system recorded, check-ins made elsewhere
		// included.
		if b, err := t.e.bookings.FindBooking(ctx, t.Booking.Locator); err == nil {
			t.Booking = &b
			done = nil
			for _, segID := range asked {
				for _, id := range paxOn[segID] {
					if c, ok := b.CheckInOf(id, segID); ok {
						done = append(done, c)
					}
				}
			}
		}
	}
	if err := t.sendNewPasses(ctx, done); err != nil {
		failure = err // logged with the fallback
	}
	for _, o := range later {
		seg, _ := t.Booking.Segment(o.SegmentID)
		f := seg.Flight
		t.Say("recheck.opens", "flight", f.Number.String(),
			"opens", t.FormatTime(o.Opens, f.Origin.Location), "airport", f.Origin.City)
	}
	if len(later) > 0 && t.Content.Rules.notifyRules().Rule(domain.EventCheckInOpen).Enabled {
		t.Say("recheck.reminder")
	}
	if failure == nil && len(unpaired) > 0 {
		// Their check-in is void and no new flight takes its place: they check in
		// again themselves.
		failure = domain.Errorf(domain.NotFound, opRecheckIn, "no new segment replaces segments %v", unpaired)
	}
	if failure != nil {
		t.recheckInFailed(ctx, failure)
	}
}

// connectionWindow is the longest wait between two flights of one journey; a
// longer stay at the airport ends the journey (the usual limit of a connection on
// one ticket).
const connectionWindow = 24 * time.Hour

// replacements pairs each old segment of a reissue with the new segments (among
// res.NewSegmentIDs) that replaced it.
//
// The booking system's own pairing (res.Replacements) is taken as it is. For an
// old segment it does not name, the segments are paired by airports: the old and
// the new segments are each split into journeys (journeys), and a new journey
// replaces an old segment when it leaves from the airport where the old segment
// or an earlier flight of the old segment's journey left, and arrives where the
// old segment or a later flight of that journey arrived. A flight moved to
// another flight, a connection made direct, a direct flight made a connection
// and one leg of a connection moved are thereby paired, while the return of a
// two-way booking (which leaves from the outbound's destination) is not paired
// with the outbound. Airports are compared, not cities: a move to another
// airport of the same city is not paired, and its passengers are asked to check
// in again.
//
// The old itinerary is built from res and replaced (the segments the reissue was
// asked to replace) alone, so that a change made at once, one completed by a
// payment report and any retry of either pair the same way and send the same
// check-in requests: it is, on the booking after the reissue (which keeps the
// old segments, cancelled), the replaced segments and those whose check-ins
// were voided, whatever their status, plus the other segments that are not
// cancelled, less the new ones. A replaced segment that nobody was checked in
// on stays part of its journey: a connection made direct is paired even when
// only its first leg was checked in. An old segment the booking system no
// longer lists cannot be placed and is left unpaired.
func replacements(res domain.Reissue, replaced []int64) map[int64][]int64 {
	isNew := map[int64]bool{}
	for _, id := range res.NewSegmentIDs {
		isNew[id] = true
	}
	out := map[int64][]int64{}
	for _, r := range res.Replacements {
		for _, id := range r.NewSegmentIDs {
			if isNew[id] {
				out[r.OldSegmentID] = appendUnique(out[r.OldSegmentID], id)
			}
		}
	}
	voided := map[int64]bool{}
	missing := false
	for _, c := range res.VoidedCheckIns {
		voided[c.SegmentID] = true
		if _, ok := out[c.SegmentID]; !ok {
			missing = true
		}
	}
	if !missing {
		return out
	}

	var olds, news []domain.Segment
	for _, s := range res.Booking.Segments {
		switch {
		case isNew[s.ID]:
			news = append(news, s)
		case slices.Contains(replaced, s.ID) || voided[s.ID] || s.Status != domain.SegmentCancelled:
			olds = append(olds, s)
		}
	}
	newJourneys := journeys(news)
	for _, j := range journeys(olds) {
		for k, s := range j {
			if _, named := out[s.ID]; named || !voided[s.ID] {
				continue
			}
			for _, nj := range newJourneys {
				from, to := nj[0].Flight.Origin.Code, nj[len(nj)-1].Flight.Destination.Code
				leaves := slices.ContainsFunc(j[:k+1], func(o domain.Segment) bool { return o.Flight.Origin.Code == from })
				arrives := slices.ContainsFunc(j[k:], func(o domain.Segment) bool { return o.Flight.Destination.Code == to })
				if leaves && arrives {
					for _, n := range nj {
						out[s.ID] = appendUnique(out[s.ID], n.ID)
					}
				}
			}
		}
	}
	return out
}

// journeys splits segments into journeys, in order of departure: a segment
// continues the journey before it when it leaves from the airport where the last
// flight arrived, within connectionWindow of its arrival, and does not fly back
// to where the journey began (a day return is two journeys, out and back).
func journeys(segs []domain.Segment) [][]domain.Segment {
	segs = slices.Clone(segs)
	slices.SortStableFunc(segs, func(a, b domain.Segment) int { return a.Flight.Departure.Compare(b.Flight.Departure) })
	var out [][]domain.Segment
	for _, s := range segs {
		if n := len(out); n > 0 {
			j := out[n-1]
			last := j[len(j)-1].Flight
			if s.Flight.Origin.Code == last.Destination.Code && s.Flight.Destination.Code != j[0].Flight.Origin.Code &&
				!s.Flight.Departure.Before(last.Arrival) && s.Flight.Departure.Sub(last.Arrival) <= connectionWindow {
				out[n-1] = append(j, s)
				continue
			}
		}
		out = append(out, []domain.Segment{s})
	}
	return out
}

// sendNewPasses issues and shows a boarding pass for each check-in that has none
// for its seat yet; a pass already issued (an earlier run of the same change) was
// sent then and is not sent again.
func (t *Turn) sendNewPasses(ctx context.Context, cs []domain.CheckIn) error {
	var fresh []domain.CheckIn
	for _, c := range cs {
		bp, ok, err := t.e.store.FindPass(ctx, t.Booking.Locator, c.PassengerID, c.SegmentID)
		if err != nil {
			return fmt.Errorf("%s: %w", opRecheckIn, err)
		}
		if ok && bp.Seat == c.Seat {
			continue
		}
		fresh = append(fresh, c)
	}
	from := len(t.passesToSend)
	if err := t.issuePasses(fresh); err != nil {
		return err
	}
	issued := t.passesToSend[from:]
	switch len(issued) {
	case 0:
		return nil
	case 1:
		t.Say("recheck.done_one")
	default:
		t.Say("recheck.done", "count", strconv.Itoa(len(issued)))
	}
	t.showPasses(issued)
	return nil
}

// recheckInFailed says why the passengers could not be checked in on the new
// flight and offers the check-in flow.
func (t *Turn) recheckInFailed(ctx context.Context, err error) {
	key := "recheck.failed_refused"
	switch msg := domain.ErrorMessage(err); {
	case domain.IsCode(err, domain.Unavailable) || domain.IsCode(err, domain.Internal):
		key = "recheck.failed_down"
	case domain.IsCode(err, domain.Invalid) &&
		(msg == domain.DocMissingField || msg == domain.DocExpiredBeforeTravel || msg == domain.DocBirthInFuture):
		key = "recheck.failed_docs"
	}
	t.e.log.WarnContext(ctx, "check-in on the new flight failed", "conversation", t.Conv.ID, "err", err)
	t.Say(key)
	t.Ask(t.T("change.checkin_again"), t.Choice("intent:check_in", "menu.check_in"))
}
