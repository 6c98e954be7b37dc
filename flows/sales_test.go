package flows_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// salesHarness is a harness whose engine sells extras and changes flights through
// in-memory fakes of the booking system's sales interface and of a payment
// provider, on the real store and the demo booking system.
type salesHarness struct {
	*harness
	sales *salesFake
	pay   *payFake
	pss   *flakyBookings
}

// flakyBookings is the demo booking system with an outage switch.
type flakyBookings struct {
	domain.BookingSystem
	down atomic.Bool
	// edit, when set, changes every booking found (a protected flight added).
	edit func(*domain.Booking)
}

func (f *flakyBookings) FindBooking(ctx context.Context, loc domain.RecordLocator) (domain.Booking, error) {
	if f.down.Load() {
		return domain.Booking{}, domain.Errorf(domain.Unavailable, "find booking", "booking system down")
	}
	b, err := f.BookingSystem.FindBooking(ctx, loc)
	if err == nil && f.edit != nil {
		f.edit(&b)
	}
	return b, err
}

func newSalesHarness(t *testing.T) *salesHarness {
	t.Helper()
	h := newHarness(t, dbtest.SQLite(t))
	demo := h.bookings()
	sales := newSalesFake(h.clock.Now, func(loc domain.RecordLocator) domain.Booking {
		b, err := demo.FindBooking(context.Background(), loc)
		if err != nil {
			t.Fatalf("fake sales: %v", err)
		}
		return b
	})
	pay := newPayFake()
	pss := &flakyBookings{BookingSystem: demo}
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: pss, Now: h.clock.Now,
		Log: testLogger(t), Ancillaries: sales, Changes: sales, Payments: pay, Ledger: pay})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return &salesHarness{harness: h, sales: sales, pay: pay, pss: pss}
}

// paymentReport puts the provider's report into the traveller's conversation, as
// the payment webhook does, and returns the bot's answer and the processing error.
func (tr *traveller) paymentReport(eventID string, status domain.PaymentStatus, ref string) ([]domain.Outbound, error) {
	tr.h.t.Helper()
	ctx := context.Background()
	in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: "payment:" + eventID,
		Payload: fmt.Sprintf("payment:%s:%s", status, ref), ReceivedAt: tr.h.clock.Now()}
	if _, _, err := tr.h.store.Accept(ctx, in, tr.user); err != nil {
		tr.h.t.Fatal(err)
	}
	return tr.process()
}

func (tr *traveller) process() ([]domain.Outbound, error) {
	ctx := context.Background()
	perr := tr.h.engine.Process(ctx, tr.conv)
	out, err := tr.h.store.OutboundAfter(ctx, tr.conv, tr.lastSeq, 100)
	if err != nil {
		tr.h.t.Fatal(err)
	}
	if len(out) > 0 {
		tr.lastSeq = out[len(out)-1].Seq
	}
	tr.last = out
	return out, perr
}

// buyBag walks a traveller of JN7KQP to the payment link for one checked bag.
func buyBag(t *testing.T, tr *traveller) {
	t.Helper()
	expect(t, tr.send("Bags & extras", "intent:extras"), "booking reference")
	expect(t, tr.say("JN7KQP Jansen"), "What would you like to add?", "Checked bags")
	expect(t, tr.tap("kind:bag"), "Which one?", "Checked bag 23 kg – €35.00")
	expect(t, tr.tap("item:0CC"), "For whom?")
	expect(t, tr.tap("who:all"), "Added to your basket (1)", "Pay (1)")
	expect(t, tr.tap("checkout"), "Your basket:", "1 × Checked bag 23 kg", "Total: €35.00")
	expect(t, tr.tap("pay"), "Please pay €35.00", "https://pay.example/order-")
}

func TestOrderPaidIsFulfilledOnce(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("order")
	buyBag(t, tr)
	if c := tr.state(); c.Flow != "" {
		t.Fatalf("after the link the flow ends, the payment settles whenever it comes; at %s/%s", c.Flow, c.State)
	}
	ref := h.pay.onlyReference()
	// The traveller does something else meanwhile: the payment lands in the middle.
	expect(t, tr.send("Change flight", "intent:change_flight"), "You're booked on SB")
	h.pay.settle(ref)
	out, err := tr.paymentReport("evt_1", domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "Payment received", "JN7KQP", "Checked bag 23 kg", "document 999")
	expect(t, out, "Which date would you like instead?") // and back to where they were
	// The provider reports the payment again under another event id.
	out, err = tr.paymentReport("evt_2", domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expectNot(t, out, "Payment received", "refunded")
	if f, _, _ := h.sales.counts(); f != 1 {
		t.Fatalf("fulfilled %d times, want 1", f)
	}
	if n := h.pay.refundCount(); n != 0 {
		t.Fatalf("%d refunds, want 0", n)
	}
}

func TestOrderPaidAfterExpiryIsRefunded(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("late")
	buyBag(t, tr)
	ref := h.pay.onlyReference()
	h.clock.Advance(31 * time.Minute) // the offer held 30 minutes
	h.pay.settle(ref)
	out, err := tr.paymentReport("evt_late", domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "after the offer had expired", "refunded in full")
	if f, _, _ := h.sales.counts(); f != 0 {
		t.Fatalf("fulfilled %d times, want 0", f)
	}
	if n := h.pay.refundCount(); n != 1 {
		t.Fatalf("%d refunds, want 1", n)
	}
}

func TestOrderFulfilmentWaitsForTheBookingSystem(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("outage")
	buyBag(t, tr)
	ref := h.pay.onlyReference()
	h.pay.settle(ref)
	h.sales.FulfilErr = domain.Errorf(domain.Unavailable, "fulfil", "booking system down")
	if _, err := tr.paymentReport("evt_1", domain.PaymentPaid, ref); err == nil {
		t.Fatal("a paid order the booking system cannot issue must stay waiting (turn fails, job retries)")
	}
	// A crash or retry later: the same event is processed again, once.
	h.sales.FulfilErr = nil
	out, err := tr.process()
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "Payment received")
	if f, _, _ := h.sales.counts(); f != 1 {
		t.Fatalf("fulfilled %d times, want 1", f)
	}
}

