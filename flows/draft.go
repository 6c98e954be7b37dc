package flows

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// ChangeKind says how one entry differs between two content versions.
type ChangeKind string

// Change kinds.
const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
)

// Change is one key-level difference between two content versions: a text of one
// language (Lang set) or one rule (Lang empty, Key a path such as
// "rules.notify.kinds.delay.threshold_minutes").
type Change struct {
	Kind ChangeKind
	Lang domain.Lang
	Key  string
	Old  string
	New  string
}

// Diff lists what changed from old to new, texts first (by language, then key),
// then knowledge articles (by language, then articles.ID.field), then rules (by
// path).
func Diff(old, new Content) []Change {
	var out []Change
	langs := map[domain.Lang]bool{}
	for l := range old.Messages {
		langs[l] = true
	}
	for l := range new.Messages {
		langs[l] = true
	}
	for _, l := range sortedLangs(langs) {
		out = append(out, diffMaps(l, old.Messages[l], new.Messages[l])...)
	}
	langs = map[domain.Lang]bool{}
	for l := range old.Articles {
		langs[l] = true
	}
	for l := range new.Articles {
		langs[l] = true
	}
	for _, l := range sortedLangs(langs) {
		out = append(out, diffArticles(l, old.Articles[l], new.Articles[l])...)
	}
	out = append(out, diffMaps("", flattenRules(old.Rules), flattenRules(new.Rules))...)
	return out
}

func sortedLangs(set map[domain.Lang]bool) []domain.Lang {
	out := make([]domain.Lang, 0, len(set))
	for l := range set {
		out = append(out, l)
	}
	// Known languages in their display order, others after them.
	sort.Slice(out, func(i, j int) bool {
		a, b := slices.Index(domain.Languages, out[i]), slices.Index(domain.Languages, out[j])
		if a < 0 {
			a = len(domain.Languages)
		}
		if b < 0 {
			b = len(domain.Languages)
		}
		if a != b {
			return a < b
		}
		return out[i] < out[j]
	})
	return out
}

func diffMaps(l domain.Lang, old, new map[string]string) []Change {
	keys := map[string]bool{}
	for k := range old {
		keys[k] = true
	}
	for k := range new {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []Change
	for _, k := range sorted {
		o, inOld := old[k]
		n, inNew := new[k]
		switch {
		case !inOld:
			out = append(out, Change{Kind: Added, Lang: l, Key: k, New: n})
		case !inNew:
			out = append(out, Change{Kind: Removed, Lang: l, Key: k, Old: o})
		case o != n:
			out = append(out, Change{Kind: Changed, Lang: l, Key: k, Old: o, New: n})
		}
	}
	return out
}

// flattenRules turns the rules into path → JSON value. Templates are keyed by
// channel, purpose and language rather than by position, so that a reordering is
// no change and an edit names the template it touched. Nil notify rules are the
// defaults, as the flows read them.
func flattenRules(r Rules) map[string]string {
	if r.Notify == nil {
		d := domain.DefaultNotifyRules()
		r.Notify = &d
	}
	b, err := json.Marshal(r)
	if err != nil {
		return map[string]string{"rules": err.Error()}
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return map[string]string{"rules": err.Error()}
	}
	out := map[string]string{}
	flatten("rules", v, out)
	return out
}

func flatten(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flatten(path+"."+k, e, out)
		}
	case []any:
		for i, e := range x {
			key := fmt.Sprint(i)
			if m, ok := e.(map[string]any); ok && path == "rules.templates" {
				key = fmt.Sprintf("%v/%v/%v", m["channel"], m["purpose"], m["lang"])
			}
			flatten(path+"["+key+"]", e, out)
		}
		if len(x) == 0 {
			out[path] = "[]"
		}
	default:
		b, _ := json.Marshal(x)
		out[path] = string(b)
	}
}

// Bounds of the rules staff can set.
const (
	maxLookupFailures     = 20
	maxLookupWindow       = 24 * 60
	maxAirlineNameLength  = 60
	maxTemplateNameLength = 512
)

// CheckDraft is what must hold before content is published: Validate for the
// given languages (the enabled ones, and any being added), the rules in range and
// the articles' links well formed.
func (c Content) CheckDraft(langs []domain.Lang) []Problem {
	out := c.Validate(langs)
	out = append(out, c.Rules.problems()...)
	out = append(out, c.articleProblems()...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// problems checks the rules Validate leaves alone: names, upper bounds, templates.
func (r Rules) problems() []Problem {
	var out []Problem
	if n := strings.TrimSpace(r.AirlineName); n == "" || len(n) > maxAirlineNameLength {
		out = append(out, Problem{Key: "rules.airline_name", Message: fmt.Sprintf("the airline name has 1 to %d characters", maxAirlineNameLength)})
	}
	if r.MaxLookupFailures > maxLookupFailures {
		out = append(out, Problem{Key: "rules.lookup", Message: fmt.Sprintf("at most %d failed look-ups", maxLookupFailures)})
	}
	if r.LookupWindowMinutes > maxLookupWindow {
		out = append(out, Problem{Key: "rules.lookup", Message: fmt.Sprintf("the look-up window is at most %d minutes", maxLookupWindow)})
	}
	seen := map[string]bool{}
	for _, t := range r.Templates {
		id := fmt.Sprintf("%s/%s/%s", t.Channel, t.Purpose, t.Lang)
		key := "rules.templates[" + id + "]"
		switch {
		case t.Channel != domain.WhatsApp && t.Channel != domain.Messenger:
			out = append(out, Problem{Key: key, Message: "templates exist on whatsapp and messenger only"})
		case strings.TrimSpace(t.Name) == "" || len(t.Name) > maxTemplateNameLength:
			out = append(out, Problem{Key: key, Message: "a template needs the name it is approved under"})
		case strings.TrimSpace(t.Language) == "":
			out = append(out, Problem{Key: key, Message: "a template needs the platform's language code"})
		case seen[id]:
			out = append(out, Problem{Key: key, Message: "two templates for the same channel, purpose and language"})
		}
		seen[id] = true
	}
	return out
}

// MessageKeys lists every message key the flows use with the placeholders each may
// contain, sorted by key: what an editor must provide in every language.
func MessageKeys() map[string][]string {
	out := make(map[string][]string, len(messageKeys))
	for k, v := range messageKeys {
		out[k] = slices.Clone(v)
	}
	return out
}
