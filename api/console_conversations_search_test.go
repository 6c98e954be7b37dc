package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// logBuffer collects what a logger writes, safe for the server's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newLoggedConsoleRigOn is newConsoleRigOn with the server and the store
// logging everything, debug lines included, into the returned buffer.
func newLoggedConsoleRigOn(t *testing.T, db *database.DB) (*consoleRig, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return newConsoleRigLogging(t, db, log), logs
}

// urlAttr finds every URL a page names: links, form actions, sources and the
// polling of htmx.
var urlAttr = regexp.MustCompile(`(?i)\b(?:href|action|src|hx-get|hx-post|formaction)="([^"]*)"`)

// TestConsoleSearchIsPostedAndStaysOutOfURLsAndLogs: an agent finds a
// traveller's conversation by name and by phone number with the search form,
// which posts the query with the session's CSRF token; the page of results
// names no URL that carries the name or the number, the address stays
// /console/conversations, and nothing the server logs (the request log at
// debug level included) holds them. A search in the query string is not run,
// a post without the CSRF token is refused, and a viewer may not search by
// phone number.
func TestConsoleSearchIsPostedAndStaysOutOfURLsAndLogs(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r, logs := newLoggedConsoleRigOn(t, db)
		id := r.handedOff("31600000041")
		link := `href="/console/conversations/` + strconv.FormatInt(id, 10) + `"`
		agent := r.sessionFor(domain.RoleAgent)

		form := agent.get("/console/conversations")
		if form.Status != http.StatusOK || !strings.Contains(form.Body, `<form method="post" action="/console/conversations"`) ||
			!strings.Contains(form.Body, `name="csrf"`) {
			t.Fatalf("search form: %d\n%.1500s", form.Status, form.Body)
		}
		secrets := []string{"Jansen", "jansen", "31600000041", "0000041", "Eva"}
		for _, c := range []struct{ by, q string }{
			{"name", "Eva Jansen"},
			{"name", "JANSEN/EVA"},
			{"phone", "+31 6 0000 0041"},
		} {
			res := agent.post("/console/conversations", url.Values{"by": {c.by}, "q": {c.q}})
			if res.Status != http.StatusOK || res.Location != "" || !strings.Contains(res.Body, link) {
				t.Fatalf("search by %s: %d %q\n%.2000s", c.by, res.Status, res.Location, res.Body)
			}
			if !strings.Contains(c.q, "+") && !strings.Contains(res.Body, `value="`+c.q+`"`) {
				t.Errorf("search by %s: the form does not keep what was typed", c.by)
			}
			for _, m := range urlAttr.FindAllStringSubmatch(res.Body, -1) {
				u, _ := url.QueryUnescape(m[1])
				for _, s := range append(secrets, c.q) {
					if strings.Contains(m[1], s) || strings.Contains(u, s) || strings.Contains(m[1], url.QueryEscape(s)) {
						t.Errorf("search by %s: the page names the URL %q, which carries %q", c.by, m[1], s)
					}
				}
				if strings.Contains(m[1], "q=") || strings.Contains(m[1], "by=") {
					t.Errorf("search by %s: the page names the URL %q, which carries the search", c.by, m[1])
				}
			}
		}

		// The old address with the search in it runs nothing and echoes nothing.
		old := agent.get("/console/conversations?by=name&q=" + url.QueryEscape("Eva Jansen"))
		if old.Status != http.StatusOK || strings.Contains(old.Body, link) || !strings.Contains(old.Body, `name="q" value=""`) {
			t.Errorf("a search in the query string was run or echoed: %d\n%.1500s", old.Status, old.Body)
		}
		if res := agent.post("/console/conversations", url.Values{"by": {"name"}, "q": {"Eva Jansen"}, "csrf": {"forged"}}); res.Status != http.StatusForbidden ||
			strings.Contains(res.Body, link) {
			t.Errorf("a search without the CSRF token: %d, want 403", res.Status)
		}
		viewer := r.sessionFor(domain.RoleViewer)
		if res := viewer.post("/console/conversations", url.Values{"by": {"phone"}, "q": {"31600000041"}}); res.Status != http.StatusForbidden ||
			strings.Contains(res.Body, link) || !strings.Contains(res.Body, "for agents and admins") {
			t.Errorf("a viewer searching by phone number: %d\n%.1500s", res.Status, res.Body)
		}
		if res := viewer.post("/console/conversations", url.Values{"by": {"reference"}, "q": {"abc123"}}); res.Status != http.StatusOK ||
			!strings.Contains(res.Body, link) || strings.Contains(res.Body, "ABC123") {
			t.Errorf("a viewer searching by booking reference: %d\n%.1500s", res.Status, res.Body)
		}

		out := logs.String()
		if !strings.Contains(out, `route=/console/conversations `) {
			t.Fatalf("the request log does not record the searches:\n%s", out)
		}
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("the log holds %q:\n%s", s, out)
			}
		}
		if strings.Contains(out, "q=") {
			t.Errorf("the log holds a query string:\n%s", out)
		}
	})
}

