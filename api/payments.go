package api

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// maxPaymentWebhookBytes bounds a payment provider's webhook body; Stripe's
// checkout and charge events are a few kilobytes.
const maxPaymentWebhookBytes = 256 << 10

// PaymentSink stores verified payment events durably; a redelivered event (same
// id) is acknowledged and changes nothing (applied is false).
type PaymentSink interface {
	RecordPaymentEvent(ctx context.Context, ev domain.PaymentEvent) (applied bool, err error)
}

// PaymentVerifier checks a payment provider's webhook signature over the raw body
// and reads the event: domain.Payments' ParseEvent. A bad signature is a
// Forbidden error; ok is false for an event that does not concern payments.
type PaymentVerifier interface {
	ParseEvent(payload []byte, header map[string][]string) (ev domain.PaymentEvent, ok bool, err error)
}

// routePayments adds POST /webhooks/payments/<provider> for each verifier and the
// provider's own pages under /pay/.
func (s *Server) routePayments(r *gin.Engine, c Config) {
	if c.PaymentSink != nil {
		for name, v := range c.PaymentWebhooks {
			r.POST("/webhooks/payments/"+name, s.receivePayment(name, v, c.PaymentSink))
		}
	}
	if c.PaymentPages != nil {
		h := gin.WrapH(c.PaymentPages)
		r.GET("/pay/*path", h)
		r.POST("/pay/*path", h)
	}
}

// receivePayment verifies the signature before anything is read or stored, stores
// the event, and only then answers 200, so that the provider redelivers anything
// not made durable. Acknowledging a redelivery changes nothing.
func (s *Server) receivePayment(provider string, v PaymentVerifier, sink PaymentSink) gin.HandlerFunc {
	return func(c *gin.Context) {
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxPaymentWebhookBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": "payload too large"})
				return
			}
			badRequest(c, "could not read the request")
			return
		}
		ev, ok, err := v.ParseEvent(body, c.Request.Header)
		switch {
		case domain.IsCode(err, domain.Forbidden):
			s.log.Warn("payment webhook with a bad signature refused", "provider", provider, "err", err)
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "invalid signature"})
			return
		case err != nil:
			badRequest(c, "not a payment event")
			return
		case !ok:
			c.JSON(http.StatusOK, gin.H{"received": true, "ignored": true})
			return
		}
		applied, err := sink.RecordPaymentEvent(c.Request.Context(), ev)
		if err != nil {
			s.fail(c, err)
			return
		}
		s.log.Info("payment event", "provider", provider, "event", ev.ID, "status", string(ev.Status),
			"reference", ev.Reference, "duplicate", !applied)
		c.JSON(http.StatusOK, gin.H{"received": true, "duplicate": !applied})
	}
}
