package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// turnRecord is one traveller's message and what became of it: every post of
// its webhook, the acknowledgement, and the replies the turn collected. With
// -turns-out each is written as a JSON line, so that a run can be examined
// afterwards (which instance took a message, how long an outage delayed it).
type turnRecord struct {
	Traveller string `json:"traveller"` // wa_id or PSID
	Channel   string `json:"channel"`
	MessageID string `json:"message_id"` // the wamid or mid the webhook carried
	// Targets, Statuses and Answered are, per post of the webhook, the instance
	// it went to, the HTTP status it answered (0: no answer) and when.
	Targets  []string    `json:"targets"`
	Statuses []int       `json:"statuses"`
	Answered []time.Time `json:"answered"`
	Sent     time.Time   `json:"sent"`
	// Acked is when a post was answered 200; zero when none was.
	Acked      time.Time `json:"acked,omitzero"`
	FirstReply time.Time `json:"first_reply,omitzero"`
	LastReply  time.Time `json:"last_reply,omitzero"`
	Replies    int       `json:"replies"`
	// Duplicates counts replies whose content already came in this turn.
	Duplicates int `json:"duplicates"`
	// TimedOut is true when the message was acknowledged but no reply came
	// within -reply-timeout.
	TimedOut bool `json:"timed_out"`
}

// reply notes a reply that arrived in the turn.
func (r *turnRecord) reply(q graphfake.Request) {
	if r.FirstReply.IsZero() {
		r.FirstReply = q.Received
	}
	r.LastReply = q.Received
	r.Replies++
}

// turnLog writes turn records as JSON lines; safe for concurrent use. A nil
// *turnLog writes nothing.
type turnLog struct {
	mu  sync.Mutex
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
	err error
}

func openTurnLog(path string) (*turnLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("-turns-out: %w", err)
	}
	w := bufio.NewWriter(f)
	return &turnLog{f: f, w: w, enc: json.NewEncoder(w)}, nil
}

func (l *turnLog) write(r turnRecord) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.enc.Encode(r); err != nil && l.err == nil {
		l.err = err
	}
}

func (l *turnLog) close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = err
	}
	if err := l.f.Close(); err != nil && l.err == nil {
		l.err = err
	}
	if l.err != nil {
		return fmt.Errorf("-turns-out: %w", l.err)
	}
	return nil
}
