// Package llmfake is a chat-completions server for tests and local runs: it
// speaks the OpenAI wire format, answers what it is told, and can fail the
// ways real endpoints fail (429, 500, slow answers, malformed JSON, intents
// outside the schema).
package llmfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Reply is one scripted answer.
type Reply struct {
	// Status, when not 0 or 200, is sent with an OpenAI-style error body.
	Status int
	// RetryAfter, in seconds, is sent as the Retry-After header.
	RetryAfter int
	// Delay is waited before answering (or until the client gives up).
	Delay time.Duration
	// Content is the assistant message's content, sent as is: a verdict from
	// Verdict, or anything malformed.
	Content string
	// Raw, when set, is the whole response body instead of a chat completion.
	Raw string
}

// Entity is a value of a verdict.
type Entity struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// Verdict builds the content of a well-formed answer.
func Verdict(intent string, confidence float64, entities ...Entity) string {
	if entities == nil {
		entities = []Entity{}
	}
	b, err := json.Marshal(struct {
		Intent     string   `json:"intent"`
		Confidence float64  `json:"confidence"`
		Entities   []Entity `json:"entities"`
	}{intent, confidence, entities})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// Answer is a 200 reply with a verdict.
func Answer(intent string, confidence float64, entities ...Entity) Reply {
	return Reply{Content: Verdict(intent, confidence, entities...)}
}

// Request is one request the server received.
type Request struct {
	Authorization string
	Body          []byte
	// Format is response_format.type: "json_schema" or "json_object".
	Format string
	// User is the content of the last user message: what was classified.
	User string
}

// Server is the fake endpoint. Serve it with httptest.NewServer(s) and point
// the client at the server's URL + "/v1". The zero value answers "none".
type Server struct {
	// Key, when set, is the bearer token required (401 otherwise).
	Key string
	// RejectJSONSchema answers 400 to a "json_schema" response format, as
	// servers that know only "json_object" do.
	RejectJSONSchema bool
	// Answer, when set, answers the requests the queue does not.
	Answer func(user string) Reply

	mu       sync.Mutex
	queue    []Reply
	requests []Request
}

// New returns a server.
func New() *Server { return &Server{} }

// Push queues replies, answered in order before Answer is asked.
func (s *Server) Push(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, r...)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

type chatRequest struct {
	Model          string `json:"model"`
	ResponseFormat struct {
		Type string `json:"type"`
	} `json:"response_format"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// ServeHTTP answers POST …/chat/completions.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var req chatRequest
	if err != nil || json.Unmarshal(body, &req) != nil || req.Model == "" || len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid request body")
		return
	}
	rec := Request{Authorization: r.Header.Get("Authorization"), Body: body, Format: req.ResponseFormat.Type}
	for _, m := range req.Messages {
		if m.Role == "user" {
			rec.User = m.Content
		}
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
	if s.Key != "" && rec.Authorization != "Bearer "+s.Key {
		writeError(w, http.StatusUnauthorized, "incorrect API key")
		return
	}
	if s.RejectJSONSchema && rec.Format == "json_schema" {
		writeError(w, http.StatusBadRequest, "response_format json_schema is not supported")
		return
	}
	s.mu.Lock()
	var reply Reply
	switch {
	case len(s.queue) > 0:
		reply, s.queue = s.queue[0], s.queue[1:]
	case s.Answer != nil:
		reply = s.Answer(rec.User)
	default:
		reply = Answer("none", 0.5)
	}
	s.mu.Unlock()
	if reply.Delay > 0 {
		select {
		case <-time.After(reply.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if reply.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(reply.RetryAfter))
	}
	if reply.Status != 0 && reply.Status != http.StatusOK {
		writeError(w, reply.Status, http.StatusText(reply.Status))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if reply.Raw != "" {
		fmt.Fprint(w, reply.Raw)
		return
	}
	resp := map[string]any{
		"id": "chatcmpl-fake", "object": "chat.completion", "model": req.Model,
		"choices": []any{map[string]any{
			"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": reply.Content},
		}},
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error"}})
}
