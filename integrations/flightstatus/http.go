package flightstatus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// ErrKeyRefused is in the chain of the error returned when the provider refuses
// the API key (HTTP 401 or 403): a configuration problem that retrying does not
// fix. Its code is domain.Unavailable.
var ErrKeyRefused error = domain.Errorf(domain.Unavailable, "", "the flight status provider refused the API key")

// maxResponse bounds how much of an answer is read: a page of AeroAPI flights is
// a few kilobytes a flight.
const maxResponse = 16 << 20

// attemptError is a failed attempt worth retrying, with the wait the provider
// asked for.
type attemptError struct {
	err        error
	retryAfter time.Duration
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// get fetches u and decodes the answer into out, retrying failed attempts with
// backoff. GET is idempotent: a retry cannot do anything twice.
func (c *Client) get(ctx context.Context, u *url.URL, out any) error {
	attempts := c.cfg.Retries + 1
	for attempt := 1; ; attempt++ {
		err := c.try(ctx, u, out)
		var ae *attemptError
		if err == nil || !errors.As(err, &ae) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if attempt == attempts {
			msg := "flight status provider unavailable"
			if attempts > 1 {
				msg += fmt.Sprintf(" after %d attempts", attempts)
			}
			return &domain.Error{Code: domain.Unavailable, Message: msg, Err: ae.err}
		}
		if ae.retryAfter > c.cfg.MaxRetryWait {
			return &domain.Error{Code: domain.Unavailable,
				Message: fmt.Sprintf("flight status provider asks to retry after %s", ae.retryAfter), Err: ae.err}
		}
		wait := max(c.backoff(attempt), ae.retryAfter)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// backoff is the wait before retry n (1-based): Backoff doubled n-1 times, plus up
// to half of it at random so that instances polling together spread out.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.Backoff << (n - 1)
	return d + rand.N(d/2+1)
}

// try makes one attempt. Failures worth retrying are *attemptError; the others
// are final.
func (c *Client) try(ctx context.Context, u *url.URL, out any) error {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("x-apikey", c.cfg.APIKey)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			// Not wrapped: the caller's own deadline has not passed.
			err = fmt.Errorf("no answer within %s", c.cfg.Timeout)
		}
		return &attemptError{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &attemptError{err: fmt.Errorf("read answer: %w", err)}
	}
	switch s := resp.StatusCode; {
	case s == http.StatusOK:
		if len(body) > maxResponse {
			return domain.Errorf(domain.Unavailable, "", "provider's answer is larger than %d bytes", maxResponse)
		}
		if err := json.Unmarshal(body, out); err != nil {
			return &domain.Error{Code: domain.Unavailable, Message: "provider's answer is not the expected JSON", Err: err}
		}
		return nil
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		return fmt.Errorf("%w (HTTP %d%s)", ErrKeyRefused, s, detail(body))
	case s == http.StatusTooManyRequests || s >= 500:
		return &attemptError{
			err:        fmt.Errorf("HTTP %d%s", s, detail(body)),
			retryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	}
	return domain.Errorf(domain.Unavailable, "", "flight status provider answered HTTP %d%s", resp.StatusCode, detail(body))
}

// detail is the provider's explanation of an error, ": …", or "".
func detail(body []byte) string {
	var e errorDTO
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	s := e.String()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return ""
	}
	return ": " + s
}

// retryAfter reads a Retry-After header: seconds or an HTTP date. Zero when
// absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(s, 0)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now).Round(time.Second)
	}
	return 0
}
