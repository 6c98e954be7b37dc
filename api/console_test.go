package api

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/api/console"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// concretePath fills a route's parameters with values that exist in the rig.
func concretePath(p string) string {
	return strings.NewReplacer(":flow", "checkin", ":lang", "fr", ":version", "1", ":name", "nobody", ":conversation", "1", ":seq", "1", ":article", "baggage-allowance").Replace(p)
}

// TestConsoleRouteRoles walks every route of the table with a session of every
// staff role, with no session, and with a bearer token of every role: each is let
// through exactly when the table says so, and refused with 403 (or sent to sign
// in, or 401) otherwise.
func TestConsoleRouteRoles(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newConsoleRigOn(t, db)
		sessions, tokens := map[domain.Role]*browser{}, map[domain.Role]string{}
		for _, role := range domain.Roles {
			tokens[role] = r.token(role)
		}
		for _, role := range domain.StaffRoles {
			sessions[role] = r.sessionFor(role)
		}
		walked := 0
		for _, rt := range consoleRoutes {
			path := concretePath(rt.Path)
			call := func(b *browser, header map[string]string) response {
				h := map[string]string{}
				for k, v := range header {
					h[k] = v
				}
				var body *strings.Reader
				if rt.API {
					h["Content-Type"] = "application/json"
					body = strings.NewReader(`{}`)
				} else {
					h["Content-Type"] = "application/x-www-form-urlencoded"
					body = strings.NewReader(url.Values{"csrf": {b.csrf}}.Encode())
				}
				if b.csrf != "" {
					h["X-CSRF-Token"] = b.csrf
				}
				return b.do(rt.Method, path, body, h)
			}
			refusedPage := func(res response) bool {
				return res.Status == http.StatusSeeOther && strings.HasPrefix(res.Location, "/console/sign-in?next=")
			}
			if len(rt.Roles) == 0 {
				if res := call(r.browser(), nil); res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden && rt.Path != "/console/sign-in" {
					t.Errorf("public %s %s: %d", rt.Method, path, res.Status)
				}
				continue
			}
			for _, role := range domain.StaffRoles {
				b := sessions[role]
				if rt.Path == "/console/sign-out" {
					b = r.sessionFor(role) // a session of its own to end
				}
				res := call(b, nil)
				allowed := slices.Contains(rt.Roles, role)
				switch {
				case allowed && (res.Status == http.StatusForbidden || res.Status == http.StatusUnauthorized || refusedPage(res)):
					t.Errorf("%s %s as %s: %d, want it allowed\n%.300s", rt.Method, path, role, res.Status, res.Body)
				case !allowed && res.Status != http.StatusForbidden:
					t.Errorf("%s %s as %s: %d, want 403", rt.Method, path, role, res.Status)
				}
				walked++
			}
			res := call(r.browser(), nil)
			if rt.API && res.Status != http.StatusUnauthorized {
				t.Errorf("%s %s without a session: %d, want 401", rt.Method, path, res.Status)
			}
			if !rt.API && !refusedPage(res) {
				t.Errorf("%s %s without a session: %d %q, want a redirect to sign in", rt.Method, path, res.Status, res.Location)
			}
			for _, role := range domain.Roles {
				res := call(r.browser(), map[string]string{"Authorization": "Bearer " + tokens[role]})
				allowed := rt.API && slices.Contains(rt.Roles, role)
				switch {
				case !rt.API && !refusedPage(res):
					t.Errorf("%s %s with a %s bearer token: %d, want pages to need a session", rt.Method, path, role, res.Status)
				case allowed && (res.Status == http.StatusForbidden || res.Status == http.StatusUnauthorized):
					t.Errorf("%s %s with a %s token: %d, want it allowed", rt.Method, path, role, res.Status)
				case rt.API && !allowed && res.Status != http.StatusForbidden:
					t.Errorf("%s %s with a %s token: %d, want 403", rt.Method, path, role, res.Status)
				}
			}
			bad := call(r.browser(), map[string]string{"Authorization": "Bearer not-a-token"})
			if rt.API && bad.Status != http.StatusUnauthorized {
				t.Errorf("%s %s with an unknown token: %d, want 401", rt.Method, path, bad.Status)
			}
		}
		if walked < 5*30 {
			t.Fatalf("walked only %d route×role pairs", walked)
		}
	})
}

