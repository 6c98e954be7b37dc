package flows_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/telemetry"
)

// BenchmarkTurnTelemetry runs BenchmarkTurn's script with observability off (no
// metrics, logs discarded) and on as in production (Prometheus metrics on a real
// registry, the booking system measured, JSON logs at info level through the
// context handler). The machine's drift hits both alike when runs alternate
// (scripts in the README's observability section); cpu-ns/op, the process's CPU
// time per turn, is the steadier figure on a shared machine:
//
//	go test ./flows -run X -bench 'TurnTelemetry/sqlite/(off|on)$' -benchtime 300x -count 8
func BenchmarkTurnTelemetry(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres"} {
		for _, mode := range []string{"off", "on"} {
			b.Run(d+"/"+mode, func(b *testing.B) {
				db := dbtest.SQLite(b)
				if d == "postgres" {
					db = dbtest.Postgres(b)
				}
				h := newHarness(b, db)
				c := flows.Config{Store: h.store, NLU: sharedClassifier(b), Bookings: h.bookings(), Now: h.clock.Now,
					Log: slog.New(slog.DiscardHandler)}
				if mode == "on" {
					m := telemetry.New()
					c.Metrics = m
					c.Bookings = m.Bookings(c.Bookings)
					c.Log = slog.New(telemetry.NewContextHandler(slog.NewJSONHandler(io.Discard, nil), flows.LogAttrs))
				}
				e, err := flows.NewEngine(c)
				if err != nil {
					b.Fatal(err)
				}
				benchTurns(b, h, e)
			})
		}
	}
}

// benchTurns cycles through a check-in's first steps, as BenchmarkTurn does.
func benchTurns(b *testing.B, h *harness, e *flows.Engine) {
	ctx := context.Background()
	script := []string{"I want to check in", "JN7KQP Jansen", "start over"}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: fmt.Sprintf("bench-%d", i),
			Text: script[i%len(script)], ReceivedAt: testNow}
		id, _, err := h.store.Accept(ctx, in, fmt.Sprintf("bench-user-%d", (i/len(script))%300))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.Process(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "turns/s")
	// CPU time spent by the process per turn: on a shared machine it varies far
	// less than the wall clock, which waits for other programs' turns on the CPU.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
