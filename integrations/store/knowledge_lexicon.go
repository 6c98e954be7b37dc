package store

import (
	"context"
	"math"
	"sort"
	"sync"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// lexicon is what the articles of one content version and language say, word by
// word: the words they use (to correct a question's typos), which articles use
// each stem (to weigh a question's words by rarity and to score coverage), and
// each passage's stems (to rank passages, passageRank). It is derived from
// immutable rows, so it is built once per process and cached.
type lexicon struct {
	words    map[string]struct{}            // folded words as written in the articles
	stems    map[string]map[string]struct{} // stem → ids of the articles using it
	articles int

	passages    map[passageKey]*passageStems
	passageFreq map[string]int // stem → number of passages using it
	avgLen      float64        // mean number of words of a passage (title, tags and paragraph)
}

type passageKey struct {
	article   string
	paragraph int
}

// passageStems counts the stems of one passage in its title, tags and paragraph.
type passageStems struct {
	title, tags, body map[string]int
	length            int
}

type lexiconKey struct {
	db      *gorm.DB
	version int
	lang    domain.Lang
}

// lexicons caches lexicons per database, version and language. Content versions
// are few; the bound only guards against a pathological number of them.
var lexicons = struct {
	sync.Mutex
	m map[lexiconKey]*lexicon
}{m: map[lexiconKey]*lexicon{}}

const maxLexicons = 256

func (s *Store) lexicon(ctx context.Context, version int, lang domain.Lang) (*lexicon, error) {
	key := lexiconKey{db: s.db, version: version, lang: lang}
	lexicons.Lock()
	lex, ok := lexicons.m[key]
	lexicons.Unlock()
	if ok {
		return lex, nil
	}
	var rows []knowledgePassageRow
	err := s.db.WithContext(ctx).Where("content_version = ? AND lang = ?", version, string(lang)).
		Order("article, paragraph").Find(&rows).Error
	if err != nil {
		return nil, err
	}
	lex = newLexicon(lang, rows)
	if lex.articles == 0 {
		return lex, nil // maybe not indexed yet: do not remember an empty one
	}
	lexicons.Lock()
	if len(lexicons.m) >= maxLexicons {
		clear(lexicons.m)
	}
	lexicons.m[key] = lex
	lexicons.Unlock()
	return lex, nil
}

func newLexicon(lang domain.Lang, rows []knowledgePassageRow) *lexicon {
	lex := &lexicon{words: map[string]struct{}{}, stems: map[string]map[string]struct{}{},
		passages: map[passageKey]*passageStems{}, passageFreq: map[string]int{}}
	ids := map[string]struct{}{}
	var total int
	for _, r := range rows {
		ids[r.Article] = struct{}{}
		ps := &passageStems{title: map[string]int{}, tags: map[string]int{}, body: map[string]int{}}
		for i, text := range []string{r.Title, r.Tags, r.Body} {
			field := []map[string]int{ps.title, ps.tags, ps.body}[i]
			for _, w := range analyze(text) {
				lex.words[w] = struct{}{}
				st := stem(lang, w)
				if lex.stems[st] == nil {
					lex.stems[st] = map[string]struct{}{}
				}
				lex.stems[st][r.Article] = struct{}{}
				field[st]++
				ps.length++
			}
		}
		seen := map[string]bool{}
		for _, field := range []map[string]int{ps.title, ps.tags, ps.body} {
			for st := range field {
				if !seen[st] {
					seen[st] = true
					lex.passageFreq[st]++
				}
			}
		}
		lex.passages[passageKey{r.Article, r.Paragraph}] = ps
		total += ps.length
	}
	lex.articles = len(ids)
	if len(rows) > 0 {
		lex.avgLen = float64(total) / float64(len(rows))
	}
	return lex
}

// questionWords are the meaningful words of a question, folded, without stop
// words, each typo corrected to a word of the articles, without repeats.
func (lex *lexicon) questionWords(lang domain.Lang, q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range split(foldText(q), func(run []rune) []string { return lex.hanWords(lang, run) }) {
		if stopword(lang, w) || stopword(domain.DefaultLang, w) && lang != domain.DefaultLang && !lex.known(lang, w) {
			continue // English filler is common in every language's chats
		}
		w = lex.correct(lang, w)
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// hanWords are the words of a run of Chinese characters in a question: pairs of
// characters that are words, and the characters that are part of no such pair.
// A pair is taken for a word when it is a stop word or the articles write it,
// the pairs most articles write first; a pair overlapping one already taken is
// a seam between two words ("上飞" of 上飞机, taken as 上 飞机), and so is a
// pair the articles never write ("带狗" of 带狗). A character inside a word
// ("飞" of 飞机) is not a word of its own there.
func (lex *lexicon) hanWords(lang domain.Lang, run []rune) []string {
	type pair struct{ at, score int }
	var pairs []pair
	for i := 0; i+1 < len(run); i++ {
		w := string(run[i : i+2])
		score := len(lex.stems[stem(lang, w)])
		if stopword(lang, w) {
			score = math.MaxInt
		}
		if score > 0 {
			pairs = append(pairs, pair{i, score})
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].score > pairs[j].score })
	covered := make([]bool, len(run))
	var out []string
	for _, p := range pairs {
		if covered[p.at] || covered[p.at+1] {
			continue
		}
		covered[p.at], covered[p.at+1] = true, true
		out = append(out, string(run[p.at:p.at+2]))
	}
	for i, r := range run {
		if !covered[i] {
			out = append(out, string(r))
		}
	}
	return out
}

func (lex *lexicon) known(lang domain.Lang, w string) bool {
	if _, ok := lex.words[w]; ok {
		return true
	}
	_, ok := lex.stems[stem(lang, w)]
	return ok
}

// correct returns the article word nearest to an unknown word of four letters or
// more: one edit away (two for words of ten or more), ties going to the word
// more articles use. A word with no near neighbour is returned as it is.
func (lex *lexicon) correct(lang domain.Lang, w string) string {
	n := utf8.RuneCountInString(w)
	if n < 4 || lex.known(lang, w) {
		return w
	}
	maxDist := 1
	if n >= 10 { // two edits on shorter words turn "password" into "passport"
		maxDist = 2
	}
	best, bestDist, bestDF := w, maxDist+1, 0
	rw := []rune(w)
	for cand := range lex.words {
		cn := utf8.RuneCountInString(cand)
		if cn < n-maxDist || cn > n+maxDist {
			continue
		}
		d := editDistance(rw, []rune(cand), maxDist)
		if d > maxDist {
			continue
		}
		df := len(lex.stems[stem(lang, cand)])
		if d < bestDist || d == bestDist && (df > bestDF || df == bestDF && cand < best) {
			best, bestDist, bestDF = cand, d, df
		}
	}
	return best
}

// editDistance is the optimal string alignment distance (insertions, deletions,
// substitutions and swaps of neighbours), giving up past limit.
func editDistance(a, b []rune, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// idf weighs a stem by rarity among the articles; a word no article uses weighs
// as much as the rarest.
func (lex *lexicon) idf(st string) float64 {
	df := len(lex.stems[st])
	if df == 0 {
		df = 1
	}
	return math.Log(1 + float64(lex.articles)/float64(df))
}

// coverage is the share of the question's words, weighted by idf, that the
// article uses (in its title, keywords or body).
func (lex *lexicon) coverage(lang domain.Lang, article string, words []string) float64 {
	var got, all float64
	for _, w := range words {
		st := stem(lang, w)
		wt := lex.idf(st)
		all += wt
		if _, ok := lex.stems[st][article]; ok {
			got += wt
		}
	}
	if all == 0 {
		return 0
	}
	return got / all
}

// BM25 parameters and the weight of a word in a passage's title and tags against
// one in its paragraph: the usual values, and the title and keywords counting
// most because they say what the article is about.
const (
	bm25K1                              = 1.2
	bm25B                               = 0.75
	titleWeight, tagsWeight, bodyWeight = 4.0, 2.0, 1.0
)

// passageRank is the BM25 score of a passage for the question's words, each
// word's count being the weighted sum of its counts in title, tags and
// paragraph, as SQLite's bm25() with column weights computes it. It is computed
// here, from the lexicon, rather than by the database, so that both databases
// rank alike: PostgreSQL's ts_rank knows nothing of how rare a word is among the
// passages, and its ranking made a word used everywhere ("flight") count as much
// as the one word that tells the articles apart ("skis").
func (lex *lexicon) passageRank(lang domain.Lang, article string, paragraph int, terms []string) float64 {
	ps := lex.passages[passageKey{article, paragraph}]
	if ps == nil || lex.avgLen == 0 {
		return 0
	}
	n := float64(len(lex.passages))
	norm := bm25K1 * (1 - bm25B + bm25B*float64(ps.length)/lex.avgLen)
	var score float64
	seen := map[string]bool{}
	for _, t := range terms {
		st := stem(lang, t)
		if seen[st] {
			continue
		}
		seen[st] = true
		tf := titleWeight*float64(ps.title[st]) + tagsWeight*float64(ps.tags[st]) + bodyWeight*float64(ps.body[st])
		if tf == 0 {
			continue
		}
		df := float64(lex.passageFreq[st])
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		score += idf * tf * (bm25K1 + 1) / (tf + norm)
	}
	return score
}
