package flows_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/pss"
)

// A seat that leaves a priced basket is released in the booking system at once:
// another traveller can buy it without waiting for the first offer to expire.

// eachDatabase runs a conversation test on SQLite and on PostgreSQL.
func eachDatabase(t *testing.T, test func(t *testing.T, h *salesHarness)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			test(t, newDemoSalesHarness(t, d == "postgres"))
		})
	}
}

// holdExitSeat has Eva Jansen (JN7KQP) put exit seat 10D into a priced basket,
// which holds it.
func holdExitSeat(t *testing.T, h *salesHarness) *traveller {
	t.Helper()
	return holdExitSeatIn(t, h, "first")
}

// holdExitSeatIn is holdExitSeat in a conversation of the given name.
func holdExitSeatIn(t *testing.T, h *salesHarness, name string) *traveller {
	t.Helper()
	first := h.traveller(name)
	first.send("Choose a seat", "intent:choose_seat")
	expect(t, first.say("JN7KQP Jansen"), "Choose a seat for Eva Jansen")
	expect(t, first.say("10D"), "Seat 10D for Eva Jansen (€29.00) is in your basket")
	expect(t, first.tap("checkout"), "Extra legroom seat (exit row) 10D", "Total: €29.00")
	return first
}

// buysExitSeat has Jürgen Müller (MU3ACC), in a conversation of his own, choose
// exit seat 10D and get it priced, which holds it for him.
func buysExitSeat(t *testing.T, h *salesHarness, name string) {
	t.Helper()
	tr := h.traveller(name)
	tr.send("Choose a seat", "intent:choose_seat")
	expect(t, tr.say("MU3ACC Müller"), "Extra legroom seat (exit row) – €29.00: 10A 10C 10D 10F")
	expect(t, tr.say("10D"), "Seat 10D for Jürgen Müller")
	tr.tap("back")
	expect(t, tr.tap("checkout"), "Extra legroom seat (exit row) 10D – Jürgen Müller", "Total: €29.00")
}

// seesNoExitSeat checks that a new conversation for MU3ACC is not offered 10D.
func seesNoExitSeat(t *testing.T, h *salesHarness, name string) {
	t.Helper()
	tr := h.traveller(name)
	tr.send("Choose a seat", "intent:choose_seat")
	out := tr.say("MU3ACC Müller")
	expect(t, out, "Extra legroom seat (exit row) – €29.00: 10A 10C 10F")
	expectNot(t, out, "10D")
}

// TestSeatReleaseWhenTheOrderIsCancelled: the traveller cancels the priced basket
// and its seat can be bought in another conversation straight away.
func TestSeatReleaseWhenTheOrderIsCancelled(t *testing.T) {
	eachDatabase(t, func(t *testing.T, h *salesHarness) {
		first := holdExitSeat(t, h)
		seesNoExitSeat(t, h, "before")
		expect(t, first.tap("no"), "I've added nothing")
		buysExitSeat(t, h, "second")
	})
}

// TestSeatReleaseWhenAnotherSeatIsChosen: choosing another seat for the same
// passenger and flight releases the first one at once, before the basket is
// priced again; the new seat is then held in its place.
func TestSeatReleaseWhenAnotherSeatIsChosen(t *testing.T) {
	eachDatabase(t, func(t *testing.T, h *salesHarness) {
		first := holdExitSeat(t, h)
		expect(t, first.tap("more"), "Add something else, or pay?")
		expect(t, first.tap("kind:seat"), "Choose a seat for Eva Jansen")
		expect(t, first.say("10C"), "Seat 10C for Eva Jansen (€29.00) is in your basket")
		buysExitSeat(t, h, "second")
		out := first.tap("checkout")
		expect(t, out, "Extra legroom seat (exit row) 10C", "Total: €29.00")
		expectNot(t, out, "10D")

		// Both baskets hold their seat: neither is for sale to François Lefèvre.
		mu, err := h.demo().FindBooking(t.Context(), "MU3ACC")
		if err != nil {
			t.Fatal(err)
		}
		o, err := h.demo().AncillaryOffer(t.Context(), "MU3ACC")
		if err != nil {
			t.Fatal(err)
		}
		var exit []string
		for _, it := range o.Items {
			if it.Kind == domain.AncillarySeat && it.PassengerID == mu.Passengers[1].ID && slices.Contains(it.Seats, "10A") {
				exit = it.Seats
			}
		}
		if exit == nil || slices.Contains(exit, "10C") || slices.Contains(exit, "10D") {
			t.Errorf("exit seats for sale to François Lefèvre %v, want 10A without the held 10C and 10D", exit)
		}
	})
}

