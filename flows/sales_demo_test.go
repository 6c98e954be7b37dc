package flows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

// newDemoSalesHarness sells and changes through the demo booking system itself:
// its fares, catalogue, offers, EMDs and reissues on the database.
func newDemoSalesHarness(t *testing.T, postgres bool) *salesHarness {
	t.Helper()
	db := dbtest.SQLite(t)
	if postgres {
		db = dbtest.Postgres(t)
	}
	h := newHarness(t, db)
	demo := pss.NewDemo(h.db, h.sealer, h.clock.Now)
	pay := newPayFake()
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: demo, Now: h.clock.Now,
		Log: testLogger(t), Ancillaries: demo, Changes: demo, Payments: pay, Ledger: pay, Statuses: h.store})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return &salesHarness{harness: h, pay: pay}
}

func TestDemoBookingSystemSellsABagAndChangesAFlight(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			h := newDemoSalesHarness(t, d == "postgres")
			tr := h.traveller("demo")
			tr.send("Bags & extras", "intent:extras")
			expect(t, tr.say("FX5LHR Fischer"), "What would you like to add?")
			expect(t, tr.tap("kind:bag"), "Which one?")
			tr.tap("item:")
			tr.tap("who:all")
			out := tr.tap("checkout")
			expect(t, out, "Total: €35.00")
			expect(t, tr.tap("pay"), "Please pay €35.00")
			ref := h.pay.onlyReference()
			h.pay.settle(ref)
			out, err := tr.paymentReport("evt_demo", domain.PaymentPaid, ref)
			if err != nil {
				t.Fatal(err)
			}
			expect(t, out, "Payment received", "FX5LHR", "document ")

			// The Flex fare changes for free: the booking system prices the options.
			b, err := pss.NewDemo(h.db, h.sealer, h.clock.Now).FindBooking(context.Background(), "FX5LHR")
			if err != nil {
				t.Fatal(err)
			}
			f := b.Segments[0].Flight
			tr.send("Change flight", "intent:change_flight")
			out = tr.say(f.Departure.In(f.Origin.Location).AddDate(0, 0, 1).Format("2 January 2006"))
			expect(t, out, "1. ")
			expect(t, tr.tap("alt:1"), "You chose")
			out = tr.tap("yes")
			if !strings.Contains(transcript(out), "is changed") && !strings.Contains(transcript(out), "Please pay") {
				t.Fatalf("no change and no payment link:\n%s", transcript(out))
			}
			after, err := pss.NewDemo(h.db, h.sealer, h.clock.Now).FindBooking(context.Background(), "FX5LHR")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(transcript(out), "is changed") && after.Segments[len(after.Segments)-1].Flight.Departure.Equal(f.Departure) {
				t.Fatalf("the booking system still holds the old flight: %+v", after.Segments)
			}
		})
	}
}
