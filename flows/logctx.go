package flows

import (
	"context"
	"log/slog"
)

type logAttrsKey struct{}

// withLogAttrs returns a context whose log records carry attrs as well (through a
// handler that reads LogAttrs, such as integrations/telemetry's ContextHandler).
func withLogAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	if prev, ok := ctx.Value(logAttrsKey{}).([]slog.Attr); ok {
		attrs = append(append(make([]slog.Attr, 0, len(prev)+len(attrs)), prev...), attrs...)
	}
	return context.WithValue(ctx, logAttrsKey{}, attrs)
}

// LogAttrs returns the log attributes the flows put in ctx: the conversation a
// turn or a delivery works on.
func LogAttrs(ctx context.Context) []slog.Attr {
	attrs, _ := ctx.Value(logAttrsKey{}).([]slog.Attr)
	return attrs
}
