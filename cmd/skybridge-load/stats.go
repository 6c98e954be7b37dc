package main

import (
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
)

// stats collects what a run measured; safe for concurrent use.
type stats struct {
	mu           sync.Mutex
	webhooks     int // POSTs made, redeliveries included
	redelivered  int
	acked        int // answered 200
	nonOK        map[int]int
	transport    int
	ackLatency   []time.Duration
	e2eLatency   []time.Duration
	turns        int // turns that got a first reply
	timeouts     int
	duplicates   int
	late         int
	replies      int // messages Skybridge sent that the fake accepted
	graphRefused map[int]int
	graphOther   int // read receipts, typing indicators
	started      int
	completed    int
	// Per traveller message, however often its webhook was posted.
	messages       int // messages whose webhook was posted
	acknowledged   int // answered 200 by some instance
	unacknowledged int // never answered 200, redeliveries included
	answered       int // acknowledged and replied to
	duplicated     int // answered with some reply twice
	// sends are the WhatsApp sends seen, by Skybridge's message id and content;
	// duplicateSends counts those seen again: exact, unlike duplicates.
	sends          map[string]bool
	duplicateSends int
	firstReplyAt   time.Time
	lastReplyAt    time.Time
	unknownRecips  int
}

func newStats() *stats {
	return &stats{nonOK: map[int]int{}, graphRefused: map[int]int{}, sends: map[string]bool{}}
}

func (s *stats) lock() func() { s.mu.Lock(); return s.mu.Unlock }

// ack records one webhook POST: status 0 is a transport error.
func (s *stats) ack(status int, d time.Duration, redelivery bool) {
	defer s.lock()()
	s.webhooks++
	if redelivery {
		s.redelivered++
	}
	switch {
	case status == 0:
		s.transport++
	case status == 200:
		s.acked++
		s.ackLatency = append(s.ackLatency, d)
	default:
		s.nonOK[status]++
		s.ackLatency = append(s.ackLatency, d)
	}
}

// Percentiles summarise latency samples in milliseconds.
type Percentiles struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// percentiles sorts a copy of samples and reads them by nearest rank.
func percentiles(samples []time.Duration) Percentiles {
	if len(samples) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		i = max(0, min(i, len(s)-1))
		return ms(s[i])
	}
	return Percentiles{Count: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: ms(s[len(s)-1])}
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

// Report is the outcome of a run, printed as text or JSON.
type Report struct {
	Target      string  `json:"target"`
	Channel     string  `json:"channel"`
	Travellers  int     `json:"travellers"`
	Rate        float64 `json:"rate"`
	Concurrency int     `json:"concurrency"`
	Elapsed     float64 `json:"elapsed_s"`
	Handshake   string  `json:"verify_handshake"`

	Webhooks struct {
		Sent        int     `json:"sent"`
		Redelivered int     `json:"redelivered"`
		Acked       int     `json:"acked"`
		PerSecond   float64 `json:"acked_per_s"`
	} `json:"webhooks"`
	Replies struct {
		Received       int     `json:"received"`
		PerSecond      float64 `json:"received_per_s"`
		Turns          int     `json:"turns_answered"`
		TurnsPerSecond float64 `json:"turns_per_s"`
	} `json:"replies"`
	AckLatency Percentiles `json:"ack_latency"`
	EndToEnd   Percentiles `json:"end_to_end_latency"`
	Errors     struct {
		NonOK            map[string]int `json:"non_200_acks"`
		Transport        int            `json:"transport_errors"`
		ReplyTimeouts    int            `json:"reply_timeouts"`
		DuplicateReplies int            `json:"duplicate_replies"`
		LateReplies      int            `json:"late_replies"`
		GraphRefused     map[string]int `json:"graph_refused"`
		UnknownRecipient int            `json:"replies_to_unknown_recipients"`
	} `json:"errors"`
	// Cost is CPU time and database transactions per turn, with -cpu-pids or -pg.
	Cost          *Cost `json:"cost,omitempty"`
	Conversations struct {
		Started   int `json:"started"`
		Completed int `json:"completed"`
	} `json:"conversations"`
	// Messages counts each traveller message once, however often its webhook was
	// posted: what the guarantee "every acknowledged message is answered exactly
	// once" is measured on.
	Messages struct {
		Sent           int `json:"sent"`
		Acknowledged   int `json:"acknowledged"`
		Unacknowledged int `json:"unacknowledged"`
		Answered       int `json:"answered"`
		// Lost were acknowledged but got no reply within -reply-timeout.
		Lost int `json:"lost"`
		// Duplicated were answered with some reply twice.
		Duplicated int `json:"duplicated"`
		// DuplicateSends are sends of one Skybridge message seen again,
		// wherever they fell, told by the reference the send carries (every
		// WhatsApp part; the last request of a Messenger message).
		DuplicateSends int `json:"duplicate_sends"`
	} `json:"messages"`
}

func (s *stats) report(c config, elapsed time.Duration, handshake string) Report {
	defer s.lock()()
	var r Report
	r.Target, r.Channel, r.Travellers, r.Rate, r.Concurrency = c.Target, c.Channel, c.Travellers, c.Rate, c.Concurrency
	r.Elapsed = math.Round(elapsed.Seconds()*1000) / 1000
	r.Handshake = handshake
	per := func(n int) float64 {
		if elapsed <= 0 {
			return 0
		}
		return math.Round(float64(n)/elapsed.Seconds()*10) / 10
	}
	r.Webhooks.Sent, r.Webhooks.Redelivered, r.Webhooks.Acked, r.Webhooks.PerSecond = s.webhooks, s.redelivered, s.acked, per(s.acked)
	r.Replies.Received, r.Replies.PerSecond = s.replies, per(s.replies)
	r.Replies.Turns, r.Replies.TurnsPerSecond = s.turns, per(s.turns)
	r.AckLatency = percentiles(s.ackLatency)
	r.EndToEnd = percentiles(s.e2eLatency)
	r.Errors.NonOK = keyed(s.nonOK)
	r.Errors.Transport = s.transport
	r.Errors.ReplyTimeouts = s.timeouts
	r.Errors.DuplicateReplies = s.duplicates
	r.Errors.LateReplies = s.late
	r.Errors.GraphRefused = keyed(s.graphRefused)
	r.Errors.UnknownRecipient = s.unknownRecips
	r.Conversations.Started, r.Conversations.Completed = s.started, s.completed
	m := &r.Messages
	m.Sent, m.Acknowledged, m.Unacknowledged = s.messages, s.acknowledged, s.unacknowledged
	m.Answered, m.Lost, m.Duplicated = s.answered, s.acknowledged-s.answered, s.duplicated
	m.DuplicateSends = s.duplicateSends
	return r
}

func keyed(m map[int]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		out[strconv.Itoa(k)] = v
	}
	return out
}
