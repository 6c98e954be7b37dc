package flows

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
)

// prepareSeatQueue lists every passenger with a seat on every chosen segment.
func (t *Turn) prepareSeatQueue() {
	_, by := t.eligibleBySegment()
	s := t.Slots
	s.SeatQ, s.SeatIdx, s.Picking = nil, 0, false
	s.Seats = map[string]string{}
	for _, seg := range s.Segments {
		for _, id := range s.Selected {
			p, _ := t.Booking.Passenger(id)
			if p.Type == domain.Infant || !containsID(by[seg], id) {
				continue
			}
			s.SeatQ = append(s.SeatQ, SeatSlot{SegmentID: seg, PassengerID: id})
			s.Seats[seatKey(seg, id)] = t.Booking.AssignedSeat(id, seg)
		}
	}
}

func enterChooseSeat(t *Turn) {
	s := t.Slots
	if s.SeatIdx >= len(s.SeatQ) {
		return
	}
	slot := s.SeatQ[s.SeatIdx]
	seg, _ := t.Booking.Segment(slot.SegmentID)
	pax, _ := t.Booking.Passenger(slot.PassengerID)
	current := s.Seats[seatKey(slot.SegmentID, slot.PassengerID)]
	if s.Picking {
		var choices []domain.Choice
		for _, seat := range t.suggestSeats(seg, pax) {
			choices = append(choices, domain.Choice{ID: "seat:" + seat.Code, Title: seat.Code, Description: t.seatDescription(seat)})
		}
		t.Ask(t.T("seat.pick", "name", pax.Name.String(), "flight", seg.Flight.Number.String()), choices...)
		return
	}
	if current == "" {
		t.Ask(t.T("seat.none", "name", pax.Name.String(), "flight", seg.Flight.Number.String()),
			t.Choice("seat:keep", "seat.assign_for_me"),
			t.Choice("seat:pick", "seat.choose_another"))
		return
	}
	t.Ask(t.T("seat.current", "name", pax.Name.String(), "flight", seg.Flight.Number.String(), "seat", current),
		t.Choice("seat:keep", "seat.keep", "seat", current),
		t.Choice("seat:pick", "seat.choose_another"))
}

func (t *Turn) seatDescription(s domain.Seat) string {
	var parts []string
	if s.Window {
		parts = append(parts, t.T("seat.window"))
	}
	if s.Aisle {
		parts = append(parts, t.T("seat.aisle"))
	}
	if s.ExitRow {
		parts = append(parts, t.T("seat.exit_row"))
	}
	return strings.Join(parts, ", ")
}

// suggestSeats offers up to nine free seats of the passenger's cabin, windows and
// aisles first, front to back, skipping seats other passengers of this check-in took.
func (t *Turn) suggestSeats(seg domain.Segment, pax domain.Passenger) []domain.Seat {
	taken := t.seatsTakenHere(seg.ID, pax.ID)
	var free []domain.Seat
	for _, seat := range t.SeatMaps[seg.Flight.ID].FreeIn(seg.Cabin) {
		if taken[seat.Code] || (seat.ExitRow && pax.Type != domain.Adult) {
			continue
		}
		free = append(free, seat)
	}
	sort.SliceStable(free, func(i, j int) bool {
		wi, wj := free[i].Window || free[i].Aisle, free[j].Window || free[j].Aisle
		if wi != wj {
			return wi
		}
		return free[i].Row < free[j].Row
	})
	if len(free) > 9 {
		free = free[:9]
	}
	return free
}

func (t *Turn) seatsTakenHere(segID, paxID int64) map[string]bool {
	taken := map[string]bool{}
	for _, q := range t.Slots.SeatQ {
		if q.SegmentID == segID && q.PassengerID != paxID {
			if c := t.Slots.Seats[seatKey(q.SegmentID, q.PassengerID)]; c != "" {
				taken[c] = true
			}
		}
	}
	return taken
}

