package nlu

import (
	"os"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

func readEval(t *testing.T) []Case {
	t.Helper()
	f, err := os.Open("testdata/eval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases, err := ReadCases(f)
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// Evaluation goals of the issue, and the floors below which the test fails:
// every goal is met and is its own floor.
const (
	goalIntent        = 92.0
	goalTransactional = 99.0
	goalLanguage      = 98.0
	floorIntent       = goalIntent
	floorTransaction  = goalTransactional
	floorLanguage     = goalLanguage
	minPerGroup       = 40
	// Five-fold cross-validation on the training examples (TestCrossValidation):
	// its held-out examples include deliberately ambiguous ones ("cancel"
	// meaning no), so its precision is lower than on the evaluation set.
	floorCVIntent        = 82.0
	floorCVTransactional = 98.0
	// cvThresholdPrecision is the precision each transactional intent's
	// threshold keeps in cross-validation (DefaultThresholds).
	cvThresholdPrecision = 98.0
)

// TestEvaluation measures the classifier, built for every trained language,
// on testdata/eval.tsv, written apart from the training examples, with no
// stored language as a hint. Run with -v to see the report and every miss.
func TestEvaluation(t *testing.T) {
	c := testAllClassifier(t)
	cases := readEval(t)
	r := Evaluate(c, cases, nil)
	var b strings.Builder
	if err := r.Write(&b, testing.Verbose()); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		t.Log(line)
	}
	for _, l := range Trained() {
		for _, g := range []Group{GroupTransactional, GroupCheckIn, GroupQuestions, GroupControl} {
			if n := r.Groups[l][g]; n < minPerGroup {
				t.Errorf("%s %s: %d evaluation messages, want at least %d", l, g, n, minPerGroup)
			}
		}
	}
	check := func(name string, got, goal, floor float64) {
		switch {
		case got < floor:
			t.Errorf("%s %.1f%%, below the floor of %.1f%% (goal %.1f%%)", name, got, floor, goal)
		case got < goal:
			t.Logf("%s %.1f%%: goal %.1f%% not met", name, got, goal)
		}
	}
	check("intent accuracy", r.Intent.Percent(), goalIntent, floorIntent)
	check("transactional precision", r.Transactional.Percent(), goalTransactional, floorTransaction)
	check("language detection (3+ words)", r.Language.Percent(), goalLanguage, floorLanguage)
}

// TestEvaluationSetApart checks that the evaluation set does not simply
// repeat the training examples. A few fixed formulas ("thanks!", "hi!") are
// bound to be both; the count is logged and capped.
func TestEvaluationSetApart(t *testing.T) {
	train := map[string]bool{}
	for _, l := range Trained() {
		b, err := dataFS.ReadFile("data/" + string(l) + ".tsv")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if _, text, ok := strings.Cut(line, "\t"); ok && !strings.HasPrefix(line, "#") {
				train[string(l)+" "+foldPhrase(text)] = true
			}
		}
	}
	same := 0
	cases := readEval(t)
	for _, e := range cases {
		if train[string(e.Lang)+" "+foldPhrase(e.Message)] {
			same++
		}
	}
	t.Logf("%d of %d evaluation messages equal a training example once folded", same, len(cases))
	if same > len(cases)/40 {
		t.Errorf("%d evaluation messages repeat training examples, want at most %d", same, len(cases)/40)
	}
	// Near copies: training examples of three words or more that share at
	// least three quarters of their words with an evaluation message of
	// their language ("i want to check in please" and "i want to check in").
	// Common phrasings make some inevitable; the share is logged and capped.
	evalWords := map[domain.Lang][]map[string]bool{}
	for _, e := range cases {
		if w := wordSet(e.Message); len(w) >= 3 {
			evalWords[e.Lang] = append(evalWords[e.Lang], w)
		}
	}
	near, examples := 0, 0
	for _, l := range Trained() {
		b, err := dataFS.ReadFile("data/" + string(l) + ".tsv")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			_, text, ok := strings.Cut(line, "\t")
			if !ok || strings.HasPrefix(line, "#") {
				continue
			}
			examples++
			w := wordSet(text)
			if len(w) < 3 {
				continue
			}
			for _, ew := range evalWords[l] {
				if jaccard(w, ew) >= 0.75 {
					near++
					break
				}
			}
		}
	}
	t.Logf("%d of %d training examples share three quarters of their words with an evaluation message", near, examples)
	if near > examples/20 {
		t.Errorf("%d training examples nearly copy evaluation messages, want at most %d", near, examples/20)
	}
}

// wordSet returns the folded words of a message, numbers left out.
func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, t := range tokenize(s) {
		if !t.hasDigit {
			m[t.folded] = true
		}
	}
	return m
}

// jaccard is the share of the words of a and b that both have.
func jaccard(a, b map[string]bool) float64 {
	both := 0
	for w := range a {
		if b[w] {
			both++
		}
	}
	if all := len(a) + len(b) - both; all > 0 {
		return float64(both) / float64(all)
	}
	return 0
}

// TestEvaluationWithHint: the stored language, when the traveller has one,
// only helps.
func TestEvaluationWithHint(t *testing.T) {
	c := testAllClassifier(t)
	cases := readEval(t)
	without := Evaluate(c, cases, nil)
	with := Evaluate(c, cases, func(e Case) domain.Lang { return e.Lang })
	t.Logf("language detection (3+ words): %.1f%% without the stored language, %.1f%% with it", without.Language.Percent(), with.Language.Percent())
	if with.Language.Percent() < without.Language.Percent() {
		t.Errorf("the stored language made detection worse")
	}
}
