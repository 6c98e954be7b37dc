package flows_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// BenchmarkTurn measures one full chat turn — message stored, understood, the flow
// moved, the booking system asked where the state needs it, state + transition log +
// replies committed — cycling through a check-in's first steps: intent, booking
// look-up with passengers shown, start over.
func BenchmarkTurn(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres"} {
		b.Run(d, func(b *testing.B) {
			var h *harness
			if d == "sqlite" {
				h = newHarness(b, dbtest.SQLite(b))
			} else {
				h = newHarness(b, dbtest.Postgres(b))
			}
			ctx := context.Background()
			script := []string{"I want to check in", "JN7KQP Jansen", "start over"}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: fmt.Sprintf("bench-%d", i),
					Text: script[i%len(script)], ReceivedAt: testNow}
				// A few hundred travellers, so that conversations are not all one row.
				id, _, err := h.store.Accept(ctx, in, fmt.Sprintf("bench-user-%d", (i/len(script))%300))
				if err != nil {
					b.Fatal(err)
				}
				if err := h.engine.Process(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
		})
	}
}