// TestConsoleRefusesFormsWithoutTheSessionsCSRFToken: a signed-in admin's form
// post is refused without the token, with another token, and from another
// origin; with its own token it goes through.
func TestConsoleRefusesFormsWithoutTheSessionsCSRFToken(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	b := r.sessionFor(domain.RoleAdmin)
	other := r.sessionFor(domain.RoleEditor)
	form := func(csrf string, header map[string]string) int {
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		for k, v := range header {
			h[k] = v
		}
		v := url.Values{"name": {"ops-centre"}, "role": {"ops"}}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		return b.do(http.MethodPost, "/console/tokens", strings.NewReader(v.Encode()), h).Status
	}
	for name, st := range map[string]int{
		"no token":       form("", nil),
		"another's":      form(other.csrf, nil),
		"foreign origin": form(b.csrf, map[string]string{"Origin": "https://evil.example"}),
	} {
		if st != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, st)
		}
	}
	toks, _ := r.store.Tokens(t.Context())
	if len(toks) != 0 {
		t.Fatalf("a refused form created %d tokens", len(toks))
	}
	if st := form(b.csrf, map[string]string{"Origin": r.URL}); st != http.StatusCreated {
		t.Fatalf("with the session's token: %d, want 201", st)
	}
	// A browser under Referrer-Policy: no-referrer says "Origin: null"; the token decides.
	if err := r.store.RevokeToken(t.Context(), "ops-centre"); err != nil {
		t.Fatal(err)
	}
	if st := form(b.csrf, map[string]string{"Origin": "null"}); st != http.StatusCreated {
		t.Fatalf("Origin null with the session's token: %d, want 201", st)
	}
	// The JSON API with a session needs the header too.
	res := b.do(http.MethodPost, "/api/v1/console/tokens", strings.NewReader(`{"name":"x","role":"ops"}`), map[string]string{"Content-Type": "application/json"})
	if res.Status != http.StatusForbidden {
		t.Fatalf("JSON API with a session and no X-CSRF-Token: %d, want 403", res.Status)
	}
}

// TestConsoleSignInSessionAndSignOut: a staff member signs in through the form;
// the cookie is HttpOnly and SameSite=Strict (not Secure on plain-HTTP loopback),
// only its hash is stored; an idle session ends; sign-out ends it; every step is
// in the audit log.
func TestConsoleSignInSessionAndSignOut(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	r.addStaff("Claire", domain.RoleEditor, "correct horse battery")
	b := r.browser()
	b.get("/console/sign-in")
	res := b.post("/console/sign-in", url.Values{"name": {"claire"}, "password": {"correct horse battery"}, "next": {"/console/rules"}})
	if res.Status != http.StatusSeeOther || res.Location != "/console/rules" {
		t.Fatalf("sign in: %d %q", res.Status, res.Location)
	}
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.Name == consoleCookie && c.Value != "" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Secure {
		t.Fatalf("session cookie %+v", cookie)
	}
	if _, err := r.store.StaffSession(t.Context(), cookie.Value, time.Time{}); err != nil {
		t.Fatalf("the session is not stored: %v", err)
	}
	if home := b.get("/console/"); home.Status != http.StatusOK || !strings.Contains(home.Body, "claire") {
		t.Fatalf("home: %d", home.Status)
	}
	// Editors may not see the audit log.
	if st := b.get("/console/audit").Status; st != http.StatusForbidden {
		t.Fatalf("editor on the audit log: %d", st)
	}
	// 31 idle minutes end the session.
	r.clock.Add(31 * time.Minute)
	if res := b.get("/console/"); res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/console/sign-in") {
		t.Fatalf("after 31 idle minutes: %d %q", res.Status, res.Location)
	}
	b.signIn("claire", "correct horse battery")
	if res := b.post("/console/sign-out", nil); res.Status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.Status)
	}
	if res := b.get("/console/"); res.Status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", res.Status)
	}
	entries, err := r.store.AuditLog(t.Context(), 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Subject == "claire" || e.Actor == "claire" {
			got = append(got, string(e.Action))
		}
	}
	want := []string{"sign_out", "sign_in", "sign_in", "staff_add"}
	if !slices.Equal(got, want) {
		t.Fatalf("audit of claire: %v, want %v", got, want)
	}
}

