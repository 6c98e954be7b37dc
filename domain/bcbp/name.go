package bcbp

import (
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// passengerName returns the BCBP name item: "SURNAME/GIVEN" in upper-case ASCII
// letters, cut or padded to 20 characters. Accents are folded the way the domain
// compares names (domain.FoldName); letters with no ASCII form are dropped, because a
// boarding pass can carry A-Z only.
func passengerName(n domain.PersonName) (string, error) {
	surname := asciiLetters(domain.FoldName(n.Surname))
	given := asciiLetters(domain.FoldName(n.Given))
	if surname == "" {
		return "", domain.Errorf(domain.Invalid, opEncode, "the surname has no letters a boarding pass can carry")
	}
	return fit(surname+"/"+given, 20), nil
}

// asciiLetters keeps A-Z, transliterates the few Latin letters that domain.FoldName
// leaves alone, and drops anything else.
func asciiLetters(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		default:
			if f, ok := extraFold[r]; ok {
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

// extraFold complements domain.FoldName for upper-case Latin Extended letters,
// following the ICAO Doc 9303 transliteration used in passports' machine-readable zones.
var extraFold = map[rune]string{
	'Ā': "A", 'Ă': "A", 'Ď': "D", 'Đ': "D", 'Ð': "D", 'Ē': "E", 'Ė': "E", 'Ĝ': "G",
	'Ģ': "G", 'Ĥ': "H", 'Ħ': "H", 'Ī': "I", 'Į': "I", 'Ĩ': "I", 'Ĳ': "IJ", 'Ĵ': "J",
	'Ķ': "K", 'Ĺ': "L", 'Ļ': "L", 'Ľ': "L", 'Ŀ': "L", 'Ņ': "N", 'Ň': "N", 'Ō': "O",
	'Ŕ': "R", 'Ŗ': "R", 'Ŝ': "S", 'Ș': "S", 'Ţ': "T", 'Ț': "T", 'Ť': "T", 'Ŧ': "T",
	'Ū': "U", 'Ŭ': "U", 'Ů': "U", 'Ų': "U", 'Ũ': "U", 'Ŵ': "W", 'Ŷ': "Y", 'Þ': "TH",
	'ẞ': "SS",
}

// fit cuts s to n bytes or pads it with spaces on the right; s is ASCII.
func fit(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat(" ", n-len(s))
}
