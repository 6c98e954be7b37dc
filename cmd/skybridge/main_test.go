package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/aztec"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// The whole-binary tests build the real skybridge command, start it on a free port
// with its own database, and talk to it over HTTP like a browser would.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skybridge-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "skybridge")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// instance is one running skybridge process.
type instance struct {
	t    testing.TB
	cmd  *exec.Cmd
	URL  string
	logs *syncBuffer
	done chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var servingRE = regexp.MustCompile(`msg="skybridge serving" addr=(\S+)`)

// start runs the binary with env (on top of a minimal environment) and waits until it
// serves.
func start(t *testing.T, env ...string) *instance { return startB(t, env...) }

func startB(t testing.TB, env ...string) *instance {
	t.Helper()
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SKYBRIDGE_ADDR=127.0.0.1:0"}, env...)
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	cmd.Stderr = io.MultiWriter(pw, logs)
	cmd.Stdout = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inst := &instance{t: t, cmd: cmd, logs: logs, done: make(chan error, 1)}
	go func() { inst.done <- cmd.Wait(); pw.Close() }()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		inst.URL = "http://" + a
	case err := <-inst.done:
		t.Fatalf("skybridge exited before serving: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("skybridge did not start:\n%s", logs.String())
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-inst.done
		}
	})
	return inst
}

// stop sends SIGTERM and waits for a clean exit.
func (in *instance) stop() {
	in.t.Helper()
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-in.done:
		if err != nil {
			in.t.Fatalf("exit after SIGTERM: %v\n%s", err, in.logs.String())
		}
	case <-time.After(30 * time.Second):
		in.t.Fatalf("no exit within 30s of SIGTERM")
	}
}

func (in *instance) kill() {
	in.cmd.Process.Kill()
	<-in.done
}

// chatClient is a web chat session over HTTP.
type chatClient struct {
	t       *testing.T
	base    string
	session string
	n       int
	seen    []message
}

