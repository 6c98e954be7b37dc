package nlu

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/skybridge/skybridge/domain"
)

// Case is one labelled message of an evaluation set.
type Case struct {
	Lang    domain.Lang
	Intent  domain.Intent
	Message string
}

// ReadCases reads an evaluation set: "lang<TAB>intent<TAB>message" lines;
// blank lines and lines starting with # are ignored. The intent "none" is
// IntentNone.
func ReadCases(r io.Reader) ([]Case, error) {
	var out []Case
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 3 {
			return nil, fmt.Errorf("read cases line %d: want lang<TAB>intent<TAB>message", n)
		}
		in, ok := knownIntents[p[1]]
		if !ok {
			return nil, fmt.Errorf("read cases line %d: unknown intent %q", n, p[1])
		}
		out = append(out, Case{Lang: domain.Lang(p[0]), Intent: in, Message: p[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read cases: %w", err)
	}
	return out, nil
}

// Group is a family of intents the evaluation set covers evenly.
type Group string

// Groups of intents.
const (
	GroupTransactional Group = "transactional" // change, cancel, disruption, purchases
	GroupCheckIn       Group = "check-in"      // check-in, boarding pass, flight status
	GroupQuestions     Group = "questions"     // baggage and other questions, help
	GroupControl       Group = "control"       // the conversation itself, and data alone
)

// GroupOf returns the group an intent is evaluated in.
func GroupOf(in domain.Intent) Group {
	switch in {
	case domain.IntentChangeFlight, domain.IntentCancel, domain.IntentDisruption, domain.IntentAddBag,
		domain.IntentChooseSeat, domain.IntentMeal, domain.IntentExtras:
		return GroupTransactional
	case domain.IntentCheckIn, domain.IntentBoardingPass, domain.IntentFlightStatus:
		return GroupCheckIn
	case domain.IntentBaggageQuestion, domain.IntentQuestion, domain.IntentHelp:
		return GroupQuestions
	}
	return GroupControl
}

// Tally counts right answers.
type Tally struct{ OK, N int }

// Percent returns the share of right answers, 0 when there were none.
func (t Tally) Percent() float64 {
	if t.N == 0 {
		return 0
	}
	return 100 * float64(t.OK) / float64(t.N)
}

func (t *Tally) add(ok bool) {
	t.N++
	if ok {
		t.OK++
	}
}

// Miss is a case the classifier got wrong.
type Miss struct {
	Case
	Got     domain.Understanding
	Problem string // "intent" or "language"
}

// Report is what Evaluate measured.
type Report struct {
	Cases    int
	Intent   Tally                         // intent right, overall
	Language Tally                         // language right, messages of 3 words or more
	PerLang  map[domain.Lang]*LangReport   // by the language of the case
	Recall   map[domain.Intent]*Tally      // by the expected intent
	Precise  map[domain.Intent]*Tally      // by the returned intent
	Groups   map[domain.Lang]map[Group]int // cases per language and group
	// Transactional is precision on change, cancel and payment-leading
	// intents: of the messages the classifier gave such an intent, the share
	// that meant it.
	Transactional Tally
	// Unsure counts the messages the classifier asked about; Offered those
	// whose alternatives held the expected intent.
	Unsure, Offered int
	Median, P99     time.Duration
	Misses          []Miss
	// Confusion counts the wrong answers by expected intent and answer
	// ("none", an intent, or "unsure" for a clarifying question).
	Confusion map[Confusion]int
}

// Confusion is one kind of wrong answer: the intent expected and the answer.
type Confusion struct {
	Want domain.Intent
	Got  string
}

// LangReport is the part of a Report about one language.
type LangReport struct {
	Intent, Language Tally
	Unsure           int
}

// Evaluate understands every case with the stored-language hint hint gives
// ("" for none) and measures the result.
func Evaluate(c *Classifier, cases []Case, hint func(Case) domain.Lang) Report {
	r := newReport()
	durations := make([]time.Duration, 0, len(cases))
	for _, e := range cases {
		durations = append(durations, r.add(c, e, hint))
	}
	r.finish(durations)
	return r
}

// CrossValidate measures the classifier on its own training examples by
// k-fold cross-validation: every k-th example of each language file is held
// out in turn, and the intent models, the vocabulary and the language
// counts are trained again on the others. Model choices are made on this
// figure, so that the evaluation set stays a measure. The language is
// judged the same way, with the same lingua models.
func CrossValidate(c *Classifier, folds int) (Report, error) {
	held, err := crossRead(c, folds)
	if err != nil {
		return Report{}, fmt.Errorf("cross-validate: %w", err)
	}
	return held.report(c.thresholds), nil
}

// heldOut is a training example read by a model trained without it.
type heldOut struct {
	Case
	u    domain.Understanding // language and entities; the intent is decided by thresholds
	r    reading
	took time.Duration
}

// heldOuts are the training examples of a cross-validation.
type heldOuts []heldOut

// crossRead reads every training example with the models of k-fold
// cross-validation: every k-th example of each language file is held out in
// turn, and the intent models, the vocabulary and the language counts are
// trained again on the others.
func crossRead(c *Classifier, folds int) (heldOuts, error) {
	if folds < 2 {
		return nil, fmt.Errorf("%d folds, want at least 2", folds)
	}
	var data []labelled
	fold := []int{}
	for _, l := range c.langs {
		examples, err := readExamples(l)
		if err != nil {
			return nil, err
		}
		for i := range examples {
			fold = append(fold, i%folds)
		}
		data = append(data, examples...)
	}
	out := make(heldOuts, 0, len(data))
	for k := 0; k < folds; k++ {
		var train []labelled
		var held []Case
		for i, e := range data {
			if fold[i] == k {
				held = append(held, Case{Lang: e.lang, Intent: e.intent, Message: e.text})
			} else {
				train = append(train, e)
			}
		}
		fc := c.retrained(train)
		for _, e := range held {
			start := time.Now()
			u, r := fc.read(e.Message, "")
			out = append(out, heldOut{Case: e, u: u, r: r, took: time.Since(start)})
		}
	}
	return out, nil
}

// report measures the held-out examples under the thresholds th.
func (h heldOuts) report(th Thresholds) Report {
	r := newReport()
	durations := make([]time.Duration, 0, len(h))
	for _, e := range h {
		u := e.u
		e.r.apply(&u, th)
		r.count(e.Case, u)
		durations = append(durations, e.took)
	}
	r.finish(durations)
	return r
}

// score counts the held-out examples whose intent th gets right, and the
// transactional answers th gives, right and all.
func (h heldOuts) score(th Thresholds) (right int, transactional Tally) {
	for _, e := range h {
		u := e.u
		e.r.apply(&u, th)
		if u.Intent == e.Intent {
			right++
		}
		if u.Intent.Transactional() {
			transactional.add(u.Intent == e.Intent)
		}
	}
	return right, transactional
}

func newReport() Report {
	return Report{
		PerLang: map[domain.Lang]*LangReport{},
		Recall:  map[domain.Intent]*Tally{},
		Precise: map[domain.Intent]*Tally{},
		Groups:  map[domain.Lang]map[Group]int{},
		// Confusion is filled as cases are added.
		Confusion: map[Confusion]int{},
	}
}

// add understands one case and counts the result; it returns the time
// understanding took.
func (r *Report) add(c *Classifier, e Case, hint func(Case) domain.Lang) time.Duration {
	h := domain.Lang("")
	if hint != nil {
		h = hint(e)
	}
	start := time.Now()
	u := c.Understand(e.Message, h)
	took := time.Since(start)
	r.count(e, u)
	return took
}

// count counts what the classifier understood of one case.
func (r *Report) count(e Case, u domain.Understanding) {
	r.Cases++
	lr := r.PerLang[e.Lang]
	if lr == nil {
		lr = &LangReport{}
		r.PerLang[e.Lang] = lr
		r.Groups[e.Lang] = map[Group]int{}
	}
	r.Groups[e.Lang][GroupOf(e.Intent)]++
	ok := u.Intent == e.Intent
	r.Intent.add(ok)
	lr.Intent.add(ok)
	tally(r.Recall, e.Intent).add(ok)
	if u.Intent != domain.IntentNone || !u.Unsure {
		tally(r.Precise, u.Intent).add(ok)
	}
	if u.Intent.Transactional() {
		r.Transactional.add(ok)
	}
	if u.Unsure {
		r.Unsure++
		lr.Unsure++
		for _, a := range u.Alternatives {
			if a == e.Intent {
				r.Offered++
			}
		}
	}
	if !ok {
		r.Misses = append(r.Misses, Miss{Case: e, Got: u, Problem: "intent"})
		got := string(u.Intent)
		switch {
		case u.Unsure:
			got = "unsure"
		case u.Intent == domain.IntentNone:
			got = "none"
		}
		r.Confusion[Confusion{Want: e.Intent, Got: got}]++
	}
	if Words(e.Message) >= 3 {
		lok := u.Lang == e.Lang
		r.Language.add(lok)
		lr.Language.add(lok)
		if !lok {
			r.Misses = append(r.Misses, Miss{Case: e, Got: u, Problem: "language"})
		}
	}
}

func (r *Report) finish(durations []time.Duration) {
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	if n := len(durations); n > 0 {
		r.Median = durations[n/2]
		r.P99 = durations[min(n-1, n*99/100)]
	}
}

func tally(m map[domain.Intent]*Tally, in domain.Intent) *Tally {
	t := m[in]
	if t == nil {
		t = &Tally{}
		m[in] = t
	}
	return t
}

// Words counts the words of a message as the language goal counts them:
// runs of letters and digits, and one word per two Chinese characters
// (Chinese has no spaces; its words are mostly two characters long).
func Words(s string) int {
	words, han, in := 0, 0, false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			if !in {
				words++
			}
			in = true
		default:
			in = false
		}
	}
	return words + han/2
}

