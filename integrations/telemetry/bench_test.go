package telemetry_test

import (
	"context"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/telemetry"
)

// BenchmarkTurnRecording is what observability adds to one typical turn: the
// turn counted and timed, two booking-system calls measured, a reply counted as
// sent, and a log line at info level through the context handler into JSON.
func BenchmarkTurnRecording(b *testing.B) {
	m := telemetry.New()
	log := slog.New(telemetry.NewContextHandler(slog.NewJSONHandler(io.Discard, nil), source("request_id"), source("conversation")))
	ctx := context.WithValue(context.Background(), ctxKey("conversation"), "42")
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		m.TurnDone("checkin", "continued", 12*time.Millisecond)
		m.ObserveCall("booking", "find_booking", time.Millisecond, nil)
		m.ObserveCall("booking", "checkin_policy", time.Millisecond, nil)
		m.Delivery(domain.WhatsApp, "sent", 0)
		log.InfoContext(ctx, "flight events raised", "flight", "SB1501", "events", 1)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkTurnRecordingQuiet is the same turn with nothing logged (info level,
// the usual case): the debug lines cost an Enabled check.
func BenchmarkTurnRecordingQuiet(b *testing.B) {
	m := telemetry.New()
	log := slog.New(telemetry.NewContextHandler(slog.NewJSONHandler(io.Discard, nil), source("request_id"), source("conversation")))
	ctx := context.WithValue(context.Background(), ctxKey("conversation"), "42")
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		m.TurnDone("checkin", "continued", 12*time.Millisecond)
		m.ObserveCall("booking", "find_booking", time.Millisecond, nil)
		m.ObserveCall("booking", "checkin_policy", time.Millisecond, nil)
		m.Delivery(domain.WhatsApp, "sent", 0)
		log.DebugContext(ctx, "turn", "flow", "checkin")
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the user and system CPU time the process has used: on a shared
// machine it varies far less than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
