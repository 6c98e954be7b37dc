package flows_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
	"github.com/skybridge/skybridge/integrations/pss"
)

// Paid seats in the extras flow, on the demo booking system: its seat map, seat
// holds, EMDs and check-in.

func (h *salesHarness) demo() *pss.Demo { return pss.NewDemo(h.db, h.sealer, h.clock.Now) }

// holdSeatFor has another booking's basket take a seat, as a traveller in another
// conversation would.
func holdSeatFor(t *testing.T, h *salesHarness, loc domain.RecordLocator, seat string) {
	t.Helper()
	ctx := context.Background()
	d := h.demo()
	b, err := d.FindBooking(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	o, err := d.AncillaryOffer(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range o.Items {
		if it.Kind == domain.AncillarySeat && it.PassengerID == b.Passengers[0].ID && slices.Contains(it.Seats, seat) {
			_, err := d.PriceBasket(ctx, o.ID, []domain.BasketItem{{Code: it.Code, PassengerID: it.PassengerID, SegmentID: it.SegmentID, Quantity: 1, Seat: seat}})
			if err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("%s cannot choose %s", loc, seat)
}

func assignedSeat(t *testing.T, h *salesHarness, loc domain.RecordLocator) string {
	t.Helper()
	b, err := h.demo().FindBooking(context.Background(), loc)
	if err != nil {
		t.Fatal(err)
	}
	return b.AssignedSeat(b.Passengers[0].ID, b.Segments[0].ID)
}

// TestPaidSeatChosenPaidAndShownAtCheckIn: "I want to choose a seat" shows the
// seats for sale by type and fee; the traveller pages on, types a seat, pays; the
// booking system issues the EMD and gives the seat, which check-in keeps and the
// boarding pass carries.
func TestPaidSeatChosenPaidAndShownAtCheckIn(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	tr := h.traveller("seat")
	expect(t, tr.say("I want to choose a seat"), "booking reference")
	out := tr.say("JN7KQP Jansen")
	expect(t, out, "Choose a seat for Eva Jansen on SB1501", "Extra legroom seat (exit row) – €29.00: 10A 10C 10D 10F",
		"Front seat (first rows) – €15.00", "and 58 more", "A seat given at check-in stays free", "7A – €9.00", "More seats")
	expectNot(t, out, "4A ") // taken
	if n := len(out[len(out)-1].Choices); n > 10 {
		t.Fatalf("%d choices, more than a WhatsApp list holds", n)
	}
	out = tr.tap("seat:more")
	expect(t, out, "8D – €9.00")
	expectNot(t, out, "7A – €9.00")
	out = tr.say("14c")
	expect(t, out, "Seat 14C for Eva Jansen (€9.00) is in your basket", "Pay (1)")
	expect(t, tr.tap("checkout"), "1 × Seat of your choice 14C – Eva Jansen, SB1501: €9.00", "Total: €9.00")
	expect(t, tr.tap("pay"), "Please pay €9.00")
	ref := h.pay.onlyReference()
	h.pay.settle(ref)
	out, err := tr.paymentReport("evt_seat", domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "Payment received", "Seat of your choice 14C", "document ", "you'll see it at check-in and on your boarding pass")
	if s := assignedSeat(t, h, "JN7KQP"); s != "14C" {
		t.Fatalf("seat on the booking after paying: %q, want 14C", s)
	}

	expect(t, tr.say("I want to check in"), "booking reference")
	expect(t, tr.say("JN7KQP Jansen"), "Eva Jansen")
	expect(t, tr.tap("pax:"), "dangerous goods")
	expect(t, tr.tap("yes"), "Eva Jansen has seat 14C on SB1501")
	expect(t, tr.tap("seat:keep"), "Please check")
	out = tr.tap("yes")
	expect(t, out, "checked in")
	pdfs := passes(out, domain.OutDocument)
	if len(pdfs) != 1 {
		t.Fatalf("want one boarding pass:\n%s", transcript(out))
	}
	bp, err := h.store.Pass(context.Background(), strings.TrimSuffix(strings.TrimPrefix(pdfs[0], "/passes/"), ".pdf"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := bcbp.Decode(bp.BCBP)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Legs) != 1 || p.Legs[0].Seat != "014C" {
		t.Fatalf("boarding pass legs %+v, want seat 014C", p.Legs)
	}
}

// TestPaidSeatTakenMeanwhile: the seat in the basket is held by someone else's
// basket before this one is priced: the traveller hears which seat went and
// chooses another for the same passenger and flight.
func TestPaidSeatTakenMeanwhile(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	tr := h.traveller("taken")
	tr.send("Bags & extras", "intent:extras")
	expect(t, tr.say("JN7KQP Jansen"), "Seats")
	expect(t, tr.tap("kind:seat"), "Choose a seat for Eva Jansen")
	expect(t, tr.tap("seat:7A"), "Seat 7A for Eva Jansen")
	holdSeatFor(t, h, "MU3ACC", "7A")
	out := tr.tap("checkout")
	expect(t, out, "Sorry, seat 7A was just taken by someone else", "Choose a seat for Eva Jansen", "7C – €9.00")
	expectNot(t, out, "7A – €9.00", "Your basket:")
	expect(t, tr.say("10C"), "Seat 10C for Eva Jansen (€29.00)")
	expect(t, tr.tap("checkout"), "Extra legroom seat (exit row) 10C", "Total: €29.00")
}

// TestPaidSeatTypedWrong: what is not a seat, a seat someone has and a seat of the
// cabin's other kind of fare are all answered, and the question stays.
func TestPaidSeatTypedWrong(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	tr := h.traveller("typo")
	tr.send("Choose a seat", "intent:choose_seat")
	expect(t, tr.say("JN7KQP Jansen"), "Choose a seat for Eva Jansen")
	expect(t, tr.say("A1B"), "A1B is not a seat number", "Choose a seat for Eva Jansen")
	expect(t, tr.say("4A"), "Seat 4A can't be chosen", "Choose a seat for Eva Jansen")
	expect(t, tr.say("2A"), "Seat 2A can't be chosen") // business class
	if c := tr.state(); c.Flow != "order" || c.State != "choose_paid_seat" {
		t.Fatalf("at %s/%s after wrong seats, want order/choose_paid_seat", c.Flow, c.State)
	}
	if s := assignedSeat(t, h, "JN7KQP"); s != "" {
		t.Fatalf("seat %q given without paying", s)
	}
}

// TestPaidSeatExpiredBasketReleasesTheHold: an unpaid basket holds its seat only
// until the offer expires; then another traveller can buy it, and a payment for
// the expired basket is refunded.
func TestPaidSeatExpiredBasketReleasesTheHold(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	first := h.traveller("first")
	first.send("Choose a seat", "intent:choose_seat")
	first.say("JN7KQP Jansen")
	first.say("10D")
	first.tap("checkout")
	expect(t, first.tap("pay"), "Please pay €29.00")
	ref := h.pay.onlyReference()

	second := h.traveller("second")
	second.send("Choose a seat", "intent:choose_seat")
	out := second.say("MU3ACC Müller")
	expect(t, out, "Extra legroom seat (exit row) – €29.00: 10A 10C 10F")
	expectNot(t, out, "10D")
	expect(t, second.say("10D"), "Seat 10D can't be chosen")

	h.clock.Advance(61 * time.Minute)
	out, err := first.paymentReport("evt_exp", domain.PaymentExpired, ref)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "expired")
	expect(t, second.send("Choose a seat", "intent:choose_seat"), "Choose a seat for Jürgen Müller") // asks again

	third := h.traveller("third")
	third.send("Choose a seat", "intent:choose_seat")
	expect(t, third.say("MU3ACC Müller"), "Extra legroom seat (exit row) – €29.00: 10A 10C 10D 10F")
	out = third.say("10D")
	expect(t, out, "Seat 10D for Jürgen Müller", "Choose a seat for François Lefèvre", "10A 10C 10F")
	expectNot(t, out, "10D – €29.00")
	third.tap("back")
	expect(t, third.tap("checkout"), "Extra legroom seat (exit row) 10D", "Total: €29.00")

	// The first traveller pays the expired link after all: refunded, no seat.
	h.pay.settle(ref)
	out, err = first.paymentReport("evt_late", domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "refund")
	if n := h.pay.refundCount(); n != 1 {
		t.Fatalf("%d refunds, want 1", n)
	}
	if s := assignedSeat(t, h, "JN7KQP"); s != "" {
		t.Fatalf("the expired basket's passenger has seat %q", s)
	}
}

// TestPaidSeatsForEachPassenger: the seats are asked passenger by passenger; one
// can be skipped, and "back" returns to the extras.
func TestPaidSeatsForEachPassenger(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	tr := h.traveller("family")
	tr.send("Bags & extras", "intent:extras")
	expect(t, tr.say("DB4LHR Dubois"), "What would you like to add?")
	expect(t, tr.say("a seat please"), "Choose a seat for Claire Dubois")
	expect(t, tr.tap("seat:skip"), "Choose a seat for Marc Dubois")
	expect(t, tr.tap("back"), "What would you like to add?")
	expect(t, tr.tap("kind:seat"), "Choose a seat for Claire Dubois")
	expect(t, tr.say("12A"), "Seat 12A for Claire Dubois", "Choose a seat for Marc Dubois")
	expect(t, tr.say("12A"), "Seat 12A can't be chosen")
	expect(t, tr.say("12C"), "Seat 12C for Marc Dubois", "Pay (2)")
	expect(t, tr.tap("checkout"), "Extra legroom seat (exit row) 12A – Claire Dubois", "Extra legroom seat (exit row) 12C – Marc Dubois", "Total: €58.00")
}

// TestPaidSeatNoneForSale: a passenger already checked in buys no seat in chat:
// asked for one, the traveller hears so and sees the other extras.
func TestPaidSeatNoneForSale(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	tr := h.traveller("checkedin")
	tr.send("Choose a seat", "intent:choose_seat")
	out := tr.say("BK3DNE Bakker")
	expect(t, out, "no seats I can sell", "What would you like to add?", "Checked bags")
	expectNot(t, out, "Choose a seat for", "kind:seat")
}
