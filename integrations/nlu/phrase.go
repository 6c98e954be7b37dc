package nlu

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// phraseIndex finds fixed phrases — relative dates, weekdays, parts of the
// day, city names — in a message. Phrases of words are matched on folded
// tokens, longest first; phrases in Chinese, which has no spaces, are found
// as substrings of the text.
type phraseIndex[V any] struct {
	words    map[string]V // folded phrase, tokens joined by one space
	maxWords int
	han      []string // Chinese phrases, longest first
	hanValue map[string]V
}

func newPhraseIndex[V any]() *phraseIndex[V] {
	return &phraseIndex[V]{words: map[string]V{}, hanValue: map[string]V{}}
}

// add indexes a phrase as written; it is folded here.
func (p *phraseIndex[V]) add(phrase string, v V) {
	if hasHan(phrase) {
		if _, ok := p.hanValue[phrase]; !ok {
			p.han = append(p.han, phrase)
		}
		p.hanValue[phrase] = v
		sort.SliceStable(p.han, func(i, j int) bool { return len(p.han[i]) > len(p.han[j]) })
		return
	}
	f := foldPhrase(phrase)
	if f == "" {
		return
	}
	p.words[f] = v
	if n := strings.Count(f, " ") + 1; n > p.maxWords {
		p.maxWords = n
	}
}

// phraseMatch is one phrase found: tokens [first, last] of the message.
type phraseMatch[V any] struct {
	first, last int
	value       V
}

// find returns the phrases of toks in message order. skip tells which tokens
// are already taken; accept may refuse a match given its neighbours.
func (p *phraseIndex[V]) find(text string, toks []token, skip func(i int) bool, accept func(first, last int, v V) bool) []phraseMatch[V] {
	var out []phraseMatch[V]
	for i := 0; i < len(toks); i++ {
		if skip(i) || toks[i].isHan() {
			continue
		}
		for n := min(p.maxWords, len(toks)-i); n >= 1; n-- {
			parts := make([]string, 0, n)
			ok := true
			for k := i; k < i+n; k++ {
				if skip(k) || toks[k].isHan() || k > i && !adjacent(toks, k) {
					ok = false
					break
				}
				parts = append(parts, toks[k].folded)
			}
			if !ok {
				continue
			}
			v, found := p.lookup(strings.Join(parts, " "))
			if found && (accept == nil || accept(i, i+n-1, v)) {
				out = append(out, phraseMatch[V]{first: i, last: i + n - 1, value: v})
				i += n - 1
				break
			}
		}
	}
	if len(p.han) > 0 && hasHan(text) {
		out = append(out, p.findHan(text, toks, skip)...)
		sort.Slice(out, func(i, j int) bool { return out[i].first < out[j].first })
	}
	return out
}

// lookup finds a folded phrase; an Arabic word may carry a one-letter
// prefix (و and, ب with, ل to, ف so) before it: "لباريس" is "to Paris".
func (p *phraseIndex[V]) lookup(f string) (V, bool) {
	if v, ok := p.words[f]; ok {
		return v, true
	}
	r, size := utf8.DecodeRuneInString(f)
	if strings.ContainsRune("وبلف", r) && size < len(f) {
		if v, ok := p.words[f[size:]]; ok {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// findHan finds the Chinese phrases of text, whose characters are tokens of
// their own.
func (p *phraseIndex[V]) findHan(text string, toks []token, skip func(i int) bool) []phraseMatch[V] {
	var out []phraseMatch[V]
	for i := 0; i < len(toks); i++ {
		if !toks[i].isHan() || skip(i) {
			continue
		}
		rest := text[toks[i].start:]
		for _, h := range p.han {
			if !strings.HasPrefix(rest, h) {
				continue
			}
			end := toks[i].start + len(h)
			last := i
			for last+1 < len(toks) && toks[last+1].end <= end {
				last++
			}
			taken := false
			for k := i; k <= last; k++ {
				taken = taken || skip(k)
			}
			if taken {
				continue
			}
			out = append(out, phraseMatch[V]{first: i, last: last, value: p.hanValue[h]})
			i = last
			break
		}
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
