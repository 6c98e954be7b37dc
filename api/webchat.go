package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// Limits of the web chat intake.
const (
	maxBodyBytes   = 8 << 10
	maxTextRunes   = 1000
	maxClientIDLen = 64
	pageSize       = 100
)

// Session tokens are 16 random bytes followed by the first 16 bytes of their
// HMAC under the server's session key: only this service mints them, any instance
// verifies them, and a made-up token is refused before it reaches the database.
const (
	sessionRandom = 16
	sessionMAC    = 16
	sessionLen    = 43 // base64url of 32 bytes, unpadded
)

func (s *Server) newSessionToken() string {
	b := make([]byte, sessionRandom, sessionRandom+sessionMAC)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(append(b, sessionSum(s.sessionKeys[0], b)...))
}

func sessionSum(key, random []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(random)
	return m.Sum(nil)[:sessionMAC]
}

// validSession checks a session token's shape and signature.
func (s *Server) validSession(tok string) bool {
	if len(tok) != sessionLen {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != sessionRandom+sessionMAC {
		return false
	}
	for _, k := range s.sessionKeys {
		if hmac.Equal(b[sessionRandom:], sessionSum(k, b[:sessionRandom])) {
			return true
		}
	}
	return false
}

func validClientID(s string) bool {
	if s == "" || len(s) > maxClientIDLen {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func (s *Server) newSession(c *gin.Context) {
	// Each session gets a few booking look-ups: bound how many sessions one
	// address may open, so that look-ups cannot be multiplied at will.
	if !s.sessions.allow(c.ClientIP()) {
		c.Header("Retry-After", "3600")
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "too many new conversations from this address, please try again later"})
		return
	}
	c.JSON(http.StatusCreated, gin.H{"session": s.newSessionToken()})
}

type postMessageRequest struct {
	Session string `json:"session"`
	ID      string `json:"id"`
	Text    string `json:"text"`
	Payload string `json:"payload"`
	Locale  string `json:"locale"`
}

// postMessage stores a traveller's message and acknowledges it only once it is
// durable. A repeated client id is acknowledged as a duplicate and not processed
// again.
func (s *Server) postMessage(c *gin.Context) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": "message too long"})
			return
		}
		badRequest(c, "could not read the request")
		return
	}
	var req postMessageRequest
	if err := json.Unmarshal(body, &req); err != nil {
		badRequest(c, "the request must be a JSON object")
		return
	}
	req.Text = strings.TrimSpace(strings.ToValidUTF8(req.Text, ""))
	switch {
	case !s.validSession(req.Session):
		badRequest(c, "unknown or malformed session")
		return
	case !validClientID(req.ID):
		badRequest(c, "id must be 1-64 letters, digits, '-', '_' or '.'")
		return
	case req.Text == "" && req.Payload == "":
		badRequest(c, "empty message")
		return
	case utf8.RuneCountInString(req.Text) > maxTextRunes:
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"error": fmt.Sprintf("message longer than %d characters", maxTextRunes)})
		return
	case len(req.Payload) > 256:
		badRequest(c, "payload too long")
		return
	}
	if !s.limiter.allow(req.Session) {
		c.Header("Retry-After", "60")
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "too many messages, please wait a minute"})
		return
	}
	in := domain.Inbound{
		Channel:          domain.WebChat,
		ChannelMessageID: req.Session + ":" + req.ID,
		Text:             req.Text,
		Payload:          req.Payload,
		ReceivedAt:       s.now().UTC(),
		RequestID:        RequestID(c.Request.Context()),
	}
	_, dup, err := s.store.Accept(c.Request.Context(), in, req.Session)
	if err != nil {
		s.fail(c, err)
		return
	}
	status := "accepted"
	if dup {
		status = "duplicate"
	}
	c.JSON(http.StatusAccepted, gin.H{"status": status})
}

