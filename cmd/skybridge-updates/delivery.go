package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/graphfake"
	"github.com/skybridge/skybridge/integrations/whatsapp"
)

// limited paces a sender to a rate shared by every conversation on this instance,
// as cmd/skybridge's channels.go does.
type limited struct {
	flows.Sender
	limit *rate.Limiter
}

func (l limited) Send(ctx context.Context, to domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error) {
	if err := l.limit.Wait(ctx); err != nil {
		return "", err
	}
	return l.Sender.Send(ctx, to, m, mode)
}

// fakeStats counts what the fake Graph API answered.
type fakeStats struct {
	mu        sync.Mutex
	accepted  []time.Time // when each accepted message arrived
	perRcpt   map[string]int
	kinds     map[string]int
	throttled int
	refused   map[int]int // other refusals by error code
}

func newFakeStats() *fakeStats {
	return &fakeStats{perRcpt: map[string]int{}, kinds: map[string]int{}, refused: map[int]int{}}
}

// throttling codes of the Graph API: 130429 (throughput), 80007 (rate limit),
// 131056 (pair rate limit), 4 (application request limit).
var throttling = map[int]bool{130429: true, 80007: true, 131056: true, 4: true}

func (s *fakeStats) add(r graphfake.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.IsMessage():
		s.accepted = append(s.accepted, r.Received)
		s.perRcpt[r.Recipient]++
		s.kinds[r.Kind]++
	case r.Status == http.StatusTooManyRequests || throttling[r.ErrorCode]:
		s.throttled++
	case !r.Accepted():
		s.refused[r.ErrorCode]++
	}
}

func (s *fakeStats) recipients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.perRcpt)
}

// DeliveryResult is the delivery of queued notifications to the fake Graph API.
type DeliveryResult struct {
	Travellers int     `json:"travellers"`
	Rate       float64 `json:"rate"`       // the sender's limit, messages/s
	FakeLimit  float64 `json:"fake_limit"` // the fake's own limit, 0 for none
	FakeBurst  int     `json:"fake_burst"`
	Tier       int     `json:"tier"`
	Workers    int     `json:"workers"`
	QueueMS    float64 `json:"queue_ms"` // fan-out before delivery starts
	// Accepted are the messages the fake accepted, Recipients the distinct
	// travellers, Duplicates the accepted messages beyond one per traveller.
	Accepted   int            `json:"accepted"`
	Recipients int            `json:"recipients"`
	Duplicates int            `json:"duplicates"`
	Templates  int            `json:"templates"`
	Throttled  int            `json:"throttled"`
	Refused    map[int]int    `json:"refused,omitempty"`
	Statuses   map[string]int `json:"statuses"` // outbound messages by status in the database
	// DurationS runs from the gate's opening to the last accepted message.
	DurationS   float64 `json:"duration_s"`
	OverallPerS float64 `json:"overall_per_s"` // accepted / DurationS
	// SteadyPerS is the rate over the steady part: after the first second of
	// sending, until the last accepted message. Steady is false when the run was
	// too short for one (under 2 s), and SteadyPerS is then the overall rate of
	// sending.
	SteadyPerS float64 `json:"steady_per_s"`
	Steady     bool    `json:"steady"`
	Fraction   float64 `json:"fraction"` // SteadyPerS / Rate, 0 when not Steady
	Complete   bool    `json:"complete"`
}

// rates computes the overall and steady rates of arrivals.
func rates(times []time.Time, opened time.Time) (overall, steady float64, isSteady bool) {
	if len(times) == 0 {
		return 0, 0, false
	}
	t := slices.Clone(times)
	slices.SortFunc(t, func(a, b time.Time) int { return a.Compare(b) })
	first, last := t[0], t[len(t)-1]
	if d := last.Sub(opened).Seconds(); d > 0 {
		overall = float64(len(t)) / d
	}
	if last.Sub(first) < 2*time.Second {
		if d := last.Sub(first).Seconds(); d > 0 {
			return overall, float64(len(t)-1) / d, false
		}
		return overall, overall, false
	}
	from := first.Add(time.Second)
	n := 0
	for _, x := range t {
		if x.After(from) {
			n++
		}
	}
	return overall, float64(n) / last.Sub(from).Seconds(), true
}

