package nlu

import (
	"math"
	"strings"

	"github.com/pemistahl/lingua-go"

	"github.com/skybridge/skybridge/domain"
)

var linguaLanguages = map[domain.Lang]lingua.Language{
	"en": lingua.English,
	"fr": lingua.French,
	"nl": lingua.Dutch,
	"de": lingua.German,
	"es": lingua.Spanish,
	"pt": lingua.Portuguese,
	"it": lingua.Italian,
	"pl": lingua.Polish,
	"tr": lingua.Turkish,
	"ar": lingua.Arabic,
	"zh": lingua.Chinese,
	"hi": lingua.Hindi,
}

// Trained returns the languages the package has training examples for, in
// a stable order. New accepts any subset of them.
func Trained() []domain.Lang {
	return []domain.Lang{"en", "fr", "nl", "de", "es", "pt", "it", "pl", "tr", "ar", "zh", "hi"}
}

// linguaFranca are words travellers of every language use; they say nothing
// about the language of a message ("ok", "check-in", "boarding pass").
var linguaFranca = setOf(`ok okay oke okey okido oki k kk yes yep yeah yup no nope hi hey hello
	bye thanks thx tks sorry check checkin chekin boarding boardingpass pass online app web
	mail email pdf wifi super top cool sms whatsapp qr code bye ciao lounge priority upgrade
	pnr gate status upgrade`)

// Detection tuning, measured on testdata/eval.tsv.
const (
	vocabSmoothing = 0.1  // additive smoothing of per-language word counts
	vocabWordCap   = 4.0  // one word can move a language by at most this (log units)
	linguaFloor    = 0.05 // lingua alone never vetoes a language
	linguaWeight   = 1.0
	hintBonus      = 0.8 // the stored language wins near-ties
	shortEvidence  = 2.0 // a 1-2 word message needs this much vocabulary evidence
)

// langModel detects the language of a message among the enabled languages.
type langModel struct {
	langs    []domain.Lang
	counts   map[string][]float64 // folded word → occurrences per language
	totals   []float64
	detector lingua.LanguageDetector // nil when only one language is enabled
	position map[lingua.Language]int
}

func newLangModel(langs []domain.Lang, words map[domain.Lang][]string) *langModel {
	m := &langModel{langs: langs, position: map[lingua.Language]int{}}
	m.count(words)
	if len(langs) > 1 {
		ll := make([]lingua.Language, len(langs))
		for i, l := range langs {
			ll[i] = linguaLanguages[l]
			m.position[ll[i]] = i
		}
		m.detector = lingua.NewLanguageDetectorBuilder().
			FromLanguages(ll...).
			WithLowAccuracyMode().
			WithPreloadedLanguageModels().
			Build()
	}
	return m
}

// count sets the per-language word counts.
func (m *langModel) count(words map[domain.Lang][]string) {
	m.counts, m.totals = map[string][]float64{}, make([]float64, len(m.langs))
	for i, l := range m.langs {
		for _, w := range words[l] {
			c, ok := m.counts[w]
			if !ok {
				c = make([]float64, len(m.langs))
				m.counts[w] = c
			}
			c[i]++
			m.totals[i]++
		}
	}
}

// withWords returns a copy of the model counting other words, with the
// same lingua detector.
func (m *langModel) withWords(words map[domain.Lang][]string) *langModel {
	r := *m
	r.count(words)
	return &r
}

// vocabScores returns, per language, the log-likelihood ratio of the words
// against the average language; distinctive words count most.
func (m *langModel) vocabScores(words []string, skipFranca bool) []float64 {
	s := make([]float64, len(m.langs))
	v := float64(len(m.counts))
	lp := make([]float64, len(m.langs))
	for _, w := range words {
		c, ok := m.counts[w]
		if !ok || (skipFranca && linguaFranca[w]) {
			continue
		}
		var mean float64
		for i := range m.langs {
			lp[i] = math.Log((c[i] + vocabSmoothing) / (m.totals[i] + vocabSmoothing*v))
			mean += lp[i]
		}
		mean /= float64(len(m.langs))
		for i := range m.langs {
			s[i] += math.Max(-vocabWordCap, math.Min(vocabWordCap, lp[i]-mean))
		}
	}
	return s
}

// detect returns the language of the words and the probability it gives
// it, or "" when a short message carries no evidence.
func (m *langModel) detect(words []string, hint domain.Lang) (domain.Lang, float64) {
	if len(words) == 0 {
		return "", 0
	}
	vocab := m.vocabScores(words, true)
	evidence := false
	for _, x := range vocab {
		if x != 0 {
			evidence = true
			break
		}
	}
	if len(m.langs) == 1 {
		if evidence || len(words) >= 3 {
			return m.langs[0], 1
		}
		return "", 0
	}
	total := make([]float64, len(m.langs))
	copy(total, vocab)
	letters := 0
	for _, w := range words {
		letters += len(w)
	}
	if letters >= 3 {
		for _, cv := range m.detector.ComputeLanguageConfidenceValues(strings.Join(words, " ")) {
			if i, ok := m.position[cv.Language()]; ok {
				total[i] += linguaWeight * math.Log(math.Max(linguaFloor, cv.Value()))
			}
		}
	}
	for i, l := range m.langs {
		if l == hint {
			total[i] += hintBonus
		}
	}
	best, second := argmax2(total)
	// Softmax probability of the winner.
	var z float64
	for _, x := range total {
		z += math.Exp(x - total[best])
	}
	p := 1 / z
	if len(words) <= 2 {
		// A short message counts only on words of one language, never on
		// what lingua guesses from a few letters.
		if !evidence || vocab[best]-vocab[second] < shortEvidence {
			return "", 0
		}
		return m.langs[best], p
	}
	if !evidence && len(words) < 4 {
		return "", 0
	}
	return m.langs[best], p
}

func argmax2(xs []float64) (best, second int) {
	best, second = 0, -1
	for i := 1; i < len(xs); i++ {
		if xs[i] > xs[best] {
			best, second = i, best
		} else if second < 0 || xs[i] > xs[second] {
			second = i
		}
	}
	if second < 0 {
		second = best
	}
	return best, second
}

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