// TestConsoleSignInIsRateLimitedPerNameAndAddress: five wrong passwords lock the
// name out from that address, even with the right password; each failure is
// audited; another name is not affected.
func TestConsoleSignInIsRateLimitedPerNameAndAddress(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	r.addStaff("ann", domain.RoleViewer, "correct horse battery")
	r.addStaff("bob", domain.RoleViewer, "correct horse battery")
	b := r.browser()
	try := func(name, pw string) int {
		b.get("/console/sign-in")
		return b.post("/console/sign-in", url.Values{"name": {name}, "password": {pw}}).Status
	}
	for i := range maxSignInFailures {
		if st := try("ann", "wrong password!"); st != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i+1, st)
		}
	}
	if st := try("ann", "correct horse battery"); st != http.StatusTooManyRequests {
		t.Fatalf("right password after %d failures: %d, want 429", maxSignInFailures, st)
	}
	other := r.browser()
	other.get("/console/sign-in")
	if st := other.post("/console/sign-in", url.Values{"name": {"bob"}, "password": {"correct horse battery"}}).Status; st != http.StatusSeeOther {
		t.Fatalf("another name: %d, want a session", st)
	}
	n, err := r.store.CountAudit(t.Context(), domain.AuditSignInFailed, "ann", "127.0.0.1", time.Time{})
	if err != nil || n != maxSignInFailures {
		t.Fatalf("failed sign-ins audited: %d %v", n, err)
	}
	// The window passes.
	r.clock.Add(signInWindow + time.Minute)
	if st := try("ann", "correct horse battery"); st != http.StatusSeeOther {
		t.Fatalf("after the window: %d", st)
	}
	// A sign-in form replayed without its cookie is refused.
	fresh := r.browser()
	if st := fresh.post("/console/sign-in", url.Values{"name": {"bob"}, "password": {"correct horse battery"}, "csrf": {"forged"}}).Status; st != http.StatusForbidden {
		t.Fatalf("sign-in without the login cookie: %d, want 403", st)
	}
}

func TestSecureCookiesExceptOnLoopbackHTTP(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"127.0.0.1:8080": false, "localhost:8080": false, "[::1]:8080": false, "app.localhost": false,
		"console.airline.example": true, "10.0.0.5:8080": true, "skybridge.example:443": true,
	} {
		r := &http.Request{Host: host}
		if got := secureCookies(r); got != want {
			t.Errorf("secureCookies(%s) = %v, want %v", host, got, want)
		}
	}
}

