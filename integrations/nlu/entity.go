package nlu

import (
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/skybridge/skybridge/domain"
)

// seatPattern reads "14C", "14 c", "seat 3a", "siège 12F", "Sitz 7 B".
var seatPattern = regexp.MustCompile(`(?i)\b((?:seat|si[eè]ge|place|stoel|plaats|sitz|sitzplatz|platz|asiento|assento|lugar)\s*(?:n[or]\.?\s*|number\s*|nummer\s*|numero\s*)?)?0?([1-9][0-9]?)(\s?)([a-k])\b`)

type found struct {
	domain.Entity
	start, end int
}

// extraction is the entity pass over one message; it also tells the intent
// and language passes which tokens were data.
type extraction struct {
	entities []found
	data     []bool // per token: part of an entity that is not a word
}

// extract finds the entities of text. toks are its tokens; relative dates
// count from now.
func (c *Classifier) extract(text string, toks []token, now time.Time) extraction {
	x := extraction{data: make([]bool, len(toks))}
	covered := make([]bool, len(toks)) // taken by a date, seat, country or language
	cover := func(start, end int, data bool) {
		for i, t := range toks {
			if t.start < end && t.end > start {
				covered[i] = true
				if data {
					x.data[i] = true
				}
			}
		}
	}
	add := func(t domain.EntityType, start, end int, norm string) {
		x.entities = append(x.entities, found{Entity: domain.Entity{Type: t, Text: text[start:end], Normalized: norm}, start: start, end: end})
	}

	var locatorFlights []travelMatch // "KL1234": a flight, and a locator candidate
	for _, m := range findTickets(text) {
		add(m.typ, m.start, m.end, m.normalized)
		cover(m.start, m.end, true)
	}
	dates := findDates(text)
	for _, d := range dates {
		add(domain.EntityDate, d.start, d.end, d.iso)
		cover(d.start, d.end, true)
	}
	for _, m := range findTimes(text) {
		if !overlapsCovered(toks, covered, m.start, m.end) {
			add(domain.EntityTime, m.start, m.end, m.hhmm)
			cover(m.start, m.end, true)
		}
	}
	for _, m := range c.findFlights(text, toks) {
		if overlapsCovered(toks, covered, m.start, m.end) {
			continue
		}
		add(m.typ, m.start, m.end, m.normalized)
		if m.locator {
			locatorFlights = append(locatorFlights, m)
			continue
		}
		cover(m.start, m.end, true)
	}
	taken := func(s, e int) bool { return overlapsCovered(toks, covered, s, e) }
	for _, d := range findDatesWithoutYear(text, now, taken) {
		add(domain.EntityDate, d.start, d.end, d.iso)
		cover(d.start, d.end, true)
	}
	c.findSeats(text, toks, covered, add, cover)
	c.findWhen(text, toks, now, covered, add, cover)
	c.findPhrases(toks, covered, add, cover)
	c.findHanPhrases(text, toks, covered, add, cover)
	for _, m := range c.places.find(text, toks, func(i int) bool { return x.data[i] }, c.vocab) {
		s, e := toks[m.first].start, toks[m.last].end
		add(domain.EntityAirport, s, e, m.value.codes)
		cover(s, e, false)
	}
	for _, m := range locatorFlights {
		for i, t := range toks {
			if t.start < m.end && t.end > m.start {
				x.data[i] = true
			}
		}
	}

	var documents, locatorDocuments []found
	for i, t := range toks {
		if covered[i] {
			continue
		}
		if n, ok := hanNumbers[t.text]; ok {
			// "两个", "三位", or the number alone.
			if len(toks) == 1 || i+1 < len(toks) && hanMeasureWords[toks[i+1].text] {
				add(domain.EntityNumber, t.start, t.end, n)
				x.data[i] = true
			}
			continue
		}
		if n, ok := numberOf(t); ok && (!articleNumbers[t.folded] || len(toks) == 1) {
			add(domain.EntityNumber, t.start, t.end, n)
			x.data[i] = true
		}
		if !isASCIIAlnum(t.text) {
			continue
		}
		upper := strings.ToUpper(t.text)
		if len(t.text) == 6 && t.hasLetter && (t.hasDigit || !c.vocab[t.folded] && !isNumberWord(t)) {
			add(domain.EntityLocator, t.start, t.end, upper)
			if t.hasDigit {
				x.data[i] = true
			}
		}
		if t.hasDigit && len(t.text) >= 5 && len(t.text) <= 20 {
			x.data[i] = true
			d := found{Entity: domain.Entity{Type: domain.EntityDocument, Text: t.text, Normalized: upper}, start: t.start, end: t.end}
			if len(t.text) == 6 && t.hasLetter {
				locatorDocuments = append(locatorDocuments, d)
			} else {
				documents = append(documents, d)
			}
		}
		if t.hasDigit {
			x.data[i] = true
		}
	}
	if len(documents) == 0 {
		documents = locatorDocuments
	}
	x.entities = append(x.entities, documents...)
	c.findSurnames(text, toks, covered, add)
	sort.SliceStable(x.entities, func(i, j int) bool { return x.entities[i].start < x.entities[j].start })
	return x
}

