package llm

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/llm/llmfake"
)

type classifierFunc func(text string, hint domain.Lang) domain.Understanding

func (f classifierFunc) Understand(text string, hint domain.Lang) domain.Understanding {
	return f(text, hint)
}

// fixed is a built-in classifier that reads every message the same way.
func fixed(u domain.Understanding) Classifier {
	return classifierFunc(func(string, domain.Lang) domain.Understanding { return u })
}

type outcomes struct {
	mu  sync.Mutex
	got []string
}

func (o *outcomes) observe(outcome string, _ time.Duration) {
	o.mu.Lock()
	o.got = append(o.got, outcome)
	o.mu.Unlock()
}

func (o *outcomes) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.got)
}

var (
	unsureChange = domain.Understanding{Lang: "en", Intent: domain.IntentNone, Confidence: 0.17, Unsure: true,
		Alternatives: []domain.Intent{domain.IntentChangeFlight, domain.IntentCancel, domain.IntentQuestion}}
	unsureSeat = domain.Understanding{Lang: "en", Intent: domain.IntentNone, Confidence: 0.14, Unsure: true,
		Alternatives: []domain.Intent{domain.IntentChooseSeat, domain.IntentHuman, domain.IntentHelp}}
	noneAtAll = domain.Understanding{Lang: "en", Intent: domain.IntentNone, Confidence: 0.9,
		Entities: []domain.Entity{{Type: domain.EntityAirport, Text: "Paris", Normalized: "CDG,ORY"}}}
	confident     = domain.Understanding{Lang: "en", Intent: domain.IntentCheckIn, Confidence: 0.8}
	withReference = domain.Understanding{Lang: "en", Confidence: 0.9, Entities: []domain.Entity{
		{Type: domain.EntityLocator, Text: "QX7P2L", Normalized: "QX7P2L"}, {Type: domain.EntitySurname, Text: "jansen", Normalized: "jansen"}}}
	withFlight = domain.Understanding{Lang: "en", Confidence: 0.9, Entities: []domain.Entity{
		{Type: domain.EntityFlight, Text: "KL1234", Normalized: "KL1234"}, {Type: domain.EntityLocator, Text: "KL1234", Normalized: "KL1234"},
		{Type: domain.EntityDocument, Text: "KL1234", Normalized: "KL1234"}}}
)

// The rule of the second opinion, case by case.
func TestSecondOpinionRule(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		first   domain.Understanding
		text    string
		reply   llmfake.Reply
		asked   bool
		intent  domain.Intent
		source  Source
		outcome string
	}{
		{"unsure, picks among the alternatives", unsureChange, "can I move my booking to another day",
			llmfake.Answer("change_flight", 0.93), true, domain.IntentChangeFlight, SourceLLM, OutcomeAccepted},
		{"transactional below its threshold", unsureChange, "can I move my booking to another day",
			llmfake.Answer("change_flight", 0.8), true, domain.IntentNone, SourceBuiltin, OutcomeRejected},
		{"transactional outside the alternatives", unsureSeat, "I would like to sit somewhere else",
			llmfake.Answer("cancel_booking", 0.99), true, domain.IntentNone, SourceBuiltin, OutcomeRejected},
		{"purchase outside the alternatives", unsureChange, "can I move my booking to another day",
			llmfake.Answer("extras", 0.99), true, domain.IntentNone, SourceBuiltin, OutcomeRejected},
		{"yes confirms, so it needs the same", unsureSeat, "yeah sure go ahead then",
			llmfake.Answer("yes", 0.99), true, domain.IntentNone, SourceBuiltin, OutcomeRejected},
		{"non-transactional outside the alternatives", unsureChange, "can I move my booking to another day",
			llmfake.Answer("flight_status", 0.7), true, domain.IntentFlightStatus, SourceLLM, OutcomeAccepted},
		{"low confidence", unsureSeat, "I would like to sit somewhere else",
			llmfake.Answer("human", 0.4), true, domain.IntentNone, SourceBuiltin, OutcomeRejected},
		{"none decides nothing", unsureSeat, "I would like to sit somewhere else",
			llmfake.Answer("none", 0.99), true, domain.IntentNone, SourceBuiltin, OutcomeRejected},
		{"resume is a button only", unsureSeat, "I would like to sit somewhere else",
			llmfake.Answer("resume", 0.99), true, domain.IntentNone, SourceBuiltin, OutcomeRejected},
		{"no intent in a sentence", noneAtAll, "what is happening with my trip to Paris",
			llmfake.Answer("flight_status", 0.85), true, domain.IntentFlightStatus, SourceLLM, OutcomeAccepted},
		{"no intent, a change claimed", noneAtAll, "I want to go to Paris tomorrow instead",
			llmfake.Answer("change_flight", 0.99), true, domain.IntentNone, SourceBuiltin, OutcomeRejected},
		{"a short answer is not sent", noneAtAll, "Paris please",
			llmfake.Answer("flight_status", 0.99), false, domain.IntentNone, SourceBuiltin, ""},
		{"an answer carrying a reference is not sent", withReference, "my booking is QX7P2L and my name is jansen",
			llmfake.Answer("check_in", 0.99), false, domain.IntentNone, SourceBuiltin, ""},
		{"a flight number is no reference", withFlight, "what is going on with KL1234 today",
			llmfake.Answer("flight_status", 0.9), true, domain.IntentFlightStatus, SourceLLM, OutcomeAccepted},
		{"a confident reading is not sent", confident, "I want to check in for my flight",
			llmfake.Answer("cancel_booking", 0.99), false, domain.IntentCheckIn, SourceBuiltin, ""},
		{"invalid answer", unsureChange, "can I move my booking to another day",
			llmfake.Reply{Content: `{"intent":"change_flight"}`}, true, domain.IntentNone, SourceBuiltin, OutcomeInvalid},
		{"endpoint error", unsureChange, "can I move my booking to another day",
			llmfake.Reply{Status: 401}, true, domain.IntentNone, SourceBuiltin, OutcomeError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, Config{})
			s.fake.Push(tc.reply)
			var o outcomes
			u := NewUnderstander(fixed(tc.first), s.client, UnderstanderConfig{Observe: o.observe})
			got, src := u.Decide(context.Background(), tc.text, "en")
			if asked := len(s.fake.Requests()) > 0; asked != tc.asked {
				t.Errorf("asked %v, want %v", asked, tc.asked)
			}
			if got.Intent != tc.intent || src != tc.source {
				t.Errorf("intent %q from %s, want %q from %s", got.Intent, src, tc.intent, tc.source)
			}
			if src == SourceBuiltin && !equalUnderstanding(got, tc.first) {
				t.Errorf("built-in result changed: %+v, was %+v", got, tc.first)
			}
			if src == SourceLLM && (got.Unsure || got.Alternatives != nil || got.Confidence < 0.6) {
				t.Errorf("taken answer %+v", got)
			}
			want := []string{}
			if tc.outcome != "" {
				want = []string{tc.outcome}
			}
			if got := o.list(); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("outcomes %v, want %v", got, want)
			}
		})
	}
}

