package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// load is one run: the fake Graph API, the travellers and what they measured.
type load struct {
	cfg     config
	fake    *graphfake.Server
	client  *http.Client
	build   webhookBuilder
	stats   *stats
	pace    *pacer
	slots   chan struct{} // -concurrency
	budget  atomic.Int64  // webhooks left
	byID    map[string]*traveller
	redeliv atomic.Uint64 // fraction accumulator, in millionths
	next    atomic.Uint64 // round robin over cfg.Targets
	turns   *turnLog      // -turns-out; nil writes nothing
}

// traveller is one simulated person with their own channel identity.
type traveller struct {
	n       int
	channel graphfake.Channel
	id      string // wa_id or PSID
	name    string
	booking string
	inbox   chan graphfake.Request
}

// newLoad prepares travellers and starts the fake Graph API.
func newLoad(cfg config) (*load, error) {
	l := &load{
		cfg:    cfg,
		client: &http.Client{Timeout: 30 * time.Second, Transport: keepAlive(cfg)},
		build:  webhookBuilder{phoneNumberID: cfg.PhoneNumberID, displayNumber: cfg.DisplayNumber, wabaID: graphfake.DefaultWABAID, pageID: cfg.PageID},
		stats:  newStats(),
		pace:   newPacer(cfg.Rate),
		slots:  make(chan struct{}, cfg.Concurrency),
		byID:   map[string]*traveller{},
	}
	l.budget.Store(int64(cfg.MaxWebhooks))
	for i := range cfg.Travellers {
		ch := graphfake.WhatsApp
		if cfg.Channel == "messenger" || (cfg.Channel == "both" && i%2 == 1) {
			ch = graphfake.Messenger
		}
		t := &traveller{n: i + 1, channel: ch, inbox: make(chan graphfake.Request, 256),
			name: fmt.Sprintf("Load Traveller %d", i+1)}
		if ch == graphfake.WhatsApp {
			t.id = fmt.Sprintf("999%09d", i+1) // +999 is not an assigned country code
		} else {
			t.id = fmt.Sprintf("9%015d", i+1)
		}
		if len(cfg.Bookings) > 0 {
			t.booking = cfg.Bookings[i%len(cfg.Bookings)]
		}
		l.byID[t.id] = t
	}
	fc := graphfake.Config{
		Addr: cfg.FakeAddr, Version: cfg.Version,
		PhoneNumberID: cfg.PhoneNumberID, DisplayPhoneNumber: cfg.DisplayNumber, PageID: cfg.PageID,
		WhatsAppToken: cfg.WAToken, PageToken: cfg.PageToken,
		MaxRecorded: 10000,
		OnRequest:   l.onReply,
	}
	if cfg.StatusWebhooks {
		fc.StatusWebhooks = []graphfake.StatusWebhook{
			{Channel: graphfake.WhatsApp, URL: strings.TrimRight(cfg.Target, "/") + cfg.WhatsAppPath, AppSecret: cfg.AppSecret},
			{Channel: graphfake.Messenger, URL: strings.TrimRight(cfg.Target, "/") + cfg.MessengerPath, AppSecret: cfg.AppSecret},
		}
	}
	l.fake = graphfake.New(fc)
	if cfg.Faults != "" {
		var f graphfake.Faults
		if err := unmarshalStrict(cfg.Faults, &f); err != nil {
			return nil, fmt.Errorf("-faults: %w", err)
		}
		if err := l.fake.SetFaults(f); err != nil {
			return nil, fmt.Errorf("-faults: %w", err)
		}
	}
	if err := l.fake.Start(); err != nil {
		return nil, fmt.Errorf("start the fake Graph API: %w", err)
	}
	if cfg.fakeReady != nil {
		cfg.fakeReady(l.fake)
	}
	if cfg.TurnsOut != "" {
		var err error
		if l.turns, err = openTurnLog(cfg.TurnsOut); err != nil {
			l.fake.Close()
			return nil, err
		}
	}
	return l, nil
}