func (c *Classifier) findSeats(text string, toks []token, covered []bool, add func(domain.EntityType, int, int, string), cover func(int, int, bool)) {
	whole := strings.TrimSpace(text)
	for _, loc := range seatPattern.FindAllStringSubmatchIndex(text, -1) {
		start, end := loc[0], loc[1]
		spaced := loc[7] > loc[6]
		keyword := loc[3] > loc[2]
		letter := text[loc[8]:loc[9]]
		if spaced && !keyword && !(letter >= "A" && letter <= "K") && strings.TrimSpace(text[start:end]) != whole {
			continue // "1 e 2" is "1 and 2", not seat 1E
		}
		if overlapsCovered(toks, covered, start, end) {
			continue
		}
		row := strings.TrimLeft(text[loc[4]:loc[5]], "0")
		add(domain.EntitySeat, start, end, row+strings.ToUpper(letter))
		cover(loc[4], end, true)
		if keyword {
			cover(start, loc[3], false)
		}
	}
}

// findWhen finds relative dates, weekdays and parts of the day written in
// words. They stay intent words ("tomorrow" says something about the
// request) but are never surnames.
func (c *Classifier) findWhen(text string, toks []token, now time.Time, covered []bool, add func(domain.EntityType, int, int, string), cover func(int, int, bool)) {
	skip := func(i int) bool { return covered[i] }
	accept := func(first, last int, w when) bool {
		// "good morning", "guten Morgen", "boa noite" greet; they name no time.
		return first == 0 || !greetingWords[toks[first-1].folded]
	}
	for _, m := range whenPhrases.find(text, toks, skip, accept) {
		s, e := toks[m.first].start, toks[m.last].end
		if m.value.isDate {
			add(domain.EntityDate, s, e, m.value.date(now))
		}
		if m.value.part != "" {
			add(domain.EntityTime, s, e, m.value.part)
		}
		cover(s, e, false)
	}
}

// findHanPhrases finds language names written in Chinese.
func (c *Classifier) findHanPhrases(text string, toks []token, covered []bool, add func(domain.EntityType, int, int, string), cover func(int, int, bool)) {
	if !hasHan(text) {
		return
	}
	for name, l := range hanLanguageNames {
		for off := 0; ; {
			i := strings.Index(text[off:], name)
			if i < 0 {
				break
			}
			s, e := off+i, off+i+len(name)
			off = e
			if !overlapsCovered(toks, covered, s, e) {
				add(domain.EntityLanguage, s, e, string(l))
				cover(s, e, false)
			}
		}
	}
}

// findPhrases finds country names, whole-message country codes and language
// names, longest phrase first.
func (c *Classifier) findPhrases(toks []token, covered []bool, add func(domain.EntityType, int, int, string), cover func(int, int, bool)) {
	if len(toks) == 1 && toks[0].hasLetter && !toks[0].hasDigit && len(toks[0].text) <= 3 {
		if a3, ok := c.countries.codes[toks[0].folded]; ok {
			add(domain.EntityCountry, toks[0].start, toks[0].end, a3)
			// Not data: "no" and "si" are answers as much as Norway and Slovenia.
			cover(toks[0].start, toks[0].end, false)
			return
		}
	}
	for i := 0; i < len(toks); i++ {
		if covered[i] || !toks[i].hasLetter {
			continue
		}
		matched := false
		for n := min(c.countries.maxWords, len(toks)-i); n >= 1 && !matched; n-- {
			parts := make([]string, 0, n)
			ok := true
			for k := i; k < i+n; k++ {
				if covered[k] || k > i && !adjacent(toks, k) {
					ok = false
					break
				}
				parts = append(parts, toks[k].folded)
			}
			if !ok {
				continue
			}
			phrase := strings.Join(parts, " ")
			if a3, ok := c.countries.names[phrase]; ok {
				s, e := toks[i].start, toks[i+n-1].end
				add(domain.EntityCountry, s, e, a3)
				// "Deutsch", "dutch": a nationality and a language; the flow knows
				// which question was asked.
				if l, ok := languageNames[phrase]; ok && n == 1 {
					add(domain.EntityLanguage, s, e, string(l))
				}
				cover(s, e, false)
				i += n - 1
				matched = true
			}
		}
		if matched {
			continue
		}
		if l, ok := languageNames[toks[i].folded]; ok {
			add(domain.EntityLanguage, toks[i].start, toks[i].end, string(l))
			cover(toks[i].start, toks[i].end, false)
		}
	}
}

