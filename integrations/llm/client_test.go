package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/llm/llmfake"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testNormalizer stands in for the built-in normalisers: it knows a few
// values of each type.
func testNormalizer(t domain.EntityType, value string, _ domain.Lang) (string, bool) {
	known := map[domain.EntityType]map[string]string{
		domain.EntityDate:    {"tomorrow": "2026-11-27", "friday": "2026-11-27", "2026-12-05": "2026-12-05"},
		domain.EntityAirport: {"paris": "CDG,ORY", "amsterdam": "AMS"},
		domain.EntityFlight:  {"kl1234": "KL1234", "kl 1234": "KL1234"},
		domain.EntityNumber:  {"2": "2", "two": "2"},
		domain.EntitySeat:    {"14c": "14C"},
		domain.EntityTime:    {"morning": "morning"},
	}
	n, ok := known[t][strings.ToLower(value)]
	return n, ok
}

type setup struct {
	fake   *llmfake.Server
	server *httptest.Server
	client *Client
}

func newSetup(t testing.TB, cfg Config) setup {
	t.Helper()
	fake := llmfake.New()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL + "/v1/"
	if cfg.Model == "" {
		cfg.Model = "test-model"
	}
	if cfg.Normalize == nil {
		cfg.Normalize = testNormalizer
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return setup{fake: fake, server: srv, client: c}
}

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{URL: "", Model: "m"},
		{URL: "ftp://host/v1", Model: "m"},
		{URL: "http:///v1", Model: "m"},
		{URL: "https://host/v1?x=1", Model: "m"},
		{URL: "https://host/v1", Model: " "},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// The request is the OpenAI chat-completions format: model, a system and a
// user message, temperature 0, a strict JSON schema; the key as a bearer token.
func TestRequestWireFormat(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{Key: "sk-test-key", Model: "gpt-test"})
	s.fake.Push(llmfake.Answer("change_flight", 0.9, llmfake.Entity{Type: "date", Value: "tomorrow"}))
	// The golden body shows the personal data withheld.
	a, err := s.client.Classify(context.Background(), Message{Text: "move me to tomorrow please, booking QX7P2L, call me on +31 6 1234 5678", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Intent != domain.IntentChangeFlight || a.Confidence != 0.9 {
		t.Fatalf("answer %+v", a)
	}
	reqs := s.fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	if reqs[0].Authorization != "Bearer sk-test-key" {
		t.Errorf("Authorization %q", reqs[0].Authorization)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, reqs[0].Body, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteString("\n")
	golden := filepath.Join("testdata", "request.golden.json")
	if *update {
		if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("request body differs from %s (run with -update after checking):\n%s", golden, pretty.String())
	}
	// The schema lists every intent of the built-in classifier and "none".
	var body struct {
		Temperature    *float64 `json:"temperature"`
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Strict bool `json:"strict"`
				Schema struct {
					Properties struct {
						Intent struct {
							Enum []string `json:"enum"`
						} `json:"intent"`
					} `json:"properties"`
				} `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Temperature == nil || *body.Temperature != 0 || body.ResponseFormat.Type != "json_schema" || !body.ResponseFormat.JSONSchema.Strict {
		t.Errorf("request options %+v", body)
	}
	if got := len(body.ResponseFormat.JSONSchema.Schema.Properties.Intent.Enum); got != len(domain.Intents)+1 {
		t.Errorf("schema has %d intents, want %d and none", got, len(domain.Intents))
	}
}

func TestNoKeyNoAuthorization(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{})
	if _, err := s.client.Classify(context.Background(), Message{Text: "hello there friend"}); err != nil {
		t.Fatal(err)
	}
	if got := s.fake.Requests()[0].Authorization; got != "" {
		t.Errorf("Authorization %q sent without a key", got)
	}
}

// A server that only knows "json_object" gets it after one 400, and at once
// from then on.
func TestFallsBackToJSONObject(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{})
	s.fake.RejectJSONSchema = true
	s.fake.Push(llmfake.Answer("flight_status", 0.8), llmfake.Answer("question", 0.7))
	a, err := s.client.Classify(context.Background(), Message{Text: "is my plane on time today"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Intent != domain.IntentFlightStatus {
		t.Errorf("intent %q", a.Intent)
	}
	if _, err := s.client.Classify(context.Background(), Message{Text: "can I take my dog along"}); err != nil {
		t.Fatal(err)
	}
	var formats []string
	for _, r := range s.fake.Requests() {
		formats = append(formats, r.Format)
	}
	if strings.Join(formats, ",") != "json_schema,json_object,json_object" {
		t.Errorf("formats %v, want json_schema then json_object twice", formats)
	}
}

func TestRetriesOnceOnTransientFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		replies  []llmfake.Reply
		requests int
		status   int // of the error; 0: success
	}{
		{"500 then answer", []llmfake.Reply{{Status: 500}, llmfake.Answer("help", 0.9)}, 2, 0},
		{"429 then answer", []llmfake.Reply{{Status: 429}, llmfake.Answer("help", 0.9)}, 2, 0},
		{"503 twice", []llmfake.Reply{{Status: 503}, {Status: 503}, llmfake.Answer("help", 0.9)}, 2, 503},
		{"401 not retried", []llmfake.Reply{{Status: 401}, llmfake.Answer("help", 0.9)}, 1, 401},
		{"404 not retried", []llmfake.Reply{{Status: 404}, llmfake.Answer("help", 0.9)}, 1, 404},
		// A Retry-After beyond the timeout is not waited for.
		{"429 retry after 30s", []llmfake.Reply{{Status: 429, RetryAfter: 30}, llmfake.Answer("help", 0.9)}, 1, 429},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, Config{})
			s.fake.Push(tc.replies...)
			a, err := s.client.Classify(context.Background(), Message{Text: "what can you do for me"})
			if got := len(s.fake.Requests()); got != tc.requests {
				t.Errorf("%d requests, want %d", got, tc.requests)
			}
			if tc.status == 0 {
				if err != nil || a.Intent != domain.IntentHelp {
					t.Errorf("answer %+v, err %v", a, err)
				}
				return
			}
			var se *StatusError
			if !errors.As(err, &se) || se.Status != tc.status {
				t.Errorf("err %v, want status %d", err, tc.status)
			}
		})
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{Timeout: 150 * time.Millisecond})
	s.fake.Push(llmfake.Reply{Delay: 3 * time.Second, Content: llmfake.Verdict("help", 0.9)})
	start := time.Now()
	_, err := s.client.Classify(context.Background(), Message{Text: "what can you do for me"})
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want a deadline", err)
	}
	if took > time.Second {
		t.Errorf("took %v with a 150ms timeout", took)
	}
	// The caller's own, shorter deadline (the turn budget) wins too.
	s.fake.Push(llmfake.Reply{Delay: 3 * time.Second, Content: llmfake.Verdict("help", 0.9)})
	s2 := newSetup(t, Config{Timeout: 5 * time.Second})
	s2.fake.Push(llmfake.Reply{Delay: 3 * time.Second, Content: llmfake.Verdict("help", 0.9)})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := s2.client.Classify(ctx, Message{Text: "what can you do for me"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want a deadline", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v within a 100ms turn budget", took)
	}
}

// After TripAfter failed calls the endpoint is not called any more: a dead
// endpoint costs a traveller nothing.
func TestBreakerOpensOnADeadEndpoint(t *testing.T) {
	t.Parallel()
	var states []string
	s := newSetup(t, Config{TripAfter: 3, OpenFor: time.Minute, OnStateChange: func(_, st string) { states = append(states, st) }})
	s.fake.Answer = func(string) llmfake.Reply { return llmfake.Reply{Status: 500} }
	for i := 0; i < 3; i++ {
		if _, err := s.client.Classify(context.Background(), Message{Text: "what can you do for me"}); err == nil {
			t.Fatal("a 500 succeeded")
		}
	}
	asked := len(s.fake.Requests())
	if asked != 6 { // each call and its one retry
		t.Errorf("%d requests for 3 calls, want 6", asked)
	}
	start := time.Now()
	_, err := s.client.Classify(context.Background(), Message{Text: "what can you do for me"})
	if !errors.Is(err, ErrOpen) {
		t.Errorf("err %v, want ErrOpen", err)
	}
	if time.Since(start) > 50*time.Millisecond || len(s.fake.Requests()) != asked {
		t.Errorf("an open circuit still called the endpoint")
	}
	if s.client.State() != "open" || strings.Join(states, ",") != "open" {
		t.Errorf("state %s, changes %v", s.client.State(), states)
	}
}

// A model that answers nonsense is the model's fault, not the endpoint's: it
// does not open the circuit.
func TestInvalidAnswersDoNotTripTheBreaker(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{TripAfter: 2})
	s.fake.Answer = func(string) llmfake.Reply { return llmfake.Reply{Content: "Sure! The intent is check_in."} }
	for i := 0; i < 4; i++ {
		if _, err := s.client.Classify(context.Background(), Message{Text: "what can you do for me"}); !errors.Is(err, ErrInvalid) {
			t.Fatalf("err %v, want ErrInvalid", err)
		}
	}
	if s.client.State() != "closed" {
		t.Errorf("state %s", s.client.State())
	}
}

func TestBrokenEnvelope(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{})
	s.fake.Push(llmfake.Reply{Raw: `<html>gateway</html>`}, llmfake.Reply{Raw: `{"choices":[]}`})
	for i := 0; i < 2; i++ {
		_, err := s.client.Classify(context.Background(), Message{Text: "what can you do for me"})
		if err == nil || errors.Is(err, ErrInvalid) {
			t.Errorf("answer %d: err %v, want an endpoint error", i, err)
		}
	}
}
