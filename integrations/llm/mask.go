package llm

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/skybridge/skybridge/domain"
)

// Placeholders stand for the personal data withheld from the endpoint.
const (
	placeholderEmail     = "[email]"
	placeholderPhone     = "[phone]"
	placeholderTicket    = "[ticket]"
	placeholderReference = "[reference]"
	placeholderDocument  = "[document]"
	placeholderName      = "[name]"
)

var (
	emailPattern = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)
	// digitRun is a run of digits with the separators people type in phone,
	// ticket and document numbers.
	digitRun = regexp.MustCompile(`\+?\(?\d[\d\s\-./()]*\d`)
	// datelike runs are dates and times, which stay: "2026-12-05", "05.12.2026",
	// "5/12", "14.40".
	datelike    = regexp.MustCompile(`^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}(?:[-./]\d{2,4})?|\d{1,2}[:.]\d{2})$`)
	wordPattern = regexp.MustCompile(`[\p{L}\p{N}]+`)
	// asciiToken is a token of Latin letters and digits: references and
	// document numbers are written so in every language.
	asciiToken = regexp.MustCompile(`[A-Za-z0-9]+`)
	// flightShaped tokens are flight numbers ("KL1234", "U21234", "2L301"),
	// which carry no personal data.
	flightShaped = regexp.MustCompile(`^(?:[A-Za-z]{2}|[A-Za-z]\d|\d[A-Za-z])\d{1,4}[A-Za-z]?$`)
	// unitShaped tokens are quantities and ordinals: "100ml", "23kg", "2nd", "10h30".
	unitShaped = regexp.MustCompile(`(?i)^\d+(?:kg|kgs|g|ml|l|cl|cm|mm|m|km|lb|lbs|in|h|hr|hrs|min|mins|am|pm|st|nd|rd|th|er|e|eme|de|ste|x)$|^\d{1,2}h\d{2}$`)
)

type span struct {
	start, end int
	label      string // "" keeps the text
}

