package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/llm"
	"github.com/skybridge/skybridge/integrations/llm/llmfake"
	"github.com/skybridge/skybridge/integrations/nlu"
	"github.com/skybridge/skybridge/integrations/telemetry"
)

func TestLLMConfig(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.LLM.Enabled() || c.LLM.Timeout != 2*time.Second {
		t.Errorf("default %+v, want off with a 2s timeout", c.LLM)
	}

	c, err = LoadConfig(env(map[string]string{"SKYBRIDGE_LLM_URL": "https://llm.example.com/v1/", "SKYBRIDGE_LLM_MODEL": "small-model",
		"SKYBRIDGE_LLM_KEY": "sk-s3cret-key", "SKYBRIDGE_LLM_TIMEOUT": "1500ms"}))
	if err != nil {
		t.Fatal(err)
	}
	if !c.LLM.Enabled() || c.LLM.URL != "https://llm.example.com/v1" || c.LLM.Timeout != 1500*time.Millisecond {
		t.Errorf("configured %+v", c.LLM)
	}
	out := c.String()
	if strings.Contains(out, "s3cret") || !strings.Contains(out, "SKYBRIDGE_LLM_KEY=*****") ||
		!strings.Contains(out, "SKYBRIDGE_LLM_MODEL=small-model") {
		t.Errorf("printed configuration:\n%s", out)
	}

	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"no model", map[string]string{"SKYBRIDGE_LLM_URL": "https://llm.example.com/v1"}, "SKYBRIDGE_LLM_MODEL: required"},
		{"not a URL", map[string]string{"SKYBRIDGE_LLM_URL": "llm.example.com", "SKYBRIDGE_LLM_MODEL": "m"}, "SKYBRIDGE_LLM_URL"},
		{"credentials in the URL", map[string]string{"SKYBRIDGE_LLM_URL": "https://user:pw-s3cret@llm.example.com/v1", "SKYBRIDGE_LLM_MODEL": "m"}, "without credentials"},
		{"timeout too long", map[string]string{"SKYBRIDGE_LLM_TIMEOUT": "10s"}, "SKYBRIDGE_LLM_TIMEOUT"},
		{"timeout not a duration", map[string]string{"SKYBRIDGE_LLM_TIMEOUT": "fast"}, "SKYBRIDGE_LLM_TIMEOUT"},
	} {
		_, err := LoadConfig(env(tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error prints a secret: %v", tc.name, err)
		}
	}
}

