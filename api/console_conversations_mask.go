package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What staff see of a traveller's personal data. Admins and agents, who help
// travellers, see it, except travel document numbers, which nobody sees beyond
// their last three characters. Other roles (editors, publishers, viewers) see
// the shape of a conversation — flow, state, delivery statuses — but no names,
// documents, dates of birth or texts.

// masked stands for a hidden value.
const masked = "•••"

// documentKeys are slot fields holding a travel document number.
var documentKeys = map[string]bool{"number": true, "doc_number": true, "document_number": true}

// personalKeys are slot fields holding personal data.
var personalKeys = map[string]bool{
	"surname": true, "pending_surnames": true, "given": true, "name": true, "names": true,
	"nationality": true, "issuer": true, "expiry": true, "birth": true, "email": true, "phone": true,
	"locator": true, "pending_locators": true, "ticket_number": true,
	"loc": true, "lines": true, "url": true, "link": true, "items": true,
}

// maskSlots returns a conversation's slots as indented JSON with personal data
// hidden as the role requires.
func maskSlots(data json.RawMessage, private bool) string {
	if len(data) == 0 {
		return "{}"
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return "{}"
	}
	v = maskValue(v, "", private)
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return "{}"
	}
	return string(out)
}

func maskValue(v any, key string, private bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			x[k] = maskValue(val, k, private)
		}
		return x
	case []any:
		for i, val := range x {
			x[i] = maskValue(val, key, private)
		}
		return x
	case string:
		switch {
		case documentKeys[key]:
			return lastThree(x)
		case personalKeys[key] && !private:
			return masked
		}
		return x
	default:
		if personalKeys[key] && !private {
			return masked
		}
		return v
	}
}

// lastThree hides all but the last three characters of a value.
func lastThree(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 3 {
		return strings.Repeat("•", n)
	}
	r := []rune(s)
	return strings.Repeat("•", n-3) + string(r[n-3:])
}

// maskText returns a message's text as the role may see it: hidden for roles
// without access to personal data; otherwise with every word that looks like a
// document or card number (6 to 20 letters and digits, at least five of them
// digits; flight numbers have at most four) cut to its last three characters.
func maskText(text string, private bool) string {
	if text == "" {
		return ""
	}
	if !private {
		return masked + " (" + strconv.Itoa(utf8.RuneCountInString(text)) + " characters)"
	}
	var b strings.Builder
	word := []rune{}
	flush := func() {
		digits := 0
		for _, r := range word {
			if unicode.IsDigit(r) {
				digits++
			}
		}
		if len(word) >= 6 && len(word) <= 20 && digits >= 5 {
			b.WriteString(lastThree(string(word)))
		} else {
			b.WriteString(string(word))
		}
		word = word[:0]
	}
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			word = append(word, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}