// adjacent reports whether token k follows token k-1 with only spaces,
// hyphens, apostrophes or dots between them.
func adjacent(toks []token, k int) bool {
	return toks[k].start-toks[k-1].end <= 3
}

// findSurnames returns the tokens left once words, numbers and data are
// removed, grouped with their particles: "van der Berg", "de la Cruz".
func (c *Classifier) findSurnames(text string, toks []token, covered []bool, add func(domain.EntityType, int, int, string)) {
	candidate := make([]bool, len(toks))
	for i, t := range toks {
		candidate[i] = !covered[i] && t.hasLetter && !t.hasDigit && !c.vocab[t.folded] &&
			!particles[t.folded] && !innerParticles[t.folded] && numberWords[t.folded] == "" &&
			(len([]rune(t.folded)) >= 2 || i+1 < len(toks) && toks[i+1].joined) &&
			!allSymbols(t.text)
	}
	gapOK := func(k int) bool { // may tokens k-1 and k be one name?
		gap := text[toks[k-1].end:toks[k].start]
		return len(gap) <= 3 && strings.Trim(gap, " -'’") == ""
	}
	for i := 0; i < len(toks); i++ {
		if !candidate[i] && !(particles[toks[i].folded] && !covered[i]) {
			continue
		}
		// Grow a group: particles then at least one candidate, possibly more
		// candidates joined directly or by particles.
		j, last, names := i, -1, 0
		for j < len(toks) && !covered[j] && (j == i || gapOK(j)) {
			f := toks[j].folded
			switch {
			case candidate[j]:
				last = j
				if j+1 >= len(toks) || !toks[j+1].joined {
					names++ // a name ends here; "Smith-Jones" is one
				}
			case particles[f] || innerParticles[f] && last >= 0:
			default:
				goto done
			}
			j++
		}
	done:
		if last < 0 {
			continue
		}
		s, e := toks[i].start, toks[last].end
		add(domain.EntitySurname, s, e, text[s:e])
		if names > 1 {
			// Each name with its particles is a candidate too: "Jan de
			// Vries" also gives "Jan" and "de Vries".
			u := i
			for k := i; k <= last; k++ {
				if candidate[k] && (k == last || !toks[k+1].joined) {
					for u < k && innerParticles[toks[u].folded] {
						u++
					}
					add(domain.EntitySurname, toks[u].start, toks[k].end, text[toks[u].start:toks[k].end])
					u = k + 1
				}
			}
		}
		i = last
	}
}

func overlapsCovered(toks []token, covered []bool, start, end int) bool {
	for i, t := range toks {
		if covered[i] && t.start < end && t.end > start {
			return true
		}
	}
	return false
}

// numberOf reads digits, number words and ordinals ("2", "two", "deuxième",
// "3rd", "2e").
func numberOf(t token) (string, bool) {
	if n, ok := numberWords[t.folded]; ok {
		return n, true
	}
	f := t.folded
	i := 0
	for i < len(f) && f[i] >= '0' && f[i] <= '9' {
		i++
	}
	if i == 0 || i > 4 {
		return "", false
	}
	digits := strings.TrimLeft(f[:i], "0")
	if digits == "" {
		digits = "0"
	}
	if i == len(f) {
		return digits, true
	}
	if i <= 2 {
		for _, s := range ordinalSuffixes {
			if f[i:] == s {
				return digits, true
			}
		}
	}
	return "", false
}

func isNumberWord(t token) bool {
	_, ok := numberWords[t.folded]
	return ok
}

func isASCIIAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
			return false
		}
	}
	return s != ""
}

func allSymbols(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
