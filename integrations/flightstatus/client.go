package flightstatus

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Sources of the reports, as FlightStatusReport.Source names them.
const (
	SourceREST = "poll:rest"
	SourceDemo = "demo"
)

// Defaults of ClientConfig.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxPages     = 50
	DefaultRetries      = 3
	DefaultBackoff      = 500 * time.Millisecond
	DefaultMaxRetryWait = 30 * time.Second
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// BaseURL is the provider's API root, paths of openapi.yaml are relative to
	// it: "https://aeroapi.flightaware.com/aeroapi" for AeroAPI.
	BaseURL string
	// APIKey is sent as x-apikey. It is never logged nor put in errors.
	APIKey string
	// Zones returns an airport's time zone, nil when unknown. It dates flights:
	// the key of a flight is its scheduled departure date at the origin. Flights
	// from an airport without a zone are left out (and logged). cmd passes
	// pss.AirportZone.
	Zones func(domain.AirportCode) *time.Location
	// Timeout bounds each request (each page, each attempt); DefaultTimeout when
	// zero.
	Timeout time.Duration
	// MaxPages is how many pages one Departing call follows; a window needing
	// more is an error (narrow the window). DefaultMaxPages when zero.
	MaxPages int
	// Retries is how many times a failed request is retried after 429, 5xx, a
	// network error or a timeout: DefaultRetries when zero, none when negative.
	Retries int
	// Backoff is the wait before the first retry, doubled for each next one, with
	// up to 50% added at random; DefaultBackoff when zero. A longer Retry-After
	// from the provider wins.
	Backoff time.Duration
	// MaxRetryWait is the longest Retry-After honoured; an answer asking for more
	// fails the call at once. DefaultMaxRetryWait when zero.
	MaxRetryWait time.Duration
	// HTTPClient sends the requests; http.DefaultClient when nil. Timeout above
	// applies whatever its own.
	HTTPClient *http.Client
	// Log receives a warning per flight left out; nothing is logged when nil.
	Log *slog.Logger
}

// String describes the configuration with the API key masked.
func (c ClientConfig) String() string {
	return fmt.Sprintf("flightstatus.ClientConfig{BaseURL:%s APIKey:%s Timeout:%s MaxPages:%d Retries:%d}",
		c.BaseURL, mask(c.APIKey), c.Timeout, c.MaxPages, c.Retries)
}

// LogValue logs the configuration with the API key masked.
func (c ClientConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("api_key", mask(c.APIKey)),
		slog.Duration("timeout", c.Timeout), slog.Int("max_pages", c.MaxPages), slog.Int("retries", c.Retries))
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}

// Client polls a flight-status provider speaking the contract of openapi.yaml
// (FlightAware AeroAPI v4's shape). It implements domain.FlightStatusSource and is
// safe for concurrent use.
type Client struct {
	cfg  ClientConfig
	base *url.URL
	err  error // of an invalid configuration, returned by every call
	http *http.Client
	log  *slog.Logger
}

// Validate reports a configuration the client cannot work with: BaseURL must be an
// absolute http(s) URL and Zones must be set. cmd calls it at start-up.
func (c ClientConfig) Validate() error {
	_, err := c.baseURL()
	return err
}

func (c ClientConfig) baseURL() (*url.URL, error) {
	const op = "configure flight status client"
	base, err := url.Parse(strings.TrimRight(c.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, domain.Errorf(domain.Invalid, op, "base URL %q is not an absolute http(s) URL", c.BaseURL)
	}
	if c.Zones == nil {
		return nil, domain.Errorf(domain.Invalid, op, "no airport time zones to date flights with")
	}
	return base, nil
}

// NewClient returns a Client for cfg, filling in defaults. With a configuration
// that fails Validate, every call returns that error.
func NewClient(cfg ClientConfig) *Client {
	base, err := cfg.baseURL()
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = DefaultMaxPages
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = DefaultMaxRetryWait
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, base: base, err: err, http: hc, log: log}
}

// Departing returns the status of the carrier's flights scheduled to depart in
// [from, to), following the provider's pages. Flights the provider describes
// badly (no usable number, origin or schedule, or failing domain validation) are
// left out with a warning rather than failing the poll; flights outside the window
// and repeats across pages are dropped.
//
// Errors carry domain.Unavailable: the provider could not be reached or kept
// failing after the retries, it refused the API key (ErrKeyRefused), it answered
// something unreadable, or the window spans more than MaxPages pages.
func (c *Client) Departing(ctx context.Context, carrier domain.CarrierCode, from, to time.Time) ([]domain.FlightStatusReport, error) {
	if c.err != nil {
		return nil, c.err
	}
	cc, err := domain.ParseCarrierCode(string(carrier))
	if err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, domain.Errorf(domain.Invalid, opPoll, "window %s–%s is empty", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	q := url.Values{}
	q.Set("start", from.UTC().Format(time.RFC3339))
	// Whole seconds on the wire: the end is rounded up, and the window is applied
	// again to the answer.
	q.Set("end", to.UTC().Add(time.Second-1).Truncate(time.Second).Format(time.RFC3339))
	next := c.endpoint("/operators/"+url.PathEscape(string(cc))+"/flights", q)

	var out []domain.FlightStatusReport
	seen := map[domain.FlightKey]bool{}
	for page := 1; next != nil; page++ {
		if page > c.cfg.MaxPages {
			return nil, domain.Errorf(domain.Unavailable, opPoll, "%s flights departing %s–%s span more than %d pages",
				cc, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), c.cfg.MaxPages)
		}
		var p pageDTO
		if err := c.get(ctx, next, &p); err != nil {
			return nil, fmt.Errorf("poll flight status of %s (page %d): %w", cc, page, err)
		}
		for _, f := range p.Flights {
			r, err := toReport(f, c.cfg.Zones)
			if err != nil {
				c.log.WarnContext(ctx, "flight status left out", "carrier", string(cc), "flight", f.IdentIATA, "err", err)
				continue
			}
			if r.ScheduledDeparture.Before(from) || !r.ScheduledDeparture.Before(to) || seen[r.Key] {
				continue
			}
			seen[r.Key] = true
			out = append(out, r)
		}
		next = nil
		if p.Links != nil && p.Links.Next != "" {
			if next, err = c.resolve(p.Links.Next); err != nil {
				return nil, fmt.Errorf("poll flight status of %s (page %d): %w", cc, page, err)
			}
		}
	}
	return out, nil
}

const opPoll = "poll flight status"

// endpoint returns the URL of path (relative to the base) with query q.
func (c *Client) endpoint(path string, q url.Values) *url.URL {
	u := *c.base
	u.Path, u.RawPath = c.base.Path+path, ""
	u.RawQuery = q.Encode()
	return &u
}

// resolve turns links.next into a URL. The contract makes it a path relative to
// the base; an absolute URL is accepted only on the base's own host, so that the
// API key never travels elsewhere.
func (c *Client) resolve(next string) (*url.URL, error) {
	u, err := url.Parse(next)
	if err != nil {
		return nil, domain.Errorf(domain.Unavailable, "", "provider's next page link %q is not a URL", next)
	}
	if u.IsAbs() || u.Host != "" {
		if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
			return nil, domain.Errorf(domain.Unavailable, "", "provider's next page link points to another host (%s)", u.Host)
		}
		return u, nil
	}
	r := *c.base
	r.Path, r.RawPath = c.base.Path+"/"+strings.TrimLeft(u.Path, "/"), ""
	r.RawQuery = u.RawQuery
	return &r, nil
}