func equalUnderstanding(a, b domain.Understanding) bool {
	return a.Lang == b.Lang && a.Intent == b.Intent && a.Confidence == b.Confidence && a.Unsure == b.Unsure &&
		slices.Equal(a.Alternatives, b.Alternatives) && slices.Equal(a.Entities, b.Entities)
}

// A taken answer keeps the built-in values and adds the endpoint's new ones.
func TestSecondOpinionMergesEntities(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{})
	s.fake.Push(llmfake.Answer("flight_status", 0.9,
		llmfake.Entity{Type: "airport", Value: "Paris"}, llmfake.Entity{Type: "date", Value: "tomorrow"}))
	u := NewUnderstander(fixed(noneAtAll), s.client, UnderstanderConfig{})
	got, src := u.Decide(context.Background(), "what is happening with my trip to Paris tomorrow", "en")
	if src != SourceLLM {
		t.Fatalf("source %s", src)
	}
	want := []domain.Entity{
		{Type: domain.EntityAirport, Text: "Paris", Normalized: "CDG,ORY"},
		{Type: domain.EntityDate, Text: "tomorrow", Normalized: "2026-11-27"},
	}
	if !slices.Equal(got.Entities, want) {
		t.Errorf("entities %+v, want %+v", got.Entities, want)
	}
}

// A slow endpoint costs the traveller at most the turn's budget, and the
// built-in reading stands.
func TestSecondOpinionWithinTheTurnBudget(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{Timeout: 5 * time.Second})
	s.fake.Push(llmfake.Reply{Delay: 3 * time.Second, Content: llmfake.Verdict("change_flight", 0.99)})
	var o outcomes
	var logged bytes.Buffer
	u := NewUnderstander(fixed(unsureChange), s.client, UnderstanderConfig{Observe: o.observe,
		Log: slog.New(slog.NewTextHandler(&logged, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	got := u.UnderstandContext(ctx, "can I move my booking QX7P2L to another day", "en")
	if took := time.Since(start); took > time.Second {
		t.Errorf("took %v", took)
	}
	if !got.Unsure || got.Intent != domain.IntentNone {
		t.Errorf("got %+v, want the built-in unsure reading", got)
	}
	if !slices.Equal(o.list(), []string{OutcomeTimeout}) {
		t.Errorf("outcomes %v", o.list())
	}
	if !strings.Contains(logged.String(), "outcome=timeout") || strings.Contains(logged.String(), "QX7P2L") ||
		strings.Contains(logged.String(), "another day") {
		t.Errorf("log %q: want the outcome, never the message", logged.String())
	}
}

// With the circuit open the built-in reading is used at once.
func TestSecondOpinionCircuitOpen(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{TripAfter: 1, OpenFor: time.Minute})
	s.fake.Answer = func(string) llmfake.Reply { return llmfake.Reply{Status: 500} }
	var o outcomes
	u := NewUnderstander(fixed(unsureChange), s.client, UnderstanderConfig{Observe: o.observe})
	for i := 0; i < 3; i++ {
		if got, src := u.Decide(context.Background(), "can I move my booking to another day", "en"); src != SourceBuiltin || !got.Unsure {
			t.Fatalf("got %+v from %s", got, src)
		}
	}
	if !slices.Equal(o.list(), []string{OutcomeError, OutcomeOpen, OutcomeOpen}) {
		t.Errorf("outcomes %v", o.list())
	}
	if n := len(s.fake.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 (one call and its retry)", n)
	}
}