// onReply routes what Skybridge sent to the traveller it was for.
func (l *load) onReply(r graphfake.Request) {
	defer l.stats.lock()()
	switch {
	case !r.Accepted():
		l.stats.graphRefused[r.ErrorCode]++
		return
	case !r.IsMessage():
		l.stats.graphOther++
		return
	}
	t := l.byID[r.Recipient]
	if t == nil {
		l.stats.unknownRecips++
		return
	}
	l.stats.replies++
	if id := callbackData(r); id != "" {
		key := id + "\x00" + fingerprint(r)
		if l.stats.sends[key] {
			l.stats.duplicateSends++
		}
		l.stats.sends[key] = true
	}
	if l.stats.firstReplyAt.IsZero() {
		l.stats.firstReplyAt = r.Received
	}
	l.stats.lastReplyAt = r.Received
	select {
	case t.inbox <- r:
	default:
		l.stats.late++ // nobody is reading: the traveller has gone
	}
}

// run starts every traveller, stops new turns after the duration and returns
// when every traveller has finished its turn in flight.
func (l *load) run(ctx context.Context) time.Duration {
	start := time.Now()
	sendCtx, cancel := context.WithTimeout(ctx, l.cfg.Duration)
	defer cancel()
	// Turns started before the end may wait for their replies this much longer.
	waitCtx, cancelWait := context.WithTimeout(ctx, l.cfg.Duration+l.cfg.ReplyTimeout+2*l.cfg.Settle)
	defer cancelWait()
	var wg sync.WaitGroup
	for _, t := range l.byID {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.converse(sendCtx, waitCtx, t)
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// close stops the fake Graph API and closes the turn log.
func (l *load) close() error {
	l.fake.Close()
	return l.turns.close()
}

// converse runs conversations for one traveller until sendCtx ends.
func (l *load) converse(sendCtx, waitCtx context.Context, t *traveller) {
	clean := true
	for sendCtx.Err() == nil && l.budget.Load() > 0 {
		says := scripts[l.cfg.Script](t.booking)
		if !clean {
			says = append([]string{"start over"}, says...)
		}
		l.count(func(s *stats) { s.started++ })
		var last graphfake.Request
		clean = false
		for turn := 0; turn < l.cfg.MaxTurns; turn++ {
			var u utterance
			switch {
			case len(says) > 0:
				u.Text, says = says[0], says[1:]
			case len(last.Choices) > 0:
				c, ok := pick(last.Choices)
				if !ok {
					break
				}
				u.Choice, u.Context = &c, last.MessageID
			}
			if u.Text == "" && u.Choice == nil {
				clean = true
				l.count(func(s *stats) { s.completed++ })
				break
			}
			replies, ok := l.turn(sendCtx, waitCtx, t, u)
			if !ok {
				break
			}
			last = lastOffer(replies)
		}
	}
}

// lastOffer is the last reply that offered choices, else the last reply.
func lastOffer(replies []graphfake.Request) graphfake.Request {
	for i := len(replies) - 1; i >= 0; i-- {
		if len(replies[i].Choices) > 0 {
			return replies[i]
		}
	}
	return replies[len(replies)-1]
}

// turn sends one webhook and waits, like a person, for the replies to it.
func (l *load) turn(sendCtx, waitCtx context.Context, t *traveller, u utterance) ([]graphfake.Request, bool) {
	l.drain(t)
	if l.budget.Add(-1) < 0 || !l.pace.wait(sendCtx) {
		return nil, false
	}
	var body []byte
	var id string
	path := l.cfg.WhatsAppPath
	if t.channel == graphfake.WhatsApp {
		body, id = l.build.whatsapp(t.id, t.name, u, time.Now())
	} else {
		body, id = l.build.messenger(t.id, u, time.Now())
		path = l.cfg.MessengerPath
	}
	rec := turnRecord{Traveller: t.id, Channel: string(t.channel), MessageID: id, Sent: time.Now()}
	defer func() { l.turns.write(rec) }()
	// A turn begun before the end is finished: its POSTs are bounded by waitCtx.
	if !l.deliver(waitCtx, path, body, &rec) {
		return nil, false
	}
	if l.redeliverNow() && l.budget.Add(-1) >= 0 {
		l.post(waitCtx, l.target(), path, body, true)
	}
	var replies []graphfake.Request
	timer := time.NewTimer(l.cfg.ReplyTimeout)
	defer timer.Stop()
	select {
	case r := <-t.inbox:
		replies = append(replies, r)
		rec.reply(r)
		l.count(func(s *stats) {
			s.turns++
			s.e2eLatency = append(s.e2eLatency, r.Received.Sub(rec.Sent))
		})
	case <-timer.C:
		rec.TimedOut = true
		l.count(func(s *stats) { s.timeouts++ })
		return nil, false
	case <-waitCtx.Done():
		rec.TimedOut = true
		l.count(func(s *stats) { s.timeouts++ })
		return nil, false
	}
	seen := map[string]bool{fingerprint(replies[0]): true}
	for {
		quiet := time.NewTimer(l.cfg.Settle)
		select {
		case r := <-t.inbox:
			quiet.Stop()
			rec.reply(r)
			if f := fingerprint(r); seen[f] {
				rec.Duplicates++
				l.count(func(s *stats) { s.duplicates++ })
			} else {
				seen[f] = true
			}
			replies = append(replies, r)
		case <-quiet.C:
			l.answered(rec)
			return replies, true
		case <-waitCtx.Done():
			quiet.Stop()
			l.answered(rec)
			return replies, true
		}
	}
}

// answered counts a turn whose replies have all arrived.
func (l *load) answered(rec turnRecord) {
	l.count(func(s *stats) {
		s.answered++
		if rec.Duplicates > 0 {
			s.duplicated++
		}
	})
}

// target picks the instance for a new webhook, round robin.
func (l *load) target() int {
	return int((l.next.Add(1) - 1) % uint64(len(l.cfg.Targets)))
}

// deliver posts a traveller's webhook until an instance acknowledges it. A
// webhook not acknowledged is, with -redeliver-failed, posted again to the next
// instance after a growing pause, as Meta keeps redelivering what was not
// answered 200; the same message id makes a redelivery of a message that was in
// fact stored a no-op. It records every attempt in rec and reports whether the
// message was acknowledged.
func (l *load) deliver(ctx context.Context, path string, body []byte, rec *turnRecord) bool {
	l.count(func(s *stats) { s.messages++ })
	target := l.target()
	pause := 100 * time.Millisecond
	for {
		status := l.post(ctx, target, path, body, len(rec.Statuses) > 0)
		rec.Targets = append(rec.Targets, l.cfg.Targets[target])
		rec.Statuses = append(rec.Statuses, status)
		rec.Answered = append(rec.Answered, time.Now())
		if status == http.StatusOK {
			rec.Acked = rec.Answered[len(rec.Answered)-1]
			l.count(func(s *stats) { s.acknowledged++ })
			return true
		}
		if ctx.Err() != nil || time.Since(rec.Sent)+pause > l.cfg.RedeliverFor {
			l.count(func(s *stats) { s.unacknowledged++ })
			return false
		}
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			l.count(func(s *stats) { s.unacknowledged++ })
			return false
		}
		pause = min(2*pause, 2*time.Second)
		target = (target + 1) % len(l.cfg.Targets)
	}
}

// fingerprint identifies a reply's content: the same content twice in one turn
// is a duplicate reply. Skybridge's own message id, which its sends carry
// (WhatsApp biz_opaque_callback_data, Messenger message.metadata), is part of
// it: two messages that merely read the same are not one message sent twice.
func fingerprint(r graphfake.Request) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%v", callbackData(r), r.Kind, r.Text, r.Choices)
}

