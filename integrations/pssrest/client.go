package pssrest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest/internal/wire"
)

// Defaults of Config.
const (
	DefaultTimeout     = 4500 * time.Millisecond
	DefaultMaxAttempts = 3
	DefaultBackoff     = 100 * time.Millisecond
	DefaultOpenFor     = 5 * time.Second
	DefaultTripAfter   = 5
)

// maxBody bounds an answer read into memory.
const maxBody = 8 << 20

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, e.g. https://pss.example.com/v1.
	BaseURL string
	// APIKey is sent as a bearer token.
	APIKey string
	// Timeout bounds a whole call, retries and waits included (default 4.5 s: a
	// traveller's reply still comes within 5 s).
	Timeout time.Duration
	// AttemptTimeout bounds one attempt (default: what is left of Timeout).
	AttemptTimeout time.Duration
	// MaxAttempts is the number of tries of a retryable call (default 3).
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles, with jitter (default 100 ms).
	Backoff time.Duration
	// TripAfter consecutive failed attempts open the circuit when at least 80% of
	// the attempts of the last 10 s failed (default 5).
	TripAfter uint32
	// OpenFor is how long the circuit stays open before one trial call (default 5 s).
	OpenFor time.Duration
	// HTTPClient sends the requests (default: a client with no timeout of its own;
	// contexts bound every request).
	HTTPClient *http.Client
	// OnStateChange is told when the circuit changes state ("closed", "half-open",
	// "open"), for metrics.
	OnStateChange func(name, state string)
	// Log records state changes; nil discards.
	Log *slog.Logger
}

// Client calls a booking system over the REST contract. It is safe for concurrent
// use; its circuit breaker is per process.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
	cb   *gobreaker.CircuitBreaker[answer]
}

// answer is a successful HTTP exchange.
type answer struct {
	status int
	body   []byte
}

// New returns a client for cfg, filling in defaults.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("booking system url %q: want http(s)://host/path", cfg.BaseURL)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.TripAfter == 0 {
		cfg.TripAfter = DefaultTripAfter
	}
	if cfg.OpenFor <= 0 {
		cfg.OpenFor = DefaultOpenFor
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	c := &Client{cfg: cfg, base: u, hc: cfg.HTTPClient}
	c.cb = gobreaker.NewCircuitBreaker[answer](gobreaker.Settings{
		Name:    "pss",
		Timeout: cfg.OpenFor,
		// Counted over the last 10 s. A run of failures opens the circuit only when
		// most attempts fail: a booking system failing one call in two is still
		// usable with retries, one that answers nothing is not.
		Interval:     10 * time.Second,
		BucketPeriod: time.Second,
		ReadyToTrip: func(n gobreaker.Counts) bool {
			// Of the attempts that ended: calls in flight are neither.
			return n.ConsecutiveFailures >= cfg.TripAfter && n.TotalFailures*5 >= (n.TotalFailures+n.TotalSuccesses)*4
		},
		// The booking system's verdicts (4xx) show it is up.
		IsSuccessful: func(err error) bool { return err == nil || isVerdict(err) },
		// A caller that gave up says nothing about the booking system.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			if cfg.Log != nil {
				cfg.Log.Warn("booking system circuit", "from", from.String(), "to", to.String())
			}
			if cfg.OnStateChange != nil {
				cfg.OnStateChange(name, to.String())
			}
		},
	})
	return c, nil
}

// State returns the circuit's state: "closed", "half-open" or "open".
func (c *Client) State() string { return c.cb.State().String() }

// statusError is an answer that is not 2xx.
type statusError struct {
	status     int
	body       wire.Error
	retryAfter time.Duration
}

func (e *statusError) Error() string {
	if e.body.Message != "" {
		return fmt.Sprintf("status %d: %s", e.status, e.body.Message)
	}
	return fmt.Sprintf("status %d", e.status)
}

// isVerdict reports whether err is the booking system's answer to this request (a
// 4xx other than 429), not a sign of trouble.
func isVerdict(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.status >= 400 && se.status < 500 && se.status != http.StatusTooManyRequests
}

// call is one operation of the contract.
type call struct {
	op     string // for errors: "find booking"
	method string
	path   string
	query  url.Values
	key    string // Idempotency-Key, required on POST
	in     any
	out    any
}

// do runs a call within the budget: attempts through the breaker, retries when the
// call is idempotent and the failure is transient.
func (c *Client) do(ctx context.Context, cl call) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body []byte
	if cl.in != nil {
		var err error
		if body, err = json.Marshal(cl.in); err != nil {
			return fmt.Errorf("%s: %w", cl.op, err)
		}
	}
	if cl.method != http.MethodGet && cl.key == "" {
		return domain.Errorf(domain.Invalid, cl.op, "idempotency key required")
	}
	// GETs have no effect; POSTs are applied once per Idempotency-Key.
	retryable := cl.method == http.MethodGet || cl.key != ""
	u := *c.base
	u.Path += cl.path
	u.RawQuery = cl.query.Encode()
	wait := c.cfg.Backoff
	var last error
	for attempt := 1; ; attempt++ {
		a, err := c.cb.Execute(func() (answer, error) { return c.attempt(ctx, cl, u.String(), body) })
		switch {
		case err == nil:
			if cl.out == nil || len(a.body) == 0 {
				return nil
			}
			if err := json.Unmarshal(a.body, cl.out); err != nil {
				return domain.Errorf(domain.Unavailable, cl.op, "booking system answered %d with a body that does not fit the contract", a.status)
			}
			return nil
		case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
			return &domain.Error{Op: cl.op, Code: domain.Unavailable, Message: "booking system unavailable", Err: coalesce(last, err)}
		case isVerdict(err):
			var se *statusError
			errors.As(err, &se)
			msg := se.body.Message
			if msg == "" {
				msg = http.StatusText(se.status)
			}
			code := wire.Code(se.status)
			if se.status == http.StatusUnauthorized {
				code = domain.Internal // our key is wrong: staff must act, not travellers
			}
			return &domain.Error{Op: cl.op, Code: code, Message: msg, Err: err}
		}
		last = err
		if ctx.Err() != nil || !retryable || attempt >= c.cfg.MaxAttempts {
			return &domain.Error{Op: cl.op, Code: domain.Unavailable, Message: "booking system unavailable", Err: err}
		}
		d := jitter(wait)
		var se *statusError
		if errors.As(err, &se) && se.retryAfter > d {
			d = se.retryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return &domain.Error{Op: cl.op, Code: domain.Unavailable, Message: "booking system unavailable", Err: err}
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return &domain.Error{Op: cl.op, Code: domain.Unavailable, Message: "booking system unavailable", Err: err}
		case <-t.C:
		}
		wait *= 2
	}
}

func coalesce(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// jitter spreads a wait over [d/2, d).
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(mrand.Int64N(int64(d/2)+1))
}

// attempt sends one request.
func (c *Client) attempt(ctx context.Context, cl call, u string, body []byte) (answer, error) {
	if c.cfg.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.AttemptTimeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, rd)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	if cl.key != "" {
		req.Header.Set("Idempotency-Key", cl.key)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, err
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return answer{status: resp.StatusCode, body: b}, nil
	}
	se := &statusError{status: resp.StatusCode}
	_ = json.Unmarshal(b, &se.body)
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		se.retryAfter = time.Duration(s) * time.Second
	}
	return answer{}, se
}

// newKey makes an idempotency key for a call whose domain request has none.
func newKey(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}