func handleChooseSeat(t *Turn) Event {
	s := t.Slots
	if s.SeatIdx >= len(s.SeatQ) {
		return "seats_done"
	}
	slot := s.SeatQ[s.SeatIdx]
	seg, _ := t.Booking.Segment(slot.SegmentID)
	pax, _ := t.Booking.Passenger(slot.PassengerID)
	key := seatKey(slot.SegmentID, slot.PassengerID)
	p := t.In.Payload
	code := ""
	switch {
	case p == "seat:keep" || (!s.Picking && t.U.Intent == domain.IntentYes):
		return t.nextSeat()
	case p == "seat:pick" || (!s.Picking && t.U.Intent == domain.IntentNo):
		s.Picking = true
		return "pick_seat"
	case strings.HasPrefix(p, "seat:"):
		code = strings.TrimPrefix(p, "seat:")
	default:
		if e, ok := t.U.First(domain.EntitySeat); ok {
			code = e.Normalized
		} else if raw := strings.TrimSpace(t.In.Text); s.Picking && len(raw) >= 2 && len(raw) <= 4 {
			// Something seat-shaped the classifier did not accept ("99Z"): answer
			// about that seat rather than "not understood".
			code = strings.ToUpper(raw)
		}
	}
	if code == "" {
		return ""
	}
	code, err := domain.ParseSeatCode(code)
	if err != nil {
		t.Say("seat.unknown", "seat", code)
		s.Picking = true
		return "pick_seat"
	}
	seat, ok := t.SeatMaps[seg.Flight.ID].Seat(code)
	switch {
	case !ok || seat.Cabin != seg.Cabin:
		t.Say("seat.unknown", "seat", code)
	case seat.ExitRow && pax.Type != domain.Adult:
		t.Say("seat.exit_child", "seat", code)
	case (!seat.Free && code != t.Booking.AssignedSeat(pax.ID, seg.ID)) || t.seatsTakenHere(seg.ID, pax.ID)[code]:
		t.Say("seat.taken", "seat", code)
	default:
		s.Seats[key] = code
		return t.nextSeat()
	}
	s.Picking = true
	return "pick_seat"
}

func (t *Turn) nextSeat() Event {
	s := t.Slots
	s.SeatIdx++
	s.Picking = false
	if s.SeatIdx >= len(s.SeatQ) {
		return "seats_done"
	}
	return "pick_seat"
}

// ---- confirmation and check-in ----

func enterConfirm(t *Turn) {
	var lines []string
	_, by := t.eligibleBySegment()
	for _, segID := range t.Slots.Segments {
		seg, _ := t.Booking.Segment(segID)
		lines = append(lines, "✈ "+t.describeFlight(seg))
		for _, id := range t.Slots.Selected {
			if !containsID(by[segID], id) {
				continue
			}
			p, _ := t.Booking.Passenger(id)
			seat := t.Slots.Seats[seatKey(segID, id)]
			switch {
			case p.Type == domain.Infant:
				seat = t.T("seat.on_lap")
			case seat == "" && t.Slots.Seats != nil:
				seat = t.T("seat.assigned_at_checkin")
			case seat == "":
				seat = t.Booking.AssignedSeat(id, segID)
				if seat == "" {
					seat = t.T("seat.assigned_at_checkin")
				}
			}
			lines = append(lines, "   • "+t.paxName(p)+" — "+seat)
		}
	}
	choices := []domain.Choice{t.Choice("yes", "confirm.yes")}
	if t.Content.Rules.SeatChoice {
		choices = append(choices, t.Choice("confirm:seats", "confirm.change_seats"))
	}
	choices = append(choices, t.Choice("no", "confirm.cancel"))
	t.Ask(t.T("confirm.summary")+"\n"+strings.Join(lines, "\n"), choices...)
}

func handleConfirm(t *Turn) Event {
	switch {
	case t.In.Payload == "confirm:seats" && t.Content.Rules.SeatChoice:
		t.prepareSeatQueue()
		return "change_seats"
	case t.U.Intent == domain.IntentYes:
		t.freezePlan()
		if len(t.Slots.Plan) == 0 {
			return "now_ineligible"
		}
		return "confirm"
	case t.U.Intent == domain.IntentNo:
		return "cancel"
	}
	return ""
}

// freezePlan turns the traveller's choices into the booking-system requests to
// make, with idempotency keys derived from the confirming message: whatever happens
// to this turn (a crash, a lost compare-and-swap), its retry sends the same
// requests with the same keys, and the booking system answers them without
// checking in twice.
//
// Passengers already checked in are kept in the plan: if this is the retry of a
// turn whose check-in went through, the request must be the same to be replayed.
func (t *Turn) freezePlan() {
	ok := map[int64][]int64{}
	for _, o := range t.options() {
		if o.Status == domain.Eligible || o.Status == domain.AlreadyCheckedIn {
			ok[o.SegmentID] = append(ok[o.SegmentID], o.PassengerID)
		}
	}
	t.Slots.Plan = nil
	for _, segID := range t.Slots.Segments {
		ps := PlannedSegment{SegmentID: segID, Key: fmt.Sprintf("checkin:%d:%d:%d", t.Conv.ID, t.In.ID, segID)}
		for _, id := range t.Slots.Selected {
			if containsID(ok[segID], id) {
				ps.Passengers = append(ps.Passengers, PlannedPassenger{ID: id, Seat: t.Slots.Seats[seatKey(segID, id)]})
			}
		}
		if len(ps.Passengers) > 0 {
			t.Slots.Plan = append(t.Slots.Plan, ps)
		}
	}
}

