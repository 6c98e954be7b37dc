package flows

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/skybridge/skybridge/domain"
)

// Locale formats dates, times, numbers and prices the way one language writes them.
// Everything it knows comes from the fmt.* entries of that language's catalogue, so
// staff tune it in the content and a new language needs no code:
//
//   - fmt.weekdays: seven names, Sunday first, comma-separated;
//   - fmt.months: twelve names, in the grammatical form a date uses ("marca" in Polish);
//   - fmt.datetime and fmt.date: the order of the parts ("{month}{day}日（{weekday}）{time}");
//   - fmt.number: the number 1234567.89 as the language writes it ("1.234.567,89",
//     "12,34,567.89"), from which the separators, the grouping and the digits are read;
//   - fmt.price: where the currency goes ("{amount} {currency}").
//
// Times are always rendered in the zone they are given (the airport's), on a 24-hour
// clock as airlines print them.
type Locale struct {
	weekdays []string
	months   []string
	datetime string
	date     string
	price    string
	num      numberFormat
}

// numberFormat is what a fmt.number sample says about writing numbers.
type numberFormat struct {
	decimal   string
	group     string // "" when the language does not group digits
	primary   int    // size of the group next to the decimal separator
	secondary int    // size of the groups further left (2 in Hindi, else = primary)
	zero      rune   // the script's digit zero: '0', '٠', '०', …
}

// defaultNumber is English: the fallback when a sample cannot be read.
var defaultNumber = numberFormat{decimal: ".", group: ",", primary: 3, secondary: 3, zero: '0'}

// numberSample is the value every fmt.number entry writes.
const numberSample = "123456789"

// Locale returns the formatting rules of a language, falling back to English for
// entries the language lacks (Content.Text does the falling back).
func (c Content) Locale(lang domain.Lang) Locale {
	l := Locale{
		weekdays: splitNames(c.Text(lang, "fmt.weekdays", nil), 7),
		months:   splitNames(c.Text(lang, "fmt.months", nil), 12),
		datetime: c.Text(lang, "fmt.datetime", nil),
		date:     c.Text(lang, "fmt.date", nil),
		price:    c.Text(lang, "fmt.price", nil),
	}
	nf, ok := parseNumberSample(c.Text(lang, "fmt.number", nil))
	if !ok {
		nf = defaultNumber
	}
	l.num = nf
	if !strings.Contains(l.price, "{amount}") {
		l.price = "{currency}\u00a0{amount}"
	}
	return l
}

// splitNames splits a comma-separated list, or returns nil when it does not have
// exactly n non-empty names (the caller then falls back to English abbreviations).
func splitNames(s string, n int) []string {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil
	}
	for i, p := range parts {
		if parts[i] = strings.TrimSpace(p); parts[i] == "" {
			return nil
		}
	}
	return parts
}

// parseNumberSample reads a fmt.number entry: 1234567.89 written with the
// language's digits and separators.
func parseNumberSample(s string) (numberFormat, bool) {
	var runs []string // digit runs, as ASCII
	var seps []string // separator before each run but the first
	var zero rune = -1
	var cur, sep strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsDigit(r) {
			if zero < 0 {
				zero = r - 1 // the sample starts with the digit one
			}
			if r < zero || r > zero+9 {
				return numberFormat{}, false // digits of two scripts
			}
			if sep.Len() > 0 {
				if cur.Len() == 0 {
					return numberFormat{}, false
				}
				runs, seps = append(runs, cur.String()), append(seps, sep.String())
				cur.Reset()
				sep.Reset()
			}
			cur.WriteByte(byte('0' + r - zero))
			continue
		}
		if cur.Len() == 0 && len(runs) == 0 {
			return numberFormat{}, false // text before the number
		}
		sep.WriteRune(r)
	}
	if cur.Len() == 0 || sep.Len() > 0 || len(runs) == 0 {
		return numberFormat{}, false
	}
	runs = append(runs, cur.String())
	if strings.Join(runs, "") != numberSample || len(runs[len(runs)-1]) != 2 {
		return numberFormat{}, false
	}
	nf := numberFormat{decimal: seps[len(seps)-1], zero: zero}
	ints, groupSeps := runs[:len(runs)-1], seps[:len(seps)-1]
	if len(ints) == 1 {
		return nf, true
	}
	for _, g := range groupSeps {
		if g != groupSeps[0] || g == nf.decimal {
			return numberFormat{}, false
		}
	}
	nf.group = groupSeps[0]
	nf.primary = len(ints[len(ints)-1])
	nf.secondary = nf.primary
	if len(ints) >= 3 {
		nf.secondary = len(ints[len(ints)-2])
	}
	if nf.primary < 1 || nf.secondary < 1 {
		return numberFormat{}, false
	}
	return nf, true
}