func TestOrderPaymentProviderDownAndExpiredLink(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("nopay")
	h.pay.LinkErr = domain.Errorf(domain.Unavailable, "create link", "provider down")
	tr.send("Bags & extras", "intent:extras")
	tr.say("JN7KQP Jansen")
	tr.tap("kind:meal")
	tr.tap("item:0B3")
	tr.tap("who:all")
	tr.tap("checkout")
	out := tr.tap("pay")
	expect(t, out, "can't create a payment link", "Nothing was charged", "Your basket:")
	h.pay.LinkErr = nil
	expect(t, tr.tap("pay"), "Please pay €12.00")
	out, err := tr.paymentReport("evt_exp", domain.PaymentExpired, h.pay.onlyReference())
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "link has expired")
}

func TestOrderOfferExpiresWhileChoosing(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("slow")
	tr.send("Bags & extras", "intent:extras")
	tr.say("JN7KQP Jansen")
	tr.tap("kind:bag")
	tr.tap("item:0CC")
	tr.tap("who:all")
	h.clock.Advance(40 * time.Minute)
	expect(t, tr.tap("checkout"), "prices I showed have expired", "What would you like to add?")
}

func TestChangeForbiddenByFare(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	h.sales.Changeable = false
	tr := h.traveller("basic")
	tr.send("Change flight", "intent:change_flight")
	out := tr.say("JN7KQP Jansen")
	expect(t, out, "doesn't allow changes", "Talk to a person")
	if c := tr.state(); c.Flow != "" {
		t.Fatalf("flow should end, at %s/%s", c.Flow, c.State)
	}
}

// alternativesFor builds two options two days after the booking's first flight:
// one costing money, one free.
func alternativesFor(t *testing.T, h *salesHarness, loc string) {
	t.Helper()
	b, err := h.bookings().FindBooking(context.Background(), domain.RecordLocator(loc))
	if err != nil {
		t.Fatal(err)
	}
	f := b.Segments[0].Flight
	mk := func(id string, days int, hours time.Duration, pay int64) domain.Alternative {
		g := f
		g.Departure, g.Arrival = f.Departure.AddDate(0, 0, days).Add(hours), f.Arrival.AddDate(0, 0, days).Add(hours)
		a := domain.Alternative{ID: id, Flights: []domain.Flight{g}, Cabin: domain.Economy, ExpiresAt: h.clock.Now().Add(20 * time.Minute),
			FareDifference: eur(pay - 5000), ChangeFee: eur(5000), ToPay: eur(pay), SeatsLeft: 9}
		if pay == 0 {
			a.FareDifference, a.ChangeFee, a.ToPay, a.Residual = eur(-7000), eur(5000), domain.Money{}, eur(2000)
		}
		return a
	}
	h.sales.Alts = []domain.Alternative{mk("ALT1", 2, 0, 7500), mk("ALT2", 2, 3*time.Hour, 0), mk("ALT3", 1, 0, 2000)}
}

func dayAfter(t *testing.T, h *salesHarness, loc string, days int) string {
	b, _ := h.bookings().FindBooking(context.Background(), domain.RecordLocator(loc))
	f := b.Segments[0].Flight
	return f.Departure.In(f.Origin.Location).AddDate(0, 0, days).Format("2 January 2006")
}

func TestChangePaidThenReissued(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	alternativesFor(t, h, "JN7KQP")
	tr := h.traveller("change")
	tr.send("Change flight", "intent:change_flight")
	expect(t, tr.say("JN7KQP Jansen"), "fee of €50.00", "Which date")
	out := tr.say(dayAfter(t, h, "JN7KQP", 2))
	expect(t, out, "1. ", "to pay €75.00", "2. ", "€20.00 of your fare kept as credit")
	expectNot(t, out, "3. ") // another day
	expect(t, tr.tap("alt:1"), "You'll pay €75.00")
	expect(t, tr.tap("yes"), "Please pay €75.00", "https://pay.example/change-")
	ref := h.pay.onlyReference()
	h.pay.settle(ref)
	out, err := tr.paymentReport("evt_c", domain.PaymentPaid, ref)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, out, "booking JN7KQP is changed", "Your new flights")
	if _, r, _ := h.sales.counts(); r != 1 {
		t.Fatalf("reissued %d times, want 1", r)
	}
}

