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

// asciiLetters keeps A-Z of a name already folded by domain.FoldName and drops
// anything else (letters of other scripts have no BCBP form).
func asciiLetters(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fit cuts s to n bytes or pads it with spaces on the right; s is ASCII.
func fit(s string, n int) string {
	if len(s) >= n {
		return s[:n]
	}
	return s + strings.Repeat(" ", n-len(s))
}
