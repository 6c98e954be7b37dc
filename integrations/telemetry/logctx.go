package telemetry

import (
	"context"
	"log/slog"
)

// AttrSource returns the log attributes a context carries (a request id, a
// conversation id). Packages that put attributes in contexts provide one
// (api.LogAttrs, flows.LogAttrs).
type AttrSource func(ctx context.Context) []slog.Attr

// ContextHandler is a slog.Handler that adds the attributes carried by the
// context of each record (logged with InfoContext and friends) before passing it
// on. An attribute the record already has at its top level is not added twice.
type ContextHandler struct {
	next    slog.Handler
	sources []AttrSource
}

// NewContextHandler wraps next.
func NewContextHandler(next slog.Handler, sources ...AttrSource) *ContextHandler {
	return &ContextHandler{next: next, sources: sources}
}

// Enabled reports whether next handles records of level l.
func (h *ContextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

// Handle adds the context's attributes to r and passes it on.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx == nil {
		return h.next.Handle(ctx, r)
	}
	cloned := false
	for _, src := range h.sources {
		for _, a := range src(ctx) {
			if has(r, a.Key) {
				continue
			}
			if !cloned {
				// The record is shared with the caller: adding to a copy without
				// Clone could write into its backing array.
				r, cloned = r.Clone(), true
			}
			r.AddAttrs(a)
		}
	}
	return h.next.Handle(ctx, r)
}

func has(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}

// WithAttrs returns a handler whose records carry attrs.
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ContextHandler{next: h.next.WithAttrs(attrs), sources: h.sources}
}

// WithGroup returns a handler that nests later attributes in a group. The
// context's attributes stay at the top level only for records of handlers
// without groups; with a group they go into it, like any other attribute.
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{next: h.next.WithGroup(name), sources: h.sources}
}
