package nlu

import (
	"math"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

func toyData() []labelled {
	ex := func(in domain.Intent, text string) labelled {
		return labelled{intent: in, lang: "en", words: intentWords(tokenize(text), nil), text: text}
	}
	return []labelled{
		ex(domain.IntentCheckIn, "I want to check in"),
		ex(domain.IntentCheckIn, "check in please"),
		ex(domain.IntentCheckIn, "online check-in"),
		ex(domain.IntentCancel, "cancel my booking"),
		ex(domain.IntentCancel, "I want to cancel my reservation"),
		ex(domain.IntentCancel, "please cancel the trip"),
		ex(domain.IntentThanks, "thanks"),
		ex(domain.IntentThanks, "thank you very much"),
	}
}

// The softmax output is a probability distribution that favours the
// intent the words were taught with, also for a misspelling.
func TestLinearModelLearns(t *testing.T) {
	t.Parallel()
	m := trainLinear(toyData(), defaultLinear)
	for text, want := range map[string]domain.Intent{
		"check in":                domain.IntentCheckIn,
		"chek in pls":             domain.IntentCheckIn,
		"cancel the reservation":  domain.IntentCancel,
		"cancell my bookng":       domain.IntentCancel,
		"thank you":               domain.IntentThanks,
		"thanks a lot for that!!": domain.IntentThanks,
	} {
		p, known := m.probabilities(intentWords(tokenize(text), nil))
		var sum float64
		best := 0
		for k, x := range p {
			if x < 0 || x > 1 {
				t.Errorf("%q: probability %v out of range", text, x)
			}
			sum += x
			if x > p[best] {
				best = k
			}
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("%q: probabilities sum to %v", text, sum)
		}
		if known == 0 {
			t.Errorf("%q: no known feature", text)
		}
		if got := m.intents[best]; got != want {
			t.Errorf("%q: %q (%.2f), want %q", text, got, p[best], want)
		}
	}
	// Nothing known: every intent as likely as the bias makes it.
	p, known := m.probabilities([]string{"zzzqqq"})
	if known != 0 || len(p) != len(m.intents) {
		t.Errorf("unknown word: known %d, %d probabilities", known, len(p))
	}
}

// Training is deterministic: the same examples give the same weights, so
// that two instances of the service understand a message alike.
func TestLinearModelDeterministic(t *testing.T) {
	t.Parallel()
	a, b := trainLinear(toyData(), defaultLinear), trainLinear(toyData(), defaultLinear)
	if len(a.weights) != len(b.weights) || len(a.rows) != len(b.rows) {
		t.Fatalf("sizes differ: %d/%d weights, %d/%d rows", len(a.weights), len(b.weights), len(a.rows), len(b.rows))
	}
	for key, r := range a.rows {
		rb, ok := b.rows[key]
		if !ok {
			t.Fatalf("feature %x missing in the second model", key)
		}
		for k := range a.intents {
			if a.weights[int(r)*len(a.intents)+k] != b.weights[int(rb)*len(b.intents)+k] {
				t.Fatalf("weights differ for feature %x", key)
			}
		}
	}
}

// Case, accents and repeated letters do not change the features.
func TestLinearFeaturesFolded(t *testing.T) {
	t.Parallel()
	f := func(s string) map[uint64]float32 {
		x := linearFeatures(intentWords(tokenize(s), nil), &defaultLinear)
		m := map[uint64]float32{}
		for i, k := range x.keys {
			m[k] = x.vals[i]
		}
		return m
	}
	a, b := f("Réservation ANNULÉE"), f("reservation annulee")
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d and %d features", len(a), len(b))
	}
	for k, v := range a {
		if math.Abs(float64(b[k]-v)) > 1e-6 {
			t.Fatalf("feature %x: %v and %v", k, v, b[k])
		}
	}
	if x := linearFeatures(nil, &defaultLinear); len(x.keys) != 0 {
		t.Errorf("no words: %d features", len(x.keys))
	}
	var norm float64
	for _, v := range a {
		norm += float64(v) * float64(v)
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Errorf("feature vector norm² %v, want 1", norm)
	}
}

func TestLinearModelEmpty(t *testing.T) {
	t.Parallel()
	m := trainLinear(nil, defaultLinear)
	if p, known := m.probabilities([]string{"check"}); len(p) != 0 || known != 0 {
		t.Errorf("empty model: %v %d", p, known)
	}
}

// TestCrossValidation measures the classifier on its own training examples,
// five folds, the figure model choices are made on. It is slow: skipped
// with -short.
func TestCrossValidation(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-validation trains five models")
	}
	c := testAllClassifier(t)
	if _, err := CrossValidate(c, 1); err == nil {
		t.Error("one fold: want an error")
	}
	held, err := crossRead(c, 5)
	if err != nil {
		t.Fatal(err)
	}
	r := held.report(c.Thresholds())
	t.Logf("5-fold cross-validation on %d training examples: intent %.1f%%, transactional precision %.1f%% (%d/%d), unsure %d, language (3+ words) %.1f%%",
		r.Cases, r.Intent.Percent(), r.Transactional.Percent(), r.Transactional.OK, r.Transactional.N, r.Unsure, r.Language.Percent())
	// The default thresholds are the ones the rule chooses on these
	// held-out examples.
	chosen := held.chooseEachThreshold(DefaultThresholds, cvThresholdPrecision)
	for _, in := range domain.Intents {
		if in.Transactional() && chosen.For(in) != DefaultThresholds.For(in) {
			t.Errorf("%s: default threshold %v, cross-validation chooses %v", in, DefaultThresholds.For(in), chosen.For(in))
		}
	}
	if r.Cases < 4000 {
		t.Errorf("%d training examples, want at least 4000", r.Cases)
	}
	check := func(name string, got, floor float64) {
		if got < floor {
			t.Errorf("cross-validated %s %.1f%%, below the floor of %.1f%%", name, got, floor)
		}
	}
	check("intent accuracy", r.Intent.Percent(), floorCVIntent)
	check("transactional precision", r.Transactional.Percent(), floorCVTransactional)
}

// A message that repeats a training example takes that example's label,
// even where the linear model leans elsewhere: "cancel" alone is taught as
// a no (leaving the current step), not as cancelling the booking.
func TestExactExampleTakesItsLabel(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	for _, m := range []string{"cancel", "Cancel!"} {
		if u := c.Understand(m, ""); u.Intent != domain.IntentNo || u.Confidence < exactSimilarity {
			t.Errorf("%q: %q (%.2f), want no", m, u.Intent, u.Confidence)
		}
	}
	// Taught both ways: the rule stands aside, and the booking is not
	// cancelled on such a word.
	if u := c.Understand("cancelar", ""); u.Intent == domain.IntentCancel {
		t.Errorf("cancelar: %q (%.2f), want no cancellation", u.Intent, u.Confidence)
	}
	if u := c.Understand("cancel my booking for tomorrow please", ""); u.Intent != domain.IntentCancel {
		t.Errorf("cancellation request: %q (%.2f unsure %v)", u.Intent, u.Confidence, u.Unsure)
	}
}
