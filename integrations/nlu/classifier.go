package nlu

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/skybridge/skybridge/domain"
)

//go:embed data
var dataFS embed.FS

// Similarity floors, chosen by cross-validation on the training examples
// among 0, 0.10, 0.15, 0.20 and 0.25 (lower floors answer more requests,
// higher ones keep more small talk out of the intents; 0 halves the
// recall of none). Below them the message resembles no training example:
// it is IntentNone, not a request to clarify, and the flow reads its
// entities instead.
const (
	minSimilarity        = 0.10 // best cosine similarity to a training example
	minSimilarityUnknown = 0.15 // the same, when no word of the message is known
)

var knownIntents = map[string]domain.Intent{
	"check_in":         domain.IntentCheckIn,
	"boarding_pass":    domain.IntentBoardingPass,
	"start_over":       domain.IntentStartOver,
	"help":             domain.IntentHelp,
	"human":            domain.IntentHuman,
	"change_language":  domain.IntentChangeLanguage,
	"yes":              domain.IntentYes,
	"no":               domain.IntentNo,
	"greeting":         domain.IntentGreeting,
	"thanks":           domain.IntentThanks,
	"none":             domain.IntentNone,
	"flight_status":    domain.IntentFlightStatus,
	"change_flight":    domain.IntentChangeFlight,
	"cancel_booking":   domain.IntentCancel,
	"disruption":       domain.IntentDisruption,
	"add_bag":          domain.IntentAddBag,
	"choose_seat":      domain.IntentChooseSeat,
	"meal":             domain.IntentMeal,
	"extras":           domain.IntentExtras,
	"baggage_question": domain.IntentBaggageQuestion,
	"question":         domain.IntentQuestion,
	"stop_messages":    domain.IntentStopMessages,
	"start_messages":   domain.IntentStartMessages,
}

// Classifier understands traveller messages in a fixed set of languages.
// It is immutable after New and safe for concurrent use.
type Classifier struct {
	langs      []domain.Lang
	intents    *intentModel
	lang       *langModel
	vocab      map[string]bool          // folded words of the enabled languages
	words      map[domain.Lang][]string // data/words.tsv
	linear     *linearModel
	countries  *countryIndex
	places     *placeIndex
	now        func() time.Time
	thresholds Thresholds
}

// New builds a classifier for langs, any subset of Trained(), from the
// embedded training examples. It loads lingua's low-accuracy models of those
// languages only, so that a message is never read as a language the airline
// does not serve.
func New(langs []domain.Lang, opts ...Option) (*Classifier, error) {
	if len(langs) == 0 {
		return nil, errors.New("new classifier: no language enabled")
	}
	o := options{now: time.Now, thresholds: DefaultThresholds}
	for _, opt := range opts {
		opt(&o)
	}
	places, err := newPlaceIndex(o.airports)
	if err != nil {
		return nil, fmt.Errorf("new classifier: %w", err)
	}
	c := &Classifier{countries: newCountryIndex(), places: places, now: o.now, thresholds: o.thresholds}
	seen := map[domain.Lang]bool{}
	var data []labelled
	for _, l := range langs {
		if seen[l] {
			continue
		}
		seen[l] = true
		if _, ok := linguaLanguages[l]; !ok {
			return nil, fmt.Errorf("new classifier: language %q has no training data", l)
		}
		examples, err := readExamples(l)
		if err != nil {
			return nil, fmt.Errorf("new classifier: %w", err)
		}
		data = append(data, examples...)
		c.langs = append(c.langs, l)
	}
	words, err := readWords()
	if err != nil {
		return nil, fmt.Errorf("new classifier: %w", err)
	}
	c.words = words
	langWords := c.learnVocabulary(data)
	// The linear model trains while the other models load: on two cores
	// start-up then costs about what the slowest of them does.
	linear := make(chan *linearModel, 1)
	go func() { linear <- trainLinear(data, defaultLinear) }()
	c.intents = trainIntents(data)
	c.lang = newLangModel(c.langs, langWords)
	c.linear = <-linear
	return c, nil
}

