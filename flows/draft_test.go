package flows

import (
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

func TestDiffListsTextsAndRulesByKey(t *testing.T) {
	old := Content{Messages: map[domain.Lang]map[string]string{
		"en": {"greeting": "Hello", "thanks": "Thanks"},
		"fr": {"greeting": "Bonjour"},
	}, Rules: Rules{AirlineName: "Sky", MaxLookupFailures: 5, Templates: []TemplateRule{
		{Channel: domain.WhatsApp, Purpose: "flight_delay", Lang: "en", Name: "a"},
		{Channel: domain.WhatsApp, Purpose: "flight_delay", Lang: "fr", Name: "b"},
	}}}
	cur := Content{Messages: map[domain.Lang]map[string]string{
		"en": {"greeting": "Hi", "thanks": "Thanks"},
		"nl": {"greeting": "Hallo"},
	}, Rules: Rules{AirlineName: "Sky", MaxLookupFailures: 3, Templates: []TemplateRule{
		// Reordered, one renamed.
		{Channel: domain.WhatsApp, Purpose: "flight_delay", Lang: "fr", Name: "b2"},
		{Channel: domain.WhatsApp, Purpose: "flight_delay", Lang: "en", Name: "a"},
	}}}
	var got []string
	for _, c := range Diff(old, cur) {
		got = append(got, string(c.Kind)+" "+string(c.Lang)+" "+c.Key+" "+c.Old+"→"+c.New)
	}
	want := []string{
		"changed en greeting Hello→Hi",
		"removed fr greeting Bonjour→",
		"added nl greeting →Hallo",
		"changed  rules.max_lookup_failures 5→3",
		`changed  rules.templates[whatsapp/flight_delay/fr].name "b"→"b2"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d := Diff(old, old); len(d) != 0 {
		t.Fatalf("Diff of a version with itself: %v", d)
	}
}

func TestCheckDraftRefusesRulesOutOfRange(t *testing.T) {
	c, err := DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Rules.problems(); len(p) != 0 {
		t.Fatalf("shipped rules have problems: %v", p)
	}
	c.Rules.AirlineName = " "
	c.Rules.MaxLookupFailures = 99
	c.Rules.Templates = append(c.Rules.Templates, c.Rules.Templates[0])
	c.Rules.Templates[1].Name = ""
	var got []string
	for _, p := range c.CheckDraft(nil) {
		got = append(got, p.Key)
	}
	for _, want := range []string{"rules.airline_name", "rules.lookup", "rules.templates[" + string(c.Rules.Templates[0].Channel) + "/" + c.Rules.Templates[0].Purpose + "/" + string(c.Rules.Templates[0].Lang) + "]"} {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("problems %v lack %s", got, want)
		}
	}
	if len(got) != 4 {
		t.Errorf("problems %v, want 4", got)
	}
}
