package graphfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StatusWebhook is where the fake reports what happened to accepted messages, as
// Meta would: WhatsApp "sent", "delivered", "read" statuses (channels.md §1.2) or
// Messenger delivery and read watermarks (§1.3), signed with X-Hub-Signature-256.
type StatusWebhook struct {
	Channel   Channel
	URL       string // Skybridge's webhook endpoint for the channel
	AppSecret string
	// Delay is the wait before each callback; default 10ms.
	Delay time.Duration
	// Statuses are the WhatsApp statuses posted in order; default sent, delivered, read.
	Statuses []string
	// NoEchoes stops the Messenger message_echoes callback that otherwise comes
	// first for every accepted message (a Page not subscribed to message_echoes).
	NoEchoes bool
	// Client sends the callbacks; default a client with a 5s timeout.
	Client *http.Client
	// RetryFor is how long a callback not answered 2xx is posted again, at once
	// and then with growing pauses, as Meta redelivers webhooks; default two
	// minutes, negative never.
	RetryFor time.Duration
}

// Callback is one status webhook the fake posted.
type Callback struct {
	Channel   Channel   `json:"channel"`
	MessageID string    `json:"message_id"`
	Status    string    `json:"status"` // sent, delivered, read, failed; "echo" for a Messenger echo
	Sent      time.Time `json:"sent"`
	// HTTPStatus is Skybridge's last answer; 0 with Err when the last post failed.
	HTTPStatus int    `json:"http_status"`
	Err        string `json:"err,omitempty"`
	// Attempts is how often the callback was posted (more than once when it was
	// not answered 2xx at first).
	Attempts int `json:"attempts"`
}

// Sign returns the X-Hub-Signature-256 value for body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

type hookSender struct {
	cfg    Config
	hooks  map[Channel]StatusWebhook
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	calls []Callback
}

func newHookSender(cfg Config) *hookSender {
	ctx, cancel := context.WithCancel(context.Background())
	h := &hookSender{cfg: cfg, hooks: map[Channel]StatusWebhook{}, ctx: ctx, cancel: cancel}
	for _, w := range cfg.StatusWebhooks {
		if w.Delay <= 0 {
			w.Delay = 10 * time.Millisecond
		}
		if len(w.Statuses) == 0 {
			w.Statuses = []string{"sent", "delivered", "read"}
		}
		if w.Client == nil {
			w.Client = &http.Client{Timeout: 5 * time.Second}
		}
		if w.RetryFor == 0 {
			w.RetryFor = 2 * time.Minute
		}
		h.hooks[w.Channel] = w
	}
	return h
}

func (h *hookSender) close() {
	h.cancel()
	h.wg.Wait()
}

func (h *hookSender) reset() {
	h.mu.Lock()
	h.calls = nil
	h.mu.Unlock()
}

func (h *hookSender) list() []Callback {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Callback(nil), h.calls...)
}

// whatsapp posts the statuses of an accepted WhatsApp message; failed reports
// 131047 instead.
func (h *hookSender) whatsapp(r Request, template, failed bool) {
	w, ok := h.hooks[WhatsApp]
	if !ok || h.ctx.Err() != nil {
		return
	}
	statuses := w.Statuses
	if failed {
		statuses = []string{"failed"}
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for i, st := range statuses {
			if !h.sleep(w.Delay) {
				return
			}
			body := h.whatsappStatus(r, st, i == 0, template)
			h.post(w, r.MessageID, st, body)
		}
	}()
}

// messenger posts the echo of an accepted message (with the metadata it was sent
// with, as Meta does), then a delivery and a read watermark.
func (h *hookSender) messenger(r Request) {
	w, ok := h.hooks[Messenger]
	if !ok || h.ctx.Err() != nil {
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		if !w.NoEchoes {
			if !h.sleep(w.Delay) {
				return
			}
			h.post(w, r.MessageID, "echo", h.messengerEcho(r))
		}
		for _, st := range []string{"delivered", "read"} {
			if !h.sleep(w.Delay) {
				return
			}
			h.post(w, r.MessageID, st, h.messengerWatermark(r, st))
		}
	}()
}

func (h *hookSender) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-h.ctx.Done():
		return false
	}
}

