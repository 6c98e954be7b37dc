package api

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// consoleRig is a console served over a real socket on 127.0.0.1 in front of a
// real store on db, with content version 1 published.
type consoleRig struct {
	t     *testing.T
	URL   string
	store *store.Store
	clock *clock
	langs []domain.Lang
}

// testLangs are the languages the rig enables.
var testLangs = []domain.Lang{"en", "fr"}

// testContent is the shipped content with any text the enabled languages lack
// filled from English, so that the tests do not depend on the catalogues'
// completeness.
func testContent(t testing.TB) flows.Content {
	t.Helper()
	c, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	for k := range flows.MessageKeys() {
		for _, l := range testLangs {
			if c.Messages[l] == nil {
				c.Messages[l] = map[string]string{}
			}
			if strings.TrimSpace(c.Messages[l][k]) == "" {
				c.Messages[l][k] = c.Messages[domain.DefaultLang][k]
			}
			if strings.TrimSpace(c.Messages[l][k]) == "" {
				c.Messages[l][k] = k
			}
		}
	}
	if p := c.CheckDraft(testLangs); len(p) > 0 {
		t.Fatalf("test content has %d problems, first %v", len(p), p[0])
	}
	return c
}

func newConsoleRigOn(t *testing.T, db *database.DB) *consoleRig {
	return newConsoleRigLogging(t, db, nil)
}

// newConsoleRigLogging is newConsoleRigOn with the server and the store logging
// to log (nil: the defaults).
func newConsoleRigLogging(t *testing.T, db *database.DB, log *slog.Logger) *consoleRig {
	t.Helper()
	clk := &clock{t: time.Now().UTC()}
	sealer, err := domain.NewSealer(domain.NewKey("k1"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(db, sealer, log, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	body, err := flows.MarshalContent(testContent(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishContent(t.Context(), body, "skybridge", "content shipped with the release"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Console: st, Tokens: st, Privacy: storePrivacy{st}, Languages: testLangs, Now: clk.Now, Log: log}))
	t.Cleanup(srv.Close)
	return &consoleRig{t: t, URL: srv.URL, store: st, clock: clk, langs: testLangs}
}

func newConsoleRig(t *testing.T) *consoleRig { return newConsoleRigOn(t, dbtest.SQLite(t)) }

// addStaff creates an account with a cheap hash (the parameters travel in it).
func (r *consoleRig) addStaff(name string, role domain.Role, password string) {
	r.t.Helper()
	h, err := hashPassword(password, cheapArgon)
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.store.AddStaff(r.t.Context(), name, role, h, domain.AuditEntry{Actor: "test", Action: domain.AuditStaffAdd}); err != nil {
		r.t.Fatal(err)
	}
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	rig  *consoleRig
	c    *http.Client
	csrf string
}

func (r *consoleRig) browser() *browser {
	jar := &cookieJar{m: map[string]*http.Cookie{}}
	return &browser{t: r.t, rig: r, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// cookieJar keeps cookies by name whatever their Secure flag (the rig is plain
// HTTP on loopback, where the console does not set Secure anyway).
type cookieJar struct {
	mu sync.Mutex
	m  map[string]*http.Cookie
}

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range cs {
		if c.MaxAge < 0 || c.Value == "" {
			delete(j.m, c.Name)
			continue
		}
		j.m[c.Name] = c
	}
}

func (j *cookieJar) Cookies(*url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*http.Cookie
	for _, c := range j.m {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

type response struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

func (b *browser) do(method, path string, body io.Reader, header map[string]string) response {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.rig.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Body: string(data), Header: resp.Header, Location: resp.Header.Get("Location")}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	r := b.do(http.MethodGet, path, nil, nil)
	if m := csrfField.FindStringSubmatch(r.Body); m != nil {
		b.csrf = m[1]
	}
	return r
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post submits a form with the page's CSRF token (unless form sets csrf).
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	return b.do(http.MethodPost, path, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// signIn signs in through the form and fails the test unless it worked.
func (b *browser) signIn(name, password string) {
	b.t.Helper()
	b.get("/console/sign-in")
	r := b.post("/console/sign-in", url.Values{"name": {name}, "password": {password}, "next": {"/console/"}})
	if r.Status != http.StatusSeeOther || r.Location != "/console/" {
		b.t.Fatalf("sign in as %s: %d %s\n%s", name, r.Status, r.Location, r.Body)
	}
	b.get("/console/")
}

// sessionFor opens a session of a role straight in the store (the sign-in path has
// its own tests) and returns a browser holding its cookie and CSRF token.
func (r *consoleRig) sessionFor(role domain.Role) *browser {
	r.t.Helper()
	name := "s-" + string(role)
	if _, err := r.store.StaffByName(r.t.Context(), name); domain.IsCode(err, domain.NotFound) {
		r.addStaff(name, role, "a long enough password")
	}
	st, err := r.store.StaffByName(r.t.Context(), name)
	if err != nil {
		r.t.Fatal(err)
	}
	sid, csrf := rand.Text()+rand.Text(), rand.Text()
	now := r.clock.Now()
	if err := r.store.CreateStaffSession(r.t.Context(), sid, domain.StaffSession{StaffID: st.ID, CSRF: csrf,
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)},
		domain.AuditEntry{Actor: name, Action: domain.AuditSignIn, Subject: name}); err != nil {
		r.t.Fatal(err)
	}
	b := r.browser()
	b.c.Jar.SetCookies(nil, []*http.Cookie{{Name: consoleCookie, Value: sid}})
	b.csrf = csrf
	return b
}

// token creates an API token of a role.
func (r *consoleRig) token(role domain.Role) string {
	r.t.Helper()
	tok, err := r.store.CreateToken(r.t.Context(), "t-"+string(role)+"-"+rand.Text()[:6], role)
	if err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// api calls the JSON API with a bearer token.
func (r *consoleRig) api(token, method, path string, body any) (int, map[string]any) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	resp := r.browser().do(method, path, rd, map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"})
	var out map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &out)
	return resp.Status, out
}
