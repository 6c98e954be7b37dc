package flows_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/llm"
	"github.com/skybridge/skybridge/integrations/llm/llmfake"
	"github.com/skybridge/skybridge/integrations/pss"
)

// scripted reads the given messages as given and every other one with the
// built-in classifier, so that these conversations do not depend on the
// training data of the day.
func scripted(t *testing.T, readings map[string]domain.Understanding) llm.Classifier {
	c := sharedClassifier(t)
	return flows.UnderstanderFunc(func(text string, hint domain.Lang) domain.Understanding {
		if u, ok := readings[text]; ok {
			return u
		}
		return c.Understand(text, hint)
	})
}

// newSecondOpinionHarness runs the engine with the built-in classifier backed
// up by a fake OpenAI-compatible endpoint.
func newSecondOpinionHarness(t *testing.T, builtin llm.Classifier) (*harness, *llmfake.Server) {
	t.Helper()
	h := newHarness(t, dbtest.SQLite(t))
	fake := llmfake.New()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	client, err := llm.New(llm.Config{URL: srv.URL + "/v1", Model: "test", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	demo := pss.NewDemo(h.db, h.sealer, h.clock.Now)
	pay := newPayFake()
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: llm.NewUnderstander(builtin, client, llm.UnderstanderConfig{}),
		Bookings: demo, Now: h.clock.Now, Log: testLogger(t), Ancillaries: demo, Changes: demo, Payments: pay, Ledger: pay,
		Statuses: h.store})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return h, fake
}

const (
	moveMessage = "can I move my booking to another day"
	seatMessage = "I would like to sit somewhere else"
	bagsMessage = "my bags never showed up at the belt"
)

var secondOpinionReadings = map[string]domain.Understanding{
	moveMessage: {Lang: "en", LangConfidence: 1, Confidence: 0.17, Unsure: true,
		Alternatives: []domain.Intent{domain.IntentChangeFlight, domain.IntentCancel, domain.IntentQuestion}},
	seatMessage: {Lang: "en", LangConfidence: 1, Confidence: 0.14, Unsure: true,
		Alternatives: []domain.Intent{domain.IntentChooseSeat, domain.IntentHuman, domain.IntentHelp}},
	bagsMessage: {Lang: "en", LangConfidence: 1, Confidence: 0.9},
}

// An unsure message is settled by the endpoint: the change flow starts (and
// asks for the booking, as it always does) instead of a clarifying question.
func TestSecondOpinionSettlesAnUnsureMessage(t *testing.T) {
	t.Parallel()
	h, fake := newSecondOpinionHarness(t, scripted(t, secondOpinionReadings))
	fake.Push(llmfake.Answer("change_flight", 0.95))
	tr := h.traveller("unsure")
	out := tr.say(moveMessage)
	expect(t, out, "Let's look at changing your flight", "booking reference")
	expectNot(t, out, "Did you mean one of these")
	if c := tr.state(); c.Flow != "change" {
		t.Errorf("flow %q, want change", c.Flow)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests to the endpoint, want 1", n)
	}

	// A confident message never leaves: the check-in starts at once.
	tr2 := h.traveller("confident")
	expect(t, tr2.say("I want to check in"), "booking reference")
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests to the endpoint after a confident message, want still 1", n)
	}
}

// The endpoint cannot start a transaction the classifier did not consider:
// the assistant asks, as it would have without it.
func TestSecondOpinionCannotStartACancellation(t *testing.T) {
	t.Parallel()
	h, fake := newSecondOpinionHarness(t, scripted(t, secondOpinionReadings))
	fake.Answer = func(string) llmfake.Reply { return llmfake.Answer("cancel_booking", 0.99) }

	tr := h.traveller("seat")
	out := tr.say(seatMessage)
	expect(t, out, "Did you mean one of these", "Choose a seat")
	expectNot(t, out, "Cancel booking", "booking reference")
	if c := tr.state(); c.Flow != "" {
		t.Errorf("flow %q started on the endpoint's word", c.Flow)
	}

	tr2 := h.traveller("bags")
	out = tr2.say(bagsMessage)
	expect(t, out, "didn't understand")
	expectNot(t, out, "booking reference")
	if c := tr2.state(); c.Flow != "" {
		t.Errorf("flow %q started on the endpoint's word", c.Flow)
	}
	if n := len(fake.Requests()); n != 2 {
		t.Errorf("%d requests to the endpoint, want 2", n)
	}
}

// A failing endpoint changes nothing for the traveller.
func TestSecondOpinionEndpointDown(t *testing.T) {
	t.Parallel()
	h, fake := newSecondOpinionHarness(t, scripted(t, secondOpinionReadings))
	fake.Answer = func(string) llmfake.Reply { return llmfake.Reply{Status: 503} }
	tr := h.traveller("down")
	out := tr.say(moveMessage)
	expect(t, out, "Did you mean one of these", "Cancel booking")
	if !strings.Contains(transcript(out), "intent:change_flight") {
		t.Errorf("the clarifying question lacks the change choice:\n%s", transcript(out))
	}
}
