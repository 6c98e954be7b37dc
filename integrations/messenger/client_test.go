package messenger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

var _ flows.Sender = (*Client)(nil)

const (
	testToken = "EAAGm0PX4ZCpsBA-secret-page-token"
	testPage  = "104857600"
	testPSID  = "6543210987654321"
)

// graph is a fake Graph API: it records requests and answers with the handler's
// status, headers and body, in Meta's wire format.
type graph struct {
	mu       sync.Mutex
	requests []graphRequest
	respond  func(n int, r graphRequest) (status int, header map[string]string, body string)
}

type graphRequest struct {
	Method, Path, Token, ContentType string
	Query                            map[string][]string
	Body                             []byte
}

func (g *graph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := graphRequest{Method: r.Method, Path: r.URL.Path, Token: r.URL.Query().Get("access_token"),
		ContentType: r.Header.Get("Content-Type"), Query: r.URL.Query(), Body: body}
	g.mu.Lock()
	g.requests = append(g.requests, req)
	n := len(g.requests)
	g.mu.Unlock()
	status, header, resp := http.StatusOK, map[string]string(nil), `{"recipient_id":"`+testPSID+`","message_id":"m_`+string(rune('A'+n-1))+`"}`
	if g.respond != nil {
		status, header, resp = g.respond(n, req)
	}
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, resp)
}

func setup(t *testing.T, respond func(n int, r graphRequest) (int, map[string]string, string)) (*Client, *graph) {
	t.Helper()
	g := &graph{respond: respond}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c := New(Config{BaseURL: srv.URL, PageID: testPage, PageToken: testToken, PublicBaseURL: testBase, HTTPClient: srv.Client()})
	return c, g
}

var to = domain.Recipient{UserID: testPSID, Lang: "en"}

// fixedNow is the clock of tests that read HTTP dates.
var fixedNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// assertNoSecrets fails when an error shows the page token or the traveller's PSID.
func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{testToken, testPSID} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q reveals a secret", err)
		}
	}
}

func TestSendPostsTheRenderedMessage(t *testing.T) {
	t.Parallel()
	c, g := setup(t, nil)
	m := domain.Outbound{Kind: domain.OutChoices, Text: "Seat preference?", Choices: []domain.Choice{
		{ID: "SEAT_PREF_WINDOW", Title: "Window"}, {ID: "SEAT_PREF_AISLE", Title: "Aisle"}}}
	mid, err := c.Send(context.Background(), to, m, domain.SendMode{})
	if err != nil {
		t.Fatal(err)
	}
	if mid != "m_A" {
		t.Errorf("mid = %q, want the message_id Meta returned", mid)
	}
	if len(g.requests) != 1 {
		t.Fatalf("%d requests, want 1", len(g.requests))
	}
	r := g.requests[0]
	if r.Method != http.MethodPost || r.Path != "/v23.0/"+testPage+"/messages" {
		t.Errorf("request %s %s, want POST /v23.0/%s/messages", r.Method, r.Path, testPage)
	}
	if r.Token != testToken || len(r.Query) != 1 {
		t.Errorf("query %v, want only access_token=<page token>", r.Query)
	}
	if r.ContentType != "application/json" {
		t.Errorf("content type %q", r.ContentType)
	}
	want := `{"recipient":{"id":"` + testPSID + `"},"messaging_type":"RESPONSE","message":{"text":"Seat preference?","quick_replies":[` +
		`{"content_type":"text","title":"Window","payload":"SEAT_PREF_WINDOW"},{"content_type":"text","title":"Aisle","payload":"SEAT_PREF_AISLE"}]}}`
	if string(r.Body) != want {
		t.Errorf("body\n%s\nwant\n%s", r.Body, want)
	}
}

