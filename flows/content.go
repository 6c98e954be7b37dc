package flows

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// Content is one immutable, published version of what staff configure: the
// traveller-facing texts of every flow in every language, and the business rules.
// The flow graphs themselves are code; content is data (DESIGN decision 1).
type Content struct {
	Version int `json:"-"`
	// Messages maps language → message key → template. Templates use named
	// placeholders in braces: "Hello {name}".
	Messages map[domain.Lang]map[string]string `json:"messages"`
	Rules    Rules                             `json:"rules"`
	// Articles are the knowledge articles per language, the only source of
	// policy answers (flows/knowledge.go).
	Articles map[domain.Lang][]Article `json:"articles,omitempty"`
}

// Rules are the business rules staff can tune.
type Rules struct {
	// SeatChoice lets travellers pick a seat from the seat map during check-in.
	SeatChoice bool `json:"seat_choice"`
	// MaxLookupFailures failed booking look-ups within LookupWindowMinutes lock a
	// traveller out of look-ups for the rest of that window.
	MaxLookupFailures   int `json:"max_lookup_failures"`
	LookupWindowMinutes int `json:"lookup_window_minutes"`
	// AirlineName is shown in greetings.
	AirlineName string `json:"airline_name"`
	// Templates are the approved templates used where a channel's policy forbids
	// free-form messages.
	Templates []TemplateRule `json:"templates,omitempty"`
	// Notify are the rules of proactive flight updates; nil means the defaults.
	Notify *domain.NotifyRules `json:"notify,omitempty"`
	// Rebook are the limits of rebooking after a disruption and the EU 261 notice
	// settings; nil means the defaults.
	Rebook *RebookRules `json:"rebook,omitempty"`
	// Timeouts remind and then end flows a traveller abandoned; nil means the
	// defaults.
	Timeouts *Timeouts `json:"timeouts,omitempty"`
}

// RebookRules are the airline's limits for rebooking disrupted travellers and what
// they are told about their rights.
type RebookRules struct {
	// DaysBefore and DaysAfter bound the replacement flights offered around the
	// disrupted departure (same city pair).
	DaysBefore int `json:"days_before"`
	DaysAfter  int `json:"days_after"`
	// EUCarriers are the airline codes licensed in the EU: on them, arrivals in
	// the EU are covered by EU 261 too.
	EUCarriers []string `json:"eu_carriers"`
	// EnforcementBodies maps a departure country (ISO alpha-3) to the national
	// enforcement body's contact sentence; "*" is the fallback. Staff-managed text,
	// quoted as written.
	EnforcementBodies map[string]string `json:"enforcement_bodies"`
}

// DefaultRebookRules are the limits used when content sets none.
// The delay from which rebooking is offered is the notify rules' RebookDelayMinutes.
var DefaultRebookRules = RebookRules{DaysBefore: 1, DaysAfter: 7}

func (r Rules) rebook() RebookRules {
	if r.Rebook == nil {
		return DefaultRebookRules
	}
	return *r.Rebook
}

//go:embed content/*.json
var defaultContent embed.FS

// DefaultContent returns the content shipped with the binary: rules.json and one
// catalogue per language (en.json, fr.json, …), and the knowledge articles
// (articles/<lang>.json). It is published as version 1 of a new database.
func DefaultContent() (Content, error) {
	c := Content{Messages: map[domain.Lang]map[string]string{}}
	entries, err := fs.ReadDir(defaultContent, "content")
	if err != nil {
		return c, fmt.Errorf("default content: %w", err)
	}
	for _, e := range entries {
		b, err := defaultContent.ReadFile(path.Join("content", e.Name()))
		if err != nil {
			return c, fmt.Errorf("default content: %w", err)
		}
		name := strings.TrimSuffix(e.Name(), ".json")
		if name == "rules" {
			if err := json.Unmarshal(b, &c.Rules); err != nil {
				return c, fmt.Errorf("default content %s: %w", e.Name(), err)
			}
			continue
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return c, fmt.Errorf("default content %s: %w", e.Name(), err)
		}
		c.Messages[domain.Lang(name)] = m
	}
	if err := loadDefaultArticles(&c); err != nil {
		return c, err
	}
	return c, nil
}

// MarshalContent encodes content for the store.
func MarshalContent(c Content) ([]byte, error) { return json.Marshal(c) }

// ParseContent decodes a stored content version.
func ParseContent(v domain.ContentVersion) (Content, error) {
	var c Content
	if err := json.Unmarshal(v.Body, &c); err != nil {
		return c, fmt.Errorf("parse content version %d: %w", v.Version, err)
	}
	c.Version = v.Version
	return c, nil
}

// Problem is one reason a content version cannot be published.
type Problem struct {
	Lang    domain.Lang
	Key     string
	Message string
}

func (p Problem) String() string {
	if p.Lang == "" {
		return p.Key + ": " + p.Message
	}
	return string(p.Lang) + "." + p.Key + ": " + p.Message
}

// Validate checks that every message key the flows use exists in every enabled
// language, that each template only uses the placeholders its key provides, and
// that rules are in range.
func (c Content) Validate(langs []domain.Lang) []Problem {
	var out []Problem
	for _, l := range langs {
		m, ok := c.Messages[l]
		if !ok {
			out = append(out, Problem{Lang: l, Key: "*", Message: "no catalogue for this language"})
			continue
		}
		for key, allowed := range messageKeys {
			tpl, ok := m[key]
			if !ok || strings.TrimSpace(tpl) == "" {
				out = append(out, Problem{Lang: l, Key: key, Message: "missing translation"})
				continue
			}
			for _, ph := range placeholders(tpl) {
				if !contains(allowed, ph) {
					out = append(out, Problem{Lang: l, Key: key, Message: fmt.Sprintf("unknown placeholder {%s}", ph)})
				}
			}
		}
	}
	r := c.Rules
	if r.MaxLookupFailures < 1 || r.LookupWindowMinutes < 1 {
		out = append(out, Problem{Key: "rules.lookup", Message: "look-up limits must be positive"})
	}
	if rb := r.Rebook; rb != nil && (rb.DaysBefore < 0 || rb.DaysBefore > 7 || rb.DaysAfter < 1 || rb.DaysAfter > 30) {
		out = append(out, Problem{Key: "rules.rebook", Message: "rebooking limits out of range (days before 0–7, days after 1–30)"})
	}
	if r.Timeouts != nil {
		for _, p := range r.Timeouts.validate() {
			out = append(out, Problem{Key: "rules.timeouts", Message: p})
		}
	}
	if r.Notify != nil {
		for _, p := range r.Notify.Validate() {
			out = append(out, Problem{Key: "rules.notify", Message: p})
		}
	}
	out = append(out, c.validateArticles(langs)...)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func placeholders(tpl string) []string {
	var out []string
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, tpl[i+1:i+j])
		tpl = tpl[i+j+1:]
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// Text renders a message in a language, falling back to English and then to the key
// itself so that a missing translation never breaks a conversation.
func (c Content) Text(lang domain.Lang, key string, args map[string]string) string {
	tpl, ok := c.Messages[lang][key]
	if !ok {
		tpl, ok = c.Messages[domain.DefaultLang][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return tpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		b.WriteString(tpl[:i])
		name := tpl[i+1 : i+j]
		if v, ok := args[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(tpl[i : i+j+1])
		}
		tpl = tpl[i+j+1:]
	}
}