// maxConfusions bounds the confusions Write prints.
const maxConfusions = 20

// Write prints the report: overall figures, then per language, per intent
// and the groups' sizes; misses when verbose.
func (r Report) Write(w io.Writer, verbose bool) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "messages: %d\n", r.Cases)
	fmt.Fprintf(b, "intent accuracy: %.1f%% (%d/%d)\n", r.Intent.Percent(), r.Intent.OK, r.Intent.N)
	fmt.Fprintf(b, "transactional precision: %.1f%% (%d/%d) — change, cancel, bag, seat, meal, extras\n",
		r.Transactional.Percent(), r.Transactional.OK, r.Transactional.N)
	fmt.Fprintf(b, "clarification rate: %.1f%% (%d/%d), expected intent among the choices in %d\n",
		100*float64(r.Unsure)/float64(max(r.Cases, 1)), r.Unsure, r.Cases, r.Offered)
	fmt.Fprintf(b, "language detection (3+ words): %.1f%% (%d/%d)\n", r.Language.Percent(), r.Language.OK, r.Language.N)
	fmt.Fprintf(b, "time per message: median %v, p99 %v\n", r.Median, r.P99)
	langs := make([]domain.Lang, 0, len(r.PerLang))
	for l := range r.PerLang {
		langs = append(langs, l)
	}
	sort.Slice(langs, func(i, j int) bool { return langOrder(langs[i]) < langOrder(langs[j]) })
	fmt.Fprintf(b, "\n%-4s %-20s %-20s %-8s %s\n", "lang", "intent", "language (3+ words)", "unsure", "cases per group (transactional/check-in/questions/control)")
	for _, l := range langs {
		lr, g := r.PerLang[l], r.Groups[l]
		fmt.Fprintf(b, "%-4s %5.1f%% (%4d/%4d) %5.1f%% (%4d/%4d) %-8d %d/%d/%d/%d\n", l,
			lr.Intent.Percent(), lr.Intent.OK, lr.Intent.N, lr.Language.Percent(), lr.Language.OK, lr.Language.N, lr.Unsure,
			g[GroupTransactional], g[GroupCheckIn], g[GroupQuestions], g[GroupControl])
	}
	fmt.Fprintf(b, "\n%-17s %-18s %s\n", "intent", "recall", "precision")
	for _, in := range append([]domain.Intent{domain.IntentNone}, domain.Intents...) {
		rc, pr := r.Recall[in], r.Precise[in]
		if rc == nil && pr == nil {
			continue
		}
		if rc == nil {
			rc = &Tally{}
		}
		if pr == nil {
			pr = &Tally{}
		}
		name := string(in)
		if in == domain.IntentNone {
			name = "none"
		}
		fmt.Fprintf(b, "%-17s %5.1f%% (%4d/%4d) %5.1f%% (%4d/%4d)\n", name, rc.Percent(), rc.OK, rc.N, pr.Percent(), pr.OK, pr.N)
	}
	if len(r.Confusion) > 0 {
		type pair struct {
			c Confusion
			n int
		}
		pairs := make([]pair, 0, len(r.Confusion))
		for c, n := range r.Confusion {
			pairs = append(pairs, pair{c, n})
		}
		sort.Slice(pairs, func(i, j int) bool {
			if pairs[i].n != pairs[j].n {
				return pairs[i].n > pairs[j].n
			}
			return pairs[i].c.Want+domain.Intent(pairs[i].c.Got) < pairs[j].c.Want+domain.Intent(pairs[j].c.Got)
		})
		fmt.Fprintf(b, "\nmost frequent confusions (expected → answered)\n")
		for _, p := range pairs[:min(len(pairs), maxConfusions)] {
			want := string(p.c.Want)
			if p.c.Want == domain.IntentNone {
				want = "none"
			}
			fmt.Fprintf(b, "%-17s → %-17s %d\n", want, p.c.Got, p.n)
		}
	}
	if verbose {
		b.WriteString("\n")
		for _, m := range r.Misses {
			got := string(m.Got.Intent)
			if m.Problem == "language" {
				got = string(m.Got.Lang)
			} else if m.Got.Unsure {
				got = fmt.Sprintf("unsure %v", m.Got.Alternatives)
			}
			fmt.Fprintf(b, "miss %s %s: want %s got %s (%.2f): %s\n", m.Lang, m.Problem, want(m), got, m.Got.Confidence, m.Message)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func want(m Miss) string {
	if m.Problem == "language" {
		return string(m.Lang)
	}
	if m.Intent == domain.IntentNone {
		return "none"
	}
	return string(m.Intent)
}

func langOrder(l domain.Lang) int {
	for i, t := range Trained() {
		if t == l {
			return i
		}
	}
	return len(Trained())
}
