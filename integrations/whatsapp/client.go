package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Defaults of Config.
const (
	DefaultBaseURL = "https://graph.facebook.com"
	DefaultVersion = "v23.0"
	DefaultTimeout = 15 * time.Second
)

// maxResponse bounds how much of a response body is read.
const maxResponse = 1 << 20

// Config configures a Client.
type Config struct {
	BaseURL       string // DefaultBaseURL when empty
	Version       string // Graph API version, DefaultVersion when empty
	PhoneNumberID string // the business phone number's id, not the number
	AccessToken   string // system-user token; never logged nor returned in errors
	// PublicBaseURL makes attachment paths absolute (see RenderOptions).
	PublicBaseURL string
	// HTTPClient sends the requests; a client with DefaultTimeout when nil.
	HTTPClient *http.Client
	// ListButtonLabel, optional, localises the button that opens a list.
	ListButtonLabel func(domain.Lang) string
}

// String describes the configuration with the access token masked.
func (c Config) String() string {
	return fmt.Sprintf("whatsapp.Config{BaseURL:%s Version:%s PhoneNumberID:%s AccessToken:%s PublicBaseURL:%s}",
		c.BaseURL, c.Version, c.PhoneNumberID, mask(c.AccessToken), c.PublicBaseURL)
}

// LogValue logs the configuration with the access token masked.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL), slog.String("version", c.Version),
		slog.String("phone_number_id", c.PhoneNumberID), slog.String("access_token", mask(c.AccessToken)),
		slog.String("public_base_url", c.PublicBaseURL))
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}

// Client sends messages through the WhatsApp Cloud API. It implements the flows'
// Sender port. It is safe for concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
}

// New returns a Client for cfg, filling in defaults.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	return &Client{cfg: cfg, http: hc}
}

// Send renders m for the recipient and sends it, returning the wamid WhatsApp
// assigned. When the rendering takes several requests (long text split, text before
// choices), they are sent in order and the wamid of the last one is returned: the
// last request carries the buttons or list the traveller answers, and its status
// is the one worth tracking. If a later request fails, the error is a
// *domain.PartialSend counting the parts sent; a retry with mode.SkipParts set to
// that count sends only the rest, and mode.PartSent hears of each part but the
// last as WhatsApp accepts it. WhatsApp has no equivalent of Messenger's
// messaging types: mode.Proactive and mode.HumanAgent do not change the request;
// mode.Template does.
//
// Errors: a platform refusal is a *domain.SendError classified per WhatsApp's
// error codes; a message that cannot be rendered at all is a permanent
// *domain.SendError with Code 0; network failures and timeouts are returned
// wrapped (retryable by the caller's rule).
func (c *Client) Send(ctx context.Context, to domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error) {
	bodies, err := Render(to, m, mode, RenderOptions{PublicBaseURL: c.cfg.PublicBaseURL, ListButtonLabel: c.cfg.ListButtonLabel})
	if err != nil {
		return "", fmt.Errorf("whatsapp send: %w", &domain.SendError{Message: err.Error()})
	}
	var id string
	for i := mode.Skip(len(bodies)); i < len(bodies); i++ {
		body := bodies[i]
		var resp sendResponse
		if err := c.post(ctx, body, &resp); err != nil {
			redactRecipient(err, to)
			if i > 0 {
				return "", fmt.Errorf("whatsapp send part %d of %d: %w", i+1, len(bodies), &domain.PartialSend{Sent: i, Total: len(bodies), Err: err})
			}
			return "", fmt.Errorf("whatsapp send: %w", err)
		}
		if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
			return "", errors.New("whatsapp send: response without message id")
		}
		id = resp.Messages[0].ID
		if mode.PartSent != nil && i+1 < len(bodies) {
			mode.PartSent(i+1, len(bodies))
		}
	}
	return id, nil
}

// MarkRead marks an inbound message as read, showing the traveller blue ticks.
// WhatsApp accepts it within 30 days of the message.
func (c *Client) MarkRead(ctx context.Context, wamid string) error {
	body, err := json.Marshal(readReceipt{MessagingProduct: "whatsapp", Status: "read", MessageID: wamid})
	if err != nil {
		return fmt.Errorf("whatsapp mark read: %w", err)
	}
	if err := c.post(ctx, body, nil); err != nil {
		return fmt.Errorf("whatsapp mark read: %w", err)
	}
	return nil
}

func (c *Client) endpoint() string {
	return c.cfg.BaseURL + "/" + c.cfg.Version + "/" + c.cfg.PhoneNumberID + "/messages"
}

// post sends one request to the messages endpoint and decodes a success into out.
func (c *Client) post(ctx context.Context, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint(), bytes.NewReader(body))
	if err != nil {
		return c.redact(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.cfg.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return c.redact(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return c.redact(fmt.Errorf("read response: %w", err))
	}
	if resp.StatusCode/100 != 2 {
		se := classify(resp.StatusCode, resp.Header, data, time.Now())
		se.Message = c.redactString(se.Message)
		return se
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	return nil
}

// redact keeps the access token out of an error's text, whatever produced it. The
// cause stays reachable with errors.Is (context.DeadlineExceeded, net errors).
func (c *Client) redact(err error) error {
	if c.cfg.AccessToken == "" || !strings.Contains(err.Error(), c.cfg.AccessToken) {
		return err
	}
	return redactedError{msg: c.redactString(err.Error()), err: err}
}

func (c *Client) redactString(s string) string {
	if c.cfg.AccessToken == "" {
		return s
	}
	return strings.ReplaceAll(s, c.cfg.AccessToken, "[redacted]")
}

// redactRecipient keeps the traveller's ids out of a platform message, should the
// platform ever quote them.
func redactRecipient(err error, to domain.Recipient) {
	se, ok := domain.AsSendError(err)
	if !ok {
		return
	}
	for _, id := range []string{to.UserID, strings.TrimPrefix(to.UserID, "+"), to.AltUserID} {
		if len(id) >= 4 {
			se.Message = strings.ReplaceAll(se.Message, id, "[redacted]")
		}
	}
}

type redactedError struct {
	msg string
	err error
}

func (e redactedError) Error() string { return e.msg }
func (e redactedError) Unwrap() error { return e.err }
