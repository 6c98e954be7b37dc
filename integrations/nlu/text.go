package nlu

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is a run of letters and digits in the original message. Hyphens and
// apostrophes split tokens; joined records that the token touches the
// previous one without white space ("Smith-Jones", "m'enregistrer").
type token struct {
	start, end int    // byte offsets into the message
	text       string // as typed
	folded     string // lower case, accents removed
	joined     bool   // no white space between this and the previous token
	hasDigit   bool
	hasLetter  bool
}

// maxMessageBytes bounds the work done on one message; chat messages are
// short and anything beyond this is not read.
const maxMessageBytes = 4096

// tokenize splits text into tokens. It never fails: invalid UTF-8 and control
// characters are separators.
func tokenize(text string) []token {
	var toks []token
	start := -1
	prevEnd := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		t := token{start: start, end: end, text: text[start:end]}
		t.folded = fold(t.text)
		for _, r := range t.folded {
			if r >= '0' && r <= '9' {
				t.hasDigit = true
			} else {
				t.hasLetter = true
			}
		}
		if prevEnd >= 0 {
			gap := text[prevEnd:start]
			t.joined = gap != "" && strings.IndexFunc(gap, unicode.IsSpace) < 0 && len(gap) <= 3 && strings.ContainsAny(gap, "-'’")
		}
		toks = append(toks, t)
		prevEnd = end
		start = -1
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r != utf8.RuneError && unicode.Is(unicode.Han, r):
			// Chinese is written without spaces: every character is a token,
			// word pairs of the intent model then stand for its words.
			flush(i)
			start = i
			flush(i + size)
		case r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)):
			// Mc: the vowel signs of Devanagari are part of the word.
			if start < 0 {
				start = i
			}
		default:
			flush(i)
		}
		i += size
	}
	flush(len(text))
	return toks
}

// fold lower-cases s and removes the accents of Latin letters, so that
// "Français", "francais" and "FRANÇAIS" compare equal.
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf || (s[i] >= 'A' && s[i] <= 'Z') {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		r = unicode.ToLower(r)
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		if unicode.Is(unicode.Mn, r) || r == 'ـ' {
			continue // combining accent, Arabic harakat and tatweel
		}
		if r > '9' && unicode.IsDigit(r) {
			// Arabic-Indic, Devanagari and full-width digits read as ASCII.
			b.WriteByte(byte('0' + digitValue(r)))
			continue
		}
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

var foldTable = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'ā': "a", 'ă': "a", 'ą': "a",
	'æ': "ae", 'ç': "c", 'ć': "c", 'č': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ē': "e", 'ę': "e", 'ě': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ī': "i", 'ı': "i",
	'ñ': "n", 'ń': "n", 'ň': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'ō': "o", 'ő': "o", 'œ': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ū': "u", 'ů': "u", 'ű': "u",
	'ý': "y", 'ÿ': "y", 'ß': "ss", 'ł': "l", 'ś': "s", 'š': "s", 'ş': "s",
	'ź': "z", 'ż': "z", 'ž': "z", 'ř': "r", 'ď': "d", 'ť': "t", 'ğ': "g",
	'º': "o", 'ª': "a", 'İ': "i",
	// Arabic letters written interchangeably in chat.
	'أ': "ا", 'إ': "ا", 'آ': "ا", 'ٱ': "ا", 'ى': "ي", 'ة': "ه", 'ؤ': "و", 'ئ': "ي",
}

// digitValue returns the value of a decimal digit of any script.
func digitValue(r rune) int {
	// Every Unicode decimal digit block is ten consecutive code points from 0.
	for z := r; z >= r-9; z-- {
		if !unicode.IsDigit(z) {
			return int(r - z - 1)
		}
	}
	return int(r-'0') % 10
}

// isHan reports whether a token is one Chinese character.
func (t token) isHan() bool {
	r, _ := utf8.DecodeRuneInString(t.text)
	return unicode.Is(unicode.Han, r)
}

// foldPhrase folds s and joins its tokens with single spaces, the form used
// for phrase tables ("Pays-Bas" → "pays bas").
func foldPhrase(s string) string {
	toks := tokenize(s)
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.folded
	}
	return strings.Join(parts, " ")
}
