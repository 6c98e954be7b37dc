package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// Metrics is what the HTTP edge reports. integrations/telemetry implements it on
// Prometheus; the default records nothing.
type Metrics interface {
	// Acknowledged observes how long an intake request (a channel's webhook, a web
	// chat message) took to be answered: what Meta's delivery timeouts and a
	// traveller's send button wait on.
	Acknowledged(ch domain.Channel, status int, took time.Duration)
}

type noMetrics struct{}

func (noMetrics) Acknowledged(domain.Channel, int, time.Duration) {}

// acknowledged times an intake route. ch is the channel, or "" to read it from the
// :channel parameter; an unknown channel is not recorded, so that made-up paths
// cannot grow the metrics without bound.
func (s *Server) acknowledged(ch domain.Channel) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		channel := ch
		if channel == "" {
			channel = domain.Channel(c.Param("channel"))
			if _, ok := s.channels[channel]; !ok {
				return
			}
		}
		s.metrics.Acknowledged(channel, c.Writer.Status(), time.Since(start))
	}
}
