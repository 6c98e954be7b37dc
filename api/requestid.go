package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
)

// RequestIDHeader carries a request's id: taken from the caller (a load balancer
// or a client that made one) when it is sane, made up otherwise, and echoed in the
// response.
const RequestIDHeader = "X-Request-ID"

// maxRequestID bounds an incoming id: long enough for a UUID or a trace id.
const maxRequestID = 64

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to, "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogAttrs returns the log attributes of the request ctx belongs to (its id), for
// a log handler that adds them to every record logged with the context.
func LogAttrs(ctx context.Context) []slog.Attr {
	if id := RequestID(ctx); id != "" {
		return []slog.Attr{slog.String("request_id", id)}
	}
	return nil
}

// validRequestID accepts 1-64 letters, digits, '-', '_', '.' and ':': enough for
// UUIDs and trace ids, nothing that could forge a log line or a header.
func validRequestID(s string) bool {
	if s == "" || len(s) > maxRequestID {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.' || b == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// requestID gives every request an id, in its context (so that every line logged
// with the context names it) and in the response, and logs the request at debug
// level once answered. The route is logged, never the path: paths carry
// boarding-pass tokens.
func (s *Server) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Header(RequestIDHeader, id)
		ctx := context.WithValue(c.Request.Context(), requestIDKey{}, id)
		c.Request = c.Request.WithContext(ctx)
		start := time.Now()
		c.Next()
		if s.log.Enabled(ctx, slog.LevelDebug) {
			s.log.LogAttrs(ctx, slog.LevelDebug, "http request", slog.String("method", c.Request.Method),
				slog.String("route", c.FullPath()), slog.Int("status", c.Writer.Status()),
				slog.Float64("ms", float64(time.Since(start).Microseconds())/1000))
		}
	}
}
