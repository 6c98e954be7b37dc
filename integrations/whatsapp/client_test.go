package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// The flows' Sender port, restated so that this package need not import flows.
var _ interface {
	Send(context.Context, domain.Recipient, domain.Outbound, domain.SendMode) (string, error)
} = (*Client)(nil)

const (
	testToken = "EAAGtestSECRETtoken123"
	testPNID  = "106540352242922"
)

// graph is a fake Graph API messages endpoint that checks what Meta checks and
// answers with Meta-shaped bodies.
type graph struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	// reply, when set, answers request n (0-based) instead of the success body.
	reply func(w http.ResponseWriter, r *http.Request, n int) bool
}

func newGraph(t *testing.T) *graph {
	g := &graph{t: t}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *graph) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v23.0/"+testPNID+"/messages" {
		g.t.Errorf("request %s %s", r.Method, r.URL.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testToken {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"AbC"}}`)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		g.t.Errorf("content type %q", ct)
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		g.t.Errorf("body is not JSON: %v", err)
	}
	g.mu.Lock()
	n := len(g.bodies)
	g.bodies = append(g.bodies, body)
	g.mu.Unlock()
	if g.reply != nil && g.reply(w, r, n) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":"+447700900123","wa_id":"447700900123"}],"messages":[{"id":"wamid.OUT%d"}]}`, n+1)
}

func (g *graph) client(cfg Config) *Client {
	cfg.BaseURL, cfg.PhoneNumberID, cfg.AccessToken = g.srv.URL, testPNID, testToken
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = g.srv.Client()
	}
	return New(cfg)
}

func metaError(status, code int, msg, details string, header map[string]string) func(http.ResponseWriter, *http.Request, int) bool {
	return func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
			"message": msg, "type": "OAuthException", "code": code,
			"error_data": map[string]any{"messaging_product": "whatsapp", "details": details},
			"fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}})
		return true
	}
}

func TestSendPostsTheRenderedRequest(t *testing.T) {
	t.Parallel()
	g := newGraph(t)
	c := g.client(Config{PublicBaseURL: "https://chat.example.com"})
	m := domain.Outbound{Kind: domain.OutChoices, Text: "Your flight XY123 is open for check-in.",
		Choices: []domain.Choice{{ID: "checkin:PNR123", Title: "Check in"}, {ID: "later:PNR123", Title: "Later"}}}
	id, err := c.Send(context.Background(), ana, m, domain.SendMode{})
	if err != nil {
		t.Fatal(err)
	}
	if id != "wamid.OUT1" {
		t.Errorf("id %q", id)
	}
	want, _ := Render(ana, m, domain.SendMode{}, RenderOptions{})
	var wantBody map[string]any
	json.Unmarshal(want[0], &wantBody)
	if len(g.bodies) != 1 || fmt.Sprint(g.bodies[0]) != fmt.Sprint(wantBody) {
		t.Errorf("sent %v\nwant %v", g.bodies, wantBody)
	}
	if g.bodies[0]["to"] != "+447700900123" || g.bodies[0]["messaging_product"] != "whatsapp" || g.bodies[0]["recipient_type"] != "individual" {
		t.Errorf("envelope fields: %v", g.bodies[0])
	}
}

func TestSendSplitTextInOrderAndReturnsTheLastID(t *testing.T) {
	t.Parallel()
	g := newGraph(t)
	text := paragraphs(40)
	id, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{Kind: domain.OutText, Text: text}, domain.SendMode{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.bodies) < 2 || id != fmt.Sprintf("wamid.OUT%d", len(g.bodies)) {
		t.Fatalf("%d requests, id %q", len(g.bodies), id)
	}
	if first := g.bodies[0]["text"].(map[string]any)["body"].(string); !strings.HasPrefix(first, "Paragraph 1.") {
		t.Errorf("first part starts %q", first[:20])
	}
}

