package nlu

import (
	"strings"
	"sync"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

func TestUnderstandIntentAndLanguage(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	tests := []struct {
		message string
		hint    domain.Lang
		intent  domain.Intent
		lang    domain.Lang
	}{
		{"Ik wil inchecken", "", domain.IntentCheckIn, "nl"},
		{"checkin pls", "", domain.IntentCheckIn, "en"},
		{"chek in pls", "", domain.IntentCheckIn, "en"},
		{"je veux m'enregistrer", "", domain.IntentCheckIn, "fr"},
		{"quiero hacer el check-in", "", domain.IntentCheckIn, "es"},
		{"quero fazer check-in", "", domain.IntentCheckIn, "pt"},
		{"ich möchte einchecken", "", domain.IntentCheckIn, "de"},
		{"inchecken aub", "", domain.IntentCheckIn, "nl"},
		{"enregistrement en ligne", "", domain.IntentCheckIn, "fr"},
		{"facturar", "", domain.IntentCheckIn, "es"},
		{"quero fazer o check in", "", domain.IntentCheckIn, "pt"},
		{"boardingpass nochmal schicken", "", domain.IntentBoardingPass, "de"},
		{"mi tarjeta de embarque", "", domain.IntentBoardingPass, "es"},
		{"where is my boarding pass", "", domain.IntentBoardingPass, "en"},
		{"recommencer", "", domain.IntentStartOver, "fr"},
		{"von vorne", "", domain.IntentStartOver, "de"},
		{"I need help", "", domain.IntentHelp, "en"},
		{"een medewerker", "", domain.IntentHuman, "nl"},
		{"hablar con una persona", "", domain.IntentHuman, "es"},
		{"English please", "nl", domain.IntentChangeLanguage, "en"},
		{"en français", "en", domain.IntentChangeLanguage, "fr"},
		{"hello", "", domain.IntentGreeting, ""},
		{"bonjour", "", domain.IntentGreeting, "fr"},
		{"muito obrigado", "", domain.IntentThanks, "pt"},
		{"vielen dank", "", domain.IntentThanks, "de"},
		{"hello I want to check in", "", domain.IntentCheckIn, "en"},
		{"what's the weather in Rome", "", domain.IntentNone, "en"},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			t.Parallel()
			u := c.Understand(tt.message, tt.hint)
			if u.Intent != tt.intent {
				t.Errorf("intent = %q (%.2f), want %q", u.Intent, u.Confidence, tt.intent)
			}
			if u.Lang != tt.lang {
				t.Errorf("lang = %q (%.2f), want %q", u.Lang, u.LangConfidence, tt.lang)
			}
			if u.Confidence < 0 || u.Confidence > 1 || u.LangConfidence < 0 || u.LangConfidence > 1 {
				t.Errorf("confidence out of range: %+v", u)
			}
		})
	}
}

func TestUnderstandYesNo(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	for _, m := range []string{"yes", "yep", "ok", "sure", "oui", "d'accord", "ja", "jawohl", "sí", "vale", "sim", "claro", "ja graag"} {
		if u := c.Understand(m, ""); u.Intent != domain.IntentYes {
			t.Errorf("%q: intent = %q, want yes", m, u.Intent)
		}
	}
	for _, m := range []string{"no", "nope", "non", "nee", "nein", "não", "non merci", "nee dank je"} {
		if u := c.Understand(m, ""); u.Intent != domain.IntentNo {
			t.Errorf("%q: intent = %q, want no", m, u.Intent)
		}
	}
}

// Messages without language evidence leave the language to the caller.
func TestUnderstandUnsureLanguage(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	for _, m := range []string{"ok", "yes", "14C", "ABC123", "2", "ABC123 Jansen", "12/03/1985", "", "👍"} {
		for _, hint := range []domain.Lang{"", "de"} {
			if u := c.Understand(m, hint); u.Lang != "" {
				t.Errorf("%q hint %q: lang = %q, want \"\" (keep the stored language)", m, hint, u.Lang)
			}
		}
	}
}

// Messages that are only data leave the intent to the flow.
func TestUnderstandDataIsNoIntent(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	for _, m := range []string{"ABC123 Jansen", "14C", "2", "NLD", "12/03/1985", "Q4ZT9M", "van der Berg", "NX1234567", "the third one"} {
		if u := c.Understand(m, "en"); u.Intent != domain.IntentNone {
			t.Errorf("%q: intent = %q (%.2f), want none", m, u.Intent, u.Confidence)
		}
	}
}

