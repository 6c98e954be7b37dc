package whatsapp

import (
	"strings"
	"unicode/utf8"
)

// WhatsApp counts limits in characters; Skybridge counts runes, which is exact for
// most scripts and errs on the short side for the rest.

const ellipsis = "…"

// shorten returns s cut to at most n runes, ending in an ellipsis when it was cut.
// It prefers to cut between words when that keeps most of the text.
func shorten(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return string([]rune(s)[:n])
	}
	r := []rune(s)[:n-1] // room for the ellipsis
	if i := lastSpace(r); i >= (n-1)*2/3 {
		r = r[:i]
	}
	return strings.TrimRight(string(r), " \t\n.,;:-–") + ellipsis
}

func lastSpace(r []rune) int {
	for i := len(r) - 1; i > 0; i-- {
		if r[i] == ' ' || r[i] == '\n' || r[i] == '\t' {
			return i
		}
	}
	return -1
}

// splitText cuts s into parts of at most n runes each, cutting at a paragraph, a
// line or a word boundary in the second half of each part when there is one.
func splitText(s string, n int) []string {
	r := []rune(strings.TrimSpace(s))
	var parts []string
	for len(r) > n {
		cut := bestCut(r, n/2, n)
		parts = append(parts, strings.TrimSpace(string(r[:cut])))
		r = []rune(strings.TrimSpace(string(r[cut:])))
	}
	if len(r) > 0 || len(parts) == 0 {
		parts = append(parts, string(r))
	}
	return parts
}

// splitLead cuts s into parts where the last is at most last runes and the others at
// most n: the last part becomes the body of an interactive message, whose limit is
// lower than a text message's.
func splitLead(s string, last, n int) []string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= last {
		return []string{string(r)}
	}
	// The tail starts at the earliest good boundary that leaves at most last runes.
	lo := len(r) - last
	cut := -1
	for _, sep := range []string{"\n\n", "\n", " "} {
		if i := indexFrom(r, sep, lo, lo+last/2); i >= 0 {
			cut = i
			break
		}
	}
	if cut < 0 {
		cut = lo
	}
	head, tail := strings.TrimSpace(string(r[:cut])), strings.TrimSpace(string(r[cut:]))
	parts := []string{}
	if head != "" {
		parts = splitText(head, n)
	}
	return append(parts, tail)
}

// bestCut returns where to cut r, in (lo, hi]: after the last paragraph break, else
// the last line break, else the last space in that range; else at hi.
func bestCut(r []rune, lo, hi int) int {
	for _, sep := range []string{"\n\n", "\n", " "} {
		if i := lastIndexIn(r, sep, lo, hi); i > 0 {
			return i
		}
	}
	return hi
}

// lastIndexIn returns the index just after the last sep that ends in [lo, hi], or -1.
func lastIndexIn(r []rune, sep string, lo, hi int) int {
	sr := []rune(sep)
	for end := hi; end >= lo && end >= len(sr); end-- {
		if string(r[end-len(sr):end]) == sep {
			return end
		}
	}
	return -1
}

// indexFrom returns the index just after the first sep that ends in [lo, hi], or -1.
func indexFrom(r []rune, sep string, lo, hi int) int {
	sr := []rune(sep)
	if hi > len(r) {
		hi = len(r)
	}
	for end := max(lo, len(sr)); end <= hi; end++ {
		if string(r[end-len(sr):end]) == sep {
			return end
		}
	}
	return -1
}
