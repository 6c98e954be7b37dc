package nlu

import (
	"math"
	"math/rand/v2"

	"github.com/skybridge/skybridge/domain"
)

// The linear model is a multinomial logistic regression over the words of a
// message, its word pairs and the character 3- to 5-grams of its words,
// trained at start-up. Its softmax output is the intent's confidence: a
// probability, so the thresholds of the engine and of the flows keep their
// meaning ("act on a change request at 0.5", "switch flows at 0.7").
//
// Hyper-parameters were chosen by 5-fold cross-validation on the training
// examples (CrossValidate), never on testdata/eval.tsv.
type linearConfig struct {
	word, pair, ngram float64 // feature weights before normalisation
	minN, maxN        int     // character n-gram lengths
	epochs            int
	rate              float64 // initial learning rate
	decay             float64 // the rate of epoch e is rate/(1+decay·e)
	l2                float64 // L2 penalty per example seen
	runs              int     // training runs averaged, each in its own order
	// temperature divides the logits when the model answers: fitted by
	// cross-validation to minimise the log-loss of held-out examples, so
	// that a confidence of 0.8 is right about 8 times in 10 (0.9 among
	// 0.5, 0.6, 0.75, 0.9, 1 and 1.2 for 20 epochs and 3 runs).
	temperature float64
}

// Three runs of 20 epochs rather than one of 10: cross-validated accuracy
// 78.3 → 78.9 % at the same transactional threshold and precision, for
// about six times the training (about 1 s of CPU for twelve languages).
// Word pairs at 0.5 and n-grams at 0.8 rather than 0.8 and 0.6: 82.3 →
// 82.9 % (7,831 examples, thresholds chosen for each; 82.7 → 83.3 % on the
// 7,679 kept). 30 epochs would add 0.15 points for half as much training
// again at start-up, and were left.

var defaultLinear = linearConfig{
	word: 1.0, pair: 0.5, ngram: 0.8, minN: 3, maxN: 5,
	epochs: 20, rate: 3, decay: 0.2, l2: 0, runs: 3, temperature: 0.9,
}

// minGradient: a class whose gradient on an example is smaller than this
// is not updated for it, which makes training faster.
const minGradient = 1e-3

// linSeed shuffles the training order, deterministically.
const linSeed = 20261

// feature kinds, hashed with the text so that "w in" and "c in" differ.
const (
	kindWord  = 'w'
	kindPair  = 'b'
	kindNgram = 'c'
)

