package nlu

import (
	"slices"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

func TestUnderstandNewIntents(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	tests := []struct {
		message string
		intent  domain.Intent
		lang    domain.Lang
	}{
		{"is my flight to Lisbon on time", domain.IntentFlightStatus, "en"},
		{"quiero cambiar mi vuelo al viernes", domain.IntentChangeFlight, "es"},
		{"ich möchte meine Buchung stornieren", domain.IntentCancel, "de"},
		{"my flight was cancelled", domain.IntentDisruption, "en"},
		{"j'ai raté ma correspondance", domain.IntentDisruption, "fr"},
		{"ik wil een koffer toevoegen", domain.IntentAddBag, "nl"},
		{"voglio scegliere il posto", domain.IntentChooseSeat, "it"},
		{"wegetariański posiłek proszę", domain.IntentMeal, "pl"},
		{"lounge erişimi istiyorum", domain.IntentExtras, "tr"},
		{"كم وزن الأمتعة المسموح", domain.IntentBaggageQuestion, "ar"},
		{"可以带狗吗", domain.IntentQuestion, "zh"},
		{"मुझे चेक इन करना है", domain.IntentCheckIn, "hi"},
		{"please stop sending me messages", domain.IntentStopMessages, "en"},
		{"réactiver les notifications svp", domain.IntentStartMessages, "fr"},
		{"hi my flight tomorrow to lisbon, can I bring my bike?", domain.IntentQuestion, "en"},
		{"Ik wil inchecken, boeking QX7P2L", domain.IntentCheckIn, "nl"},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			t.Parallel()
			u := c.Understand(tt.message, "")
			if u.Intent != tt.intent {
				t.Errorf("intent = %q (%.2f, unsure %v %v), want %q", u.Intent, u.Confidence, u.Unsure, u.Alternatives, tt.intent)
			}
			if u.Lang != tt.lang {
				t.Errorf("lang = %q, want %q", u.Lang, tt.lang)
			}
		})
	}
}

// Transactional intents need more confidence: with the transactional
// threshold raised out of reach, a change request is not acted on but
// offered as a choice.
func TestTransactionalNeedsConfidence(t *testing.T) {
	t.Parallel()
	c, err := New([]domain.Lang{"en", "es"}, WithThresholds(Thresholds{Intent: 0.05, Transactional: 1.01}))
	if err != nil {
		t.Fatal(err)
	}
	if th := c.Thresholds(); th.For(domain.IntentChangeFlight) != 1.01 || th.For(domain.IntentCheckIn) != 0.05 {
		t.Errorf("thresholds = %+v", th)
	}
	for _, m := range []string{"I want to change my flight", "quiero cambiar mi vuelo", "add a bag", "cancel my booking"} {
		u := c.Understand(m, "")
		if u.Intent != domain.IntentNone || !u.Unsure {
			t.Errorf("%q: intent %q unsure %v, want none and unsure", m, u.Intent, u.Unsure)
		}
		if len(u.Alternatives) == 0 || len(u.Alternatives) > maxAlternatives || !u.Alternatives[0].Transactional() {
			t.Errorf("%q: alternatives %v, want the transactional intent first", m, u.Alternatives)
		}
	}
	// Non-transactional intents are not held back.
	if u := c.Understand("I want to check in", ""); u.Intent != domain.IntentCheckIn || u.Unsure {
		t.Errorf("check in: %q unsure %v", u.Intent, u.Unsure)
	}
}

// Data alone and small talk are not requests: nothing to clarify.
func TestNoClarificationForData(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	for _, m := range []string{"ABC123 Jansen", "14C", "2", "12/03/1985", "asdf"} {
		if u := c.Understand(m, "en"); u.Unsure || len(u.Alternatives) > 0 {
			t.Errorf("%q: unsure %v %v, want a plain none", m, u.Unsure, u.Alternatives)
		}
	}
}

func TestWords(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"check in please": 3, "我想办理值机": 3, "مرحبا كيف الحال": 3, "मुझे चेक इन करना है": 5, "KL1234 ok": 2} {
		if got := Words(s); got != want {
			t.Errorf("Words(%q) = %d, want %d", s, got, want)
		}
	}
	if !slices.Contains(Trained(), domain.Lang("hi")) {
		t.Error("Trained lacks hi")
	}
}

// A threshold set for one intent replaces the shared one for that intent
// only.
func TestThresholdsPerIntent(t *testing.T) {
	t.Parallel()
	th := Thresholds{Intent: 0.1, Transactional: 0.95, PerIntent: map[domain.Intent]float64{domain.IntentMeal: 0.6}}
	for in, want := range map[domain.Intent]float64{
		domain.IntentMeal:         0.6,
		domain.IntentChangeFlight: 0.95,
		domain.IntentCancel:       0.95,
		domain.IntentCheckIn:      0.1,
	} {
		if got := th.For(in); got != want {
			t.Errorf("%s: threshold %v, want %v", in, got, want)
		}
	}
	// The defaults keep every transactional intent well above a coin toss.
	for _, in := range domain.Intents {
		if in.Transactional() && DefaultThresholds.For(in) < 0.5 {
			t.Errorf("%s: default threshold %v", in, DefaultThresholds.For(in))
		}
	}
}
