package flows_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

// recheckFaults is the demo booking system whose check-ins can be made to fail,
// as a departure control system that is down or refuses.
type recheckFaults struct {
	domain.BookingSystem
	CheckInErr error
}

func (c *recheckFaults) CheckIn(ctx context.Context, req domain.CheckInRequest) ([]domain.CheckIn, error) {
	if c.CheckInErr != nil {
		return nil, c.CheckInErr
	}
	return c.BookingSystem.CheckIn(ctx, req)
}

type recheckHarness struct {
	*salesHarness
	faults *recheckFaults
	demo   *pss.Demo
}

// newRecheckHarness checks in, changes and reissues through the demo booking
// system itself, with a switch to make its check-ins fail.
func newRecheckHarness(t *testing.T, postgres bool) *recheckHarness {
	t.Helper()
	db := dbtest.SQLite(t)
	if postgres {
		db = dbtest.Postgres(t)
	}
	h := newHarness(t, db)
	demo := pss.NewDemo(h.db, h.sealer, h.clock.Now)
	faults := &recheckFaults{BookingSystem: demo}
	pay := newPayFake()
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: faults, Now: h.clock.Now,
		Log: testLogger(t), Ancillaries: demo, Changes: demo, Payments: pay, Ledger: pay, Statuses: h.store})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return &recheckHarness{salesHarness: &salesHarness{harness: h, pay: pay}, faults: faults, demo: demo}
}

func (h *recheckHarness) booking(t *testing.T, loc string) domain.Booking {
	t.Helper()
	b, err := h.demo.FindBooking(context.Background(), domain.RecordLocator(loc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tapTitle taps the choice of the last reply whose title starts with prefix.
func (tr *traveller) tapTitle(prefix string) []domain.Outbound {
	tr.h.t.Helper()
	for _, o := range tr.last {
		for _, c := range o.Choices {
			if strings.HasPrefix(c.Title, prefix) {
				return tr.send(c.Title, c.ID)
			}
		}
	}
	tr.h.t.Fatalf("no choice titled %q in the last reply:\n%s", prefix, transcript(tr.last))
	return nil
}

// checkInFischer checks in the one passenger of FX5LHR (AMS→LHR, passport asked,
// seat 6A held), in another seat when one is given, and returns the boarding pass
// link.
func checkInFischer(t *testing.T, tr *traveller, seat string) string {
	t.Helper()
	tr.send("Check in", "intent:check_in")
	expect(t, tr.say("FX5LHR Fischer"), "Fischer")
	expect(t, tr.tap("pax:"), "passport")
	expect(t, tr.say("C01X00T47"), "nationality")
	tr.say("Germany")
	expect(t, tr.tap("same"), "expire")
	expect(t, tr.say("05-05-2032"), "date of birth")
	expect(t, tr.say("05-05-1980"), "dangerous goods")
	expect(t, tr.say("yes"), "6A")
	if seat == "" {
		tr.tap("seat:keep")
	} else {
		tr.tap("seat:pick")
		expect(t, tr.say(seat), "Please check", seat)
	}
	out := tr.say("yes")
	expect(t, out, "checked in")
	urls := passes(out, domain.OutImage)
	if len(urls) != 1 {
		t.Fatalf("want one boarding pass:\n%s", transcript(out))
	}
	return urls[0]
}

// changeTo walks the traveller's change to the flight (its number, "SB1013") on
// the departure day plus days, and returns
// what the traveller got once the change was made: at once when it is free, or
// when the payment report arrives.
func changeTo(t *testing.T, h *recheckHarness, tr *traveller, loc string, days int, option string) []domain.Outbound {
	t.Helper()
	f := h.booking(t, loc).Segments[0].Flight
	tr.send("Change flight", "intent:change_flight")
	out := tr.say(f.Departure.In(f.Origin.Location).AddDate(0, 0, days).Format("2 January 2006"))
	expect(t, out, option)
	expect(t, tr.tapTitle(option), "You chose")
	out = tr.tap("yes")
	if !strings.Contains(transcript(out), "Please pay") {
		expect(t, out, "is changed")
		return out
	}
	ref := h.pay.onlyReference()
	h.pay.settle(ref)
	out, err := tr.paymentReport("evt_"+ref, domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "is changed")
	return out
}

// passOf reads the stored boarding pass behind a link and decodes its barcode.
func (h *recheckHarness) passOf(t *testing.T, url string) (domain.BoardingPass, bcbp.Pass) {
	t.Helper()
	token := strings.TrimSuffix(strings.TrimPrefix(url, "/passes/"), ".png")
	bp, err := h.store.Pass(context.Background(), token)
	if err != nil {
		t.Fatalf("pass %s: %v", url, err)
	}
	p, err := bcbp.Decode(bp.BCBP)
	if err != nil {
		t.Fatalf("barcode %q: %v", bp.BCBP, err)
	}
	return bp, p
}

// flight finds the demo flight with the number departing within a day of near.
func (h *recheckHarness) flight(t *testing.T, number string, near time.Time) domain.Flight {
	t.Helper()
	fs, err := h.demo.FlightsDeparting(context.Background(), near.Add(-24*time.Hour), near.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.Number.String() == number {
			return f
		}
	}
	t.Fatalf("no flight %s near %v", number, near)
	return domain.Flight{}
}

func (h *recheckHarness) passIsVoid(t *testing.T, url string) {
	t.Helper()
	token := strings.TrimSuffix(strings.TrimPrefix(url, "/passes/"), ".png")
	if _, err := h.store.Pass(context.Background(), token); !domain.IsCode(err, domain.NotFound) {
		t.Fatalf("the old boarding pass %s is still served (err %v)", url, err)
	}
}

// A traveller checked in on AMS→LHR moves to another flight whose check-in is
// open: they are checked in on it with the passport on file and the seat carried
// over, and the new pass carries the new flight in its barcode.
func TestRecheckInAfterChangeSendsTheNewPass(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			recheckInAfterChange(t, newRecheckHarness(t, d == "postgres"))
		})
	}
}