// TestSeatReleaseOnStartOver: starting over abandons the basket and releases its
// seat.
func TestSeatReleaseOnStartOver(t *testing.T) {
	eachDatabase(t, func(t *testing.T, h *salesHarness) {
		first := holdExitSeat(t, h)
		expect(t, first.send("start over", "intent:start_over"), "What can I do for you?")
		buysExitSeat(t, h, "second")
	})
}

// TestSeatReleaseWhenTheFlowTimesOut: a basket left alone until the flow expires
// (sooner than the offer) gives its seat back.
func TestSeatReleaseWhenTheFlowTimesOut(t *testing.T) {
	eachDatabase(t, func(t *testing.T, h *salesHarness) {
		ctx := context.Background()
		c, err := flows.DefaultContent()
		if err != nil {
			t.Fatal(err)
		}
		c.Rules.Timeouts = &flows.Timeouts{ReminderMinutes: 5, ExpireMinutes: 20}
		body, err := flows.MarshalContent(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.PublishContent(ctx, body, "editor", "short flows"); err != nil {
			t.Fatal(err)
		}
		first := holdExitSeat(t, h)
		h.clock.Advance(21 * time.Minute)
		if _, x, err := h.engine.SweepIdle(ctx, h.store); err != nil || x != 1 {
			t.Fatalf("sweep after 21 minutes: %d expiries, %v; want 1", x, err)
		}
		mustProcess(t, first)
		if c := first.state(); c.Flow != "" {
			t.Fatalf("flow %s/%s after expiring, want none", c.Flow, c.State)
		}
		buysExitSeat(t, h, "second")
	})
}

// TestSeatReleaseKeepsTheSeatOfAnOpenPayment: once the payment link is sent the
// seat stays held for the payment, also when the traveller goes on to something
// else.
func TestSeatReleaseKeepsTheSeatOfAnOpenPayment(t *testing.T) {
	eachDatabase(t, func(t *testing.T, h *salesHarness) {
		first := holdExitSeat(t, h)
		expect(t, first.tap("pay"), "Please pay €29.00")
		first.send("start over", "intent:start_over")
		seesNoExitSeat(t, h, "second")
	})
}

// failingRelease is the demo booking system with a seat release that fails, with
// err or else as a booking system that is down.
type failingRelease struct {
	*pss.Demo
	err   error
	calls atomic.Int32
}

func (f *failingRelease) ReleaseSeatHolds(context.Context, string, []domain.BasketItem) error {
	f.calls.Add(1)
	if f.err != nil {
		return f.err
	}
	return domain.Errorf(domain.Unavailable, "release seat holds", "%v", errors.New("booking system down"))
}

// TestSeatReleaseFailureIsNotTheTravellersProblem: a release the booking system
// refuses does not disturb the conversation; the seat stays held until the offer
// expires.
func TestSeatReleaseFailureIsNotTheTravellersProblem(t *testing.T) {
	t.Parallel()
	h := newDemoSalesHarness(t, false)
	fr := &failingRelease{Demo: h.demo()}
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: fr.Demo, Now: h.clock.Now,
		Log: testLogger(t), Ancillaries: fr, Changes: fr.Demo, Payments: h.pay, Ledger: h.pay, Statuses: h.store})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	first := holdExitSeat(t, h)
	out := first.tap("no")
	expect(t, out, "I've added nothing", "What can I do for you?")
	expectNot(t, out, "Sorry", "isn't responding")
	if n := fr.calls.Load(); n != 1 {
		t.Fatalf("%d release calls, want 1", n)
	}
	seesNoExitSeat(t, h, "second")
}

