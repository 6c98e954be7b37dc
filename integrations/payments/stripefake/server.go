package stripefake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// APIVersion is the API version the fake's events carry.
const APIVersion = "2025-08-27.basil"

// Config describes the fake account.
type Config struct {
	// SecretKey is the key clients must send as a Bearer token; default
	// "sk_test_fake".
	SecretKey string
	// WebhookSecret signs the events (Stripe's "whsec_…"); default
	// "whsec_fake".
	WebhookSecret string
	// WebhookURL receives the events; empty: events are only recorded.
	WebhookURL string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Request is one API call the fake received, for assertions.
type Request struct {
	Method, Path   string
	IdempotencyKey string
	Form           url.Values
	Status         int
}

// Server is the fake. Start it with Start; it is safe for concurrent use.
type Server struct {
	cfg  Config
	srv  *http.Server
	ln   net.Listener
	hc   *http.Client
	mu   sync.Mutex
	url  string
	sess map[string]*session
	pis  map[string]*session // by payment intent id
	refs map[string]*refund
	idem map[string]idemEntry
	evts map[string]Event
	reqs []Request
}

type idemEntry struct {
	endpoint string
	params   string
	status   int
	body     []byte
}

// Start serves the fake on a free port of 127.0.0.1 until Close.
func Start(cfg Config) (*Server, error) {
	if cfg.SecretKey == "" {
		cfg.SecretKey = "sk_test_fake"
	}
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = "whsec_fake"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start stripe fake: %w", err)
	}
	s := &Server{cfg: cfg, ln: ln, url: "http://" + ln.Addr().String(), hc: &http.Client{Timeout: 10 * time.Second},
		sess: map[string]*session{}, pis: map[string]*session{}, refs: map[string]*refund{},
		idem: map[string]idemEntry{}, evts: map[string]Event{}}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// URL is the fake's base URL, what the SDK's backend URL is set to.
func (s *Server) URL() string { return s.url }

// SecretKey is the API key the fake accepts.
func (s *Server) SecretKey() string { return s.cfg.SecretKey }

// WebhookSecret is the key the fake signs events with.
func (s *Server) WebhookSecret() string { return s.cfg.WebhookSecret }

// SetWebhookURL changes where events are sent.
func (s *Server) SetWebhookURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.WebhookURL = u
}

// Close stops the fake.
func (s *Server) Close() error { return s.srv.Close() }

// Requests returns the API calls received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// ServeHTTP answers the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Request-Id", "req_"+randomID(14))
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || key == "" {
		writeError(w, http.StatusUnauthorized, apiError{Type: "invalid_request_error",
			Message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."})
		return
	}
	if key != s.cfg.SecretKey {
		writeError(w, http.StatusUnauthorized, apiError{Type: "invalid_request_error",
			Message: "Invalid API Key provided: " + redactKey(key)})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Type: "invalid_request_error", Message: "Could not read the request body."})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeError(w, http.StatusBadRequest, apiError{Type: "invalid_request_error", Message: "Invalid request body: " + err.Error()})
		return
	}
	if r.Method == http.MethodGet {
		form = r.URL.Query()
	}
	idemKey := r.Header.Get("Idempotency-Key")
	endpoint := r.Method + " " + r.URL.Path
	rec := Request{Method: r.Method, Path: r.URL.Path, IdempotencyKey: idemKey, Form: form}

	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Method == http.MethodPost && idemKey != "" {
		if prev, ok := s.idem[idemKey]; ok {
			switch {
			case prev.endpoint != endpoint:
				s.answer(w, rec, http.StatusBadRequest, errorBody(apiError{Type: "idempotency_error",
					Message: fmt.Sprintf("Keys for idempotent requests can only be used for the same endpoint they were first used for ('%s' vs '%s'). Try using a key other than '%s' if you meant to execute a different request.", prev.endpoint, endpoint, idemKey)}))
			case prev.params != form.Encode():
				s.answer(w, rec, http.StatusBadRequest, errorBody(apiError{Type: "idempotency_error",
					Message: fmt.Sprintf("Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '%s' if you meant to execute a different request.", idemKey)}))
			default:
				w.Header().Set("Idempotent-Replayed", "true")
				s.answer(w, rec, prev.status, prev.body)
			}
			return
		}
	}
	status, out := s.route(r.Method, r.URL.Path, form)
	// Stripe keeps the result of a request that reached its API, errors included,
	// except when it did not run (a 5xx may be retried with the same key).
	if r.Method == http.MethodPost && idemKey != "" && status < 500 {
		s.idem[idemKey] = idemEntry{endpoint: endpoint, params: form.Encode(), status: status, body: out}
	}
	s.answer(w, rec, status, out)
}

func (s *Server) answer(w http.ResponseWriter, rec Request, status int, body []byte) {
	rec.Status = status
	s.reqs = append(s.reqs, rec)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Stripe-Version", APIVersion)
	w.WriteHeader(status)
	w.Write(body)
}

// route runs one API call with s.mu held.
func (s *Server) route(method, path string, form url.Values) (int, []byte) {
	switch {
	case method == http.MethodPost && path == "/v1/checkout/sessions":
		return s.createSession(form)
	case method == http.MethodGet && strings.HasPrefix(path, "/v1/checkout/sessions/"):
		id := strings.TrimPrefix(path, "/v1/checkout/sessions/")
		cs, ok := s.sess[id]
		if !ok {
			return http.StatusNotFound, errorBody(apiError{Type: "invalid_request_error", Code: "resource_missing", Param: "session",
				Message: fmt.Sprintf("No such checkout.session: '%s'", id)})
		}
		return jsonOK(cs.object(s.url))
	case method == http.MethodPost && path == "/v1/refunds":
		return s.createRefund(form)
	}
	return http.StatusNotFound, errorBody(apiError{Type: "invalid_request_error",
		Message: fmt.Sprintf("Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.", method, path)})
}

type apiError struct {
	Type    string `json:"type"`
	Code    string `json:"code,omitempty"`
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
}

func errorBody(e apiError) []byte {
	b, _ := json.Marshal(map[string]apiError{"error": e})
	return b
}

func writeError(w http.ResponseWriter, status int, e apiError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(errorBody(e))
}

func invalid(param, format string, args ...any) (int, []byte) {
	return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error", Param: param,
		Code: "parameter_invalid", Message: fmt.Sprintf(format, args...)})
}

func missing(param string) (int, []byte) {
	return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error", Param: param,
		Code: "parameter_missing", Message: "Missing required param: " + param + "."})
}

func jsonOK(v any) (int, []byte) {
	b, err := json.Marshal(v)
	if err != nil {
		return http.StatusInternalServerError, errorBody(apiError{Type: "api_error", Message: err.Error()})
	}
	return http.StatusOK, b
}

func randomID(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func redactKey(k string) string {
	if len(k) <= 8 {
		return "****"
	}
	return k[:8] + "****" + k[len(k)-4:]
}