// whatsappStatus shapes one status webhook like Meta's (channels.md §1.2).
func (h *hookSender) whatsappStatus(r Request, status string, first, template bool) []byte {
	st := map[string]any{
		"id":           r.MessageID,
		"status":       status,
		"timestamp":    strconv.FormatInt(h.cfg.Now().Unix(), 10),
		"recipient_id": r.Recipient,
	}
	// Meta echoes the sender's biz_opaque_callback_data in every status.
	if cb, ok := r.Body["biz_opaque_callback_data"].(string); ok && cb != "" {
		st["biz_opaque_callback_data"] = cb
	}
	switch {
	case status == "failed":
		st["errors"] = []map[string]any{{
			"code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
			"error_data": map[string]string{"details": "More than 24 hours have passed since the recipient last replied to the sender number."},
		}}
	case first:
		pricing := map[string]any{"billable": false, "pricing_model": "PMP", "type": "free_customer_service", "category": "service"}
		if template {
			pricing = map[string]any{"billable": true, "pricing_model": "PMP", "type": "regular", "category": "utility"}
		}
		st["pricing"] = pricing
		if olderThanV24(h.cfg.Version) {
			origin := "service"
			if template {
				origin = "utility"
			}
			st["conversation"] = map[string]any{
				"id":                   strings.TrimPrefix(traceID(), "-"),
				"expiration_timestamp": strconv.FormatInt(h.cfg.Now().Add(24*time.Hour).Unix(), 10),
				"origin":               map[string]string{"type": origin},
			}
		}
	}
	b, _ := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id": h.cfg.WABAID,
			"changes": []any{map[string]any{
				"field": "messages",
				"value": map[string]any{
					"messaging_product": "whatsapp",
					"metadata":          map[string]string{"display_phone_number": h.cfg.DisplayPhoneNumber, "phone_number_id": h.cfg.PhoneNumberID},
					"statuses":          []any{st},
				},
			}},
		}},
	})
	return b
}

// messengerEcho shapes the message_echoes event of a sent message like Meta's
// (channels.md §1.3, M-ECHO): the page is the sender, the traveller the
// recipient, and the message comes back with is_echo, the app id, the sender's
// metadata, its mid and its text or attachment.
func (h *hookSender) messengerEcho(r Request) []byte {
	now := h.cfg.Now().UnixMilli()
	var app any = h.cfg.AppID
	if n, err := strconv.ParseInt(h.cfg.AppID, 10, 64); err == nil {
		app = n // Meta sends the app id as a number
	}
	msg := map[string]any{"is_echo": true, "app_id": app, "mid": r.MessageID}
	sent, _ := r.Body["message"].(map[string]any)
	if md, ok := sent["metadata"].(string); ok && md != "" {
		msg["metadata"] = md
	}
	if text, ok := sent["text"].(string); ok {
		msg["text"] = text
	}
	if a, ok := sent["attachment"].(map[string]any); ok {
		msg["attachments"] = []any{a}
	}
	if qr, ok := sent["quick_replies"].([]any); ok {
		msg["quick_replies"] = qr
	}
	ev := map[string]any{
		"sender":    map[string]string{"id": h.cfg.PageID},
		"recipient": map[string]string{"id": r.Recipient},
		"timestamp": now,
		"message":   msg,
	}
	b, _ := json.Marshal(map[string]any{
		"object": "page",
		"entry":  []any{map[string]any{"id": h.cfg.PageID, "time": now, "messaging": []any{ev}}},
	})
	return b
}

// messengerWatermark shapes a delivery or read event like Meta's (channels.md §1.3).
func (h *hookSender) messengerWatermark(r Request, status string) []byte {
	now := h.cfg.Now().UnixMilli()
	ev := map[string]any{
		"sender":    map[string]string{"id": r.Recipient},
		"recipient": map[string]string{"id": h.cfg.PageID},
		"timestamp": now,
	}
	if status == "delivered" {
		ev["delivery"] = map[string]any{"mids": []string{r.MessageID}, "watermark": now}
	} else {
		ev["read"] = map[string]any{"watermark": now}
	}
	b, _ := json.Marshal(map[string]any{
		"object": "page",
		"entry":  []any{map[string]any{"id": h.cfg.PageID, "time": now, "messaging": []any{ev}}},
	})
	return b
}

// post delivers one callback, again and again while it is not answered 2xx,
// for up to w.RetryFor (the receiver may be restarting, or its database down).
func (h *hookSender) post(w StatusWebhook, id, status string, body []byte) {
	c := Callback{Channel: w.Channel, MessageID: id, Status: status, Sent: h.cfg.Now()}
	began := time.Now()
	pause := 100 * time.Millisecond
	for {
		c.Attempts++
		c.HTTPStatus, c.Err = 0, ""
		req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Hub-Signature-256", Sign(w.AppSecret, body))
			var resp *http.Response
			if resp, err = w.Client.Do(req); err == nil {
				c.HTTPStatus = resp.StatusCode
				resp.Body.Close()
			}
		}
		if err != nil {
			c.Err = err.Error()
		}
		ok := c.HTTPStatus >= 200 && c.HTTPStatus < 300
		if ok || w.RetryFor < 0 || time.Since(began)+pause > w.RetryFor || !h.sleep(pause) {
			break
		}
		pause = min(2*pause, 5*time.Second)
	}
	h.mu.Lock()
	h.calls = append(h.calls, c)
	h.mu.Unlock()
	if h.cfg.Logger != nil {
		h.cfg.Logger.Info("status webhook", "channel", w.Channel, "status", status, "message_id", id, "http_status", c.HTTPStatus, "err", c.Err)
	}
}

// olderThanV24 reports whether version ("v23.0") predates v24.0, where Meta
// stopped sending the conversation object.
func olderThanV24(version string) bool {
	major, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	n, err := strconv.Atoi(major)
	return err == nil && n < 24
}

// Callbacks returns the status webhooks posted so far.
func (s *Server) Callbacks() []Callback { return s.hooks.list() }