// The endpoint's values are re-read by the built-in extractor: a value of
// another type, or only partly one, is refused.
func TestNLUNormalizer(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c, err := nlu.New([]domain.Lang{"en", "fr"}, nlu.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	norm := nluNormalizer(c)
	for _, tc := range []struct {
		typ   domain.EntityType
		value string
		lang  domain.Lang
		want  string // "": refused
	}{
		{domain.EntityDate, "tomorrow", "en", "2026-11-27"},
		{domain.EntityDate, "vendredi", "fr", "2026-11-27"},
		{domain.EntityFlight, "KL1234", "en", "KL1234"},
		{domain.EntitySeat, "14C", "en", "14C"},
		{domain.EntityAirport, "Amsterdam", "en", "AMS"},
		{domain.EntityDate, "Amsterdam", "en", ""},
		{domain.EntitySeat, "of us", "en", ""},
		{domain.EntityDate, "tomorrow or so", "en", ""},
	} {
		got, ok := norm(tc.typ, tc.value, tc.lang)
		if ok != (tc.want != "") || got != tc.want {
			t.Errorf("%s %q: %q %v, want %q", tc.typ, tc.value, got, ok, tc.want)
		}
	}
}

// With the endpoint configured, `skybridge understand` says who decided. The
// first message is made of no words of any language: the classifier finds no
// intent in it, whatever its training.
func TestUnderstandCommandShowsTheSource(t *testing.T) {
	t.Parallel()
	fake := llmfake.New()
	fake.Key = "sk-test"
	fake.Answer = func(user string) llmfake.Reply {
		if strings.Contains(user, "blorf") {
			return llmfake.Answer("flight_status", 0.9, llmfake.Entity{Type: "date", Value: "vimble"})
		}
		return llmfake.Answer("none", 0.9)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	cfg := Config{Languages: []domain.Lang{"en"}, LLM: LLMConfig{URL: srv.URL + "/v1", Model: "m", Key: "sk-test", Timeout: 2 * time.Second}}
	var out, errs bytes.Buffer
	err := understandCommand(cfg, []string{"--date", "2026-11-26", "blorf zanqu vimble trast", "I want to check in"},
		strings.NewReader(""), &out, &errs)
	if err != nil {
		t.Fatalf("understand: %v (%s)", err, errs.String())
	}
	us := understandLines(t, out.String())
	if len(us) != 2 {
		t.Fatalf("%d lines:\n%s", len(us), out.String())
	}
	if us[0].Intent != "flight_status" || us[0].Source != string(llm.SourceLLM) {
		t.Errorf("unread message: %+v, want flight_status from the llm", us[0])
	}
	for _, e := range us[0].Entities {
		if e.Value == "vimble" && e.Type == "date" {
			t.Errorf("a value the built-in extractor does not read as a date was taken: %+v", e)
		}
	}
	if us[1].Intent != "check_in" || us[1].Source != string(llm.SourceBuiltin) {
		t.Errorf("confident message: %+v, want check_in from the built-in classifier", us[1])
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("%d requests, want 1: a confident reading is not sent", n)
	}
}

type fixedReading domain.Understanding

func (f *fixedReading) Understand(string, domain.Lang) domain.Understanding {
	return domain.Understanding(*f)
}

// The endpoint's calls are counted by outcome on /metrics.
func TestLLMCallsAreCounted(t *testing.T) {
	t.Parallel()
	fake := llmfake.New()
	fake.Push(llmfake.Answer("change_flight", 0.95), llmfake.Answer("cancel_booking", 0.99), llmfake.Reply{Content: "not json"})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	m := telemetry.New()
	unsure := &fixedReading{Lang: "en", Unsure: true, Alternatives: []domain.Intent{domain.IntentChangeFlight, domain.IntentQuestion}}
	nluish, second, err := newUnderstander(LLMConfig{URL: srv.URL + "/v1", Model: "m", Timeout: time.Second}, unsure, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nluish != flows.Understander(second) {
		t.Fatal("the engine would not get the second opinion")
	}
	for range 3 {
		second.Decide(context.Background(), "can I move my booking to another day", "en")
	}
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, f := range families {
		if f.GetName() != "skybridge_llm_call_seconds" {
			continue
		}
		for _, s := range f.GetMetric() {
			got[s.GetLabel()[0].GetValue()] = s.GetHistogram().GetSampleCount()
		}
	}
	if got["accepted"] != 1 || got["rejected"] != 1 || got["invalid"] != 1 {
		t.Errorf("counts %v, want one accepted, one rejected, one invalid", got)
	}

	// Off, the built-in classifier is used as it is.
	plain, second, err := newUnderstander(LLMConfig{}, unsure, m, nil)
	if err != nil || second != nil || plain != flows.Understander(unsure) {
		t.Errorf("off: %v %v %v", plain, second, err)
	}
}

// Masking with the entities the built-in extractor really finds: personal data
// goes, the request stays readable.
func TestMaskWithTheBuiltInExtractor(t *testing.T) {
	t.Parallel()
	c, err := nlu.New([]domain.Lang{"en", "fr"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		text       string
		gone, kept []string
	}{
		{"Please change booking QX7P2L for Pieter Bakker to Friday", []string{"QX7P2L", "Pieter", "Bakker"}, []string{"change booking", "to Friday"}},
		{"my email is jan@example.com and my phone +31 6 1234 5678", []string{"jan@", "example.com", "1234 5678"}, []string{"my email is", "and my phone"}},
		{"passport NX4829103, ticket 074 1234567890", []string{"NX4829103", "1234567890"}, []string{"passport", "ticket"}},
		{"is KL1234 to Paris on time tomorrow morning", nil, []string{"is KL1234 to Paris on time tomorrow morning"}},
		{"I no longer want to travel, my bags never showed up", nil, []string{"I no longer want to travel, my bags never showed up"}},
		{"je voudrais changer mon vol du 12/12 pour Nice, seat 14C", nil, []string{"du 12/12 pour Nice", "seat 14C"}},
	} {
		masked := llm.Mask(tc.text, c.Understand(tc.text, "").Entities)
		for _, g := range tc.gone {
			if strings.Contains(masked, g) {
				t.Errorf("%q → %q: %q still there", tc.text, masked, g)
			}
		}
		for _, k := range tc.kept {
			if !strings.Contains(masked, k) {
				t.Errorf("%q → %q: %q lost", tc.text, masked, k)
			}
		}
	}
}