// runDelivery queues the notifications of cfg.Delivery travellers (flights of at
// most 500), then lets the deliverer send them to a fake Graph API through the
// rate-limited WhatsApp client.
func runDelivery(ctx context.Context, cfg config, t *target, progress io.Writer) (DeliveryResult, error) {
	res := DeliveryResult{Travellers: cfg.Delivery, Rate: cfg.Rate, Tier: cfg.Tier, Workers: cfg.Workers}
	log := newLogger(cfg, progress)
	e, err := openEnv(ctx, cfg, t, log)
	if err != nil {
		return res, err
	}
	defer e.close()
	if cfg.Extra > 0 {
		fmt.Fprintf(progress, "  filling %d extra bookings…\n", cfg.Extra)
		if _, err := e.fillExtra(ctx, cfg.Extra); err != nil {
			return res, err
		}
	}

	stats := newFakeStats()
	fake := graphfake.New(graphfake.Config{MaxRecorded: 100, OnRequest: stats.add, WhatsAppToken: "bench-token"})
	if err := fake.Start(); err != nil {
		return res, err
	}
	defer fake.Close()
	if cfg.FakeBurst >= 0 {
		res.FakeLimit, res.FakeBurst = cfg.Rate, cfg.FakeBurst
		if res.FakeBurst == 0 {
			res.FakeBurst = int(math.Ceil(cfg.Rate)) + int(math.Ceil(cfg.Rate/10))
		}
		if err := fake.SetFaults(graphfake.Faults{RateLimit: res.FakeLimit, RateBurst: res.FakeBurst}); err != nil {
			return res, err
		}
	}
	// As cmd/skybridge builds its WhatsApp sender: pooled connections, and the
	// number's throughput as a limiter with bursts of up to one second's worth.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	client := whatsapp.New(whatsapp.Config{BaseURL: fake.URL(), Version: graphfake.DefaultVersion,
		PhoneNumberID: graphfake.DefaultPhoneNumberID, AccessToken: "bench-token",
		HTTPClient: &http.Client{Timeout: 15 * time.Second, Transport: tr}})
	sender := limited{client, rate.NewLimiter(rate.Limit(cfg.Rate), max(1, int(cfg.Rate)))}
	deliverer := flows.NewDeliverer(e.store, map[domain.Channel]flows.Sender{domain.WhatsApp: sender}, e.engine, time.Now, log)
	deliverer.WhatsAppTier = cfg.Tier
	deliverer.Lease = jobTimeout + 10*time.Second

	defer e.startAnalyzer(ctx)()
	p := newPipeline(e, deliverer.Deliver)
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	if err := p.start(wctx); err != nil {
		return res, err
	}
	defer p.stop()

	var pax []int
	for left := cfg.Delivery; left > 0; left -= 500 {
		pax = append(pax, min(left, 500))
	}
	fmt.Fprintf(progress, "delivery of %d notifications at %g/s\n", cfg.Delivery, cfg.Rate)
	fr, err := p.fanOut(ctx, pax, "cancel", progress)
	res.QueueMS = fr.AllQueuedMS
	if err != nil {
		return res, err
	}
	fmt.Fprintf(progress, "  sending (about %s)…\n", (time.Duration(float64(cfg.Delivery)/cfg.Rate) * time.Second).Round(time.Second))
	opened := time.Now()
	p.open()
	deadline := opened.Add(cfg.Timeout + time.Duration(float64(cfg.Delivery)/cfg.Rate*float64(time.Second)))
	lastReport := opened
	for {
		queued, err := e.count(ctx, `SELECT COUNT(*) FROM outbound_messages WHERE status = ?`, string(domain.StatusQueued))
		if err != nil {
			return res, err
		}
		if queued == 0 && stats.recipients() >= cfg.Delivery {
			res.Complete = true
			break
		}
		if time.Now().After(deadline) {
			break
		}
		if time.Since(lastReport) > 10*time.Second {
			lastReport = time.Now()
			fmt.Fprintf(progress, "  … %d sent, %d queued after %s\n", stats.recipients(), queued, time.Since(opened).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	// Anything sent twice would follow its first copy closely.
	time.Sleep(500 * time.Millisecond)
	if err := p.stop(); err != nil {
		return res, err
	}

	stats.mu.Lock()
	res.Accepted = len(stats.accepted)
	res.Recipients = len(stats.perRcpt)
	for _, n := range stats.perRcpt {
		res.Duplicates += n - 1
	}
	res.Templates = stats.kinds["template"]
	res.Throttled = stats.throttled
	if len(stats.refused) > 0 {
		res.Refused = stats.refused
	}
	times := slices.Clone(stats.accepted)
	stats.mu.Unlock()
	if len(times) > 0 {
		last := slices.MaxFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		res.DurationS = last.Sub(opened).Seconds()
	}
	res.OverallPerS, res.SteadyPerS, res.Steady = rates(times, opened)
	if res.Steady {
		res.Fraction = res.SteadyPerS / cfg.Rate
	}

	var rows []struct {
		Status string
		N      int
	}
	if err := e.db.Gorm.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM outbound_messages GROUP BY status`).Scan(&rows).Error; err != nil {
		return res, err
	}
	res.Statuses = map[string]int{}
	for _, r := range rows {
		res.Statuses[r.Status] = r.N
	}
	var errs []error
	if !res.Complete {
		errs = append(errs, fmt.Errorf("delivery: %d of %d travellers reached before the deadline", res.Recipients, cfg.Delivery))
	}
	return res, errors.Join(errs...)
}
