package graphfake

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults for the zero Config.
const (
	DefaultVersion       = "v23.0"
	DefaultPhoneNumberID = "100000000000001"
	DefaultPageID        = "200000000000002"
	DefaultDisplayNumber = "15550000001"
	DefaultWABAID        = "300000000000003"
	DefaultAppID         = "400000000000004"
)

// maxBody is the largest request body read; Graph refuses far smaller ones anyway.
const maxBody = 1 << 20

// Config describes the fake account. Zero fields take the defaults above; an
// empty token accepts any non-empty token.
type Config struct {
	// Addr is where Start listens; default "127.0.0.1:0".
	Addr    string
	Version string // Graph API version in the path, "v23.0"

	PhoneNumberID      string // WhatsApp sender in the path
	DisplayPhoneNumber string // metadata.display_phone_number in status webhooks
	WABAID             string // entry[].id in status webhooks
	WhatsAppToken      string // the Bearer token Skybridge must send

	PageID    string // Messenger page in the path ("me" also works)
	PageToken string // the page access token Skybridge must send
	AppID     string // message.app_id in Messenger echoes

	// Templates, when not empty, are the approved WhatsApp template names; others
	// are refused with 132001.
	Templates []string

	// StatusWebhooks, one per channel at most, receive signed status callbacks
	// for every accepted message.
	StatusWebhooks []StatusWebhook

	// MaxRecorded bounds the requests kept (oldest dropped); 0 keeps all.
	MaxRecorded int
	// OnRequest, when set, is called with every recorded request, in its own
	// handler goroutine, after the answer is written; it must not block long.
	OnRequest func(Request)
	// Logger, when set, gets one line per request (never tokens or recipients).
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&c.Addr, "127.0.0.1:0")
	def(&c.Version, DefaultVersion)
	def(&c.PhoneNumberID, DefaultPhoneNumberID)
	def(&c.DisplayPhoneNumber, DefaultDisplayNumber)
	def(&c.WABAID, DefaultWABAID)
	def(&c.PageID, DefaultPageID)
	def(&c.AppID, DefaultAppID)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Server is a running or runnable fake Graph API. Its methods are safe for
// concurrent use.
type Server struct {
	cfg       Config
	rec       *recorder
	faults    *injector
	templates map[string]bool
	hooks     *hookSender

	mu   sync.Mutex
	srv  *http.Server
	ln   net.Listener
	url  string
	done chan struct{}
}

// New returns a fake configured by cfg; call Start to serve it on a socket, or
// mount Handler yourself.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:    cfg,
		rec:    newRecorder(cfg.MaxRecorded),
		faults: &injector{now: cfg.Now, buckets: map[string]*bucket{}},
	}
	if len(cfg.Templates) > 0 {
		s.templates = map[string]bool{}
		for _, t := range cfg.Templates {
			s.templates[t] = true
		}
	}
	s.hooks = newHookSender(cfg)
	return s
}

// Start listens on Config.Addr and serves in the background.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("graphfake: already started")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return nil
}

// URL is the base URL to give Skybridge as SKYBRIDGE_GRAPH_URL, "http://127.0.0.1:PORT";
// empty before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Config returns the effective configuration, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Close stops serving, abandons pending status webhooks and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	srv, done := s.srv, s.done
	s.mu.Unlock()
	s.hooks.close()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
}

// Handler serves the send endpoints and the /_fake control endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_fake/requests", s.listRequests)
	mux.HandleFunc("DELETE /_fake/requests", s.deleteRequests)
	mux.HandleFunc("GET /_fake/faults", s.getFaults)
	mux.HandleFunc("POST /_fake/faults", s.postFaults)
	mux.HandleFunc("DELETE /_fake/faults", s.deleteFaults)
	mux.HandleFunc("GET /_fake/callbacks", s.listCallbacks)
	mux.HandleFunc("/", s.serveGraph)
	return mux
}

// SetFaults replaces the faults in force and restarts their counters.
func (s *Server) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.faults.set(f)
	return nil
}

// Faults returns the faults in force, Next counting what is left.
func (s *Server) Faults() Faults { return s.faults.get() }

// Requests returns every recorded request in order of arrival.
func (s *Server) Requests() []Request {
	r, _ := s.rec.snapshot(nil)
	return r
}

// RequestsTo returns the recorded requests to one recipient (a wa_id with or
// without "+", or a PSID).
func (s *Server) RequestsTo(recipient string) []Request {
	want := normalizeRecipient(recipient)
	r, _ := s.rec.snapshot(func(q Request) bool { return q.Recipient == want })
	return r
}

// Recipients returns the recorded requests grouped by recipient.
func (s *Server) Recipients() map[string][]Request {
	out := map[string][]Request{}
	for _, q := range s.Requests() {
		out[q.Recipient] = append(out[q.Recipient], q)
	}
	return out
}

// WaitFor waits until at least n requests are recorded and returns them all, or
// returns what there is and an error after timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) ([]Request, error) {
	return s.rec.wait(n, timeout, nil)
}

// WaitForRecipient is WaitFor counting only requests to one recipient.
func (s *Server) WaitForRecipient(recipient string, n int, timeout time.Duration) ([]Request, error) {
	want := normalizeRecipient(recipient)
	return s.rec.wait(n, timeout, func(q Request) bool { return q.Recipient == want })
}

// Reset forgets the recorded requests and status callbacks; faults stay.
func (s *Server) Reset() {
	s.rec.reset()
	s.hooks.reset()
}

