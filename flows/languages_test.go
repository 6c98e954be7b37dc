package flows

import (
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// TestTemplatesCoverEveryLanguage: outside the 24-hour window a flight update goes
// out as the approved template of the traveller's own language, never the English
// one, for every purpose and channel English has a template for.
func TestTemplatesCoverEveryLanguage(t *testing.T) {
	c := loadDefaultContent(t)
	type key struct {
		ch      domain.Channel
		purpose string
	}
	var english []key
	for _, r := range c.Rules.Templates {
		if r.Lang == domain.DefaultLang {
			english = append(english, key{r.Channel, r.Purpose})
		}
	}
	if len(english) == 0 {
		t.Fatal("no English templates")
	}
	params := map[string]string{"flight": "SB1501", "date": "x", "time": "x", "scheduled": "x", "gate": "D7",
		"terminal": "2", "locator": "QX7P2L", "airport": "x", "belt": "7", "diverted_to": "RTM", "names": "x"}
	for _, l := range domain.Languages {
		for _, k := range english {
			n := 0
			for _, r := range c.Rules.Templates {
				if r.Channel == k.ch && r.Purpose == k.purpose && r.Lang == l {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%s %s %s: %d template rules, want 1", l, k.ch, k.purpose, n)
			}
		}
	}
	// The platform codes Meta expects for the languages added last.
	for _, tt := range []struct {
		lang     domain.Lang
		ch       domain.Channel
		language string
	}{
		{"it", domain.WhatsApp, "it"}, {"pl", domain.WhatsApp, "pl"}, {"tr", domain.WhatsApp, "tr"},
		{"ar", domain.WhatsApp, "ar"}, {"zh", domain.WhatsApp, "zh_CN"}, {"hi", domain.WhatsApp, "hi"},
		{"it", domain.Messenger, "it_IT"}, {"pl", domain.Messenger, "pl_PL"}, {"tr", domain.Messenger, "tr_TR"},
		{"ar", domain.Messenger, "ar_AR"}, {"zh", domain.Messenger, "zh_CN"}, {"hi", domain.Messenger, "hi_IN"},
	} {
		ref := c.template(tt.ch, "flight_delay", tt.lang, params)
		if ref == nil || ref.Language != tt.language || ref.Name != "skybridge_flight_delay" {
			t.Errorf("%s on %s: template %+v, want skybridge_flight_delay in %s", tt.lang, tt.ch, ref, tt.language)
		}
	}
}

// TestNewLanguagesReadNaturally spot-checks rendered messages of the languages added
// last: placeholders filled, the locale's date, and no English left over.
func TestNewLanguagesReadNaturally(t *testing.T) {
	c := loadDefaultContent(t)
	tests := []struct {
		lang domain.Lang
		key  string
		kv   []string
		want string
	}{
		{"it", "checkin.booking_found", []string{"locator", "QX7P2L"}, "Ho trovato la prenotazione QX7P2L:"},
		{"pl", "seat.keep", []string{"seat", "14C"}, "Zostaw 14C"},
		{"tr", "checkin.choose_single", []string{"name", "AYŞE YILMAZ"}, "AYŞE YILMAZ için check-in yapayım mı?"},
		{"ar", "seat.taken", []string{"seat", "14C"}, "المقعد 14C محجوز بالفعل."},
		{"zh", "checkin.done", []string{"count", "3"}, "值机成功！以下是您的 3 张登机牌。"},
		{"hi", "pass.gate", []string{"gate", "D7"}, "गेट D7"},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			turn := &Turn{Content: c, Lang: tt.lang}
			if got := turn.T(tt.key, tt.kv...); got != tt.want {
				t.Errorf("%s.%s = %q, want %q", tt.lang, tt.key, got, tt.want)
			}
			if en := c.Text(domain.DefaultLang, tt.key, nil); c.Text(tt.lang, tt.key, nil) == en {
				t.Errorf("%s.%s is the English text", tt.lang, tt.key)
			}
		})
	}
}
