package nlu

import (
	"fmt"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// place is a city or airport: its airport codes, main one first, and
// whether its name is also a common word ("Nice", "Porto", "Faro") that
// names the place only after a preposition ("to Nice", "naar Porto").
type place struct {
	codes     string // "LHR,LGW,LCY"
	onlyAfter bool
}

// placeIndex finds airports and cities: names in the twelve languages and
// IATA codes typed in capitals.
type placeIndex struct {
	names *phraseIndex[place]
	codes map[string]bool // known IATA codes, upper case
}

// prepositions may stand before a place: "to", "à", "naar", "nach", "para",
// "do", "إلى", "से".
var prepositions = setOf(`to from for via at in into a à au aux de depuis vers pour en naar van uit vanuit tot nach von ab aus bis desde hacia para hasta
	em no na per da verso fino do z ze przez od için den dan ya ye e a إلى الى من से तक को`)

func newPlaceIndex(extra []Airport) (*placeIndex, error) {
	b, err := dataFS.ReadFile("data/places.tsv")
	if err != nil {
		return nil, fmt.Errorf("read places: %w", err)
	}
	pi := &placeIndex{names: newPhraseIndex[place](), codes: map[string]bool{}}
	for n, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		codes, names, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("read places line %d: want codes<TAB>names", n+1)
		}
		for _, c := range strings.Split(codes, ",") {
			if _, err := domain.ParseAirportCode(c); err != nil {
				return nil, fmt.Errorf("read places line %d: %w", n+1, err)
			}
			pi.codes[c] = true
		}
		for _, name := range strings.Split(names, "|") {
			pi.add(codes, name)
		}
	}
	for _, a := range extra {
		code, err := domain.ParseAirportCode(string(a.Code))
		if err != nil {
			return nil, fmt.Errorf("airports: %w", err)
		}
		pi.codes[string(code)] = true
		for _, name := range a.Names {
			if _, known := pi.names.lookup(foldPhrase(name)); !known {
				pi.add(string(code), name)
			}
		}
	}
	return pi, nil
}

func (pi *placeIndex) add(codes, name string) {
	only := strings.HasPrefix(name, "~")
	name = strings.TrimPrefix(name, "~")
	if strings.TrimSpace(name) != "" {
		pi.names.add(name, place{codes: codes, onlyAfter: only})
	}
}

// find returns the places of a message. skip tells which tokens are taken.
func (pi *placeIndex) find(text string, toks []token, skip func(int) bool, vocab map[string]bool) []phraseMatch[place] {
	shouting := strings.ToUpper(text) == text
	matches := pi.names.find(text, toks, skip, func(first, _ int, p place) bool {
		return !p.onlyAfter || first > 0 && prepositions[toks[first-1].folded]
	})
	taken := func(i int) bool {
		for _, m := range matches {
			if i >= m.first && i <= m.last {
				return true
			}
		}
		return skip(i)
	}
	for i, t := range toks {
		if len(t.text) != 3 || !pi.codes[t.text] || taken(i) {
			continue // lower-case codes are words: "mad", "los", "del", "sin"
		}
		if shouting && vocab[t.folded] {
			continue
		}
		matches = append(matches, phraseMatch[place]{first: i, last: i, value: place{codes: t.text}})
	}
	return matches
}