// callbackData is the sender's reference a send carries, "" if none: WhatsApp's
// biz_opaque_callback_data or Messenger's message.metadata (which Skybridge
// puts on every request of a message, naming the message and the part).
func callbackData(r graphfake.Request) string {
	if s, _ := r.Body["biz_opaque_callback_data"].(string); s != "" {
		return s
	}
	msg, _ := r.Body["message"].(map[string]any)
	s, _ := msg["metadata"].(string)
	return s
}

// drain counts replies that arrived while the traveller was not waiting.
func (l *load) drain(t *traveller) {
	for {
		select {
		case <-t.inbox:
			l.count(func(s *stats) { s.late++ })
		default:
			return
		}
	}
}

// post signs and sends one webhook and records its acknowledgement; it returns
// the HTTP status, 0 on a transport error.
func (l *load) post(ctx context.Context, target int, path string, body []byte, redelivery bool) int {
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	defer func() { <-l.slots }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(l.cfg.Targets[target], "/")+path, bytes.NewReader(body))
	if err != nil {
		l.stats.ack(0, 0, redelivery)
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", graphfake.Sign(l.cfg.AppSecret, body))
	t0 := time.Now()
	resp, err := l.client.Do(req)
	d := time.Since(t0)
	if err != nil {
		if ctx.Err() != nil {
			return 0 // the run ended; not Skybridge's fault
		}
		l.stats.ack(0, d, redelivery)
		return 0
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	l.stats.ack(resp.StatusCode, d, redelivery)
	return resp.StatusCode
}

// redeliverNow spreads -redeliver evenly over the webhooks.
func (l *load) redeliverNow() bool {
	if l.cfg.Redeliver <= 0 {
		return false
	}
	step := uint64(l.cfg.Redeliver * 1e6)
	n := l.redeliv.Add(step)
	return n/1e6 != (n-step)/1e6
}

func (l *load) count(f func(*stats)) {
	defer l.stats.lock()()
	f(l.stats)
}

// verifyHandshake checks the GET verification Meta performs when the webhook is
// configured; the answer goes into the report.
func (l *load) verifyHandshake(ctx context.Context) string {
	if l.cfg.VerifyToken == "" {
		return "skipped"
	}
	var out []string
	paths := map[string]string{"whatsapp": l.cfg.WhatsAppPath, "messenger": l.cfg.MessengerPath}
	for i, target := range l.cfg.Targets {
		for _, ch := range []string{"whatsapp", "messenger"} {
			if l.cfg.Channel != ch && l.cfg.Channel != "both" {
				continue
			}
			name := ch
			if len(l.cfg.Targets) > 1 {
				name = fmt.Sprintf("%s@%d", ch, i+1)
			}
			out = append(out, name+": "+l.handshake(ctx, target, paths[ch]))
		}
	}
	return strings.Join(out, ", ")
}

// handshake performs one verification GET against target's webhook path.
func (l *load) handshake(ctx context.Context, target, path string) string {
	challenge := fmt.Sprint(time.Now().UnixNano())
	u := strings.TrimRight(target, "/") + path + "?hub.mode=subscribe&hub.challenge=" + challenge + "&hub.verify_token=" + l.cfg.VerifyToken
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := l.client.Do(req)
	if err != nil {
		return "unreachable"
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	resp.Body.Close()
	if resp.StatusCode == 200 && string(b) == challenge {
		return "ok"
	}
	return fmt.Sprintf("failed (HTTP %d)", resp.StatusCode)
}

// pacer spaces webhooks evenly at a rate; a zero rate never waits.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newPacer(rate float64) *pacer {
	p := &pacer{}
	if rate > 0 {
		p.interval = time.Duration(float64(time.Second) / rate)
	}
	return p
}

// wait blocks until the caller's slot; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool {
	if p.interval == 0 {
		return ctx.Err() == nil
	}
	p.mu.Lock()
	now := time.Now()
	slot := p.next
	if slot.Before(now) {
		slot = now
	}
	p.next = slot.Add(p.interval)
	p.mu.Unlock()
	t := time.NewTimer(time.Until(slot))
	defer t.Stop()
	select {
	case <-t.C:
		return ctx.Err() == nil
	case <-ctx.Done():
		return false
	}
}

// keepAlive reuses connections to Skybridge as Meta's webhook sender does, rather
// than opening one per webhook (the default transport keeps only two idle).
func keepAlive(cfg config) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(cfg.Concurrency, 2) + 4
	return tr
}
