package messenger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/graphapi"
)

// Defaults for Config.
const (
	DefaultBaseURL = "https://graph.facebook.com"
	DefaultVersion = "v23.0"
)

// maxResponse bounds how much of a Graph API response is read.
const maxResponse = 1 << 20

// Config configures a Client.
type Config struct {
	BaseURL   string // Graph API root; DefaultBaseURL when empty
	Version   string // Graph API version, e.g. "v23.0"; DefaultVersion when empty
	PageID    string
	PageToken string // page access token with pages_messaging
	// PublicBaseURL is where travellers' devices (and Meta) fetch attachments,
	// e.g. "https://skybridge.example.com"; attachment paths are resolved against it.
	PublicBaseURL string
	// HTTPClient defaults to a client with a 30-second timeout.
	HTTPClient *http.Client
}

// Client sends messages through the Messenger Send API. It implements the flows'
// Sender port. It is safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
	now func() time.Time
}

// New returns a client for one Facebook Page.
func New(cfg Config) *Client {
	cfg.BaseURL = strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.Version = strings.Trim(strings.TrimSpace(cfg.Version), "/")
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if !strings.HasPrefix(cfg.Version, "v") {
		cfg.Version = "v" + cfg.Version
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{cfg: cfg, hc: hc, now: time.Now}
}

// Send renders m for Messenger and sends it to the traveller, returning the mid of
// the last request sent (the one that carries quick replies, if any). A message that
// needs several requests (long text, an attachment with a caption) is sent part by
// part, in order, stopping at the first refusal; mode.PartSent hears of each part
// but the last as the platform accepts it.
//
// Errors: a platform refusal is a *domain.SendError classified as retryable,
// window-closed or permanent; a message that cannot be rendered is a permanent
// *domain.SendError with Code 0; network failures and timeouts are returned as they
// are (retryable). No error contains the page token or the traveller's PSID.
func (c *Client) Send(ctx context.Context, to domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error) {
	bodies, err := Render(to, m, mode, c.cfg.PublicBaseURL)
	if err != nil {
		return "", fmt.Errorf("messenger send: %w", &domain.SendError{Message: c.redactString(err.Error(), to.UserID)})
	}
	var mid string
	for i := mode.Skip(len(bodies)); i < len(bodies); i++ {
		body := bodies[i]
		var res struct {
			MessageID string `json:"message_id"`
		}
		if err := c.post(ctx, body, &res, to.UserID); err != nil {
			if i > 0 {
				// Parts before i went out: a retry skips them (mode.SkipParts).
				return "", fmt.Errorf("messenger send part %d of %d: %w", i+1, len(bodies), &domain.PartialSend{Sent: i, Total: len(bodies), Err: err})
			}
			return "", fmt.Errorf("messenger send: %w", err)
		}
		mid = res.MessageID
		if mode.PartSent != nil && i+1 < len(bodies) {
			mode.PartSent(i+1, len(bodies))
		}
	}
	return mid, nil
}

// Sender actions.
const (
	ActionTypingOn  = "typing_on"
	ActionTypingOff = "typing_off"
	ActionMarkSeen  = "mark_seen"
)

// SenderAction shows the typing indicator (ActionTypingOn, ActionTypingOff) or marks
// the traveller's messages as seen (ActionMarkSeen). Messenger wants it as a request
// of its own, without a message.
func (c *Client) SenderAction(ctx context.Context, psid, action string) error {
	switch action {
	case ActionTypingOn, ActionTypingOff, ActionMarkSeen:
	default:
		return fmt.Errorf("messenger sender action: unknown action %q", action)
	}
	if psid == "" {
		return errors.New("messenger sender action: no recipient")
	}
	body, err := graphapi.Marshal(sendRequest{Recipient: recipient{psid}, SenderAction: action})
	if err != nil {
		return fmt.Errorf("messenger sender action: %w", err)
	}
	if err := c.post(ctx, body, nil, psid); err != nil {
		return fmt.Errorf("messenger sender action: %w", err)
	}
	return nil
}

// endpoint is POST {BaseURL}/{Version}/{PageID}/messages, without the token.
func (c *Client) endpoint() string {
	return c.cfg.BaseURL + "/" + c.cfg.Version + "/" + url.PathEscape(c.cfg.PageID) + "/messages"
}

// post sends one request body. The page token travels as the access_token query
// parameter, as Meta's Send API documents it; it is therefore scrubbed from every
// error, since net/http errors quote the URL.
func (c *Client) post(ctx context.Context, body []byte, out any, psid string) error {
	u := c.endpoint() + "?access_token=" + url.QueryEscape(c.cfg.PageToken)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return c.redact(fmt.Errorf("build request: %w", err), psid)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// Keep the cause (a deadline, a refused connection), drop the URL.
			err = fmt.Errorf("post %s: %w", c.endpoint(), ue.Err)
		}
		return c.redact(err, psid)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return c.redact(fmt.Errorf("read response: %w", err), psid)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := classify(resp.StatusCode, resp.Header, raw, c.now())
		se.Message = c.redactString(se.Message, psid)
		return se
	}
	if out != nil && len(bytes.TrimSpace(raw)) > 0 {
		// A 2xx means Meta accepted the message: an unreadable body must not make
		// delivery send it again, so it only costs the mid.
		_ = json.Unmarshal(raw, out)
	}
	return nil
}

// redact wraps err so that its text holds neither the page token nor the PSID,
// keeping the chain for errors.Is (context.DeadlineExceeded stays detectable).
func (c *Client) redact(err error, psid string) error {
	msg := c.redactString(err.Error(), psid)
	if msg == err.Error() {
		return err
	}
	return redactedError{msg: msg, err: err}
}

func (c *Client) redactString(s, psid string) string {
	for _, secret := range []string{c.cfg.PageToken, url.QueryEscape(c.cfg.PageToken)} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[token]")
		}
	}
	if psid != "" {
		s = strings.ReplaceAll(s, psid, "[psid]")
	}
	return s
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