// TestSeatReleaseLeavesTheSeatOfAnotherConversation: Eva Jansen has exit seat 10D
// in a priced basket on web chat and again in a second conversation, whose pricing
// takes the hold over. The first conversation giving up the seat leaves it held for
// the second (nobody else can buy it before Eva pays there); the second giving it
// up releases it.
func TestSeatReleaseLeavesTheSeatOfAnotherConversation(t *testing.T) {
	eachDatabase(t, func(t *testing.T, h *salesHarness) {
		first := holdExitSeatIn(t, h, "web")
		second := holdExitSeatIn(t, h, "whatsapp")
		expect(t, first.tap("no"), "I've added nothing")
		seesNoExitSeat(t, h, "after-first")
		expect(t, second.tap("no"), "I've added nothing")
		buysExitSeat(t, h, "third")
	})
}

// TestSeatReleaseAfterASeatWasTaken: Jürgen Müller's priced exit seat 10D stays in
// the basket when the seat chosen next for François Lefèvre turns out taken (the
// basket is kept against a fresh offer, not priced again); abandoning the basket
// then still releases 10D, which another booking can buy at once.
func TestSeatReleaseAfterASeatWasTaken(t *testing.T) {
	eachDatabase(t, func(t *testing.T, h *salesHarness) {
		tr := h.traveller("taken")
		tr.send("Choose a seat", "intent:choose_seat")
		expect(t, tr.say("MU3ACC Müller"), "Choose a seat for Jürgen Müller")
		expect(t, tr.say("10D"), "Seat 10D for Jürgen Müller")
		tr.tap("back")
		expect(t, tr.tap("checkout"), "Extra legroom seat (exit row) 10D – Jürgen Müller", "Total: €29.00")
		expect(t, tr.tap("more"), "Add something else, or pay?")
		expect(t, tr.tap("kind:seat"), "Choose a seat for Jürgen Müller")
		expect(t, tr.tap("seat:skip"), "Choose a seat for François Lefèvre")
		expect(t, tr.say("10F"), "Seat 10F for François Lefèvre")
		tr.tap("back")
		holdSeatFor(t, h, "JN7KQP", "10F")
		expect(t, tr.tap("checkout"), "Sorry, seat 10F was just taken by someone else", "Choose a seat for François Lefèvre")
		expect(t, tr.send("start over", "intent:start_over"), "What can I do for you?")
		eva := h.traveller("eva")
		eva.send("Choose a seat", "intent:choose_seat")
		expect(t, eva.say("JN7KQP Jansen"), "Choose a seat for Eva Jansen")
		expect(t, eva.say("10D"), "Seat 10D for Eva Jansen (€29.00) is in your basket")
		expect(t, eva.tap("checkout"), "Extra legroom seat (exit row) 10D", "Total: €29.00")
	})
}

// logRecords keeps the level and message of every record logged.
type logRecords struct {
	mu   sync.Mutex
	seen []string
}

func (l *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecords) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecords) WithGroup(string) slog.Handler            { return l }
func (l *logRecords) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, r.Level.String()+" "+r.Message)
	return nil
}

func (l *logRecords) records() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

// TestSeatReleaseNotFoundIsNoWarning: a booking system without early release, or
// one that already purged the expired offer, answers NotFound to every release;
// that is logged at debug level, not as a warning at every basket change. Other
// failures stay warnings. Either way the traveller hears nothing of it.
func TestSeatReleaseNotFoundIsNoWarning(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want string
		not  string
	}{
		{"not found", domain.Errorf(domain.NotFound, "release seat holds", "no such offer"),
			"DEBUG seat hold release not found", "WARN seat hold release failed"},
		{"unavailable", nil, "WARN seat hold release failed", "DEBUG seat hold release not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newDemoSalesHarness(t, false)
			fr := &failingRelease{Demo: h.demo(), err: c.err}
			logs := &logRecords{}
			e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: fr.Demo, Now: h.clock.Now,
				Log: slog.New(logs), Ancillaries: fr, Changes: fr.Demo, Payments: h.pay, Ledger: h.pay, Statuses: h.store})
			if err != nil {
				t.Fatal(err)
			}
			h.engine = e
			first := holdExitSeat(t, h)
			out := first.tap("no")
			expect(t, out, "I've added nothing", "What can I do for you?")
			expectNot(t, out, "Sorry", "isn't responding")
			if n := fr.calls.Load(); n != 1 {
				t.Fatalf("%d release calls, want 1", n)
			}
			if got := logs.records(); !slices.Contains(got, c.want) || slices.Contains(got, c.not) {
				t.Errorf("logged %q, want %q and not %q", got, c.want, c.not)
			}
		})
	}
}
