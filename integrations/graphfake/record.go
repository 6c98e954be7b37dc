package graphfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Channel names a messaging platform.
type Channel string

// The channels the fake serves.
const (
	WhatsApp  Channel = "whatsapp"
	Messenger Channel = "messenger"
)

// Request is one call to a send endpoint as the fake saw and answered it.
type Request struct {
	Seq      int64     `json:"seq"` // 1, 2, … in order of arrival, never reused
	Received time.Time `json:"received"`
	Channel  Channel   `json:"channel"`
	Path     string    `json:"path"` // without the query, so without a Messenger token
	// Recipient is the WhatsApp "to" without a leading "+", or the Messenger
	// recipient.id; empty when the body had none.
	Recipient string `json:"recipient,omitempty"`
	// Kind is what was sent: "text", "interactive.button", "interactive.list",
	// "template", "image", "read" (a read receipt), "typing_on", "quick_replies",
	// "template.button", … as the body says.
	Kind string `json:"kind,omitempty"`
	// Body is the parsed JSON body; nil when it was not a JSON object.
	Body map[string]any `json:"body,omitempty"`
	// Text is what the traveller would read first: a text body, an interactive
	// body, a caption, a template name as "template:NAME".
	Text string `json:"text,omitempty"`
	// Choices are the buttons, list rows or quick replies offered.
	Choices []Choice `json:"choices,omitempty"`
	// Status is the HTTP status answered and Response the answered body.
	Status   int             `json:"status"`
	Response json.RawMessage `json:"response"`
	// MessageID is the generated wamid or mid of an accepted message.
	MessageID string `json:"message_id,omitempty"`
	// ErrorCode is the Graph error code of a refusal.
	ErrorCode int `json:"error_code,omitempty"`
	// Fault names the injected fault that decided the answer, if any.
	Fault string `json:"fault,omitempty"`
}

// Accepted reports whether the fake accepted the request.
func (r Request) Accepted() bool { return r.Status == 200 }

// IsMessage reports whether r delivered a message to a traveller, as opposed to
// a read receipt, a typing indicator or a refusal.
func (r Request) IsMessage() bool {
	return r.Accepted() && r.MessageID != ""
}

// Choice is one option a message offered and how the traveller's tap on it
// comes back in a webhook.
type Choice struct {
	// Kind is the webhook shape of a tap: "button_reply" or "list_reply"
	// (WhatsApp interactive), "button" (WhatsApp template quick reply),
	// "quick_reply" or "postback" (Messenger).
	Kind        string `json:"kind"`
	ID          string `json:"id"` // reply id or payload
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// recorder keeps requests in order and wakes waiters on each new one.
type recorder struct {
	mu      sync.Mutex
	seq     int64
	reqs    []Request
	max     int
	changed chan struct{} // closed and replaced on every change
}

func newRecorder(max int) *recorder {
	return &recorder{max: max, changed: make(chan struct{})}
}

func (r *recorder) add(req Request) Request {
	r.mu.Lock()
	r.seq++
	req.Seq = r.seq
	r.reqs = append(r.reqs, req)
	if r.max > 0 && len(r.reqs) > r.max {
		r.reqs = append(r.reqs[:0:0], r.reqs[len(r.reqs)-r.max:]...)
	}
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	return req
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.reqs = nil
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// snapshot returns the matching requests and the channel closed on the next change.
func (r *recorder) snapshot(keep func(Request) bool) ([]Request, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Request, 0, len(r.reqs))
	for _, q := range r.reqs {
		if keep == nil || keep(q) {
			out = append(out, q)
		}
	}
	return out, r.changed
}

func (r *recorder) wait(n int, timeout time.Duration, keep func(Request) bool) ([]Request, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		got, changed := r.snapshot(keep)
		if len(got) >= n {
			return got, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			return got, fmt.Errorf("wait for %d requests: got %d after %s", n, len(got), timeout)
		}
	}
}

// normalizeRecipient strips the "+" WhatsApp numbers are sent with, so that a
// recipient compares equal to the wa_id a webhook carries.
func normalizeRecipient(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "+") }
