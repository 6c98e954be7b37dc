package flows_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

// BenchmarkTurnSales measures one full chat turn of the extras and change flows on
// the demo booking system — message stored, understood, the flow moved, the
// booking system's offer, pricing or alternatives search done, state + log +
// replies committed — cycling through each flow's steps.
func BenchmarkTurnSales(b *testing.B) {
	type msg struct{ text, payload string }
	scripts := map[string][]msg{
		"order": {{"Bags & extras", "intent:extras"}, {"FX5LHR Fischer", ""}, {"Checked bags", "kind:bag"},
			{"bag", "item:0CC"}, {"everyone", "who:all"}, {"Pay", "checkout"}, {"start over", ""}},
		"change": {{"Change flight", "intent:change_flight"}, {"FX5LHR Fischer", ""}, {"", ""}, {"1", "alt:1"}, {"start over", ""}},
	}
	for _, d := range []string{"sqlite", "postgres"} {
		for _, name := range []string{"order", "change"} {
			b.Run(d+"/"+name, func(b *testing.B) {
				db := dbtest.SQLite(b)
				if d == "postgres" {
					db = dbtest.Postgres(b)
				}
				h := newHarness(b, db)
				demo := pss.NewDemo(h.db, h.sealer, h.clock.Now)
				pay := newPayFake()
				e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(b), Bookings: demo, Now: h.clock.Now,
					Log: testLogger(b), Ancillaries: demo, Changes: demo, Payments: pay, Ledger: pay})
				if err != nil {
					b.Fatal(err)
				}
				ctx := context.Background()
				bk, err := demo.FindBooking(ctx, "FX5LHR")
				if err != nil {
					b.Fatal(err)
				}
				f := bk.Segments[0].Flight
				date := f.Departure.In(f.Origin.Location).AddDate(0, 0, 1).Format("2 January 2006")
				script := scripts[name]
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					m := script[i%len(script)]
					if m.text == "" {
						m.text = date
					}
					in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: fmt.Sprintf("bench-%s-%d", name, i),
						Text: m.text, Payload: m.payload, ReceivedAt: testNow}
					id, _, err := h.store.Accept(ctx, in, fmt.Sprintf("bench-%s-%d", name, (i/len(script))%300))
					if err != nil {
						b.Fatal(err)
					}
					if err := e.Process(ctx, id); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
			})
		}
	}
}