// messageJSON is the web chat's view of an outbound message.
type messageJSON struct {
	Seq        int             `json:"seq"`
	Kind       string          `json:"kind"`
	Text       string          `json:"text,omitempty"`
	Choices    []choiceJSON    `json:"choices,omitempty"`
	Attachment *attachmentJSON `json:"attachment,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
}

type choiceJSON struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type attachmentJSON struct {
	URL      string `json:"url"`
	Filename string `json:"filename"`
	MIME     string `json:"mime"`
	Caption  string `json:"caption,omitempty"`
}

func toMessageJSON(o domain.Outbound) messageJSON {
	m := messageJSON{Seq: o.Seq, Kind: string(o.Kind), Text: o.Text, CreatedAt: o.CreatedAt.UTC()}
	for _, ch := range o.Choices {
		m.Choices = append(m.Choices, choiceJSON{ID: ch.ID, Title: ch.Title, Description: ch.Description})
	}
	if a := o.Attachment; a != nil {
		m.Attachment = &attachmentJSON{URL: a.URL, Filename: a.Filename, MIME: a.MIME, Caption: a.Caption}
	}
	return m
}

// sessionQuery reads and checks ?session=…&after=….
func (s *Server) sessionQuery(c *gin.Context) (string, int, bool) {
	session := c.Query("session")
	if !s.validSession(session) {
		badRequest(c, "unknown or malformed session")
		return "", 0, false
	}
	after := 0
	if a := c.Query("after"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			badRequest(c, "after must be a non-negative number")
			return "", 0, false
		}
		after = n
	}
	if a := c.GetHeader("Last-Event-ID"); a != "" {
		if n, err := strconv.Atoi(a); err == nil && n > after {
			after = n
		}
	}
	return session, after, true
}

func (s *Server) getMessages(c *gin.Context) {
	session, after, ok := s.sessionQuery(c)
	if !ok {
		return
	}
	conv, found, err := s.store.ConversationByUser(c.Request.Context(), domain.WebChat, session)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := []messageJSON{}
	if found {
		msgs, err := s.store.OutboundAfter(c.Request.Context(), conv.ID, after, pageSize)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, m := range msgs {
			out = append(out, toMessageJSON(m))
		}
		if n := len(msgs); n > 0 {
			s.markDelivered(c, conv.ID, msgs[n-1].Seq)
		}
	}
	c.JSON(http.StatusOK, gin.H{"messages": out})
}

func (s *Server) markDelivered(c *gin.Context, conv int64, seq int) {
	if err := s.store.MarkDelivered(c.Request.Context(), conv, seq); err != nil {
		s.log.Warn("mark delivered", "conversation", conv, "err", err)
	}
}

// stream sends the conversation's messages as server-sent events: what is already
// there after the given sequence number, then each new message as it is committed.
func (s *Server) stream(c *gin.Context) {
	session, after, ok := s.sessionQuery(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.WriteString(": connected\n\n")
	c.Writer.Flush()

	var convID int64
	var wake <-chan struct{}
	heartbeat := time.NewTicker(15 * time.Second)
	defer heartbeat.Stop()
	for {
		if convID == 0 {
			conv, found, err := s.store.ConversationByUser(ctx, domain.WebChat, session)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("stream: load conversation", "err", err)
			}
			if found {
				convID = conv.ID
				ch, cancel := s.store.Subscribe(convID)
				defer cancel()
				wake = ch
			}
		}
		if convID != 0 {
			msgs, err := s.store.OutboundAfter(ctx, convID, after, pageSize)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("stream: read messages", "conversation", convID, "err", err)
				}
				return
			}
			for _, m := range msgs {
				b, _ := json.Marshal(toMessageJSON(m))
				fmt.Fprintf(c.Writer, "event: message\nid: %d\ndata: %s\n\n", m.Seq, b)
				after = m.Seq
			}
			if len(msgs) > 0 {
				c.Writer.Flush()
				s.markDelivered(c, convID, after)
				if len(msgs) == pageSize {
					continue
				}
			}
		}
		poll := time.NewTimer(s.poll)
		select {
		case <-ctx.Done():
			poll.Stop()
			return
		case <-s.closing:
			// Shutting down: end the stream; the browser reconnects.
			poll.Stop()
			return
		case <-wake:
		case <-poll.C:
		case <-heartbeat.C:
			c.Writer.WriteString(": ping\n\n")
			c.Writer.Flush()
		}
		poll.Stop()
	}
}

// pass serves a boarding pass as PDF or barcode PNG. The token in the URL is the
// only key: 256 random bits, never listed anywhere.
func (s *Server) pass(c *gin.Context) {
	file := c.Param("file")
	token, ext, ok := strings.Cut(file, ".")
	if !ok || (ext != "pdf" && ext != "png") || len(token) < 32 || len(token) > 64 {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "boarding pass not found"})
		return
	}
	bp, err := s.store.Pass(c.Request.Context(), token)
	if err != nil {
		if domain.IsCode(err, domain.NotFound) {
			c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": "boarding pass not found"})
			return
		}
		s.fail(c, err)
		return
	}
	var b []byte
	var mime string
	if ext == "pdf" {
		b, err = s.renderer.PDF(bp)
		mime = "application/pdf"
	} else {
		b, err = s.renderer.Barcode(bp)
		mime = "image/png"
	}
	if err != nil {
		s.fail(c, fmt.Errorf("render boarding pass: %w", err))
		return
	}
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Robots-Tag", "noindex")
	if ext == "pdf" {
		c.Header("Content-Disposition", fmt.Sprintf(`inline; filename="boarding-pass-%s-%s.pdf"`, bp.Flight, bp.Origin.Code))
	}
	c.Data(http.StatusOK, mime, b)
}