// Mask replaces the personal data of text with placeholders: e-mail
// addresses, phone numbers, ticket numbers, booking references and
// passport-like numbers (any long token of digits, or of letters and digits,
// that is not a flight number or a date), and the surnames the built-in
// extractor found when they are written with a capital inside the sentence.
// found are the built-in extractor's entities of text; the values it read as
// dates, times, places, seats and flight numbers are kept as typed.
//
// Masking is best effort: a name typed in lower case, or in a script without
// capitals, is not recognised as one.
func Mask(text string, found []domain.Entity) string {
	var spans []span
	keep := keptSpans(text, found)
	kept := func(s, e int) bool {
		for _, k := range keep {
			if s < k.end && e > k.start {
				return true
			}
		}
		return false
	}
	// within: a value the extractor read as a date or a time covers the
	// whole run of digits ("05 12 2026"); a phone number it read a date in
	// part of is still masked.
	within := func(s, e int) bool {
		for _, k := range keep {
			if k.start <= s && e <= k.end {
				return true
			}
		}
		return false
	}
	taken := func(s, e int) bool {
		for _, m := range spans {
			if s < m.end && e > m.start {
				return true
			}
		}
		return false
	}
	add := func(s, e int, label string) {
		if !taken(s, e) {
			spans = append(spans, span{s, e, label})
		}
	}

	for _, m := range emailPattern.FindAllStringIndex(text, -1) {
		add(m[0], m[1], placeholderEmail)
	}
	// Values the extractor read (a flight number, a date) split runs of
	// digits: "KL1234 2026-12-05" is no phone number.
	scratch := []byte(text)
	for _, k := range keep {
		for i := k.start; i < k.end; i++ {
			scratch[i] = 'x'
		}
	}
	for _, m := range digitRun.FindAllIndex(scratch, -1) {
		run := strings.TrimRight(text[m[0]:m[1]], " ")
		digits := countDigits(run)
		switch {
		case datelike.MatchString(run), within(m[0], m[0]+len(run)):
		case digits == 13 && !strings.HasPrefix(run, "+"):
			add(m[0], m[0]+len(run), placeholderTicket)
		case digits >= 9 || strings.HasPrefix(run, "+") && digits >= 7:
			add(m[0], m[0]+len(run), placeholderPhone)
		}
	}
	for _, e := range found {
		if e.Type == domain.EntityTicket {
			for _, at := range occurrences(text, e.Text) {
				add(at, at+len(e.Text), placeholderTicket)
			}
		}
	}
	locators := map[string]bool{}
	for _, e := range found {
		if e.Type == domain.EntityLocator {
			locators[e.Text] = true
		}
	}
	for _, m := range asciiToken.FindAllStringIndex(text, -1) {
		s, e := m[0], m[1]
		tok := text[s:e]
		if taken(s, e) || flightShaped.MatchString(tok) || unitShaped.MatchString(tok) {
			continue
		}
		letters, digits := countLetters(tok), countDigits(tok)
		switch {
		case digits > 0 && letters > 0 && len(tok) >= 5:
			// Booking references, passport and ID numbers; a flight number the
			// extractor read stays.
			if !kept(s, e) {
				add(s, e, referenceOrDocument(tok))
			}
		case digits >= 6 && letters == 0:
			if !kept(s, e) {
				add(s, e, placeholderDocument)
			}
		case letters == len(tok) && len(tok) == 6 && locators[tok] && tok == strings.ToUpper(tok):
			// "QXKPLZ": a reference typed in capitals. In lower case it cannot
			// be told from a word.
			if !kept(s, e) {
				add(s, e, placeholderReference)
			}
		}
	}
	for _, e := range found {
		if e.Type != domain.EntitySurname || e.Text == "" {
			continue
		}
		for _, at := range occurrences(text, e.Text) {
			end := at + len(e.Text)
			if capitalised(e.Text) && !sentenceStart(text, at) && !kept(at, end) {
				add(at, end, placeholderName)
			}
		}
	}

	if len(spans) == 0 {
		return text
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	last := 0
	for _, m := range spans {
		b.WriteString(text[last:m.start])
		b.WriteString(m.label)
		last = m.end
	}
	b.WriteString(text[last:])
	return b.String()
}

// keptSpans are where the extractor read a value that is not personal.
func keptSpans(text string, found []domain.Entity) []span {
	var out []span
	for _, e := range found {
		switch e.Type {
		case domain.EntityFlight, domain.EntityDate, domain.EntityTime, domain.EntitySeat, domain.EntityAirport:
			if e.Text == "" {
				continue
			}
			for _, at := range occurrences(text, e.Text) {
				out = append(out, span{start: at, end: at + len(e.Text)})
			}
		}
	}
	return out
}

func referenceOrDocument(tok string) string {
	if len(tok) == 6 {
		return placeholderReference
	}
	return placeholderDocument
}

// occurrences returns where sub starts in text as whole words.
func occurrences(text, sub string) []int {
	var out []int
	if sub == "" {
		return nil
	}
	for from := 0; from < len(text); {
		i := strings.Index(text[from:], sub)
		if i < 0 {
			break
		}
		at := from + i
		end := at + len(sub)
		if boundaryBefore(text, at) && boundaryAfter(text, end) {
			out = append(out, at)
		}
		from = at + max(1, len(sub))
	}
	return out
}

func boundaryBefore(text string, at int) bool {
	if at == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:at])
	return !isWordRune(r)
}

func boundaryAfter(text string, end int) bool {
	if end >= len(text) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[end:])
	return !isWordRune(r)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func capitalised(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// sentenceStart reports whether at begins the message or a sentence, where a
// capital says nothing about a name.
func sentenceStart(text string, at int) bool {
	before := strings.TrimRightFunc(text[:at], unicode.IsSpace)
	if before == "" {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(before)
	return strings.ContainsRune(".!?¿¡:;\"'«“(", r)
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// freeWords counts the words of a message that are not data: a message of a
// word or two is an answer to a question, not a request worth a second
// opinion. Han and kana text has no spaces; two characters count as a word.
func freeWords(text string) int {
	n := 0
	for _, w := range wordPattern.FindAllString(text, -1) {
		if countDigits(w) > 0 {
			continue
		}
		han := 0
		for _, r := range w {
			if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) {
				han++
			}
		}
		if han > 0 {
			n += (han + 1) / 2
			continue
		}
		n++
	}
	return n
}