func TestSendSplitTextInOrder(t *testing.T) {
	t.Parallel()
	c, g := setup(t, nil)
	text := longText()
	mid, err := c.Send(context.Background(), to, domain.Outbound{Kind: domain.OutText, Text: text}, domain.SendMode{Proactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.requests) != 3 || mid != "m_C" {
		t.Fatalf("%d requests, mid %q; want 3 parts and the last part's mid", len(g.requests), mid)
	}
	var joined []string
	for _, r := range g.requests {
		var body struct {
			MessagingType string `json:"messaging_type"`
			Message       struct{ Text string }
		}
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body.MessagingType != "UPDATE" {
			t.Errorf("part sent as %q, want UPDATE", body.MessagingType)
		}
		joined = append(joined, body.Message.Text)
	}
	if strings.Join(strings.Fields(strings.Join(joined, " ")), " ") != strings.Join(strings.Fields(text), " ") {
		t.Error("the parts, in order, are not the text")
	}
	if !strings.HasPrefix(joined[0], "Paragraph 1.") || !strings.HasPrefix(joined[2], "Paragraph 7.") {
		t.Errorf("parts out of order or not cut at paragraphs: %.20q … %.20q", joined[0], joined[2])
	}
}

func TestSendStopsAtTheFirstRefusedPart(t *testing.T) {
	t.Parallel()
	c, g := setup(t, func(n int, _ graphRequest) (int, map[string]string, string) {
		if n == 2 {
			return 400, nil, `{"error":{"message":"(#613) Calls to this api have exceeded the rate limit.","type":"OAuthException","code":613,"fbtrace_id":"AbC"}}`
		}
		return 200, nil, `{"recipient_id":"x","message_id":"m_ok"}`
	})
	_, err := c.Send(context.Background(), to, domain.Outbound{Kind: domain.OutText, Text: longText()}, domain.SendMode{})
	se, ok := domain.AsSendError(err)
	if !ok || !se.Retryable || se.Code != 613 {
		t.Fatalf("err = %v, want a retryable 613", err)
	}
	if len(g.requests) != 2 || !strings.Contains(err.Error(), "part 2 of 3") {
		t.Errorf("%d requests, err %q; want the send to stop at part 2 of 3", len(g.requests), err)
	}
}

// TestSendClassifiesRefusals checks each Meta error the delivery worker must tell
// apart: retry later, fall back to a utility template, or give up.
func TestSendClassifiesRefusals(t *testing.T) {
	t.Parallel()
	metaError := func(code, subcode int, msg string) string {
		b, _ := json.Marshal(map[string]any{"error": map[string]any{
			"message": msg, "type": "OAuthException", "code": code, "error_subcode": subcode, "fbtrace_id": "A1b2C3"}})
		return string(b)
	}
	type want struct {
		code                    int
		retryable, windowClosed bool
		retryAfter              time.Duration
	}
	for _, c := range []struct {
		name   string
		status int
		header map[string]string
		body   string
		want   want
	}{
		{"app rate limit 4", 400, nil, metaError(4, 0, "(#4) Application request limit reached"), want{code: 4, retryable: true}},
		{"rate limit 613 with retry-after", 400, map[string]string{"Retry-After": "30"}, metaError(613, 0, "(#613) Calls to this api have exceeded the rate limit."), want{code: 613, retryable: true, retryAfter: 30 * time.Second}},
		{"temporarily unavailable 2", 503, nil, metaError(2, 0, "An unexpected error has occurred. Please retry your request later."), want{code: 2, retryable: true}},
		{"unknown 1", 500, nil, metaError(1, 0, "An unknown error occurred"), want{code: 1, retryable: true}},
		{"5xx without meta body", 502, nil, "<html>Bad Gateway</html>", want{retryable: true}},
		{"429 with retry-after date", 429, map[string]string{"Retry-After": fixedNow.Add(2 * time.Minute).Format(http.TimeFormat)}, "", want{retryable: true, retryAfter: 2 * time.Minute}},
		{"window closed 1545041", 400, nil, metaError(1545041, 0, "Message failed to send because more than 24 hours have passed"), want{code: 1545041, windowClosed: true}},
		{"outside window 10/2018278", 400, nil, metaError(10, 2018278, "(#10) This message is sent outside of allowed window."), want{code: 10, windowClosed: true}},
		{"outside window 10/2018065", 400, nil, metaError(10, 2018065, "(#10) This message is sent outside of allowed window."), want{code: 10, windowClosed: true}},
		{"permission 10", 403, nil, metaError(10, 0, "(#10) Application does not have permission for this action"), want{code: 10}},
		{"page restricted 10/1893063", 400, nil, metaError(10, 1893063, "(#10) Page temporarily restricted from sending"), want{code: 10}},
		{"retired tag 100", 400, nil, metaError(100, 0, "(#100) Tag CONFIRMED_EVENT_UPDATE is no longer supported"), want{code: 100}},
		{"token expired 190", 400, nil, metaError(190, 463, "Error validating access token: Session has expired"), want{code: 190}},
		{"person not available 551", 400, nil, metaError(551, 1545041, "(#551) This person isn't available right now."), want{code: 551}},
		{"page restricted 1893063", 400, nil, metaError(1893063, 0, "Page temporarily restricted from sending"), want{code: 1893063}},
		{"other 4xx", 404, nil, metaError(803, 0, "(#803) Some of the aliases you requested do not exist"), want{code: 803}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cl, _ := setup(t, func(int, graphRequest) (int, map[string]string, string) { return c.status, c.header, c.body })
			cl.now = func() time.Time { return fixedNow }
			_, err := cl.Send(context.Background(), to, domain.Outbound{Kind: domain.OutText, Text: "SB123 is delayed to 14:40."}, domain.SendMode{Proactive: true})
			se, ok := domain.AsSendError(err)
			if !ok {
				t.Fatalf("err = %v, want a *domain.SendError", err)
			}
			got := want{code: se.Code, retryable: se.Retryable, windowClosed: se.WindowClosed, retryAfter: se.RetryAfter}
			if got != c.want {
				t.Errorf("got %+v, want %+v (%v)", got, c.want, err)
			}
			if se.HTTPStatus != c.status {
				t.Errorf("HTTPStatus = %d, want %d", se.HTTPStatus, c.status)
			}
			if strings.Contains(c.body, "fbtrace_id") && !strings.Contains(se.Message, "fbtrace_id A1b2C3") {
				t.Errorf("message %q lost the fbtrace_id support needs", se.Message)
			}
			if strings.Contains(se.Message, "<html>") {
				t.Errorf("message %q echoes a non-Meta body", se.Message)
			}
			assertNoSecrets(t, err)
		})
	}
}