func TestHintBreaksTies(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	// "hallo daar allemaal" is Dutch; with a German hint the Dutch words
	// still win, with a Dutch hint it stays Dutch.
	for _, hint := range []domain.Lang{"nl", "de", ""} {
		if u := c.Understand("hallo daar allemaal", hint); u.Lang != "nl" {
			t.Errorf("hint %q: lang = %q, want nl", hint, u.Lang)
		}
	}
}

func TestNewRestrictsLanguages(t *testing.T) {
	t.Parallel()
	c, err := New([]domain.Lang{"en", "fr"})
	if err != nil {
		t.Fatal(err)
	}
	if u := c.Understand("je veux m'enregistrer pour mon vol", ""); u.Lang != "fr" || u.Intent != domain.IntentCheckIn {
		t.Errorf("fr: got %q %q", u.Lang, u.Intent)
	}
	if u := c.Understand("ich möchte einchecken bitte jetzt", ""); u.Lang == "de" {
		t.Errorf("German detected though not enabled")
	}
	one, err := New([]domain.Lang{"nl"})
	if err != nil {
		t.Fatal(err)
	}
	if u := one.Understand("ik wil inchecken", ""); u.Lang != "nl" || u.Intent != domain.IntentCheckIn {
		t.Errorf("nl only: got %q %q", u.Lang, u.Intent)
	}
	for _, langs := range [][]domain.Lang{nil, {"ru"}, {"en", "xx"}} {
		if _, err := New(langs); err == nil {
			t.Errorf("New(%v): want an error", langs)
		}
	}
}

func TestUnderstandNeverPanics(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	long := strings.Repeat("je veux m'enregistrer ABC123 14C 12/03/1985 ", 250) // ~11 KB
	for name, m := range map[string]string{
		"empty":         "",
		"emoji":         "😀🙏✈️",
		"10 KB":         long,
		"mixed scripts": "我想办理登机 check in пожалуйста مرحبا",
		"control":       "\x00\x01\x1b[31mcheck in\x7f\t\r\n",
		"invalid utf-8": "\xff\xfe check \xc3 in",
		"punctuation":   "?!.,;:-'\"()[]{}",
		"only spaces":   "   \t  ",
		"digits":        strings.Repeat("9", 5000),
	} {
		t.Run(name, func(t *testing.T) {
			u := c.Understand(m, "en")
			if u.Confidence < 0 || u.Confidence > 1 {
				t.Errorf("confidence %v", u.Confidence)
			}
		})
	}
}

func TestUnderstandConcurrent(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	want := c.Understand("ich möchte einchecken ABC123", "")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if u := c.Understand("ich möchte einchecken ABC123", ""); u.Intent != want.Intent || u.Lang != want.Lang {
					t.Errorf("concurrent result differs: %+v", u)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestModelMemory reports what New costs; the figures are measured in
// TestMain before any other test has loaded a model.
func TestModelMemory(t *testing.T) {
	testClassifier(t)
	t.Logf("New(%v): %v, models resident %.1f MB", Trained(), startUp, float64(modelBytes)/(1<<20))
	if modelBytes > 100<<20 {
		t.Errorf("models take %.1f MB, want well under 100 MB", float64(modelBytes)/(1<<20))
	}
}

func BenchmarkUnderstand(b *testing.B) {
	c := testClassifier(b)
	messages := []string{
		"Ik wil inchecken", "checkin pls", "ABC123 Jansen", "yes", "je veux m'enregistrer pour mon vol de demain",
		"mi tarjeta de embarque por favor", "12/03/1985", "quero falar com uma pessoa", "auf Deutsch bitte", "14C",
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Understand(messages[i%len(messages)], "en")
	}
}

func FuzzUnderstand(f *testing.F) {
	for _, s := range []string{"", "ok", "ABC123 Jansen", "12 de marzo de 1985", "seat 14 c", "van der Berg", "\xff", "Pays-Bas", "English please"} {
		f.Add(s, "en")
	}
	c, err := New(domain.Languages)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, hint string) {
		u := c.understand(text, domain.Lang(hint)) // without the recover of Understand
		for _, e := range u.Entities {
			if e.Normalized == "" || e.Text == "" {
				t.Errorf("empty entity %+v in %q", e, text)
			}
		}
	})
}
