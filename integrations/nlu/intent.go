package nlu

import (
	"math"
	"sort"

	"github.com/skybridge/skybridge/domain"
)

// Feature weights: whole words carry most meaning; word pairs separate
// "boarding pass" from "pass"; character n-grams forgive typos and missing
// accents ("chek in", "enregistrment").
const (
	wordWeight  = 1.0
	pairWeight  = 0.6
	ngramWeight = 0.3
)

// example is one training sentence as a sparse, L2-normalised tf-idf vector.
type example struct {
	intent domain.Intent
	lang   domain.Lang
}

type posting struct {
	example int32
	weight  float32
}

// intentModel is a nearest-neighbour classifier over tf-idf vectors with an
// inverted index, so a query only touches the examples it shares features
// with. The linear model decides the intent; this one tells how closely a
// message resembles its nearest training example (the similarity floors).
type intentModel struct {
	features map[string]int32
	idf      []float32
	maxIDF   float32
	postings [][]posting
	examples []example
	intents  []domain.Intent // distinct intents, "" (none) included
	index    map[domain.Intent]int
	// centroids[feature] holds the weight of the feature in the normalised
	// sum of each intent's examples: evidence spread over several examples
	// ("terugvlucht" in one, "zaterdag" in another) adds up there.
	centroids [][]centroidWeight
}

type centroidWeight struct {
	intent int32
	weight float32
}

// Scoring mix, chosen on testdata/eval.tsv: nearest examples decide
// phrasing, centroids gather evidence.
const (
	nearestShare  = 0.7
	centroidShare = 0.3
)

// features returns the weighted raw features of a message's words.
func featuresOf(words []string) map[string]float64 {
	f := make(map[string]float64, len(words)*10)
	for i, w := range words {
		w = squeeze(w)
		f["w "+w] += wordWeight
		if i > 0 {
			f["b "+squeeze(words[i-1])+" "+w] += pairWeight
		}
		padded := "<" + w + ">"
		rs := []rune(padded)
		for n := 3; n <= 4; n++ {
			for j := 0; j+n <= len(rs); j++ {
				f["c "+string(rs[j:j+n])] += ngramWeight
			}
		}
	}
	return f
}

type labelled struct {
	intent domain.Intent
	lang   domain.Lang
	words  []string
	text   string // as written in the training file
}

func trainIntents(data []labelled) *intentModel {
	m := &intentModel{features: map[string]int32{}, index: map[domain.Intent]int{}}
	raw := make([]map[string]float64, len(data))
	var df []int
	for i, d := range data {
		raw[i] = featuresOf(d.words)
		for f := range raw[i] {
			id, ok := m.features[f]
			if !ok {
				id = int32(len(df))
				m.features[f] = id
				df = append(df, 0)
			}
			df[id]++
		}
		m.examples = append(m.examples, example{intent: d.intent, lang: d.lang})
		if _, ok := m.index[d.intent]; !ok {
			m.index[d.intent] = len(m.intents)
			m.intents = append(m.intents, d.intent)
		}
	}
	n := float64(len(data))
	m.idf = make([]float32, len(df))
	for id, c := range df {
		m.idf[id] = float32(math.Log((n+1)/(float64(c)+1)) + 1)
		if m.idf[id] > m.maxIDF {
			m.maxIDF = m.idf[id]
		}
	}
	m.postings = make([][]posting, len(df))
	sums := make([]map[int32]float64, len(m.intents))
	for k := range sums {
		sums[k] = map[int32]float64{}
	}
	defer func() { m.centroids = centroidsOf(sums, len(df)) }()
	for i, f := range raw {
		var norm float64
		for name, tf := range f {
			w := tf * float64(m.idf[m.features[name]])
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for name, tf := range f {
			id := m.features[name]
			w := tf * float64(m.idf[id]) / norm
			m.postings[id] = append(m.postings[id], posting{example: int32(i), weight: float32(w)})
			sums[m.index[data[i].intent]][id] += w
		}
	}
	return m
}

// centroidsOf normalises each intent's sum of example vectors and indexes
// it by feature.
func centroidsOf(sums []map[int32]float64, features int) [][]centroidWeight {
	out := make([][]centroidWeight, features)
	for k, sum := range sums {
		var norm float64
		for _, w := range sum {
			norm += w * w
		}
		norm = math.Sqrt(norm)
		for id, w := range sum {
			out[id] = append(out[id], centroidWeight{intent: int32(k), weight: float32(w / norm)})
		}
	}
	return out
}

// intentScore is the similarity of a message to the examples of one intent.
type intentScore struct {
	intent  domain.Intent
	score   float64 // ranks the intents: nearest examples and centroid mixed
	nearest float64 // the nearest examples alone: the two best, weighted
	top     float64 // the best cosine similarity to one example of the intent
	known   int     // words of the message the model has seen
}

// classify returns the intents ranked by similarity: for each intent, the
// best cosine similarity to one of its examples, smoothed with the second
// best so that one odd example cannot win alone.
func (m *intentModel) classify(words []string) []intentScore {
	if len(words) == 0 {
		return nil
	}
	f := featuresOf(words)
	type q struct {
		id int32
		w  float64
	}
	qs := make([]q, 0, len(f))
	var norm float64
	known := 0
	for name, tf := range f {
		id, ok := m.features[name]
		idf := m.maxIDF
		if ok {
			idf = m.idf[id]
		}
		w := tf * float64(idf)
		norm += w * w
		if ok {
			qs = append(qs, q{id, w})
			if name[0] == 'w' {
				known++
			}
		}
	}
	if norm == 0 {
		return nil
	}
	norm = math.Sqrt(norm)
	sims := make([]float32, len(m.examples))
	central := make([]float32, len(m.intents))
	for _, x := range qs {
		w := float32(x.w / norm)
		for _, p := range m.postings[x.id] {
			sims[p.example] += w * p.weight
		}
		for _, c := range m.centroids[x.id] {
			central[c.intent] += w * c.weight
		}
	}
	best := make([][2]float32, len(m.intents))
	for i, s := range sims {
		k := m.index[m.examples[i].intent]
		switch {
		case s > best[k][0]:
			best[k][1], best[k][0] = best[k][0], s
		case s > best[k][1]:
			best[k][1] = s
		}
	}
	out := make([]intentScore, len(m.intents))
	for k, in := range m.intents {
		nearest := 0.8*float64(best[k][0]) + 0.2*float64(best[k][1])
		out[k] = intentScore{intent: in, score: nearestShare*nearest + centroidShare*float64(central[k]), nearest: nearest, top: float64(best[k][0]), known: known}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	return out
}

// squeeze collapses repeated letters, so that chat spellings meet their
// words: "hiii" and "hi", "hallooo" and "hallo", "mercii" and "merci".
func squeeze(w string) string {
	for i := 1; i < len(w); i++ {
		if w[i] == w[i-1] {
			b := make([]byte, 0, len(w))
			b = append(b, w[:i]...)
			for j := i; j < len(w); j++ {
				if w[j] != w[j-1] {
					b = append(b, w[j])
				}
			}
			return string(b)
		}
	}
	return w
}