// serveGraph answers one Graph API call.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	start := s.cfg.Now()
	req := Request{Received: start, Path: r.URL.Path}
	trace := traceID()
	var (
		status int
		body   []byte
		ch     Channel
	)
	ch, sender, apiErr := s.route(r)
	req.Channel = ch
	var after func(Request)
	if apiErr == nil {
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		switch {
		case err != nil:
			apiErr = invalid("could not read the request body")
		case len(raw) > maxBody:
			apiErr = invalid("request body too large")
		default:
			var parsed map[string]any
			if json.Unmarshal(raw, &parsed) == nil {
				req.Body = parsed
				req.Recipient = recipientOf(ch, parsed)
			}
			status, body, after, apiErr = s.send(ch, sender, raw, &req)
		}
	}
	if d := s.faults.delay(ch); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	if apiErr != nil {
		status, body = apiErr.status, apiErr.body(ch, trace)
		req.ErrorCode = apiErr.code
		req.MessageID = ""
	}
	req.Status, req.Response = status, json.RawMessage(body)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("x-fb-trace-id", trace)
	w.WriteHeader(status)
	_, _ = w.Write(body)
	req = s.rec.add(req)
	s.log(req, s.cfg.Now().Sub(start))
	if after != nil && apiErr == nil {
		after(req)
	}
	if s.cfg.OnRequest != nil {
		s.cfg.OnRequest(req)
	}
}

// route checks method, path and token, and says which channel and sender the
// call is for.
func (s *Server) route(r *http.Request) (Channel, string, *apiError) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 || parts[2] != "messages" {
		return "", "", &apiError{status: 400, code: 2500, typ: "OAuthException",
			message: "Unknown path components: " + r.URL.Path, details: "The path is not a send endpoint."}
	}
	if parts[0] != s.cfg.Version {
		return "", "", &apiError{status: 400, code: 2500, typ: "OAuthException",
			message: "Unknown path components: /" + parts[0],
			details: fmt.Sprintf("API version %q is not served; use %s.", parts[0], s.cfg.Version)}
	}
	var ch Channel
	switch parts[1] {
	case s.cfg.PhoneNumberID:
		ch = WhatsApp
	case s.cfg.PageID, "me":
		ch = Messenger
	default:
		return "", "", unsupported(r.Method, parts[1])
	}
	if r.Method != http.MethodPost {
		return ch, "", unsupported(r.Method, parts[1])
	}
	token := r.URL.Query().Get("access_token")
	if h := r.Header.Get("Authorization"); token == "" && h != "" {
		var ok bool
		if token, ok = strings.CutPrefix(h, "Bearer "); !ok {
			token = ""
		}
	}
	if token == "" {
		return ch, "", &apiError{status: 400, code: 104, typ: "OAuthException",
			message: "An access token is required to request this resource.", details: "No access token was sent."}
	}
	want := s.cfg.WhatsAppToken
	if ch == Messenger {
		want = s.cfg.PageToken
	}
	if want != "" && token != want {
		return ch, "", &apiError{status: 401, code: 190, typ: "OAuthException",
			message: "Invalid OAuth access token - Cannot parse access token", details: "The access token is not the one configured."}
	}
	sender := s.cfg.PhoneNumberID
	if ch == Messenger {
		sender = s.cfg.PageID
	}
	return ch, sender, nil
}

// recipientOf reads the recipient from a parsed body, so that refused and
// faulted requests are listed under their recipient too.
func recipientOf(ch Channel, body map[string]any) string {
	if ch == WhatsApp {
		to, _ := body["to"].(string)
		return normalizeRecipient(to)
	}
	r, _ := body["recipient"].(map[string]any)
	id, _ := r["id"].(string)
	return id
}

func unsupported(method, id string) *apiError {
	return &apiError{status: 400, code: 100, subcode: 33, typ: "GraphMethodException",
		message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", strings.ToLower(method), id),
		details: "Unknown sender id or method."}
}

// send runs the faults and the channel's validation on one body.
func (s *Server) send(ch Channel, sender string, raw []byte, req *Request) (int, []byte, func(Request), *apiError) {
	if !s.faults.limit(sender) {
		code := map[Channel]int{WhatsApp: 130429, Messenger: 613}[ch]
		req.Fault = "rate_limit"
		return 0, nil, nil, platformError(ch, code, 0)
	}
	if e, name := s.faults.before(ch); e != nil {
		req.Fault = name
		return 0, nil, nil, e
	}
	if ch == WhatsApp {
		return s.sendWhatsApp(raw, req)
	}
	return s.sendMessenger(raw, req)
}

func (s *Server) log(req Request, d time.Duration) {
	if s.cfg.Logger == nil {
		return
	}
	s.cfg.Logger.Info("graph request", "channel", req.Channel, "kind", req.Kind, "status", req.Status,
		"code", req.ErrorCode, "fault", req.Fault, "message_id", req.MessageID, "duration", d)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// newWAMID makes a wamid like Meta's: "wamid." and base64 of an opaque blob.
func newWAMID() string {
	return "wamid.HBgL" + base64.StdEncoding.EncodeToString(randomBytes(39))
}

// newMID makes a Messenger message id, "m_" and URL-safe base64.
func newMID() string { return "m_" + base64.RawURLEncoding.EncodeToString(randomBytes(48)) }

func traceID() string { return base64.RawURLEncoding.EncodeToString(randomBytes(8)) }