// checkInEffect sends the frozen plan to the booking system, one request per
// segment, and issues a boarding pass for every passenger the booking system has
// checked in — including those a concurrent check-in (another device) did first.
func checkInEffect(ctx context.Context, t *Turn) (Event, error) {
	var done []domain.CheckIn
	var failed *domain.Segment
	var failure error
	for _, ps := range t.Slots.Plan {
		req := domain.CheckInRequest{IdempotencyKey: ps.Key, Locator: domain.RecordLocator(t.Slots.Locator), SegmentID: ps.SegmentID}
		for _, p := range ps.Passengers {
			pc := domain.PassengerCheckIn{PassengerID: p.ID, Seat: p.Seat, DangerousGoodsAck: t.Slots.DGAck}
			if d := t.Slots.Docs[paxKey(p.ID)]; d != nil {
				doc := d.document()
				pc.Document = &doc
			}
			req.Passengers = append(req.Passengers, pc)
		}
		got, err := t.e.bookings.CheckIn(ctx, req)
		if domain.IsCode(err, domain.Conflict) && domain.ErrorMessage(err) == string(domain.AlreadyCheckedIn) {
			// Someone (another device) checked some of them in meanwhile: check in
			// the others, with a key of their own.
			got, err = t.checkInRest(ctx, req)
		}
		if err == nil {
			done = append(done, got...)
			continue
		}
		seg, _ := t.Booking.Segment(ps.SegmentID)
		failed, failure = &seg, err
		break
	}
	// Re-read the booking: passes carry what the booking system recorded, and
	// check-ins made elsewhere are found.
	b, err := t.e.bookings.FindBooking(ctx, domain.RecordLocator(t.Slots.Locator))
	if err == nil {
		t.Booking = &b
		done = t.planCheckIns()
	}
	if failure == nil || len(done) > 0 {
		if err := t.issueOrResend(ctx, done); err != nil {
			return "", err
		}
	}
	switch {
	case failure == nil && len(done) > 0:
		if len(t.passesToSend) == 1 {
			t.Say("checkin.done_one")
		} else {
			t.Say("checkin.done", "count", fmt.Sprint(len(t.passesToSend)))
		}
		return "checked_in", nil
	case failure == nil:
		return "now_ineligible", nil
	case len(done) > 0:
		// Part of a connection is checked in: say so, and hand over what we have.
		t.Say("checkin.partial", "flight", failed.Flight.Number.String())
		return "checked_in", nil
	}
	t.Slots.Plan = nil
	switch {
	case domain.IsCode(failure, domain.Conflict) && domain.ErrorMessage(failure) == domain.SeatTaken:
		t.Say("checkin.seat_conflict")
		t.e.load(ctx, t, &StateDef{NeedsSeatMap: true})
		t.prepareSeatQueue()
		return "seat_taken", nil
	case domain.IsCode(failure, domain.Unavailable):
		t.Say("error.unavailable")
		return "checkin_unavailable", nil
	case domain.IsCode(failure, domain.Forbidden):
		// The window closed, the flight was cancelled, … since the summary.
		return "now_ineligible", nil
	}
	t.e.log.WarnContext(ctx, "check-in refused", "conversation", t.Conv.ID, "err", failure)
	return "checkin_failed", nil
}

// checkInRest retries a request without the passengers the booking system already
// has checked in.
func (t *Turn) checkInRest(ctx context.Context, req domain.CheckInRequest) ([]domain.CheckIn, error) {
	b, err := t.e.bookings.FindBooking(ctx, req.Locator)
	if err != nil {
		return nil, err
	}
	rest := req
	rest.Passengers = nil
	for _, p := range req.Passengers {
		if _, done := b.CheckInOf(p.PassengerID, req.SegmentID); !done {
			rest.Passengers = append(rest.Passengers, p)
		}
	}
	if len(rest.Passengers) == 0 {
		return nil, nil
	}
	rest.IdempotencyKey = req.IdempotencyKey + ":rest"
	return t.e.bookings.CheckIn(ctx, rest)
}