// learnVocabulary sets the vocabulary from the training examples and the
// common words, and returns the words of each language for detection.
func (c *Classifier) learnVocabulary(data []labelled) map[domain.Lang][]string {
	c.vocab = map[string]bool{}
	langWords := map[domain.Lang][]string{}
	for _, e := range data {
		langWords[e.lang] = append(langWords[e.lang], e.words...)
		for _, w := range e.words {
			c.vocab[w] = true
		}
	}
	for _, l := range c.langs {
		for _, w := range c.words[l] {
			c.vocab[w] = true
			langWords[l] = append(langWords[l], w)
		}
	}
	for w := range numberWords {
		c.vocab[w] = true
	}
	for w := range monthNames {
		if len(w) > 3 { // "Jan" and "May" are names too
			c.vocab[fold(w)] = true
		}
	}
	for w := range languageNames {
		c.vocab[w] = true
	}
	return langWords
}

// retrained returns a copy of the classifier whose intent models,
// vocabulary and language counts are trained on data alone; the lingua
// models, places and thresholds are shared.
func (c *Classifier) retrained(data []labelled) *Classifier {
	r := *c
	langWords := r.learnVocabulary(data)
	r.intents = trainIntents(data)
	r.linear = trainLinear(data, c.linear.cfg)
	r.lang = c.lang.withWords(langWords)
	return &r
}

// Thresholds returns the confidences intents need, as built.
func (c *Classifier) Thresholds() Thresholds { return c.thresholds }

// Languages returns the languages the classifier was built for.
func (c *Classifier) Languages() []domain.Lang {
	return append([]domain.Lang(nil), c.langs...)
}

