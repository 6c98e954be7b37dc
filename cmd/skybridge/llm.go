package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/llm"
	"github.com/skybridge/skybridge/integrations/nlu"
	"github.com/skybridge/skybridge/integrations/telemetry"
)

var (
	_ flows.Understander        = (*llm.Understander)(nil)
	_ flows.ContextUnderstander = (*llm.Understander)(nil)
	_ llm.Classifier            = (*nlu.Classifier)(nil)
)

// LLMConfig is the optional OpenAI-compatible endpoint asked when the
// built-in classifier is unsure. Off when URL is empty.
type LLMConfig struct {
	URL     string        // SKYBRIDGE_LLM_URL, the API root (…/v1); empty: off
	Model   string        // SKYBRIDGE_LLM_MODEL, required with a URL
	Key     string        // SKYBRIDGE_LLM_KEY, bearer token, optional (local servers need none)
	Timeout time.Duration // SKYBRIDGE_LLM_TIMEOUT, default 2s
}

// Enabled reports whether the endpoint is configured.
func (c LLMConfig) Enabled() bool { return c.URL != "" }

// llmMaxTimeout leaves a turn (5 s) time for the booking system after the
// endpoint gave up.
const llmMaxTimeout = 4 * time.Second

func loadLLM(getenv func(string) string) (LLMConfig, []string) {
	c := LLMConfig{
		URL:   strings.TrimRight(strings.TrimSpace(getenv("SKYBRIDGE_LLM_URL")), "/"),
		Model: strings.TrimSpace(getenv("SKYBRIDGE_LLM_MODEL")),
		Key:   strings.TrimSpace(getenv("SKYBRIDGE_LLM_KEY")),
	}
	var problems []string
	t := or(getenv("SKYBRIDGE_LLM_TIMEOUT"), llm.DefaultTimeout.String())
	d, err := time.ParseDuration(t)
	if err != nil || d < 100*time.Millisecond || d > llmMaxTimeout {
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_LLM_TIMEOUT: %q is not a duration from 100ms to %s", t, llmMaxTimeout))
	}
	c.Timeout = d
	if c.URL == "" {
		return c, problems
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.User != nil {
		// The key goes in SKYBRIDGE_LLM_KEY, never in the URL, which is printed.
		problems = append(problems, fmt.Sprintf("SKYBRIDGE_LLM_URL: want the API root as an http(s) URL without credentials or query, e.g. https://api.openai.com/v1, got %q", redactedURL(c.URL)))
	}
	if c.Model == "" {
		problems = append(problems, "SKYBRIDGE_LLM_MODEL: required with SKYBRIDGE_LLM_URL")
	}
	return c, problems
}

// redactedURL prints a URL without its credentials.
func redactedURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable)"
	}
	if u.User != nil {
		u.User = url.User("*****")
	}
	return u.String()
}

// newUnderstander returns what reads travellers' messages: the built-in
// classifier, backed up by the endpoint when one is configured. m, when not
// nil, counts the endpoint's calls by outcome and shows its circuit.
func newUnderstander(cfg LLMConfig, c llm.Classifier, m *telemetry.Metrics, log *slog.Logger) (flows.Understander, *llm.Understander, error) {
	if !cfg.Enabled() {
		return c, nil, nil
	}
	var onState func(name, state string)
	var observe func(string, time.Duration)
	if m != nil {
		onState = m.BreakerState
		calls := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "skybridge",
			Name:    "llm_call_seconds",
			Help:    "Requests to the OpenAI-compatible endpoint when the classifier is unsure, by outcome (accepted, rejected, invalid, error, timeout, open).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 4},
		}, []string{"outcome"})
		if err := m.Registry().Register(calls); err != nil {
			return nil, nil, fmt.Errorf("llm metrics: %w", err)
		}
		observe = func(outcome string, took time.Duration) { calls.WithLabelValues(outcome).Observe(took.Seconds()) }
	}
	client, err := llm.New(llm.Config{URL: cfg.URL, Model: cfg.Model, Key: cfg.Key, Timeout: cfg.Timeout,
		Normalize: nluNormalizer(c), OnStateChange: onState, Log: log})
	if err != nil {
		return nil, nil, err
	}
	u := llm.NewUnderstander(c, client, llm.UnderstanderConfig{Observe: observe, Log: log})
	return u, u, nil
}

// nluNormalizer re-reads a value the endpoint reported with the built-in
// extractor: it must read the whole value as one entity of the type.
func nluNormalizer(c llm.Classifier) llm.Normalizer {
	return func(t domain.EntityType, value string, lang domain.Lang) (string, bool) {
		for _, e := range c.Understand(value, lang).Entities {
			if e.Type == t && strings.EqualFold(strings.TrimSpace(e.Text), strings.TrimSpace(value)) {
				return e.Normalized, true
			}
		}
		return "", false
	}
}
