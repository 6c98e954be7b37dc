package messenger

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Messenger counts characters; we count UTF-16 code units, the larger of the usual
// readings (an emoji counts 2), so that a counted fit is a real fit.
func width(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// prefix returns the longest prefix of s no wider than max, cut at a rune boundary
// and never between a letter and the combining marks that follow it.
func prefix(s string, max int) string {
	w, end := 0, 0
	for i, r := range s {
		w += runeWidth(r)
		if w > max {
			break
		}
		end = i + utf8.RuneLen(r)
	}
	if end >= len(s) {
		return s
	}
	// Do not leave a base letter without its marks (or a dangling joiner).
	for end > 0 {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if !unicode.Is(unicode.Mn, r) && r != '\u200d' && !unicode.Is(unicode.Me, r) {
			break
		}
		_, size := utf8.DecodeLastRuneInString(s[:end])
		end -= size
	}
	return s[:end]
}

// shorten fits s into max characters: unchanged when it fits, else cut at a word
// boundary when one is near the end, followed by an ellipsis.
func shorten(s string, max int) string {
	s = strings.TrimSpace(s)
	if width(s) <= max {
		return s
	}
	head := prefix(s, max-1) // room for "…"
	if i := strings.LastIndexByte(head, ' '); i >= len(head)/2 && i > 0 {
		head = head[:i]
	}
	head = strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' && r != ']'
	})
	return head + "…"
}

// splitText cuts text into parts of at most max characters, preferring paragraph,
// line, sentence and word boundaries, in that order, within the second half of each
// part. Parts are trimmed; empty parts are dropped.
func splitText(text string, max int) []string {
	text = strings.TrimSpace(text)
	var parts []string
	for text != "" {
		if width(text) <= max {
			parts = append(parts, text)
			break
		}
		head := prefix(text, max)
		cut := len(head)
		for _, sep := range []string{"\n\n", "\n", ". ", "! ", "? ", " "} {
			if i := strings.LastIndex(head, sep); i >= len(head)/2 {
				cut = i + len(strings.TrimRight(sep, " \n"))
				break
			}
		}
		if cut == 0 { // nothing fits (max below one character): take one rune anyway
			_, cut = utf8.DecodeRuneInString(text)
		}
		if p := strings.TrimSpace(text[:cut]); p != "" {
			parts = append(parts, p)
		}
		text = strings.TrimSpace(text[cut:])
	}
	return parts
}