func TestSendTemplate(t *testing.T) {
	t.Parallel()
	g := newGraph(t)
	mode := domain.SendMode{Proactive: true, Template: &domain.TemplateRef{Name: "flight_delay_v1", Language: "en_GB", Params: []string{"XY123"}}}
	if _, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{Kind: domain.OutText, Text: "free text"}, mode); err != nil {
		t.Fatal(err)
	}
	tpl, _ := g.bodies[0]["template"].(map[string]any)
	if g.bodies[0]["type"] != "template" || tpl["name"] != "flight_delay_v1" {
		t.Errorf("sent %v", g.bodies[0])
	}
}

func TestSendClassifiesMetaErrors(t *testing.T) {
	t.Parallel()
	type want struct {
		retryable, window bool
		retryAfter        time.Duration
	}
	cases := []struct {
		name   string
		status int
		code   int
		header map[string]string
		want   want
	}{
		{"app rate limit", 400, 4, nil, want{retryable: true}},
		{"waba rate limit", 400, 80007, nil, want{retryable: true}},
		{"throughput", 429, 130429, map[string]string{"Retry-After": "3"}, want{retryable: true, retryAfter: 3 * time.Second}},
		{"pair rate limit", 400, 131056, nil, want{retryable: true, retryAfter: 6 * time.Second}},
		{"pair rate limit with header", 400, 131056, map[string]string{"Retry-After": "16"}, want{retryable: true, retryAfter: 16 * time.Second}},
		{"maintenance", 400, 131057, nil, want{retryable: true}},
		{"unknown error", 500, 131000, nil, want{retryable: true}},
		{"service unavailable", 503, 131016, nil, want{retryable: true}},
		{"unknown 1", 400, 1, nil, want{retryable: true}},
		{"temporary 2", 400, 2, nil, want{retryable: true}},
		{"window closed", 400, 131047, nil, want{window: true}},
		{"undeliverable", 400, 131026, nil, want{}},
		{"marketing stopped", 400, 131050, nil, want{}},
		{"spam rate limit", 400, 131048, nil, want{}},
		{"ecosystem engagement", 400, 131049, nil, want{}},
		{"param mismatch", 400, 132000, nil, want{}},
		{"template missing", 404, 132001, nil, want{}},
		{"param format", 400, 132012, nil, want{}},
		{"template paused", 400, 132015, nil, want{}},
		{"template disabled", 400, 132016, nil, want{}},
		{"restricted", 403, 368, nil, want{}},
		{"locked", 400, 131031, nil, want{}},
		{"invalid parameter", 400, 100, nil, want{}},
		{"unlisted 4xx", 400, 131064, nil, want{}},
		{"unlisted 5xx", 502, 99999, nil, want{retryable: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newGraph(t)
			g.reply = metaError(tc.status, tc.code, fmt.Sprintf("(#%d) %s", tc.code, tc.name), "details for "+tc.name, tc.header)
			_, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
			se, ok := domain.AsSendError(err)
			if !ok {
				t.Fatalf("error %v is not a SendError", err)
			}
			got := want{se.Retryable, se.WindowClosed, se.RetryAfter}
			if got != tc.want || se.Code != tc.code || se.HTTPStatus != tc.status {
				t.Errorf("got %+v code %d http %d, want %+v", got, se.Code, se.HTTPStatus, tc.want)
			}
			if !strings.Contains(se.Message, tc.name) || !strings.Contains(se.Message, "details for") {
				t.Errorf("message %q lacks Meta's message and details", se.Message)
			}
		})
	}
}