type message struct {
	Seq     int    `json:"seq"`
	Kind    string `json:"kind"`
	Text    string `json:"text"`
	Choices []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"choices"`
	Attachment *struct {
		URL  string `json:"url"`
		MIME string `json:"mime"`
	} `json:"attachment"`
}

func newChat(t *testing.T, base string) *chatClient {
	t.Helper()
	resp, err := http.Post(base+"/chat/api/session", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Session string }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("session: %d %v", resp.StatusCode, err)
	}
	return &chatClient{t: t, base: base, session: s.Session}
}

func (c *chatClient) post(text, payload string) int {
	c.t.Helper()
	c.n++
	body, _ := json.Marshal(map[string]string{"session": c.session, "id": fmt.Sprintf("m%d", c.n), "text": text, "payload": payload})
	resp, err := http.Post(c.base+"/chat/api/messages", "application/json", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// send posts a message and waits until the bot's reply contains want.
func (c *chatClient) send(text, payload, want string) []message {
	c.t.Helper()
	if st := c.post(text, payload); st != http.StatusAccepted {
		c.t.Fatalf("post %q: status %d", text, st)
	}
	return c.waitFor(want)
}

func (c *chatClient) fetch() []message {
	c.t.Helper()
	after := 0
	if len(c.seen) > 0 {
		after = c.seen[len(c.seen)-1].Seq
	}
	resp, err := http.Get(fmt.Sprintf("%s/chat/api/messages?session=%s&after=%d", c.base, c.session, after))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct{ Messages []message }
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		c.t.Fatal(err)
	}
	c.seen = append(c.seen, r.Messages...)
	return r.Messages
}

func (c *chatClient) waitFor(want string) []message {
	c.t.Helper()
	var got []message
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		got = append(got, c.fetch()...)
		for _, m := range got {
			if strings.Contains(m.Text, want) {
				// Give the rest of the same turn a moment to be visible too.
				time.Sleep(50 * time.Millisecond)
				return append(got, c.fetch()...)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("no reply containing %q; got %+v", want, got)
	return nil
}

func choice(t *testing.T, msgs []message, prefix string) (id, title string) {
	t.Helper()
	for _, m := range msgs {
		for _, ch := range m.Choices {
			if strings.HasPrefix(ch.ID, prefix) {
				return ch.ID, ch.Title
			}
		}
	}
	t.Fatalf("no choice %q in %+v", prefix, msgs)
	return "", ""
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// checkInJansen completes the demo check-in of JN7KQP and returns the pass links.
func checkInJansen(t *testing.T, c *chatClient) (pdf, img string) {
	t.Helper()
	c.send("I want to check in", "", "booking reference")
	m := c.send("jn7kqp JANSEN", "", "Shall I check in Eva Jansen")
	id, title := choice(t, m, "pax:")
	m = c.send(title, id, "dangerous goods")
	m = c.send("I confirm", "yes", "seat")
	m = c.send("Keep", "seat:keep", "Please check")
	c.send("Check in", "yes", "checked in")
	for _, x := range c.seen {
		if x.Attachment != nil && x.Attachment.MIME == "application/pdf" {
			pdf = x.Attachment.URL
		}
		if x.Attachment != nil && x.Attachment.MIME == "image/png" {
			img = x.Attachment.URL
		}
	}
	if pdf == "" || img == "" {
		t.Fatalf("no boarding pass links in %+v", m)
	}
	return pdf, img
}

func verifyPass(t *testing.T, base, pdf, img string) {
	t.Helper()
	resp, body := get(t, base+pdf)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("PDF: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, body = get(t, base+img)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("barcode: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	pic, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(pic)
	res, err := aztec.NewAztecReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("read barcode: %v", err)
	}
	if code := res.GetText(); !strings.HasPrefix(code, "M1JANSEN/EVA") || !strings.Contains(code, "JN7KQP") {
		t.Fatalf("barcode reads %q", code)
	}
	// A guessed token finds nothing.
	if resp, _ := get(t, base+"/passes/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.pdf"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("guessed token: %d", resp.StatusCode)
	}
}

func TestBinaryChecksInOnSQLite(t *testing.T) {
	dir := t.TempDir()
	in := start(t, "SKYBRIDGE_DATABASE_URL="+filepath.Join(dir, "sky.db"))
	c := newChat(t, in.URL)
	pdf, img := checkInJansen(t, c)
	verifyPass(t, in.URL, pdf, img)
	in.stop()
	if strings.Contains(in.logs.String(), "level=ERROR") {
		t.Fatalf("errors logged:\n%s", in.logs.String())
	}
}

func TestBinaryChecksInOnPostgres(t *testing.T) {
	base := dbtest.PostgresURL(t)
	url := dbtest.WithSchema(t, base, dbtest.NewSchema(t, base))
	in := start(t, "SKYBRIDGE_DATABASE_URL="+url, "SKYBRIDGE_DATA_KEYS="+domain.NewKey("ci"))
	c := newChat(t, in.URL)
	pdf, img := checkInJansen(t, c)
	verifyPass(t, in.URL, pdf, img)
	in.stop()
}

// TestRestartLosesNothing kills the service with SIGKILL right after messages were
// acknowledged; after a restart on the same database each acknowledged message is
// answered exactly once.
func TestRestartLosesNothing(t *testing.T) {
	dir := t.TempDir()
	env := "SKYBRIDGE_DATABASE_URL=" + filepath.Join(dir, "sky.db")
	// First an instance that only takes messages in (no workers), so that the kill
	// certainly comes before any answer; then one that answers while being killed.
	in := start(t, env, "SKYBRIDGE_WORKERS=0")
	const n = 12
	var clients []*chatClient
	for i := 0; i < n; i++ {
		c := newChat(t, in.URL)
		if st := c.post("check in", ""); st != http.StatusAccepted {
			t.Fatalf("post: %d", st)
		}
		clients = append(clients, c)
	}
	in.kill()
	in = start(t, env)
	for _, c := range clients {
		c.base = in.URL
		answeredOnce(t, c, "booking reference")
	}
	// Now kill a working instance in the middle of a burst.
	for _, c := range clients {
		if st := c.post("JN7KQP Jansen", ""); st != http.StatusAccepted {
			t.Fatalf("post: %d", st)
		}
	}
	time.Sleep(30 * time.Millisecond)
	in.kill()
	in = start(t, env)
	for _, c := range clients {
		c.base = in.URL
		answeredOnce(t, c, "I found booking JN7KQP")
	}
	in.stop()
}

// answeredOnce waits for a reply containing text and fails unless exactly one such
// reply is in the whole transcript.
func answeredOnce(t *testing.T, c *chatClient, text string) {
	t.Helper()
	c.waitFor(text)
	time.Sleep(20 * time.Millisecond)
	c.fetch()
	n := 0
	for _, m := range c.seen {
		if strings.Contains(m.Text, text) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%q answered %d times: %+v", text, n, c.seen)
	}
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	in := start(t, "SKYBRIDGE_DATABASE_URL="+filepath.Join(t.TempDir(), "sky.db"))
	c := newChat(t, in.URL)
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"not json", `hello`, 400},
		{"bad session", `{"session":"x","id":"1","text":"hi"}`, 400},
		{"no id", `{"session":"` + c.session + `","text":"hi"}`, 400},
		{"empty", `{"session":"` + c.session + `","id":"1","text":"  "}`, 400},
		{"too long", `{"session":"` + c.session + `","id":"1","text":"` + strings.Repeat("a", 1001) + `"}`, 413},
		{"huge body", `{"session":"` + c.session + `","id":"1","text":"` + strings.Repeat("a", 20000) + `"}`, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(in.URL+"/chat/api/messages", "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var e struct{ Error string }
			json.NewDecoder(resp.Body).Decode(&e)
			resp.Body.Close()
			if resp.StatusCode != tc.want || e.Error == "" {
				t.Fatalf("status %d error %q, want %d with a message", resp.StatusCode, e.Error, tc.want)
			}
		})
	}
	if resp, _ := get(t, in.URL+"/chat/api/messages?session="+c.session+"&after=-1"); resp.StatusCode != 400 {
		t.Fatalf("negative after: %d", resp.StatusCode)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, _ := get(t, in.URL+p); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
	}
}
