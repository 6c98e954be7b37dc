package flows

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/skybridge/skybridge/domain"
)

// buttonKeys are the messages used as button titles, with realistic values for
// their placeholders. Messenger and WhatsApp cut titles longer than 20 characters.
var buttonKeys = map[string][]string{
	"menu.check_in":            nil,
	"menu.boarding_pass":       nil,
	"menu.human":               nil,
	"checkin.pax_all":          {"count", "12"},
	"checkin.yes":              nil,
	"checkin.no":               nil,
	"checkin.dg_yes":           nil,
	"checkin.dg_no":            nil,
	"docs.same_as_nationality": {"country", "NLD"},
	"seat.assign_for_me":       nil,
	"seat.choose_another":      nil,
	"seat.keep":                {"seat", "14C"},
	"confirm.yes":              nil,
	"confirm.change_seats":     nil,
	"confirm.cancel":           nil,
}

const maxButtonTitle = 20

func loadDefaultContent(t *testing.T) Content {
	t.Helper()
	c, err := DefaultContent()
	if err != nil {
		t.Fatalf("DefaultContent: %v", err)
	}
	return c
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestContentHasEveryLanguage(t *testing.T) {
	c := loadDefaultContent(t)
	for _, l := range domain.Languages {
		if len(c.Messages[l]) == 0 {
			t.Errorf("no catalogue for %q", l)
		}
	}
}

func TestContentValidates(t *testing.T) {
	c := loadDefaultContent(t)
	for _, p := range c.Validate(domain.Languages) {
		t.Errorf("problem: %s", p)
	}
}

func TestContentCataloguesHaveEnglishKeys(t *testing.T) {
	c := loadDefaultContent(t)
	en := c.Messages[domain.DefaultLang]
	if len(en) == 0 {
		t.Fatalf("no %q catalogue", domain.DefaultLang)
	}
	for _, l := range domain.Languages {
		m := c.Messages[l]
		for _, k := range sortedKeys(en) {
			if _, ok := m[k]; !ok {
				t.Errorf("%s: missing key %q", l, k)
			}
		}
		for _, k := range sortedKeys(m) {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: key %q is not in %s.json", l, k, domain.DefaultLang)
			}
		}
	}
}

func TestContentPlaceholdersMatchEnglish(t *testing.T) {
	c := loadDefaultContent(t)
	en := c.Messages[domain.DefaultLang]
	for _, l := range domain.Languages {
		for _, k := range sortedKeys(en) {
			tpl, ok := c.Messages[l][k]
			if !ok {
				continue // reported by TestContentCataloguesHaveEnglishKeys
			}
			want, got := placeholders(en[k]), placeholders(tpl)
			sort.Strings(want)
			sort.Strings(got)
			if !slices.Equal(want, got) {
				t.Errorf("%s.%s: placeholders %v, English has %v", l, k, got, want)
			}
			if strings.Count(tpl, "\n") != strings.Count(en[k], "\n") {
				t.Errorf("%s.%s: line breaks differ from English", l, k)
			}
		}
	}
}

func TestContentButtonTitlesFit(t *testing.T) {
	c := loadDefaultContent(t)
	for _, l := range domain.Languages {
		for key, kv := range buttonKeys {
			args := map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				args[kv[i]] = kv[i+1]
			}
			title := c.Text(l, key, args)
			if strings.Contains(title, "{") {
				t.Errorf("%s.%s: unrendered placeholder in %q", l, key, title)
			}
			if n := utf8.RuneCountInString(title); n > maxButtonTitle {
				t.Errorf("%s.%s: %q is %d characters, more than %d", l, key, title, n, maxButtonTitle)
			}
		}
	}
}

func TestContentDateNames(t *testing.T) {
	c := loadDefaultContent(t)
	for _, l := range domain.Languages {
		for key, want := range map[string]int{"fmt.weekdays": 7, "fmt.months": 12} {
			names := strings.Split(c.Messages[l][key], ",")
			if len(names) != want {
				t.Errorf("%s.%s: %d entries, want %d", l, key, len(names), want)
				continue
			}
			for i, n := range names {
				if strings.TrimSpace(n) == "" {
					t.Errorf("%s.%s: entry %d is empty", l, key, i+1)
				}
			}
		}
	}
}

func TestContentValidateReportsMissingTranslation(t *testing.T) {
	c := loadDefaultContent(t)
	const lang, key = domain.Lang("fr"), "checkin.done"

	fr := make(map[string]string, len(c.Messages[lang]))
	for k, v := range c.Messages[lang] {
		fr[k] = v
	}
	if _, ok := fr[key]; !ok {
		t.Fatalf("%s has no %q to delete", lang, key)
	}
	delete(fr, key)
	msgs := make(map[domain.Lang]map[string]string, len(c.Messages))
	for l, m := range c.Messages {
		msgs[l] = m
	}
	msgs[lang] = fr
	broken := c
	broken.Messages = msgs

	before := map[string]bool{}
	for _, p := range c.Validate(domain.Languages) {
		before[p.String()] = true
	}
	var added []Problem
	for _, p := range broken.Validate(domain.Languages) {
		if !before[p.String()] {
			added = append(added, p)
		}
	}
	want := Problem{Lang: lang, Key: key, Message: "missing translation"}
	if len(added) != 1 || added[0] != want {
		t.Errorf("Validate after deleting %s.%s: new problems %v, want [%s]", lang, key, added, want)
	}
	// The shipped content is untouched by the copy.
	if _, ok := c.Messages[lang][key]; !ok {
		t.Errorf("deleting from the copy removed %s.%s from the original", lang, key)
	}
}