// digits writes ASCII digits in the locale's script and leaves anything else as is.
func (nf numberFormat) digits(s string) string {
	if nf.zero == '0' || nf.zero == 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = nf.zero + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// decimalString renders an unsigned decimal "1234567.89" with grouping and separators.
func (nf numberFormat) decimalString(s string) string {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if nf.group != "" && len(intPart) > nf.primary {
		var groups []string
		rest := intPart
		size := nf.primary
		for len(rest) > size {
			groups = append(groups, rest[len(rest)-size:])
			rest = rest[:len(rest)-size]
			size = nf.secondary
		}
		groups = append(groups, rest)
		for i := len(groups) - 1; i >= 0; i-- {
			b.WriteString(groups[i])
			if i > 0 {
				b.WriteString(nf.group)
			}
		}
	} else {
		b.WriteString(intPart)
	}
	if hasFrac {
		b.WriteString(nf.decimal)
		b.WriteString(frac)
	}
	return nf.digits(b.String())
}

// DateTime renders an instant in the zone loc (the airport's), with the weekday
// and month names of the language: "Tue 4 Mar 14:05", "4 Mart Salı, saat 14:05".
// A nil loc keeps the instant's own zone.
func (l Locale) DateTime(tm time.Time, loc *time.Location) string {
	if loc != nil {
		tm = tm.In(loc)
	}
	return fill(l.datetime, map[string]string{
		"weekday": l.weekday(tm.Weekday()),
		"day":     l.num.digits(strconv.Itoa(tm.Day())),
		"month":   l.month(tm.Month()),
		"time":    l.num.digits(tm.Format("15:04")),
	})
}

// Date renders a calendar date without time: "4 Mar 2031", "2031年3月4日".
func (l Locale) Date(tm time.Time) string {
	return fill(l.date, map[string]string{
		"day":   l.num.digits(strconv.Itoa(tm.Day())),
		"month": l.month(tm.Month()),
		"year":  l.num.digits(strconv.Itoa(tm.Year())),
	})
}

// Clock renders the time of day in the zone loc (the airport's) on a 24-hour
// clock: "14:05". A nil loc keeps the instant's own zone.
func (l Locale) Clock(tm time.Time, loc *time.Location) string {
	if loc != nil {
		tm = tm.In(loc)
	}
	return l.num.digits(tm.Format("15:04"))
}

// Price renders an amount with the language's separators and digits and its
// currency's symbol where the language puts it: "€1,234.50", "1.234,50 €",
// "₹12,34,567.00". Amounts keep their currency's decimals (none for JPY).
func (l Locale) Price(m domain.Money) string {
	dec := m.Decimal()
	neg := strings.HasPrefix(dec, "-")
	amount := l.num.decimalString(strings.TrimPrefix(dec, "-"))
	sym := currencySymbol(m.Currency)
	pattern := l.price
	// A symbol made of letters ("CHF") never touches the digits (CLDR currency spacing).
	if endsWithLetter(sym) {
		pattern = strings.ReplaceAll(pattern, "{currency}{amount}", "{currency}\u00a0{amount}")
	}
	if startsWithLetter(sym) {
		pattern = strings.ReplaceAll(pattern, "{amount}{currency}", "{amount}\u00a0{currency}")
	}
	out := fill(pattern, map[string]string{"amount": amount, "currency": sym})
	if neg {
		// The sign leads, whichever side the symbol is on: "-€3.50", "-3,50 €".
		out = "-" + out
	}
	return out
}

func (l Locale) weekday(d time.Weekday) string {
	if l.weekdays == nil {
		return d.String()[:3]
	}
	return l.weekdays[d]
}

func (l Locale) month(m time.Month) string {
	if l.months == nil {
		return m.String()[:3]
	}
	return l.months[m-1]
}

// currencySymbols are the symbols travellers recognise whatever their language;
// any other currency is shown by its ISO code.
var currencySymbols = map[domain.Currency]string{
	"EUR": "€", "GBP": "£", "USD": "US$", "INR": "₹", "TRY": "₺", "PLN": "zł",
	"CNY": "CN¥", "JPY": "JP¥",
}

func currencySymbol(c domain.Currency) string {
	if s, ok := currencySymbols[c]; ok {
		return s
	}
	return string(c)
}

func endsWithLetter(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r)
}

func startsWithLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

// fill replaces the {name} placeholders of a pattern; unknown ones stay as they are.
func fill(pattern string, args map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(pattern, '{')
		j := strings.IndexByte(pattern[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(pattern)
			return b.String()
		}
		v, ok := args[pattern[i+1:i+j]]
		if !ok {
			v = pattern[i : i+j+1]
		}
		b.WriteString(pattern[:i])
		b.WriteString(v)
		pattern = pattern[i+j+1:]
	}
}

// FormatClock renders the time of day in the airport's zone loc in the
// conversation's language: "14:05".
func (t *Turn) FormatClock(tm time.Time, loc *time.Location) string {
	return t.Content.Locale(t.Lang).Clock(tm, loc)
}

// FormatPrice renders an amount for the traveller's language: "€1,234.50",
// "1.234,50 €".
func (t *Turn) FormatPrice(m domain.Money) string {
	return t.Content.Locale(t.Lang).Price(m)
}