// TestConsolePublishValidateRollbackOverTheAPI: an editor's token edits a prompt
// in two languages; a missing translation stops publication with the problem
// named; fixed, a publisher publishes version 2 with a readable diff; rolling
// back publishes version 1's content as version 3; the audit log has both. An
// editor cannot publish.
func TestConsolePublishValidateRollbackOverTheAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newConsoleRigOn(t, db)
		editor, publisher := r.token(domain.RoleEditor), r.token(domain.RolePublisher)
		st, draft := r.api(editor, http.MethodPut, "/api/v1/console/draft/texts", map[string]any{"texts": map[string]map[string]string{
			"en": {"checkin.ask_booking": "Welcome aboard! Your booking reference and surname, please."},
			"fr": {"checkin.ask_booking": ""},
		}})
		if st != http.StatusOK || draft["exists"] != true {
			t.Fatalf("save texts: %d %v", st, draft["error"])
		}
		probs, _ := json.Marshal(draft["problems"])
		if !strings.Contains(string(probs), `{"key":"checkin.ask_booking","lang":"fr","message":"missing translation"}`) {
			t.Fatalf("problems %s, want fr.checkin.ask_booking missing", probs)
		}
		if st, body := r.api(editor, http.MethodPost, "/api/v1/console/draft/publish", map[string]string{"comment": "x"}); st != http.StatusForbidden {
			t.Fatalf("editor publishing: %d %v", st, body)
		}
		st, body := r.api(publisher, http.MethodPost, "/api/v1/console/draft/publish", map[string]string{"comment": "new welcome"})
		if st != http.StatusUnprocessableEntity || !strings.Contains(asJSON(body["problems"]), "missing translation") {
			t.Fatalf("publishing with a missing translation: %d %v", st, body)
		}
		if v, _ := r.store.LatestContentVersion(t.Context()); v != 1 {
			t.Fatalf("a refused publication made version %d", v)
		}
		r.api(editor, http.MethodPut, "/api/v1/console/draft/texts", map[string]any{"texts": map[string]map[string]string{
			"fr": {"checkin.ask_booking": "Bienvenue à bord ! Votre référence de réservation et votre nom, s'il vous plaît."},
		}})
		st, body = r.api(publisher, http.MethodPost, "/api/v1/console/draft/publish", map[string]string{"comment": "new welcome"})
		if st != http.StatusCreated || body["version"] != float64(2) {
			t.Fatalf("publish: %d %v", st, body)
		}
		st, v2 := r.api(publisher, http.MethodGet, "/api/v1/console/versions/2", nil)
		changes := asJSON(v2["changes"])
		if st != http.StatusOK || v2["author"] == "" || !strings.Contains(changes, `"key":"checkin.ask_booking","kind":"changed","lang":"en"`) ||
			!strings.Contains(changes, `"lang":"fr"`) || strings.Count(changes, `"kind"`) != 2 {
			t.Fatalf("version 2: %d changes %s", st, changes)
		}
		if st, d := r.api(editor, http.MethodGet, "/api/v1/console/draft", nil); st != http.StatusOK || d["exists"] != false {
			t.Fatalf("the draft outlived its publication: %v", d["exists"])
		}
		st, body = r.api(publisher, http.MethodPost, "/api/v1/console/versions/1/rollback", map[string]string{"comment": "too chatty"})
		if st != http.StatusCreated || body["version"] != float64(3) {
			t.Fatalf("rollback: %d %v", st, body)
		}
		v1, _ := r.store.Content(t.Context(), 1)
		v3, _ := r.store.Content(t.Context(), 3)
		if string(v1.Body) != string(v3.Body) || !strings.Contains(v3.Comment, "rollback to version 1") {
			t.Fatalf("version 3 is not version 1 again: comment %q", v3.Comment)
		}
		entries, _ := r.store.AuditLog(t.Context(), 0, 10)
		var actions []string
		for _, e := range entries {
			actions = append(actions, string(e.Action)+" "+e.Subject)
		}
		if !slices.Contains(actions, "publish content v2") || !slices.Contains(actions, "rollback content v3") {
			t.Fatalf("audit %v", actions)
		}
	})
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestConsoleOpenAPIMatchesTheRoutes: every JSON API route registered with gin is
// in openapi.json and every path and method there is registered.
func TestConsoleOpenAPIMatchesTheRoutes(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	res := r.browser().do(http.MethodGet, "/api/v1/console/openapi.json", nil, nil)
	var doc struct {
		Servers []struct{ URL string }
		Paths   map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal([]byte(res.Body), &doc); err != nil || res.Status != http.StatusOK {
		t.Fatalf("openapi.json: %d %v", res.Status, err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1/console" {
		t.Fatalf("servers %+v", doc.Servers)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			gp := "/api/v1/console" + strings.NewReplacer("{", ":", "}", "").Replace(p)
			documented[strings.ToUpper(m)+" "+gp] = true
		}
	}
	engine := New(Config{Console: r.store, Tokens: r.store}).(*gin.Engine)
	registered := map[string]bool{}
	for _, rt := range engine.Routes() {
		if strings.HasPrefix(rt.Path, "/api/v1/console/") {
			registered[rt.Method+" "+rt.Path] = true
		}
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("%s is served but not in openapi.json", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("openapi.json documents %s, which is not served", k)
		}
	}
	if len(registered) < 15 {
		t.Fatalf("only %d API routes registered", len(registered))
	}
}

// TestConsoleGroups: every message key is shown in exactly one state's group, and
// every state the table names is a state of its flow.
func TestConsoleGroups(t *testing.T) {
	t.Parallel()
	keys := flows.MessageKeys()
	seen := map[string]string{}
	for _, f := range consoleFlows(keys) {
		for _, g := range f.Groups {
			for _, k := range g.Keys {
				if prev, ok := seen[k]; ok {
					t.Errorf("%s is in %s and %s", k, prev, g.ID())
				}
				seen[k] = g.ID()
			}
		}
	}
	for k := range keys {
		if _, ok := seen[k]; !ok {
			t.Errorf("%s is in no group", k)
		}
	}
	states := map[string]map[string]bool{}
	for _, f := range flows.Flows() {
		states[f.Name] = map[string]bool{}
		for s := range f.States {
			states[f.Name][string(s)] = true
		}
	}
	for _, line := range stateKeys {
		if s, ok := states[line.flow]; ok && !s[line.state] {
			t.Errorf("flow %s has no state %q", line.flow, line.state)
		}
	}
	if seen["checkin.ask_booking"] != "checkin/ask_booking" {
		t.Fatalf("checkin.ask_booking is in %q", seen["checkin.ask_booking"])
	}
}

// TestConsoleStaticAndTemplates: every page template parses, and the vendored
// script is served with its type and no listing of the folder.
func TestConsoleStaticAndTemplates(t *testing.T) {
	t.Parallel()
	if _, err := consoleTemplates(); err != nil {
		t.Fatal(err)
	}
	r := newConsoleRig(t)
	b := r.browser()
	res := b.get("/console/static/htmx.min.js")
	want, _ := fs.ReadFile(console.FS, "static/htmx.min.js")
	if res.Status != http.StatusOK || res.Body != string(want) || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("htmx: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/console/static/", "/console/static/../templates/layout.html"} {
		if st := b.get(p).Status; st != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, st)
		}
	}
}