// sparse is a feature vector: hashed feature and its value.
type sparse struct {
	keys []uint64
	vals []float32
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fnvByte(h uint64, b byte) uint64 {
	h ^= uint64(b)
	return h * fnvPrime
}

// linearFeatures returns the L2-normalised feature vector of the words.
func linearFeatures(words []string, cfg *linearConfig) sparse {
	acc := make(map[uint64]float32, len(words)*16)
	prev := ""
	for i, w := range words {
		w = squeeze(w)
		acc[fnvAdd(fnvByte(fnvOffset, kindWord), w)] += float32(cfg.word)
		if i > 0 {
			h := fnvAdd(fnvByte(fnvOffset, kindPair), prev)
			acc[fnvAdd(fnvByte(h, ' '), w)] += float32(cfg.pair)
		}
		prev = w
		// Character n-grams of "<w>": typos, missing accents and the
		// inflections of a word share most of them.
		padded := "<" + w + ">"
		offs := make([]int, 0, len(padded)+1)
		for j := range padded {
			offs = append(offs, j)
		}
		offs = append(offs, len(padded))
		runes := len(offs) - 1
		if runes <= cfg.minN {
			continue // the word itself is already a feature
		}
		for n := cfg.minN; n <= cfg.maxN; n++ {
			for j := 0; j+n <= runes; j++ {
				acc[fnvAdd(fnvByte(fnvOffset, kindNgram), padded[offs[j]:offs[j+n]])] += float32(cfg.ngram)
			}
		}
	}
	out := sparse{keys: make([]uint64, 0, len(acc)), vals: make([]float32, 0, len(acc))}
	var norm float64
	for _, v := range acc {
		norm += float64(v) * float64(v)
	}
	if norm == 0 {
		return out
	}
	inv := float32(1 / math.Sqrt(norm))
	for k, v := range acc {
		out.keys = append(out.keys, k)
		out.vals = append(out.vals, v*inv)
	}
	return out
}

// linearModel holds the weights: one row of len(intents) per feature seen
// in training; a feature never seen has weight zero and is skipped.
type linearModel struct {
	cfg     linearConfig
	intents []domain.Intent
	rows    map[uint64]int32
	weights []float32 // rows × classes
	bias    []float32
}

// trainLinear fits the model by stochastic gradient descent on the
// cross-entropy with an L2 penalty (applied lazily through a scale factor,
// so that each step only touches the example's features).
func trainLinear(data []labelled, cfg linearConfig) *linearModel {
	m := &linearModel{cfg: cfg, rows: map[uint64]int32{}}
	index := map[domain.Intent]int{}
	xs := make([]sparse, len(data))
	ys := make([]int, len(data))
	for i, d := range data {
		k, ok := index[d.intent]
		if !ok {
			k = len(m.intents)
			index[d.intent] = k
			m.intents = append(m.intents, d.intent)
		}
		ys[i] = k
		x := linearFeatures(d.words, &m.cfg)
		for _, key := range x.keys {
			if _, ok := m.rows[key]; !ok {
				m.rows[key] = int32(len(m.rows))
			}
		}
		xs[i] = x
	}
	classes := len(m.intents)
	if classes == 0 {
		return m
	}
	// Rows are looked up once per example, not once per epoch.
	rowsOf := make([][]int32, len(xs))
	for i, x := range xs {
		rowsOf[i] = make([]int32, len(x.keys))
		for j, key := range x.keys {
			rowsOf[i][j] = m.rows[key]
		}
	}
	// Each run visits the examples in another order; the model is the
	// mean of the runs' weights, which for a linear model is the mean of
	// their logits: the order a run happened to see the examples in
	// matters less.
	runs := max(cfg.runs, 1)
	m.weights = make([]float32, len(m.rows)*classes)
	m.bias = make([]float32, classes)
	for r := 0; r < runs; r++ {
		w, bias := fitLinear(xs, rowsOf, ys, classes, len(m.rows), cfg, uint64(r))
		for k, v := range w {
			m.weights[k] += v / float32(runs)
		}
		for k, v := range bias {
			m.bias[k] += v / float32(runs)
		}
	}
	return m
}

// fitLinear runs stochastic gradient descent once, visiting the examples
// in the order seed and their number give.
func fitLinear(xs []sparse, rowsOf [][]int32, ys []int, classes, rows int, cfg linearConfig, seed uint64) ([]float32, []float32) {
	weights := make([]float32, rows*classes)
	bias := make([]float32, classes)
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(linSeed+seed, uint64(len(xs))))
	scale := float32(1)
	p := make([]float64, classes)
	for epoch := 0; epoch < cfg.epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		rate := cfg.rate / (1 + cfg.decay*float64(epoch))
		for _, i := range order {
			x, rows := xs[i], rowsOf[i]
			for k := range p {
				p[k] = float64(bias[k])
			}
			for j, r := range rows {
				v := x.vals[j] * scale
				w := weights[int(r)*classes : int(r)*classes+classes]
				for k, wk := range w {
					p[k] += float64(v * wk)
				}
			}
			softmax(p)
			p[ys[i]]--
			step := float32(rate) / scale
			// Most classes are already near zero probability: their
			// gradient is negligible and their weights are left alone.
			for k, g := range p {
				if g > -minGradient && g < minGradient {
					continue
				}
				bias[k] -= float32(rate * g)
				gk := float32(g) * step
				for j, r := range rows {
					weights[int(r)*classes+k] -= x.vals[j] * gk
				}
			}
			if cfg.l2 > 0 {
				scale *= float32(1 - rate*cfg.l2)
				if scale < 1e-3 {
					for k := range weights {
						weights[k] *= scale
					}
					scale = 1
				}
			}
		}
	}
	if scale != 1 {
		for k := range weights {
			weights[k] *= scale
		}
	}
	return weights, bias
}

// probabilities returns the softmax probability of each intent of
// m.intents, and how many of the message's features the model knows.
func (m *linearModel) probabilities(words []string) ([]float64, int) {
	classes := len(m.intents)
	p := make([]float64, classes)
	if classes == 0 {
		return p, 0
	}
	x := linearFeatures(words, &m.cfg)
	known := 0
	inv := 1.0
	if m.cfg.temperature > 0 {
		inv = 1 / m.cfg.temperature
	}
	for k := range p {
		p[k] = float64(m.bias[k]) * inv
	}
	for j, key := range x.keys {
		r, ok := m.rows[key]
		if !ok {
			continue
		}
		known++
		v := float64(x.vals[j]) * inv
		w := m.weights[int(r)*classes : int(r)*classes+classes]
		for k := range p {
			p[k] += v * float64(w[k])
		}
	}
	softmax(p)
	return p, known
}

// softmax turns logits into probabilities in place.
func softmax(p []float64) {
	top := math.Inf(-1)
	for _, x := range p {
		top = max(top, x)
	}
	var z float64
	for k, x := range p {
		p[k] = math.Exp(x - top)
		z += p[k]
	}
	for k := range p {
		p[k] /= z
	}
}