func TestSendNonMetaErrorBodies(t *testing.T) {
	t.Parallel()
	date := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	for name, tc := range map[string]struct {
		status    int
		header    string
		retryable bool
		minWait   time.Duration
	}{
		"gateway page":           {502, "", true, 0},
		"outage with date":       {503, date, true, 20 * time.Second},
		"too many requests":      {429, "7", true, 7 * time.Second},
		"proxy refusal":          {403, "", false, 0},
		"retry-after unreadable": {503, "soon", true, 0},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := newGraph(t)
			g.reply = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, "<html>upstream trouble for 447700900123</html>")
				return true
			}
			_, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
			se, ok := domain.AsSendError(err)
			if !ok {
				t.Fatalf("error %v is not a SendError", err)
			}
			if se.Retryable != tc.retryable || se.RetryAfter < tc.minWait || se.HTTPStatus != tc.status || se.Code != 0 {
				t.Errorf("got %+v", se)
			}
			if strings.Contains(err.Error(), "447700900123") || strings.Contains(err.Error(), "<html>") {
				t.Errorf("error echoes the body: %v", err)
			}
		})
	}
}

func TestSendTimesOutWithTheContext(t *testing.T) {
	t.Parallel()
	g := newGraph(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	g.reply = func(_ http.ResponseWriter, r *http.Request, _ int) bool {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := g.client(Config{}).Send(ctx, ana, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want a deadline", err)
	}
	if _, ok := domain.AsSendError(err); ok {
		t.Error("a timeout is not a platform refusal")
	}
	if time.Since(start) > 2*time.Second {
		t.Error("Send did not stop at the deadline")
	}
}

func TestSendKeepsSecretsOutOfErrors(t *testing.T) {
	t.Parallel()
	t.Run("platform message quoting token and number", func(t *testing.T) {
		t.Parallel()
		g := newGraph(t)
		g.reply = metaError(400, 100, "(#100) Invalid parameter "+testToken+" for +447700900123", "to 447700900123", nil)
		_, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
		if err == nil || strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "447700900123") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("bad token", func(t *testing.T) {
		t.Parallel()
		g := newGraph(t)
		c := New(Config{BaseURL: g.srv.URL, PhoneNumberID: testPNID, AccessToken: "wrong-" + testToken})
		_, err := c.Send(context.Background(), ana, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
		se, ok := domain.AsSendError(err)
		if !ok || se.Code != 190 || se.Retryable || strings.Contains(err.Error(), testToken) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("network failure", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		c := New(Config{BaseURL: srv.URL + "/" + testToken, PhoneNumberID: testPNID, AccessToken: testToken})
		_, err := c.Send(context.Background(), ana, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
		if err == nil || strings.Contains(err.Error(), testToken) {
			t.Errorf("error %v", err)
		}
		if _, ok := domain.AsSendError(err); ok {
			t.Error("a network failure is not a platform refusal")
		}
	})
}

func TestSendStopsAtAFailedPart(t *testing.T) {
	t.Parallel()
	g := newGraph(t)
	g.reply = func(w http.ResponseWriter, r *http.Request, n int) bool {
		if n == 1 {
			return metaError(400, 131056, "(#131056) pair rate limit", "", nil)(w, r, n)
		}
		return false
	}
	_, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{Kind: domain.OutText, Text: paragraphs(60)}, domain.SendMode{})
	se, ok := domain.AsSendError(err)
	if !ok || !se.Retryable || !strings.Contains(err.Error(), "part 2 of") || len(g.bodies) != 2 {
		t.Errorf("error %v after %d requests", err, len(g.bodies))
	}
}

func TestSendRefusesWhatCannotBeRendered(t *testing.T) {
	t.Parallel()
	g := newGraph(t)
	_, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{Kind: domain.OutDocument, Attachment: &domain.Attachment{URL: "/passes/T.pdf"}}, domain.SendMode{})
	se, ok := domain.AsSendError(err)
	if !ok || se.Retryable || se.WindowClosed || se.Code != 0 {
		t.Errorf("error %v, want a permanent SendError", err)
	}
	if len(g.bodies) != 0 {
		t.Error("sent something")
	}
}

func TestSendAbsolutisesAttachmentLinks(t *testing.T) {
	t.Parallel()
	g := newGraph(t)
	m := domain.Outbound{Kind: domain.OutDocument, Attachment: &domain.Attachment{URL: "/passes/TOKEN.pdf", Filename: "pass.pdf"}}
	if _, err := g.client(Config{PublicBaseURL: "https://chat.example.com"}).Send(context.Background(), ana, m, domain.SendMode{}); err != nil {
		t.Fatal(err)
	}
	doc, _ := g.bodies[0]["document"].(map[string]any)
	if doc["link"] != "https://chat.example.com/passes/TOKEN.pdf" || doc["filename"] != "pass.pdf" {
		t.Errorf("sent %v", g.bodies[0])
	}
}

func TestMarkRead(t *testing.T) {
	t.Parallel()
	g := newGraph(t)
	g.reply = func(w http.ResponseWriter, _ *http.Request, _ int) bool {
		io.WriteString(w, `{"success":true}`)
		return true
	}
	if err := g.client(Config{}).MarkRead(context.Background(), "wamid.AAA"); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.AAA"}
	if fmt.Sprint(g.bodies[0]) != fmt.Sprint(want) {
		t.Errorf("sent %v", g.bodies[0])
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	c := New(Config{PhoneNumberID: "123"})
	if got := c.endpoint(); got != "https://graph.facebook.com/v23.0/123/messages" {
		t.Errorf("endpoint %q", got)
	}
	if c.http.Timeout != DefaultTimeout {
		t.Errorf("timeout %v", c.http.Timeout)
	}
}

func TestConfigMasksTheToken(t *testing.T) {
	t.Parallel()
	cfg := Config{PhoneNumberID: testPNID, AccessToken: testToken}
	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("configured", "whatsapp", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), buf.String()} {
		if strings.Contains(s, testToken) || !strings.Contains(s, testPNID) {
			t.Errorf("printed %q", s)
		}
	}
}

// Each part WhatsApp accepts but the last is reported as it goes, counting the
// parts skipped, and every part names itself in biz_opaque_callback_data; parts
// counted against another rendering are sent again rather than skipped.
func TestSendReportsEachAcceptedPart(t *testing.T) {
	t.Parallel()
	text := paragraphs(60)
	g := newGraph(t)
	if _, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{ID: 7, Kind: domain.OutText, Text: text}, domain.SendMode{}); err != nil {
		t.Fatal(err)
	}
	parts := len(g.bodies)
	if parts < 3 {
		t.Fatalf("the text went in %d parts, want 3 or more for this test", parts)
	}
	for _, c := range []struct {
		name              string
		skip, total, from int
	}{
		{name: "whole", from: 0},
		{name: "after part 1", skip: 1, from: 1},
		{name: "after part 1 of this rendering", skip: 1, total: parts, from: 1},
		{name: "another count", skip: 1, total: parts + 1, from: 0},
		{name: "beyond the rendering", skip: 999, total: 1000, from: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g := newGraph(t)
			var reported []int
			mode := domain.SendMode{SkipParts: c.skip, PartsTotal: c.total, PartSent: func(sent, total int) {
				if total != parts {
					t.Errorf("part %d reported of %d", sent, total)
				}
				g.mu.Lock()
				defer g.mu.Unlock()
				if sent != len(g.bodies)+c.from {
					t.Errorf("part %d reported after %d requests", sent, len(g.bodies))
				}
				reported = append(reported, sent)
			}}
			if _, err := g.client(Config{}).Send(context.Background(), ana, domain.Outbound{ID: 7, Kind: domain.OutText, Text: text}, mode); err != nil {
				t.Fatal(err)
			}
			if len(g.bodies) != parts-c.from || len(reported) != parts-c.from-1 {
				t.Fatalf("%d requests, parts reported %v; want %d requests", len(g.bodies), reported, parts-c.from)
			}
			for i, b := range g.bodies {
				if want := fmt.Sprintf("skybridge:7:%d/%d", c.from+i+1, parts); b["biz_opaque_callback_data"] != want {
					t.Errorf("request %d carries %v, want %q", i, b["biz_opaque_callback_data"], want)
				}
			}
		})
	}
}
