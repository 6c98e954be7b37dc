package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/api/web"
)

// dropConnection, returned by a fakeChat's postFunc, closes the connection without an
// answer, which the browser sees as a network error.
const dropConnection = -1

// post is one POST /chat/api/messages attempt as the fake received it.
type post struct {
	Session string `json:"session"`
	ID      string `json:"id"`
	Text    string `json:"text"`
	Payload string `json:"payload"`
	Locale  string `json:"locale"`
	Status  int    `json:"-"` // what the fake answered
}

type choice struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type attachment struct {
	URL      string `json:"url"`
	Filename string `json:"filename"`
	MIME     string `json:"mime"`
	Caption  string `json:"caption,omitempty"`
}

// botMessage is one message of the bot in the contract's JSON form.
type botMessage struct {
	Seq        int         `json:"seq"`
	Kind       string      `json:"kind"`
	Text       string      `json:"text,omitempty"`
	Choices    []choice    `json:"choices,omitempty"`
	Attachment *attachment `json:"attachment,omitempty"`
	CreatedAt  string      `json:"created_at"`
}

// subscriber is one open event stream.
type subscriber struct {
	session string
	ch      chan botMessage
	kick    chan struct{} // closed to end the stream from the server side
}

// fakeChat implements the web chat HTTP contract in memory and serves the embedded
// page. Tests push bot messages with push and read what the page sent from posts.
type fakeChat struct {
	t   testing.TB
	srv *httptest.Server

	mu           sync.Mutex
	created      int      // sessions ever created
	sessions     []string // sessions the fake knows
	posts        []post
	accepted     map[string]bool         // client ids accepted
	messages     map[string][]botMessage // per session, by seq
	subs         []*subscriber
	streamAfters []int // after= of each stream request
	polls        int   // GET /chat/api/messages requests

	// postFunc, when set, chooses the status of POST attempt n (1-based) instead of
	// 202; dropConnection closes the connection.
	postFunc func(n int, p post) int
	// streamStatus, when not zero, is answered to every stream request instead of
	// the event stream.
	streamStatus int

	done chan struct{}
}

func newFakeChat(t testing.TB) *fakeChat {
	t.Helper()
	f := &fakeChat{
		t:        t,
		accepted: map[string]bool{},
		messages: map[string][]botMessage{},
		done:     make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /chat/api/session", f.createSession)
	mux.HandleFunc("POST /chat/api/messages", f.postMessage)
	mux.HandleFunc("GET /chat/api/messages", f.listMessages)
	mux.HandleFunc("GET /chat/api/stream", f.stream)
	mux.HandleFunc("GET /passes/{file}", servePass)
	mux.Handle("GET /", http.FileServerFS(web.FS))
	f.srv = httptest.NewServer(mux)
	// Cleanups run last first: end the open streams, then close the server.
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.done) })
	return f
}

func (f *fakeChat) URL() string { return f.srv.URL + "/" }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeChat) createSession(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.created++
	token := fmt.Sprintf("sess-%d", f.created)
	f.sessions = append(f.sessions, token)
	f.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]string{"session": token})
}

func (f *fakeChat) knows(session string) bool {
	return slices.Contains(f.sessions, session)
}

func (f *fakeChat) postMessage(w http.ResponseWriter, r *http.Request) {
	var p post
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 8<<10)).Decode(&p); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON"})
		return
	}
	f.mu.Lock()
	status := http.StatusAccepted
	switch {
	case !f.knows(p.Session):
		status = http.StatusNotFound
	case f.postFunc != nil:
		if s := f.postFunc(len(f.posts)+1, p); s != 0 {
			status = s
		}
	}
	dup := status == http.StatusAccepted && f.accepted[p.ID]
	if status == http.StatusAccepted {
		f.accepted[p.ID] = true
	}
	p.Status = status
	f.posts = append(f.posts, p)
	f.mu.Unlock()

	switch {
	case status == dropConnection:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	case status == http.StatusAccepted && dup:
		writeJSON(w, status, map[string]string{"status": "duplicate"})
	case status == http.StatusAccepted:
		writeJSON(w, status, map[string]string{"status": "accepted"})
	default:
		writeJSON(w, status, map[string]string{"error": http.StatusText(status)})
	}
}

func after(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("after"))
	return n
}

func (f *fakeChat) since(session string, n int) []botMessage {
	var out []botMessage
	for _, m := range f.messages[session] {
		if m.Seq > n {
			out = append(out, m)
		}
	}
	return out
}