func TestChangeFreeOptionAndBookingSystemDown(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	alternativesFor(t, h, "JN7KQP")
	tr := h.traveller("free")
	tr.send("Change flight", "intent:change_flight")
	tr.say("JN7KQP Jansen")
	h.sales.AltErr = domain.Errorf(domain.Unavailable, "alternatives", "circuit open")
	out := tr.say(dayAfter(t, h, "JN7KQP", 2))
	expect(t, out, "isn't responding", "Which date")
	h.sales.AltErr = nil
	tr.say(dayAfter(t, h, "JN7KQP", 2))
	expect(t, tr.tap("alt:2"), "Shall I change your booking?")
	expect(t, tr.tap("yes"), "booking JN7KQP is changed")
	if h.pay.onlyReference() != "" {
		t.Fatal("a free change must not ask for payment")
	}
}

func TestRebookCancelledFlight(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	alternativesFor(t, h, "LR6XNC")
	tr := h.traveller("rebook")
	tr.send("Rebook or refund", "intent:disruption")
	out := tr.say("LR6XNC Larsen")
	expect(t, out, "this flight is cancelled", "Another flight", "Refund")
	out = tr.tap("rebook:other")
	expect(t, out, "no cost")
	expectNot(t, out, "to pay")
	expect(t, tr.tap("alt:1"), "free of charge")
	out = tr.tap("yes")
	expect(t, out, "booking LR6XNC is changed", "Regulation 261/2004")
	q := h.sales.queries[len(h.sales.queries)-1]
	if !q.Involuntary || q.To.Sub(q.From) < 7*24*time.Hour {
		t.Fatalf("rebooking search %+v: want involuntary, 1 day before to 7 after", q)
	}
}

func TestRebookRefund(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("refund")
	tr.send("Rebook or refund", "intent:disruption")
	tr.say("LR6XNC Larsen")
	expect(t, tr.tap("rebook:refund"), "refund them in full")
	out := tr.tap("yes")
	expect(t, out, "cancelled (reference RF0001)", "€189.00", "Regulation 261/2004")
	if _, _, c := h.sales.counts(); c != 1 {
		t.Fatalf("%d cancellations, want 1", c)
	}
}

func TestRebookNothingDisrupted(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("fine")
	tr.send("Rebook or refund", "intent:disruption")
	expect(t, tr.say("JN7KQP Jansen"), "don't see a cancellation", "Change flight")
}

func TestKnownBookingIsReused(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	tr := h.traveller("known")
	tr.send("Rebook or refund", "intent:disruption")
	tr.say("JN7KQP Jansen")
	out := tr.tap("intent:change_flight")
	expect(t, out, "You're booked on")
	expectNot(t, out, "booking reference")
	if !strings.Contains(transcript(out), "Which date") {
		t.Fatal(transcript(out))
	}
}

// The airline already moved the traveller of a cancelled flight to a protected
// one: they may keep it, or change or refund that protected flight.
func TestRebookKeepsOrReplacesTheProtectedFlight(t *testing.T) {
	t.Parallel()
	h := newSalesHarness(t)
	h.pss.edit = func(b *domain.Booking) {
		if b.Locator != "LR6XNC" {
			return
		}
		for _, sg := range b.Segments {
			if sg.Status == domain.SegmentUnable || sg.Flight.Status == domain.FlightCancelled {
				p := sg
				p.ID, p.Status = 99901, domain.SegmentConfirmed
				p.Flight.ID, p.Flight.Status = 99902, domain.FlightScheduled
				p.Flight.Departure, p.Flight.Arrival = sg.Flight.Departure.Add(5*time.Hour), sg.Flight.Arrival.Add(5*time.Hour)
				b.Segments = append(b.Segments, p)
				return
			}
		}
	}
	keep := h.traveller("protected-keep")
	keep.send("Rebook or refund", "intent:disruption")
	expect(t, keep.say("LR6XNC Larsen"), "already moved you to", "Keep my flight", "Another flight", "Refund")
	expect(t, keep.tap("rebook:keep"), "you keep your flight")

	alternativesFor(t, h, "LR6XNC")
	other := h.traveller("protected-other")
	other.send("Rebook or refund", "intent:disruption")
	other.say("LR6XNC Larsen")
	other.tap("rebook:other")
	q := h.sales.queries[len(h.sales.queries)-1]
	if len(q.SegmentIDs) != 1 || q.SegmentIDs[0] != 99901 || !q.Involuntary {
		t.Fatalf("another flight replaces the protected one, free: query %+v", q)
	}
}