func recheckInAfterChange(t *testing.T, h *recheckHarness) {
	// The next morning: check-in for FX5LHR's flight (the day after) is open.
	h.clock.Advance(22 * time.Hour)
	tr := h.traveller("recheck")
	// 9A is free on the new flight too (6A, held before check-in, is not).
	old := checkInFischer(t, tr, "9A")

	out := changeTo(t, h, tr, "FX5LHR", 0, "SB1013")
	expect(t, out, "checked you in on your new flight too", "Here is your new boarding pass", "SB1013", "seat 9A")
	expectNot(t, out, "Check in again")
	imgs, pdfs := passes(out, domain.OutImage), passes(out, domain.OutDocument)
	if len(imgs) != 1 || len(pdfs) != 1 {
		t.Fatalf("want one new pass as image and PDF:\n%s", transcript(out))
	}
	bp, code := h.passOf(t, imgs[0])
	leg := code.Legs[0]
	if leg.Flight != 1013 || leg.From != "AMS" || leg.To != "LHR" || leg.Seat != "009A" || leg.Status != "1" || leg.PNR != "FX5LHR" {
		t.Fatalf("new pass barcode %q: %+v", bp.BCBP, leg)
	}
	if !strings.HasSuffix(pdfs[0], ".pdf") || strings.TrimSuffix(pdfs[0], ".pdf") != strings.TrimSuffix(imgs[0], ".png") {
		t.Fatalf("the PDF %s is not the same pass as the image %s", pdfs[0], imgs[0])
	}
	h.passIsVoid(t, old)

	b := h.booking(t, "FX5LHR")
	var on []string
	for _, c := range b.CheckIns {
		sg, _ := b.Segment(c.SegmentID)
		on = append(on, fmt.Sprintf("%s %s %s", sg.Flight.Number, sg.Status, c.Seat))
	}
	if len(on) != 1 || on[0] != "SB1013 HK 9A" {
		t.Fatalf("check-ins after the change: %v, want one on SB1013 in 9A", on)
	}
}

// The new flight's check-in is not open yet: the traveller is told when it opens,
// in the departure airport's time, and nobody is checked in.
func TestRecheckInWaitsForTheWindowAndSaysWhen(t *testing.T) {
	t.Parallel()
	h := newRecheckHarness(t, false)
	h.clock.Advance(22 * time.Hour)
	tr := h.traveller("later")
	old := checkInFischer(t, tr, "")

	// SB1005 leaves in the evening of the day after: online check-in opens 30
	// hours before, later today.
	sb1005 := h.flight(t, "SB1005", h.booking(t, "FX5LHR").Segments[0].Flight.Departure)
	opens := sb1005.Departure.In(sb1005.Origin.Location).Add(-30 * time.Hour)
	if !opens.After(h.clock.Now()) {
		t.Fatalf("SB1005 at %v: check-in is already open", sb1005.Departure)
	}
	out := changeTo(t, h, tr, "FX5LHR", 0, "SB1005")
	expect(t, out, "Online check-in for your new flight SB1005 opens", opens.Format("15:04"), "(Amsterdam time)",
		"check in again from then", "You'll get a message when check-in opens")
	if got := passes(out, domain.OutImage); len(got) != 0 {
		t.Fatalf("no pass before the window opens:\n%s", transcript(out))
	}
	h.passIsVoid(t, old)
	if b := h.booking(t, "FX5LHR"); len(b.CheckIns) != 0 {
		t.Fatalf("checked in before the window opened: %+v", b.CheckIns)
	}
}

