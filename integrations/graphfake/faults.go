package graphfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"time"
)

// Faults says which requests the fake answers badly. The zero value injects
// nothing. Faults are checked after the path and token, in this order: rate
// limit, server error, throttling, body validation, closed window; Slow delays
// the answer whatever it is.
type Faults struct {
	// ServerError answers HTTP 500: WhatsApp code 131000, Messenger code 1.
	ServerError Fault `json:"server_error"`
	// Throttle answers a rate-limit error: WhatsApp 130429 (HTTP 429) unless Code
	// is 80007 (HTTP 429), 131056 (pair rate limit) or 4; Messenger 613 unless
	// Code is 4.
	Throttle Fault `json:"throttle"`
	// WindowClosed refuses free-form messages (not templates, not tagged or
	// utility Messenger messages) as outside the customer-service window:
	// WhatsApp 131047; Messenger code 10 subcode 2018278 unless Code is 1545041.
	// With Async, a WhatsApp send is accepted and then reported failed with 131047
	// in a status webhook, as Meta often does.
	WindowClosed Fault `json:"window_closed"`
	// Slow selects the requests delayed by Delay; when Slow selects nothing and
	// Delay is set, every request is delayed.
	Slow  Fault    `json:"slow"`
	Delay Duration `json:"delay,omitempty"`
	// RateLimit, when above zero, is the messages per second each phone number id
	// or page accepts (a token bucket holding RateBurst, default ceil(RateLimit));
	// requests over it get 130429 (HTTP 429) or Messenger 613.
	RateLimit float64 `json:"rate_limit,omitempty"`
	RateBurst int     `json:"rate_burst,omitempty"`
}

// Fault selects requests: the next Next ones first, then the given Fraction of
// the rest, spread evenly (0.25 hits every fourth request) so that tests are
// deterministic.
type Fault struct {
	Fraction float64 `json:"fraction,omitempty"`
	Next     int     `json:"next,omitempty"`
	// Code overrides the default error code of the fault for its channel.
	Code int `json:"code,omitempty"`
	// Status overrides the HTTP status of the error.
	Status int `json:"status,omitempty"`
	// Channel, when set, limits the fault to one channel.
	Channel Channel `json:"channel,omitempty"`
	// Async: see Faults.WindowClosed.
	Async bool `json:"async,omitempty"`
}

func (f Fault) active() bool { return f.Fraction > 0 || f.Next > 0 }

// Validate reports a setting that cannot work.
func (f Faults) Validate() error {
	for name, x := range map[string]Fault{"server_error": f.ServerError, "throttle": f.Throttle, "window_closed": f.WindowClosed, "slow": f.Slow} {
		if x.Fraction < 0 || x.Fraction > 1 || math.IsNaN(x.Fraction) {
			return fmt.Errorf("fault %s: fraction %v not in [0, 1]", name, x.Fraction)
		}
		if x.Next < 0 {
			return fmt.Errorf("fault %s: next %d is negative", name, x.Next)
		}
		if x.Channel != "" && x.Channel != WhatsApp && x.Channel != Messenger {
			return fmt.Errorf("fault %s: unknown channel %q", name, x.Channel)
		}
	}
	if f.Delay < 0 || time.Duration(f.Delay) > time.Minute {
		return fmt.Errorf("delay %s not in [0, 1m]", time.Duration(f.Delay))
	}
	if f.RateLimit < 0 || math.IsNaN(f.RateLimit) || f.RateBurst < 0 {
		return fmt.Errorf("rate limit %v burst %d: must not be negative", f.RateLimit, f.RateBurst)
	}
	return nil
}

// Duration is a time.Duration written in JSON as "250ms".
type Duration time.Duration

// MarshalText writes d as Go duration text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads Go duration text ("250ms", "2s").
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("duration %q: %w", b, err)
	}
	*d = Duration(v)
	return nil
}

// selector is the run-time state of one Fault.
type selector struct {
	Fault
	left int     // of Next
	acc  float64 // fraction accumulated
}

func (s *selector) hit(ch Channel) bool {
	if s.Channel != "" && s.Channel != ch {
		return false
	}
	if s.left > 0 {
		s.left--
		return true
	}
	if s.Fraction <= 0 {
		return false
	}
	s.acc += s.Fraction
	if s.acc >= 1-1e-9 {
		s.acc--
		return true
	}
	return false
}

// injector holds the faults in force and the rate limiter's buckets.
type injector struct {
	mu      sync.Mutex
	f       Faults
	server  selector
	thr     selector
	window  selector
	slow    selector
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func (in *injector) set(f Faults) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.f = f
	in.server = selector{Fault: f.ServerError, left: f.ServerError.Next}
	in.thr = selector{Fault: f.Throttle, left: f.Throttle.Next}
	in.window = selector{Fault: f.WindowClosed, left: f.WindowClosed.Next}
	in.slow = selector{Fault: f.Slow, left: f.Slow.Next}
	in.buckets = map[string]*bucket{}
}

func (in *injector) get() Faults {
	in.mu.Lock()
	defer in.mu.Unlock()
	f := in.f
	f.ServerError.Next = in.server.left
	f.Throttle.Next = in.thr.left
	f.WindowClosed.Next = in.window.left
	f.Slow.Next = in.slow.left
	return f
}

// delay is how long to hold the answer to this request.
func (in *injector) delay(ch Channel) time.Duration {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.f.Delay <= 0 {
		return 0
	}
	if !in.slow.active() || in.slow.hit(ch) {
		return time.Duration(in.f.Delay)
	}
	return 0
}

// limit takes a token for sender; false when the sender is over its rate.
func (in *injector) limit(sender string) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	rate := in.f.RateLimit
	if rate <= 0 {
		return true
	}
	burst := float64(in.f.RateBurst)
	if burst <= 0 {
		burst = math.Ceil(rate)
	}
	now := in.now()
	b := in.buckets[sender]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		in.buckets[sender] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// before decides the faults that do not depend on the body.
func (in *injector) before(ch Channel) (*apiError, string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.server.hit(ch) {
		code := in.server.Code
		if code == 0 {
			code = map[Channel]int{WhatsApp: 131000, Messenger: 1}[ch]
		}
		return platformError(ch, code, orDefault(in.server.Status, 500)), "server_error"
	}
	if in.thr.hit(ch) {
		code := in.thr.Code
		if _, ok := tableFor(ch)[code]; !ok || code == 0 {
			code = map[Channel]int{WhatsApp: 130429, Messenger: 613}[ch]
		}
		return platformError(ch, code, in.thr.Status), "throttle"
	}
	return nil, ""
}

// closedWindow decides the closed-window fault for a free-form message; async
// means accept now and report the failure in a status webhook.
func (in *injector) closedWindow(ch Channel) (err *apiError, async bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.window.hit(ch) {
		return nil, false
	}
	if ch == WhatsApp && in.window.Async {
		return nil, true
	}
	code := in.window.Code
	if ch == WhatsApp {
		code = 131047
	} else if code != 1545041 {
		code = 10
	}
	return platformError(ch, code, in.window.Status), false
}

func tableFor(ch Channel) map[int]knownError {
	if ch == Messenger {
		return messengerErrors
	}
	return whatsappErrors
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// parseFaults reads a Faults document strictly.
func parseFaults(b []byte) (Faults, error) {
	var f Faults
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Faults{}, fmt.Errorf("faults: %w", err)
	}
	return f, f.Validate()
}
