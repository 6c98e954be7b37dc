package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// maxWebhookBytes is Meta's largest webhook payload (3 MB).
const maxWebhookBytes = 3 << 20

// Channel is a messaging platform's webhook configuration. A channel without an app
// secret is disabled: its webhook answers 404.
type Channel struct {
	AppSecret   string
	VerifyToken string
	// Account is our WhatsApp phone number id or Messenger page id: events
	// addressed to another number or page of the same app are not ours to answer.
	Account string
	// Parse reads a verified body into events; an error means it is not the
	// platform's envelope.
	Parse func(body []byte) ([]domain.ChannelEvent, error)
}

func (s *Server) channel(c *gin.Context) (domain.Channel, Channel, bool) {
	ch := domain.Channel(c.Param("channel"))
	cfg, ok := s.channels[ch]
	if !ok || cfg.AppSecret == "" || ch == domain.WebChat {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "channel not enabled"})
		return "", Channel{}, false
	}
	return ch, cfg, true
}

// verifyWebhook answers Meta's subscription handshake.
func (s *Server) verifyWebhook(c *gin.Context) {
	_, cfg, ok := s.channel(c)
	if !ok {
		return
	}
	token := c.Query("hub.verify_token")
	if c.Query("hub.mode") != "subscribe" || cfg.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(token), []byte(cfg.VerifyToken)) != 1 {
		c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "verification failed"})
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte(c.Query("hub.challenge")))
}

// receiveWebhook verifies the signature over the raw body before anything reads it,
// stores the body with the job that will apply it, and only then answers 200.
func (s *Server) receiveWebhook(c *gin.Context) {
	ch, cfg, ok := s.channel(c)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxWebhookBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": "payload too large"})
			return
		}
		badRequest(c, "could not read the request")
		return
	}
	if !ValidSignature(cfg.AppSecret, body, c.GetHeader("X-Hub-Signature-256")) {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "invalid signature"})
		return
	}
	events, err := cfg.Parse(body)
	if err != nil {
		// Signed by Meta but not understood: answering an error would make Meta
		// replay it for days (WhatsApp) or unsubscribe the app (Messenger).
		s.log.WarnContext(c.Request.Context(), "signed webhook not understood, acknowledged and dropped", "channel", string(ch), "err", err)
		c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte("EVENT_RECEIVED"))
		return
	}
	for _, ev := range events {
		if ev.Kind == domain.EventIgnored {
			s.log.InfoContext(c.Request.Context(), "webhook event ignored", "channel", string(ch), "note", ev.Note)
		}
	}
	events = ForAccount(events, cfg.Account)
	if err := s.storeEvents(c, ch, body, events); err != nil {
		s.fail(c, err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", []byte("EVENT_RECEIVED"))
}

// ForAccount keeps the events addressed to account (all of them when account or
// the event's own account is unknown).
func ForAccount(events []domain.ChannelEvent, account string) []domain.ChannelEvent {
	if account == "" {
		return events
	}
	out := events[:0:0]
	for _, ev := range events {
		if ev.Account == "" || ev.Account == account {
			out = append(out, ev)
		}
	}
	return out
}

// maxDirectMessages is how many messages of one webhook are stored one by one
// before answering; a larger batch (Meta may batch up to 1000) is stored whole and
// split by a job, so that the answer still comes within Meta's few seconds.
const maxDirectMessages = 20

// storeEvents makes a webhook durable before it is acknowledged. Messages — what
// travellers wait on — are stored directly with the job that answers them; a body
// with anything else (statuses, preferences) or a large batch is stored whole for a
// job to apply. Applying is idempotent, so a message stored both ways is answered
// once.
func (s *Server) storeEvents(c *gin.Context, ch domain.Channel, body []byte, events []domain.ChannelEvent) error {
	ctx := c.Request.Context()
	var messages []domain.ChannelEvent
	rest := false
	for _, ev := range events {
		switch ev.Kind {
		case domain.EventMessage:
			messages = append(messages, ev)
		case domain.EventIgnored:
		default:
			rest = true
		}
	}
	if len(messages) > maxDirectMessages {
		return s.webhooks.AcceptWebhook(ctx, ch, body)
	}
	for _, ev := range messages {
		ev.Inbound.RequestID = RequestID(ctx)
		if _, _, err := s.webhooks.AcceptEvent(ctx, ev); err != nil {
			return err
		}
	}
	if rest {
		return s.webhooks.AcceptWebhook(ctx, ch, body)
	}
	return nil
}

// ValidSignature checks an X-Hub-Signature-256 header ("sha256=<hex>") against the
// HMAC-SHA256 of the raw body under the app secret, in constant time.
func ValidSignature(secret string, body []byte, header string) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok || secret == "" || len(hexSig) != sha256.Size*2 {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the X-Hub-Signature-256 header value for a body, as Meta computes it
// (for tests, the load command and the fake Graph API's callbacks).
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