// The booking system does not check the traveller in on the new flight: they are
// told why and offered the check-in flow.
func TestRecheckInFailureFallsBackToCheckInAgain(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"down", domain.Errorf(domain.Unavailable, "check in", "circuit open"), "the booking system isn't responding right now"},
		{"documents", domain.Errorf(domain.Invalid, "check in", domain.DocMissingField), "needs your travel document details again"},
		{"refused", domain.Errorf(domain.Forbidden, "check in", string(domain.WindowClosed)), "didn't accept the check-in"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newRecheckHarness(t, false)
			h.clock.Advance(22 * time.Hour)
			tr := h.traveller("fails")
			old := checkInFischer(t, tr, "")
			h.faults.CheckInErr = c.err

			out := changeTo(t, h, tr, "FX5LHR", 0, "SB1013")
			expect(t, out, "couldn't check you in on the new flight automatically", c.want,
				"previous boarding passes are no longer valid")
			expectNot(t, out, "checked you in on your new flight")
			if got := passes(out, domain.OutImage); len(got) != 0 {
				t.Fatalf("no pass when the check-in failed:\n%s", transcript(out))
			}
			h.passIsVoid(t, old)

			// The offered check-in works once the booking system does.
			h.faults.CheckInErr = nil
			tr.tap("intent:check_in")
			expect(t, tr.say("FX5LHR Fischer"), "SB1013")
		})
	}
}

// A paid change is reissued when the payment report arrives. The turn is retried
// (its first run did everything and was lost before it was saved), and the report
// is delivered again later: one check-in, one pass, sent once.
func TestRecheckInAfterPaidChangeIsIdempotent(t *testing.T) {
	t.Parallel()
	h := newRecheckHarness(t, false)
	tr := h.traveller("paid")
	// JN7KQP: AMS→EIN tomorrow morning, check-in open, no documents.
	tr.send("Check in", "intent:check_in")
	tr.say("JN7KQP Jansen")
	expect(t, tr.tap("pax:"), "dangerous goods")
	expect(t, tr.say("yes"), "seat")
	tr.tap("seat:keep")
	old := passes(tr.say("yes"), domain.OutImage)
	if len(old) != 1 {
		t.Fatalf("want one pass:\n%s", transcript(tr.last))
	}

	f := h.booking(t, "JN7KQP").Segments[0].Flight
	tr.send("Change flight", "intent:change_flight")
	expect(t, tr.say(f.Departure.In(f.Origin.Location).Format("2 January 2006")), "SB1503")
	tr.tapTitle("SB1503")
	expect(t, tr.tap("yes"), "Please pay")
	ref := h.pay.onlyReference()
	h.pay.settle(ref)

	lost := h.loseReportRun(t, tr, ref)
	if len(lost.Passes) != 1 {
		t.Fatalf("the lost run issued %d passes, want 1", len(lost.Passes))
	}
	// The retry replays the reissue and the check-in.
	out, err := tr.process()
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "is changed", "checked you in on your new flight too", "SB1503")
	imgs := passes(out, domain.OutImage)
	if len(imgs) != 1 {
		t.Fatalf("want one new pass:\n%s", transcript(out))
	}
	if _, code := h.passOf(t, imgs[0]); code.Legs[0].Flight != 1503 || code.Legs[0].Sequence != "0001" {
		t.Fatalf("new pass %+v: want SB1503, first check-in of the flight", code.Legs[0])
	}
	h.passIsVoid(t, old[0])

	// The provider reports the payment again: nothing more happens.
	out, err = tr.paymentReport("evt_2", domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expectNot(t, out, "checked you in", "is changed")
	if got := passes(out, domain.OutImage); len(got) != 0 {
		t.Fatalf("a replayed report sent passes again:\n%s", transcript(out))
	}
	var requests int64
	if err := h.db.Gorm.Raw(`SELECT count(*) FROM pss_checkin_requests WHERE idempotency_key LIKE 'recheckin:%'`).Scan(&requests).Error; err != nil {
		t.Fatal(err)
	}
	if requests != 1 {
		t.Fatalf("%d check-in requests recorded on the new flight, want 1", requests)
	}
	b := h.booking(t, "JN7KQP")
	if len(b.CheckIns) != 1 || b.CheckIns[0].Sequence != 1 {
		t.Fatalf("check-ins after the change: %+v", b.CheckIns)
	}
}

// loseReportRun stores the provider's report that payment ref was made and runs
// its turn without saving it, as an instance that dies before the commit does:
// everything happens, nothing is saved. It returns the lost turn.
func (h *recheckHarness) loseReportRun(t *testing.T, tr *traveller, ref string) domain.Turn {
	t.Helper()
	ctx := context.Background()
	in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: "payment:evt_1",
		Payload: fmt.Sprintf("payment:%s:%s", domain.PaymentPaid, ref), ReceivedAt: h.clock.Now()}
	if _, _, err := h.store.Accept(ctx, in, tr.user); err != nil {
		t.Fatal(err)
	}
	conv, err := h.store.Conversation(ctx, tr.conv)
	if err != nil {
		t.Fatal(err)
	}
	lost, err := h.engine.Turn(ctx, conv, in)
	if err != nil {
		t.Fatal(err)
	}
	return lost
}