func (f *fakeChat) listMessages(w http.ResponseWriter, r *http.Request) {
	session := r.URL.Query().Get("session")
	f.mu.Lock()
	f.polls++
	known := f.knows(session)
	list := f.since(session, after(r))
	f.mu.Unlock()
	if !known {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown session"})
		return
	}
	if list == nil {
		list = []botMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": list})
}

func (f *fakeChat) stream(w http.ResponseWriter, r *http.Request) {
	session := r.URL.Query().Get("session")
	n := after(r)
	f.mu.Lock()
	f.streamAfters = append(f.streamAfters, n)
	status := f.streamStatus
	if status == 0 && !f.knows(session) {
		status = http.StatusNotFound
	}
	if status != 0 {
		f.mu.Unlock()
		writeJSON(w, status, map[string]string{"error": http.StatusText(status)})
		return
	}
	sub := &subscriber{session: session, ch: make(chan botMessage, 64), kick: make(chan struct{})}
	backlog := f.since(session, n)
	f.subs = append(f.subs, sub)
	f.mu.Unlock()
	defer f.unsubscribe(sub)

	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, ": hello\n\n")
	for _, m := range backlog {
		writeEvent(w, m)
	}
	if rc.Flush() != nil {
		return
	}
	heartbeat := time.NewTicker(2 * time.Second)
	defer heartbeat.Stop()
	for {
		select {
		case m := <-sub.ch:
			writeEvent(w, m)
		case <-heartbeat.C:
			_, _ = fmt.Fprint(w, ": heartbeat\n\n")
		case <-sub.kick:
			return
		case <-r.Context().Done():
			return
		case <-f.done:
			return
		}
		if rc.Flush() != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, m botMessage) {
	data, _ := json.Marshal(m)
	_, _ = fmt.Fprintf(w, "event: message\nid: %d\ndata: %s\n\n", m.Seq, data)
}

func (f *fakeChat) unsubscribe(sub *subscriber) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs = slices.DeleteFunc(f.subs, func(s *subscriber) bool { return s == sub })
}

// push stores a bot message for the session (unless its seq is already stored) and
// sends it to every open stream of the session, even when the seq is not new, so that
// tests can make the server repeat itself.
func (f *fakeChat) push(session string, m botMessage) {
	f.t.Helper()
	if m.CreatedAt == "" {
		m.CreatedAt = time.Now().UTC().Format(time.RFC3339)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !slices.ContainsFunc(f.messages[session], func(o botMessage) bool { return o.Seq == m.Seq }) {
		f.messages[session] = append(f.messages[session], m)
		slices.SortFunc(f.messages[session], func(a, b botMessage) int { return a.Seq - b.Seq })
	}
	for _, s := range f.subs {
		if s.session == session {
			select {
			case s.ch <- m:
			default:
				f.t.Errorf("fake: stream of %s is full", session)
			}
		}
	}
}

// forget makes the fake unknown to a session, as a server that lost its data.
func (f *fakeChat) forget(session string) {
	f.mu.Lock()
	f.sessions = slices.DeleteFunc(f.sessions, func(s string) bool { return s == session })
	f.mu.Unlock()
	f.dropStreams()
}

// dropStreams ends every open event stream from the server side.
func (f *fakeChat) dropStreams() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.subs {
		close(s.kick)
	}
	f.subs = nil
}

func (f *fakeChat) setPostFunc(fn func(n int, p post) int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.postFunc = fn
}

func (f *fakeChat) setStreamStatus(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.streamStatus = status
}

// snapshot returns copies of what the fake recorded.
func (f *fakeChat) snapshot() (sessions []string, posts []post, streamAfters []int, polls int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sessions), slices.Clone(f.posts), slices.Clone(f.streamAfters), f.polls
}

func (f *fakeChat) openStreams() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// waitFor polls cond until it holds, failing the test after a few seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// session waits for the page to have created its session and returns the token.
func (f *fakeChat) session(t testing.TB) string {
	t.Helper()
	var s string
	waitFor(t, "a session", func() bool {
		sessions, _, _, _ := f.snapshot()
		if len(sessions) > 0 {
			s = sessions[0]
		}
		return s != ""
	})
	return s
}

// posted waits until the fake has received n POST attempts and returns them all.
func (f *fakeChat) posted(t testing.TB, n int) []post {
	t.Helper()
	var posts []post
	waitFor(t, fmt.Sprintf("%d message posts", n), func() bool {
		_, posts, _, _ = f.snapshot()
		return len(posts) >= n
	})
	return posts
}

// servePass serves a small generated image or PDF for any /passes/ file, standing in
// for a boarding pass.
func servePass(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	switch {
	case len(name) > 4 && name[len(name)-4:] == ".png":
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(passImage())
	case len(name) > 4 && name[len(name)-4:] == ".pdf":
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write([]byte("%PDF-1.4\n%%EOF\n"))
	default:
		http.NotFound(w, r)
	}
}

// passImage draws a barcode-like square pattern, enough to look like a pass.
func passImage() []byte {
	const cell, cells = 8, 29
	img := image.NewGray(image.Rect(0, 0, cell*(cells+4), cell*(cells+4)))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	seed := uint32(2463534242)
	for y := range cells {
		for x := range cells {
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			finder := (x < 7 || x >= cells-7) && y < 7 || x < 7 && y >= cells-7
			dark := seed%2 == 0
			if finder {
				fx, fy := x%(cells-7), y%(cells-7)
				dark = fx == 0 || fx == 6 || fy == 0 || fy == 6 || (fx >= 2 && fx <= 4 && fy >= 2 && fy <= 4)
			}
			if !dark {
				continue
			}
			for dy := range cell {
				for dx := range cell {
					img.SetGray((x+2)*cell+dx, (y+2)*cell+dy, color.Gray{})
				}
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
