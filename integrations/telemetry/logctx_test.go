package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/integrations/telemetry"
)

type ctxKey string

func source(key string) telemetry.AttrSource {
	return func(ctx context.Context) []slog.Attr {
		if v, ok := ctx.Value(ctxKey(key)).(string); ok {
			return []slog.Attr{slog.String(key, v)}
		}
		return nil
	}
}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		out = append(out, m)
	}
	return out
}

func TestContextAttributesGoOnEveryLine(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(telemetry.NewContextHandler(slog.NewJSONHandler(&buf, nil), source("request_id"), source("conversation")))
	ctx := context.WithValue(context.Background(), ctxKey("request_id"), "req-1")
	ctx = context.WithValue(ctx, ctxKey("conversation"), "42")

	log.InfoContext(ctx, "one")
	log.With("flow", "checkin").WarnContext(ctx, "two", "state", "x")
	log.InfoContext(ctx, "three", "conversation", "42") // said already: not twice
	log.Info("no context")
	log.WithGroup("g").InfoContext(ctx, "grouped", "k", "v")

	got := lines(t, &buf)
	if len(got) != 5 {
		t.Fatalf("%d lines, want 5:\n%s", len(got), buf.String())
	}
	for _, l := range got[:3] {
		if l["request_id"] != "req-1" || l["conversation"] != "42" {
			t.Errorf("line lacks the context's ids: %v", l)
		}
	}
	if got[1]["flow"] != "checkin" || got[1]["state"] != "x" {
		t.Errorf("the line's own attributes were lost: %v", got[1])
	}
	if strings.Count(strings.Split(buf.String(), "\n")[2], `"conversation"`) != 1 {
		t.Errorf("conversation written twice: %s", strings.Split(buf.String(), "\n")[2])
	}
	if _, ok := got[3]["request_id"]; ok {
		t.Errorf("a line logged without a context got a request id: %v", got[3])
	}
	if g, ok := got[4]["g"].(map[string]any); !ok || g["k"] != "v" || g["request_id"] != "req-1" {
		t.Errorf("grouped line: %v", got[4])
	}
}

func TestContextHandlerRespectsTheLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(telemetry.NewContextHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}), source("request_id")))
	ctx := context.WithValue(context.Background(), ctxKey("request_id"), "req-2")
	log.DebugContext(ctx, "hidden")
	log.InfoContext(ctx, "hidden too")
	log.WarnContext(ctx, "shown")
	if got := lines(t, &buf); len(got) != 1 || got[0]["msg"] != "shown" || got[0]["request_id"] != "req-2" {
		t.Fatalf("got %v", got)
	}
}
