package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/skybridge/skybridge/domain"
)

// Defaults of Config.
const (
	DefaultTimeout   = 2 * time.Second
	DefaultTripAfter = 3
	DefaultOpenFor   = 30 * time.Second
	// retryWait is the pause before the one retry of a 429 or 5xx that gave no
	// Retry-After.
	retryWait = 100 * time.Millisecond
)

// maxBody bounds an answer read into memory: a verdict is a few hundred bytes.
const maxBody = 1 << 20

// Config configures a Client.
type Config struct {
	// URL is the API root; requests go to URL + "/chat/completions"
	// (e.g. https://api.openai.com/v1, or a local server's http://127.0.0.1:8000/v1).
	URL string
	// Model is the model name sent with each request.
	Model string
	// Key, when set, is sent as a bearer token. It is never logged.
	Key string
	// Timeout bounds one classification, its retry included (default 2 s).
	Timeout time.Duration
	// Normalize re-reads the values the endpoint reports; without it every
	// entity is dropped and only the intent is used.
	Normalize Normalizer
	// TripAfter consecutive failed calls open the circuit (default 3); while it
	// is open, calls fail at once with ErrOpen.
	TripAfter uint32
	// OpenFor is how long the circuit stays open before one trial call
	// (default 30 s).
	OpenFor time.Duration
	// HTTPClient sends the requests (default: a client with no timeout of its
	// own; contexts bound every request).
	HTTPClient *http.Client
	// OnStateChange is told when the circuit changes state ("closed",
	// "half-open", "open"), for metrics.
	OnStateChange func(name, state string)
	// Log records state changes; nil discards.
	Log *slog.Logger
}

// Client asks an OpenAI-compatible chat-completions endpoint what a message
// is about. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	hc       *http.Client
	cb       *gobreaker.CircuitBreaker[string]
	// jsonObject is set once the server refused a JSON schema and accepted
	// "json_object" instead: later requests ask for that at once.
	jsonObject atomic.Bool
}

// ErrOpen is returned while the circuit is open: the endpoint failed several
// times in a row and is left alone for a while.
var ErrOpen = errors.New("llm endpoint circuit open")

// StatusError is an answer of the endpoint that is not 200.
type StatusError struct {
	Status  int
	Message string
}

func (e *StatusError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("status %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("status %d", e.Status)
}

// New returns a client for cfg, filling in defaults.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(cfg.URL), "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("llm url %q: want http(s)://host/path", cfg.URL)
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return nil, errors.New("llm: a model is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
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
	c := &Client{cfg: cfg, endpoint: u.String() + "/chat/completions", hc: cfg.HTTPClient}
	c.cb = gobreaker.NewCircuitBreaker[string](gobreaker.Settings{
		Name:    "llm",
		Timeout: cfg.OpenFor,
		ReadyToTrip: func(n gobreaker.Counts) bool {
			return n.ConsecutiveFailures >= cfg.TripAfter
		},
		// A caller that gave up says nothing about the endpoint.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(name string, from, to gobreaker.State) {
			if cfg.Log != nil {
				cfg.Log.Warn("llm circuit", "from", from.String(), "to", to.String())
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

// Message is what is classified: the traveller's text, its language if known,
// and the entities the built-in extractor found in it (used to withhold
// personal data).
type Message struct {
	Text  string
	Lang  domain.Lang
	Found []domain.Entity
}

// Classify sends the message, its personal data masked, and returns the
// endpoint's validated answer. Errors: ErrOpen, ErrInvalid (the answer is not
// a verdict of the schema), a *StatusError, or the context's error when the
// timeout passed.
func (c *Client) Classify(ctx context.Context, m Message) (Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	sent := Mask(m.Text, m.Found)
	content, err := c.cb.Execute(func() (string, error) { return c.exchange(ctx, sent) })
	switch {
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return Answer{}, ErrOpen
	case err != nil:
		return Answer{}, fmt.Errorf("classify: %w", err)
	}
	v, err := parseVerdict(content)
	if err != nil {
		return Answer{}, fmt.Errorf("classify: %w", err)
	}
	return validate(v, sent, m.Lang, c.cfg.Normalize), nil
}

// request builds the body for a masked message.
func (c *Client) request(sent string, jsonObject bool) chatRequest {
	format := responseFormat{Type: "json_schema", JSONSchema: &jsonSchema{Name: "understanding", Strict: true, Schema: schema}}
	if jsonObject {
		format = responseFormat{Type: "json_object"}
	}
	return chatRequest{
		Model:          c.cfg.Model,
		Messages:       []chatMessage{{Role: "system", Content: systemPrompt}, {Role: "user", Content: sent}},
		Temperature:    0,
		ResponseFormat: format,
	}
}

// exchange posts the request and returns the content of the first choice.
// A 429 or 5xx (or no answer at all) is retried once when the wait fits in
// the time left; a 400 to a JSON schema is tried again with "json_object".
func (c *Client) exchange(ctx context.Context, sent string) (string, error) {
	jsonObject := c.jsonObject.Load()
	retried, fellBack := false, false
	for {
		status, body, retryAfter, err := c.post(ctx, c.request(sent, jsonObject))
		if err == nil && status == http.StatusOK {
			if fellBack {
				c.jsonObject.Store(true)
			}
			return firstContent(body)
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err == nil && status == http.StatusBadRequest && !jsonObject {
			jsonObject, fellBack = true, true
			continue
		}
		if err == nil {
			err = statusError(status, body)
		}
		transient := err != nil && (status == 0 || status == http.StatusTooManyRequests || status >= 500)
		if retried || !transient {
			return "", err
		}
		wait := retryWait
		if retryAfter > 0 {
			wait = retryAfter
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return "", err // the retry would not fit in the time left
		}
		retried = true
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

// post sends one request. status is 0 when no answer came.
func (c *Client) post(ctx context.Context, req chatRequest) (status int, body []byte, retryAfter time.Duration, err error) {
	b, err := json.Marshal(req)
	if err != nil {
		return 0, nil, 0, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(b))
	if err != nil {
		return 0, nil, 0, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	if c.cfg.Key != "" {
		hr.Header.Set("Authorization", "Bearer "+c.cfg.Key)
	}
	resp, err := c.hc.Do(hr)
	if err != nil {
		return 0, nil, 0, redactURL(err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return 0, nil, 0, err
	}
	if len(body) > maxBody {
		return resp.StatusCode, nil, 0, fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	return resp.StatusCode, body, retryAfter, nil
}

// redactURL drops the URL from a transport error: it may carry credentials.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s endpoint: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

func statusError(status int, body []byte) error {
	var e errorResponse
	msg := ""
	if json.Unmarshal(body, &e) == nil {
		msg = e.Error.Message
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return &StatusError{Status: status, Message: msg}
}

// firstContent reads the content of the first choice of a chat completion.
func firstContent(body []byte) (string, error) {
	var r chatResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("not a chat completion: %w", err)
	}
	if len(r.Choices) == 0 {
		return "", errors.New("chat completion without choices")
	}
	// A refusal or an empty message is the model's doing, not the
	// endpoint's: it reads as an invalid verdict, outside the circuit's count.
	m := r.Choices[0].Message
	if m.Content == nil || m.Refusal != nil && *m.Refusal != "" {
		return "", nil
	}
	return *m.Content, nil
}
