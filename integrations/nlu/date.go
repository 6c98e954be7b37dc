package nlu

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// monthNames maps month names and abbreviations in the Latin-script languages, as
// typed and accent-free, to month numbers.
var monthNames = func() map[string]int {
	m := map[string]int{}
	for _, row := range []string{
		"january february march april may june july august september october november december",
		"jan feb mar apr may jun jul aug sep oct nov dec",
		"janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
		"janv févr mars avr mai juin juil août sept oct nov déc",
		"januari februari maart april mei juni juli augustus september oktober november december",
		"jan feb mrt apr mei jun jul aug sep okt nov dec",
		"januar februar märz april mai juni juli august september oktober november dezember",
		"jänner feber maerz apr mai jun jul aug sept okt nov dez",
		"enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
		"ene feb mar abr may jun jul ago setiembre oct nov dic",
		"janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
		"jan fev mar abr mai jun jul ago set out nov dez",
		"gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
		"gen feb mar apr mag giu lug ago set ott nov dic",
		"styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień",
		"stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia",
		"ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
	} {
		for i, w := range strings.Fields(row) {
			m[w] = i + 1
			m[fold(w)] = i + 1
		}
	}
	return m
}()

var (
	monthPattern = func() string {
		names := make([]string, 0, len(monthNames))
		for n := range monthNames {
			names = append(names, regexp.QuoteMeta(n))
		}
		// Longest first, so that "march" wins over "mar".
		sort.Slice(names, func(i, j int) bool {
			if len(names[i]) != len(names[j]) {
				return len(names[i]) > len(names[j])
			}
			return names[i] < names[j]
		})
		return strings.Join(names, "|")
	}()
	// fullMonthPattern leaves out abbreviations, which alone are words too
	// ("2 out of 3", "5 set"): dates without a year use it.
	fullMonthPattern = func() string {
		var names []string
		for _, n := range strings.Split(monthPattern, "|") {
			if len([]rune(n)) >= 4 || n == "mai" || n == "may" || n == "mei" || n == "maj" {
				names = append(names, n)
			}
		}
		return strings.Join(names, "|")
	}()
	isoDate     = regexp.MustCompile(`\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b`)
	numericDate = regexp.MustCompile(`\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})\b`)
	dayMonth    = regexp.MustCompile(`(?i)\b(\d{1,2})(?:st|nd|rd|th|er|e|º|°|\.)?\s*(?:de\s+|of\s+)?(` + monthPattern + `)\.?,?\s*(?:de\s+)?(\d{4})\b`)
	monthDay    = regexp.MustCompile(`(?i)\b(` + monthPattern + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b`)
)

// twoDigitYearPivot: "85" is 1985, "30" is 2030. Dates travellers type are
// birth dates and document expiry dates.
const twoDigitYearPivot = 40

type span struct{ start, end int }

// dateMatch is a date found in a message, normalised to YYYY-MM-DD.
type dateMatch struct {
	span
	text, iso string
}

// findDates returns the valid absolute dates in text in message order.
// Numeric dates are read day first, unless only month first is possible.
func findDates(text string) []dateMatch {
	var out []dateMatch
	taken := func(s, e int) bool {
		for _, d := range out {
			if s < d.end && e > d.start {
				return true
			}
		}
		return false
	}
	add := func(loc []int, y, m, d int) {
		if taken(loc[0], loc[1]) {
			return
		}
		if iso, ok := validDate(y, m, d); ok {
			out = append(out, dateMatch{span: span{loc[0], loc[1]}, text: text[loc[0]:loc[1]], iso: iso})
		}
	}
	for _, loc := range isoDate.FindAllStringSubmatchIndex(text, -1) {
		add(loc, atoi(text, loc, 1), atoi(text, loc, 2), atoi(text, loc, 3))
	}
	for _, loc := range dayMonth.FindAllStringSubmatchIndex(text, -1) {
		add(loc, atoi(text, loc, 3), monthNames[fold(text[loc[4]:loc[5]])], atoi(text, loc, 1))
	}
	for _, loc := range monthDay.FindAllStringSubmatchIndex(text, -1) {
		add(loc, atoi(text, loc, 3), monthNames[fold(text[loc[2]:loc[3]])], atoi(text, loc, 2))
	}
	for _, loc := range numericDate.FindAllStringSubmatchIndex(text, -1) {
		a, b, y := atoi(text, loc, 1), atoi(text, loc, 2), atoi(text, loc, 3)
		if loc[7]-loc[6] == 2 {
			if y < twoDigitYearPivot {
				y += 2000
			} else {
				y += 1900
			}
		}
		if a <= 12 && b > 12 {
			a, b = b, a // only month first makes sense: 03/25/1985
		}
		add(loc, y, b, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

func atoi(text string, loc []int, group int) int {
	n, _ := strconv.Atoi(text[loc[2*group]:loc[2*group+1]])
	return n
}

func validDate(y, m, d int) (string, bool) {
	if y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || int(t.Month()) != m {
		return "", false // 31 April, 29 February 1985
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}