// Meta's message may quote the request; the token and PSID must not come back in it.
func TestSendErrorsHideTokenAndPSID(t *testing.T) {
	t.Parallel()
	cl, _ := setup(t, func(_ int, r graphRequest) (int, map[string]string, string) {
		msg := "(#100) Invalid token " + r.Token + " for recipient " + testPSID
		b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "code": 100}})
		return 400, nil, string(b)
	})
	_, err := cl.Send(context.Background(), to, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
	if err == nil {
		t.Fatal("want an error")
	}
	assertNoSecrets(t, err)

	// A refused connection: net/http quotes the URL, which carries the token.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	down := New(Config{BaseURL: srv.URL, PageID: testPage, PageToken: testToken})
	_, err = down.Send(context.Background(), to, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
	if err == nil {
		t.Fatal("want an error from a closed server")
	}
	if _, ok := domain.AsSendError(err); ok {
		t.Errorf("a network failure is not a platform refusal: %v", err)
	}
	assertNoSecrets(t, err)
}

func TestSendHonoursTheContextDeadline(t *testing.T) {
	t.Parallel()
	// Meta never answers; the handler holds the request until the client gives up
	// or the test ends (cleanups run last-in first-out: release, then close).
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	c := New(Config{BaseURL: srv.URL, PageID: testPage, PageToken: testToken, HTTPClient: srv.Client()})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Send(ctx, to, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded in the chain", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("send took %s after the deadline", time.Since(start))
	}
	assertNoSecrets(t, err)
}

func TestSendUnrenderableIsPermanent(t *testing.T) {
	t.Parallel()
	c, g := setup(t, nil)
	_, err := c.Send(context.Background(), to, domain.Outbound{Kind: domain.OutDocument}, domain.SendMode{})
	se, ok := domain.AsSendError(err)
	if !ok || se.Retryable || se.WindowClosed || se.Code != 0 {
		t.Fatalf("err = %v, want a permanent SendError with code 0", err)
	}
	if len(g.requests) != 0 {
		t.Errorf("%d requests sent for an unrenderable message", len(g.requests))
	}
}

func TestSendUtilityTemplate(t *testing.T) {
	t.Parallel()
	c, g := setup(t, nil)
	tpl := &domain.TemplateRef{Name: "flight_delay", Language: "en_GB", Params: []string{"SB123", "14:40"}}
	if _, err := c.Send(context.Background(), to, domain.Outbound{Kind: domain.OutText, Text: "free text"}, domain.SendMode{Template: tpl, Proactive: true}); err != nil {
		t.Fatal(err)
	}
	want := `{"recipient":{"id":"` + testPSID + `"},"messaging_type":"UTILITY","message":{"template":{"name":"flight_delay","language":{"code":"en_GB"},` +
		`"components":[{"type":"body","parameters":[{"type":"text","text":"SB123"},{"type":"text","text":"14:40"}]}]}}}`
	if got := string(g.requests[0].Body); got != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
}

func TestSenderAction(t *testing.T) {
	t.Parallel()
	c, g := setup(t, func(int, graphRequest) (int, map[string]string, string) {
		return 200, nil, `{"recipient_id":"` + testPSID + `"}`
	})
	if err := c.SenderAction(context.Background(), testPSID, ActionTypingOn); err != nil {
		t.Fatal(err)
	}
	want := `{"recipient":{"id":"` + testPSID + `"},"sender_action":"typing_on"}`
	if got := string(g.requests[0].Body); got != want || g.requests[0].Token != testToken {
		t.Errorf("body %s, want %s", got, want)
	}
	if err := c.SenderAction(context.Background(), testPSID, "dance"); err == nil {
		t.Error("unknown action accepted")
	}
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	c := New(Config{PageID: "42"})
	if got := c.endpoint(); got != "https://graph.facebook.com/v23.0/42/messages" {
		t.Errorf("endpoint = %q", got)
	}
	c = New(Config{BaseURL: "http://graph.local/", Version: "24.0", PageID: "42"})
	if got := c.endpoint(); got != "http://graph.local/v24.0/42/messages" {
		t.Errorf("endpoint = %q", got)
	}
}

// TestSendReportsEachAcceptedPart: each part but the last is reported as the
// platform accepts it, counting skipped parts, so that delivery can record it
// before the next request; a refused part and the last part are not.
func TestSendReportsEachAcceptedPart(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		skip      int
		total     int // the part count skip was counted against
		refuse    int // the request the platform refuses; 0: none
		requests  int
		reported  []int
		wantError bool
	}{
		{name: "whole", requests: 3, reported: []int{1, 2}},
		{name: "after part 1", skip: 1, requests: 2, reported: []int{2}},
		{name: "last part only", skip: 2, requests: 1},
		{name: "part 2 refused", refuse: 2, requests: 2, reported: []int{1}, wantError: true},
		// Parts counted against another rendering, or all of them: nothing
		// is skipped rather than a part lost.
		{name: "another count", skip: 2, total: 4, requests: 3, reported: []int{1, 2}},
		{name: "beyond the rendering", skip: 999, total: 1000, requests: 3, reported: []int{1, 2}},
		{name: "as many as the rendering", skip: 3, requests: 3, reported: []int{1, 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cl, g := setup(t, func(n int, _ graphRequest) (int, map[string]string, string) {
				if n == c.refuse {
					return 500, nil, `{"error":{"message":"An unexpected error has occurred.","type":"OAuthException","code":2}}`
				}
				return 200, nil, `{"recipient_id":"x","message_id":"m_ok"}`
			})
			var reported []int
			from := c.skip
			if c.requests == 3 {
				from = 0
			}
			mode := domain.SendMode{SkipParts: c.skip, PartsTotal: c.total, PartSent: func(sent, total int) {
				if total != 3 {
					t.Errorf("part %d reported of %d", sent, total)
				}
				g.mu.Lock()
				defer g.mu.Unlock()
				if sent != len(g.requests)+from {
					t.Errorf("part %d reported after %d requests", sent, len(g.requests))
				}
				reported = append(reported, sent)
			}}
			_, err := cl.Send(context.Background(), to, domain.Outbound{ID: 42, Kind: domain.OutText, Text: longText()}, mode)
			if (err != nil) != c.wantError {
				t.Fatalf("err = %v", err)
			}
			if len(g.requests) != c.requests || fmt.Sprint(reported) != fmt.Sprint(c.reported) {
				t.Fatalf("%d requests, parts reported %v; want %d and %v", len(g.requests), reported, c.requests, c.reported)
			}
			var first struct{ Message struct{ Metadata string } }
			if err := json.Unmarshal(g.requests[0].Body, &first); err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("skybridge:42:%d/3", from+1); first.Message.Metadata != want {
				t.Errorf("first request sent is %q, want %q", first.Message.Metadata, want)
			}
		})
	}
}