// TestConsoleAPISearchTakesPersonalDataInTheBody: the JSON API finds a
// conversation by name, phone number or booking reference given in the body of
// POST /api/v1/console/conversations/search, refuses a personal key in the
// query string of its GET (which keeps the booking reference), and keeps
// personal searches for agents and admins. The OpenAPI document the server
// serves says so, and the log holds none of it.
func TestConsoleAPISearchTakesPersonalDataInTheBody(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r, logs := newLoggedConsoleRigOn(t, db)
		id := r.handedOff("31600000042")
		want := `"id":` + strconv.FormatInt(id, 10)
		agent, viewer := r.token(domain.RoleAgent), r.token(domain.RoleViewer)
		const search = "/api/v1/console/conversations/search"

		for _, body := range []map[string]string{{"name": "Eva Jansen"}, {"phone": "+31 (6) 0000 0042"}, {"locator": "abc123"}} {
			st, got := r.api(agent, http.MethodPost, search, body)
			if st != http.StatusOK || !strings.Contains(asJSON(got["conversations"]), want) {
				t.Errorf("search %v: %d %v", body, st, got)
			}
		}
		if st, got := r.api(agent, http.MethodPost, search, map[string]string{"name": "Sofie Peeters"}); st != http.StatusOK || asJSON(got["conversations"]) != "[]" {
			t.Errorf("a name nobody has: %d %v", st, got)
		}
		if st, _ := r.api(agent, http.MethodPost, search, map[string]string{}); st != http.StatusBadRequest {
			t.Errorf("an empty search: %d, want 400", st)
		}
		if st, _ := r.api(agent, http.MethodPost, search, map[string]string{"passport": "X1234567"}); st != http.StatusBadRequest {
			t.Errorf("a key the search does not take: %d, want 400", st)
		}
		if st, got := r.api(viewer, http.MethodPost, search, map[string]string{"phone": "31600000042"}); st != http.StatusForbidden ||
			strings.Contains(asJSON(got), want) {
			t.Errorf("a viewer searching by phone number: %d %v, want 403", st, got)
		}
		if st, got := r.api(viewer, http.MethodPost, search, map[string]string{"locator": "ABC123"}); st != http.StatusOK ||
			!strings.Contains(asJSON(got["conversations"]), want) || strings.Contains(asJSON(got), "ABC123") {
			t.Errorf("a viewer searching by booking reference: %d %v", st, got)
		}

		for _, q := range []string{"name=Eva+Jansen", "phone=31600000042", "psid=123", "q=Jansen"} {
			st, got := r.api(agent, http.MethodGet, "/api/v1/console/conversations?"+q, nil)
			if st != http.StatusBadRequest || !strings.Contains(asJSON(got), "POST /api/v1/console/conversations/search") {
				t.Errorf("GET ?%s: %d %v, want 400 naming the POST", q, st, got)
			}
		}
		if st, got := r.api(agent, http.MethodGet, "/api/v1/console/conversations?locator=ABC123", nil); st != http.StatusOK ||
			!strings.Contains(asJSON(got["conversations"]), want) {
			t.Errorf("GET by booking reference: %d %v", st, got)
		}

		res := r.browser().do(http.MethodGet, "/api/v1/console/openapi.json", nil, nil)
		var doc struct {
			Paths map[string]map[string]struct {
				Parameters  []struct{ Name, In string }
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Properties map[string]json.RawMessage
						}
					}
				} `json:"requestBody"`
			}
		}
		if err := json.Unmarshal([]byte(res.Body), &doc); err != nil {
			t.Fatal(err)
		}
		props := doc.Paths["/conversations/search"]["post"].RequestBody.Content["application/json"].Schema.Properties
		for _, k := range []string{"locator", "phone", "psid", "name"} {
			if _, ok := props[k]; !ok {
				t.Errorf("openapi.json: POST /conversations/search takes no %q in its body", k)
			}
		}
		for _, p := range doc.Paths["/conversations"]["get"].Parameters {
			if p.In == "query" && p.Name != "locator" {
				t.Errorf("openapi.json: GET /conversations still takes %q in the query string", p.Name)
			}
		}

		out := logs.String()
		if !strings.Contains(out, "route=/api/v1/console/conversations/search") {
			t.Fatalf("the request log does not record the searches:\n%s", out)
		}
		for _, s := range []string{"Jansen", "31600000042", "0000 0042", "X1234567"} {
			if strings.Contains(out, s) {
				t.Errorf("the log holds %q:\n%s", s, out)
			}
		}
	})
}