// planCheckIns returns the booking's check-ins of the planned passengers.
func (t *Turn) planCheckIns() []domain.CheckIn {
	var out []domain.CheckIn
	for _, ps := range t.Slots.Plan {
		for _, p := range ps.Passengers {
			if c, ok := t.Booking.CheckInOf(p.ID, ps.SegmentID); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// issueOrResend shows a boarding pass for each check-in: the one already issued if
// there is one, a new one otherwise.
func (t *Turn) issueOrResend(ctx context.Context, cs []domain.CheckIn) error {
	var fresh []domain.CheckIn
	for _, c := range cs {
		bp, ok, err := t.e.store.FindPass(ctx, t.Booking.Locator, c.PassengerID, c.SegmentID)
		if err != nil {
			return err
		}
		if ok && bp.Seat == c.Seat {
			t.passesToSend = append(t.passesToSend, bp)
			continue
		}
		fresh = append(fresh, c)
	}
	return t.issuePasses(fresh)
}

// resendPasses sends again the boarding passes of everyone on the booking who is
// checked in on an active segment, reusing the passes already issued.
func resendPasses(ctx context.Context, t *Turn) (Event, error) {
	var cs []domain.CheckIn
	for _, o := range t.options() {
		if o.Status == domain.AlreadyCheckedIn {
			c, _ := t.Booking.CheckInOf(o.PassengerID, o.SegmentID)
			cs = append(cs, c)
		}
	}
	if err := t.issueOrResend(ctx, cs); err != nil {
		return "", err
	}
	t.Say("checkin.already_checked_in")
	return "passes_sent", nil
}

// issuePasses builds one boarding pass per check-in, with its BCBP barcode data.
func (t *Turn) issuePasses(cs []domain.CheckIn) error {
	for _, c := range cs {
		seg, ok1 := t.Booking.Segment(c.SegmentID)
		pax, ok2 := t.Booking.Passenger(c.PassengerID)
		if !ok1 || !ok2 {
			continue
		}
		f := seg.Flight
		bp := domain.BoardingPass{
			Token: newToken(), Locator: t.Booking.Locator, PassengerID: pax.ID, SegmentID: seg.ID,
			Name: pax.Name, PaxType: pax.Type, Flight: f.Number, Origin: f.Origin, Destination: f.Destination,
			Departure: f.Departure, BoardingTime: f.BoardingTime(), Gate: f.Gate, Terminal: f.Terminal,
			Cabin: seg.Cabin, BookingClass: seg.BookingClass, Seat: c.Seat, Sequence: c.Sequence,
			TicketNumber: pax.TicketNumber, IssuedAt: t.Now, Valid: true,
		}
		if pax.Type == domain.Infant && bp.Seat == "" {
			bp.Seat = "INF"
		}
		code, err := bcbp.Encode(bp)
		if err != nil {
			return fmt.Errorf("issue boarding pass: %w", err)
		}
		bp.BCBP = code
		t.passes = append(t.passes, bp)
		t.passesToSend = append(t.passesToSend, bp)
	}
	return nil
}

func enterCheckedIn(t *Turn) {
	if len(t.passesToSend) == 0 {
		t.Say("checkin.no_passes")
		return
	}
	t.showPasses(t.passesToSend)
	t.Say("checkin.goodbye")
}

// showPasses sends each boarding pass as a barcode image with its details and as a
// PDF, both behind the pass's unguessable token.
func (t *Turn) showPasses(passes []domain.BoardingPass) {
	for _, bp := range passes {
		caption := t.T("pass.caption", "name", bp.Name.String(), "flight", bp.Flight.String(),
			"from", string(bp.Origin.Code), "to", string(bp.Destination.Code), "seat", bp.Seat,
			"departure", t.FormatTime(bp.Departure, bp.Origin.Location),
			"boarding", t.FormatClock(bp.BoardingTime, locOr(bp.Origin.Location)))
		if bp.Gate != "" {
			caption += "\n" + t.T("pass.gate", "gate", bp.Gate)
		}
		t.out = append(t.out,
			domain.Outbound{Kind: domain.OutImage, Text: caption, Attachment: &domain.Attachment{
				URL: "/passes/" + bp.Token + ".png", Filename: passFilename(bp, "png"), MIME: "image/png", Caption: caption}},
			domain.Outbound{Kind: domain.OutDocument, Attachment: &domain.Attachment{
				URL: "/passes/" + bp.Token + ".pdf", Filename: passFilename(bp, "pdf"), MIME: "application/pdf",
				Caption: t.T("pass.pdf_caption", "name", bp.Name.String(), "flight", bp.Flight.String())}})
	}
}

func passFilename(bp domain.BoardingPass, ext string) string {
	return fmt.Sprintf("boarding-pass-%s-%s-%s.%s", bp.Flight, bp.Origin.Code, strings.ToLower(domain.FoldName(bp.Name.Surname)), ext)
}

func enterNotEligible(t *Turn) {
	t.Say("checkin.nothing_to_check_in", "locator", t.Slots.Locator)
	t.explainIneligible(false)
	t.menu()
}

func locOr(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}
