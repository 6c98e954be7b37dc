package flows

import (
	"context"
	"fmt"
	"strconv"

	"github.com/skybridge/skybridge/domain"
)

const opRecheckIn = "check in on the new flight"

// recheckIn checks the passengers whose check-in a reissue voided in again on the
// flights that replaced theirs, and sends their new boarding passes. Where the new
// flight's window is not open yet it says when it opens; where the booking system
// will not check them in, it says why and offers the check-in flow.
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
func (t *Turn) recheckIn(ctx context.Context, res domain.Reissue, reissueKey string) {
	if len(res.VoidedCheckIns) == 0 {
		return
	}
	if len(res.NewSegmentIDs) == 0 {
		t.recheckInFailed(ctx, domain.Errorf(domain.NotFound, opRecheckIn, "the reissue names no new segment"))
		return
	}
	var pax []int64
	for _, c := range res.VoidedCheckIns {
		pax = appendUnique(pax, c.PassengerID)
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
				for _, id := range pax {
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
	if failure != nil {
		t.recheckInFailed(ctx, failure)
	}
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