// readExamples reads data/<lang>.tsv: "intent<TAB>example" lines; blank
// lines and lines starting with # are ignored.
func readExamples(l domain.Lang) ([]labelled, error) {
	name := "data/" + string(l) + ".tsv"
	f, err := dataFS.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, text, ok := strings.Cut(line, "\t")
		intent, known := knownIntents[strings.TrimSpace(label)]
		if !ok || !known {
			return nil, fmt.Errorf("read %s line %d: want intent<TAB>example", name, n)
		}
		words := intentWords(tokenize(text), nil)
		if len(words) == 0 {
			continue // data-only examples teach nothing; such messages are none by construction
		}
		out = append(out, labelled{intent: intent, lang: l, words: words, text: strings.TrimSpace(text)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// readWords reads data/words.tsv: "lang<TAB>word word …" lines of common
// words that are neither surnames nor booking references.
func readWords() (map[domain.Lang][]string, error) {
	b, err := dataFS.ReadFile("data/words.tsv")
	if err != nil {
		return nil, fmt.Errorf("read words: %w", err)
	}
	out := map[domain.Lang][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		l, ws, ok := strings.Cut(line, "\t")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		for _, t := range tokenize(ws) {
			out[domain.Lang(l)] = append(out[domain.Lang(l)], t.folded)
		}
	}
	return out, nil
}

// intentWords returns the folded words of a message that are not data.
func intentWords(toks []token, data []bool) []string {
	words := make([]string, 0, len(toks))
	for i, t := range toks {
		if t.hasDigit || data != nil && data[i] {
			continue
		}
		words = append(words, t.folded)
	}
	return words
}

// Understand reads one message: its language ("" when a short message
// carries no evidence of one, so that the caller keeps hint), its intent
// (IntentNone below the intent's threshold, with Unsure and Alternatives
// set, or when the message is only data) and its entities in message order.
// hint is the traveller's stored language, "" if unknown. Understand never
// panics.
func (c *Classifier) Understand(text string, hint domain.Lang) (u domain.Understanding) {
	// A bug must cost one message its understanding, never the worker; the
	// fuzz target calls understand directly so that such bugs are found.
	defer func() {
		if recover() != nil {
			u = domain.Understanding{}
		}
	}()
	return c.understand(text, hint)
}

func (c *Classifier) understand(text string, hint domain.Lang) domain.Understanding {
	u, r := c.read(text, hint)
	r.apply(&u, c.thresholds)
	return u
}

// reading is what understanding a message found before thresholds decide
// its intent.
type reading struct {
	empty bool // nothing to read
	ev    evidence
	// names: the message is only names, data like a booking reference.
	names bool
	// language: the message names a language; switchOnly: and says
	// nothing else than asking to switch to it.
	language, switchOnly bool
}

// read finds the language and entities of a message and the evidence of its
// intent.
func (c *Classifier) read(text string, hint domain.Lang) (u domain.Understanding, r reading) {
	text = truncate(text, maxMessageBytes)
	toks := tokenize(text)
	if len(toks) == 0 {
		return u, reading{empty: true}
	}
	x := c.extract(text, toks, c.now())
	for _, e := range x.entities {
		u.Entities = append(u.Entities, e.Entity)
	}
	words := intentWords(toks, x.data)
	u.Lang, u.LangConfidence = c.lang.detect(words, hint)
	r.names = c.onlyNames(toks, x) // a name alone is data, like a booking reference
	if !r.names {
		r.ev = c.evidence(words)
	}
	_, r.language = u.First(domain.EntityLanguage)
	r.switchOnly = r.language && onlySwitchWords(words)
	return u, r
}

// apply decides the intent of u under the thresholds th.
func (r *reading) apply(u *domain.Understanding, th Thresholds) {
	if r.empty {
		return
	}
	d := decision{confidence: 1}
	if !r.names {
		d = decide(r.ev, th)
	}
	u.Intent, u.Confidence, u.Unsure, u.Alternatives = d.intent, d.confidence, d.unsure, d.alternatives
	if r.language && (u.Intent == domain.IntentChangeLanguage || r.switchOnly) {
		u.Intent = domain.IntentChangeLanguage
		u.Confidence = max(u.Confidence, 0.9)
	}
}

// exactSimilarity: a message this similar to a training example is that
// example, up to rounding.
const exactSimilarity = 0.999

// exactExample returns the intent of the training example the message
// repeats, if examples of one intent only are that close.
func exactExample(scores []intentScore) (domain.Intent, float64, bool) {
	var in domain.Intent
	var sim float64
	found := 0
	for _, s := range scores {
		if s.top >= exactSimilarity {
			in, sim = s.intent, s.top
			found++
		}
	}
	return in, min(sim, 1), found == 1
}

// onlyNames reports whether every word of the message is part of a
// surname found in it, one of which is written with a capital and is no
// word of the vocabulary ("van der Berg", not "Merci Beaucoup").
func (c *Classifier) onlyNames(toks []token, x extraction) bool {
	names := false
	for i, t := range toks {
		if x.data[i] {
			continue
		}
		in := false
		for _, e := range x.entities {
			if e.Type == domain.EntitySurname && t.start >= e.start && t.end <= e.end {
				in = true
				break
			}
		}
		if !in {
			return false
		}
		r, _ := utf8.DecodeRuneInString(t.text)
		names = names || unicode.IsUpper(r) && !c.vocab[t.folded]
	}
	return names
}

// decision is what the classifier decided about the intent of a message.
type decision struct {
	intent       domain.Intent
	confidence   float64
	unsure       bool
	alternatives []domain.Intent
}

// maxAlternatives bounds the choices of a clarifying question (WhatsApp
// shows three reply buttons).
const maxAlternatives = 3

// fallbackShare: when the most likely intent is transactional but below
// its threshold, the most likely other intent is answered if it is at
// least this share as likely (cross-validated accuracy is higher with it).
const fallbackShare = 0.5

// Alternatives offered in a clarifying question: intents at least this
// probable, and at least this share of the best one's probability.
const (
	minAlternative      = 0.05
	minAlternativeShare = 0.2
)

// evidence is what the models say about the words of a message, before any
// threshold is applied: decide turns it into a decision. Keeping the two
// apart lets cross-validation try thresholds without training again.
type evidence struct {
	// filler: no model knows the words, or they carry no intent.
	filler bool
	// exact is the intent of the one training example the message repeats
	// (exactOK), with its similarity.
	exact    domain.Intent
	exactSim float64
	exactOK  bool
	// probs are the linear model's probabilities of intents, ranked the
	// order of their indexes from the most probable.
	intents []domain.Intent
	probs   []float64
	ranked  []int
	// nearest is the best similarity to a training example; floor the one
	// a message must reach to be a request at all.
	nearest, floor float64
	negated        bool // the message opens with a negation
}

// evidence reads the words with the similarity and the linear models.
func (c *Classifier) evidence(words []string) evidence {
	scores := c.intents.classify(words)
	if len(scores) == 0 || onlyFiller(words) {
		return evidence{filler: true}
	}
	ev := evidence{intents: c.linear.intents, floor: minSimilarity, negated: negations[words[0]]}
	ev.probs, _ = c.linear.probabilities(words)
	ev.ranked = make([]int, len(ev.probs))
	for k := range ev.ranked {
		ev.ranked[k] = k
	}
	sort.SliceStable(ev.ranked, func(i, j int) bool { return ev.probs[ev.ranked[i]] > ev.probs[ev.ranked[j]] })
	ev.exact, ev.exactSim, ev.exactOK = exactExample(scores)
	for _, s := range scores {
		ev.nearest = max(ev.nearest, s.nearest)
	}
	if scores[0].known == 0 {
		ev.floor = minSimilarityUnknown
	}
	return ev
}

// probability returns the probability of one intent, 0 when the model has
// no example of it.
func (ev *evidence) probability(in domain.Intent) float64 {
	for k, x := range ev.intents {
		if x == in {
			return ev.probs[k]
		}
	}
	return 0
}

// intent decides the intent of the words and its confidence: the
// probability the linear model gives the most likely intent. The
// similarity model says whether the message resembles any training example
// at all; when it does not, the message is none.
func (c *Classifier) intent(words []string) decision {
	return decide(c.evidence(words), c.thresholds)
}

// decide applies the thresholds th to the evidence.
func decide(ev evidence, th Thresholds) decision {
	if ev.filler {
		return decision{confidence: 1}
	}
	probs, ranked := ev.probs, ev.ranked
	best := ev.intents[ranked[0]]
	conf := probs[ranked[0]]
	// A message that is a training example word for word takes its label
	// ("cancel" is taught as a no, though "cancel" leads most booking
	// cancellations), unless examples of several intents read the same.
	if ev.exactOK && (ev.exact == domain.IntentNone || ev.exactSim >= th.For(ev.exact)) {
		if ev.exact == domain.IntentNone {
			return decision{confidence: ev.exactSim}
		}
		return decision{intent: ev.exact, confidence: ev.exactSim}
	}
	// "no thanks", "nee dankjewel", "não obrigado": a leading no decides.
	if (best == domain.IntentThanks || best == domain.IntentYes) && ev.negated {
		return decision{intent: domain.IntentNo, confidence: conf}
	}
	if ev.nearest < ev.floor {
		return decision{confidence: max(1-conf, ev.probability(domain.IntentNone))}
	}
	if best == domain.IntentNone {
		return decision{confidence: conf}
	}
	if conf >= th.For(best) {
		return decision{intent: best, confidence: conf}
	}
	// A transactional guess too weak to act on does not hide a likely
	// answer that costs nothing when wrong ("my flight tomorrow, can I
	// bring my bike?": a question, maybe a change).
	if best.Transactional() {
		for _, k := range ranked[1:] {
			in := ev.intents[k]
			if in == domain.IntentNone || in.Transactional() {
				continue
			}
			if probs[k] >= fallbackShare*conf && probs[k] >= th.For(in) {
				return decision{intent: in, confidence: probs[k]}
			}
			break
		}
	}
	// It looks like a request, but not clearly enough: offer the intents
	// that are likely enough.
	d := decision{confidence: conf, unsure: true}
	for _, k := range ranked {
		p := probs[k]
		if len(d.alternatives) == maxAlternatives || p < minAlternative || p < minAlternativeShare*conf {
			break
		}
		if in := ev.intents[k]; in != domain.IntentNone {
			d.alternatives = append(d.alternatives, in)
		}
	}
	return d
}

// truncate cuts s to at most n bytes. A rune cut in half becomes a
// separator for the tokenizer, so no care is needed at the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// negations open a refusal in any of the languages.
var negations = setOf("no non nee neen nein nao nope nah naum ne")

// switchWords may stand next to a language name in a request to switch:
// "English please", "en français svp", "auf Deutsch bitte".
var switchWords = setOf(`please pls plz in en em op auf na no al el het the le la o a to into op
	svp stp s il vous plait bitte graag aub alsjeblieft por favor porfa pf speak parle parlez
	spreek spreken sprechen sprich hablar habla falar fala talk switch change changer passer
	wissel wijzig wechseln cambiar mudar idioma lingua language langue taal sprache can we you
	could do we kunnen peut on podemos ok`)

func onlySwitchWords(words []string) bool {
	for _, w := range words {
		if _, ok := languageNames[w]; !ok && !switchWords[w] {
			return false
		}
	}
	return true
}

// filler words carry no intent of their own: a message made of them and
// data ("the third please", "de derde graag") is data.
var filler = setOf(`the a an one please pls plz de het een le la les l un une der die das den dem
	el la los las o a os as um uma svp stp s il vous plait bitte graag aub alsjeblieft por favor
	porfa pf is it its that this ist es c est`)

func onlyFiller(words []string) bool {
	for _, w := range words {
		if !filler[w] {
			return false
		}
	}
	return true
}
