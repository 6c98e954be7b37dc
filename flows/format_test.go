package flows

import (
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Airports' zones as fixed offsets, so the test does not depend on the machine's
// time zone database: Amsterdam in winter and Delhi.
var (
	amsterdam = time.FixedZone("CET", 3600)
	delhi     = time.FixedZone("IST", 5*3600+1800)
)

// TestLocaleFormatsEachLanguage is what a traveller reads in each shipped language
// for one departure: 13:05 UTC on Tuesday 4 March 2031 is 14:05 in Amsterdam, and
// 22:35 UTC the same day is already 04:05 on Wednesday in Delhi.
func TestLocaleFormatsEachLanguage(t *testing.T) {
	c := loadDefaultContent(t)
	dep := time.Date(2031, 3, 4, 13, 5, 0, 0, time.UTC)
	late := time.Date(2031, 3, 4, 22, 35, 0, 0, time.UTC)
	price := domain.NewMoney(123456789, "EUR")
	tests := []struct {
		lang                         domain.Lang
		dateTime, nextDay, date, eur string
	}{
		{"en", "Tue 4 Mar 14:05", "Wed 5 Mar 04:05", "4 Mar 2031", "€1,234,567.89"},
		{"fr", "mar. 4 mars à 14:05", "mer. 5 mars à 04:05", "4 mars 2031", "1\u202f234\u202f567,89\u00a0€"},
		{"nl", "di 4 mrt om 14:05", "wo 5 mrt om 04:05", "4 mrt 2031", "€\u00a01.234.567,89"},
		{"de", "Di., 4. März, 14:05 Uhr", "Mi., 5. März, 04:05 Uhr", "4. März 2031", "1.234.567,89\u00a0€"},
		{"es", "mar 4 mar, 14:05", "mié 5 mar, 04:05", "4 mar 2031", "1.234.567,89\u00a0€"},
		{"pt", "ter, 4 mar, 14:05", "qua, 5 mar, 04:05", "4 mar 2031", "1\u00a0234\u00a0567,89\u00a0€"},
		{"it", "martedì 4 mar, ore 14:05", "mercoledì 5 mar, ore 04:05", "4 mar 2031", "1.234.567,89\u00a0€"},
		{"pl", "wt. 4 marca, godz. 14:05", "śr. 5 marca, godz. 04:05", "4 marca 2031", "1\u00a0234\u00a0567,89\u00a0€"},
		{"tr", "4 Mart Salı, saat 14:05", "5 Mart Çarşamba, saat 04:05", "4 Mart 2031", "€1.234.567,89"},
		{"ar", "الثلاثاء 4 مارس، الساعة 14:05", "الأربعاء 5 مارس، الساعة 04:05", "4 مارس 2031", "1,234,567.89\u00a0€"},
		{"zh", "3月4日（周二）14:05", "3月5日（周三）04:05", "2031年3月4日", "€1,234,567.89"},
		{"hi", "मंगल, 4 मार्च, 14:05", "बुध, 5 मार्च, 04:05", "4 मार्च 2031", "€12,34,567.89"},
	}
	covered := map[domain.Lang]bool{}
	for _, tt := range tests {
		covered[tt.lang] = true
		t.Run(string(tt.lang), func(t *testing.T) {
			l := c.Locale(tt.lang)
			if got := l.DateTime(dep, amsterdam); got != tt.dateTime {
				t.Errorf("DateTime in Amsterdam = %q, want %q", got, tt.dateTime)
			}
			if got := l.DateTime(late, delhi); got != tt.nextDay {
				t.Errorf("DateTime in Delhi = %q, want %q", got, tt.nextDay)
			}
			if got := l.Date(dep.In(amsterdam)); got != tt.date {
				t.Errorf("Date = %q, want %q", got, tt.date)
			}
			if got := l.Clock(late, delhi); got != "04:05" {
				t.Errorf("Clock in Delhi = %q, want 04:05", got)
			}
			if got := l.Price(price); got != tt.eur {
				t.Errorf("Price(EUR 1234567.89) = %q, want %q", got, tt.eur)
			}
			// The turn's helpers are the locale's.
			turn := &Turn{Content: c, Lang: tt.lang}
			if got := turn.FormatTime(dep, amsterdam); got != tt.dateTime {
				t.Errorf("Turn.FormatTime = %q, want %q", got, tt.dateTime)
			}
			if got := turn.FormatPrice(price); got != tt.eur {
				t.Errorf("Turn.FormatPrice = %q, want %q", got, tt.eur)
			}
		})
	}
	for _, l := range domain.Languages {
		if !covered[l] {
			t.Errorf("no formatting case for %q", l)
		}
	}
}

func TestLocalePrices(t *testing.T) {
	c := loadDefaultContent(t)
	tests := []struct {
		lang domain.Lang
		m    domain.Money
		want string
	}{
		{"en", domain.NewMoney(4500, "EUR"), "€45.00"},
		{"en", domain.NewMoney(-350, "USD"), "-US$3.50"},
		{"de", domain.NewMoney(-350, "EUR"), "-3,50\u00a0€"},
		{"en", domain.NewMoney(150000, "JPY"), "JP¥150,000"},
		{"en", domain.NewMoney(12345, "KWD"), "KWD\u00a012.345"},
		{"en", domain.NewMoney(1250, "CHF"), "CHF\u00a012.50"},
		{"de", domain.NewMoney(1250, "CHF"), "12,50\u00a0CHF"},
		{"pl", domain.NewMoney(19900, "PLN"), "199,00\u00a0zł"},
		{"pl", domain.NewMoney(123456, "PLN"), "1\u00a0234,56\u00a0zł"},
		{"tr", domain.NewMoney(99950, "TRY"), "₺999,50"},
		{"hi", domain.NewMoney(12345600, "INR"), "₹1,23,456.00"},
		{"hi", domain.NewMoney(99900, "INR"), "₹999.00"},
		{"zh", domain.NewMoney(68800, "CNY"), "CN¥688.00"},
		{"ar", domain.NewMoney(25000, "AED"), "250.00\u00a0AED"},
		{"it", domain.NewMoney(5, "EUR"), "0,05\u00a0€"},
		{"xx", domain.NewMoney(4500, "GBP"), "£45.00"}, // no catalogue: English
	}
	for _, tt := range tests {
		t.Run(string(tt.lang)+" "+tt.m.String(), func(t *testing.T) {
			if got := c.Locale(tt.lang).Price(tt.m); got != tt.want {
				t.Errorf("Price(%s) in %s = %q, want %q", tt.m, tt.lang, got, tt.want)
			}
		})
	}
}

// TestLocaleFollowsTheCatalogue: staff change how a language writes numbers in the
// content (here: Arabic-Indic digits), and dates, times and prices follow.
func TestLocaleFollowsTheCatalogue(t *testing.T) {
	c := loadDefaultContent(t)
	ar := make(map[string]string, len(c.Messages["ar"]))
	for k, v := range c.Messages["ar"] {
		ar[k] = v
	}
	ar["fmt.number"] = "١٬٢٣٤٬٥٦٧٫٨٩"
	msgs := make(map[domain.Lang]map[string]string, len(c.Messages))
	for l, m := range c.Messages {
		msgs[l] = m
	}
	msgs["ar"] = ar
	edited := c
	edited.Messages = msgs

	l := edited.Locale("ar")
	dep := time.Date(2031, 3, 4, 13, 5, 0, 0, time.UTC)
	for _, tt := range []struct{ what, got, want string }{
		{"Clock", l.Clock(dep, amsterdam), "١٤:٠٥"},
		{"Date", l.Date(dep), "٤ مارس ٢٠٣١"},
		{"DateTime", l.DateTime(dep, amsterdam), "الثلاثاء ٤ مارس، الساعة ١٤:٠٥"},
		{"Price", l.Price(domain.NewMoney(123450, "EUR")), "١٬٢٣٤٫٥٠\u00a0€"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
	// The shipped content is untouched.
	if got := c.Locale("ar").Clock(dep, amsterdam); got != "14:05" {
		t.Errorf("shipped Arabic Clock = %q, want 14:05", got)
	}
}

func TestParseNumberSample(t *testing.T) {
	tests := []struct {
		sample string
		ok     bool
		want   numberFormat
	}{
		{"1,234,567.89", true, numberFormat{decimal: ".", group: ",", primary: 3, secondary: 3, zero: '0'}},
		{"1.234.567,89", true, numberFormat{decimal: ",", group: ".", primary: 3, secondary: 3, zero: '0'}},
		{"12,34,567.89", true, numberFormat{decimal: ".", group: ",", primary: 3, secondary: 2, zero: '0'}},
		{"1\u202f234\u202f567,89", true, numberFormat{decimal: ",", group: "\u202f", primary: 3, secondary: 3, zero: '0'}},
		{"1234567.89", true, numberFormat{decimal: ".", zero: '0'}},
		{"१२,३४,५६७.८९", true, numberFormat{decimal: ".", group: ",", primary: 3, secondary: 2, zero: '०'}},
		{"1.234.567.89", false, numberFormat{}}, // group and decimal the same
		{"1,234,567", false, numberFormat{}},    // no decimals
		{"1,234,568.89", false, numberFormat{}}, // another number
		{"about 1,234,567.89", false, numberFormat{}},
		{"1,234,567.89 or so", false, numberFormat{}},
		{"1,234,56٧.89", false, numberFormat{}}, // digits of two scripts
		{"", false, numberFormat{}},
		{"fmt.number", false, numberFormat{}}, // a missing key renders as itself
	}
	for _, tt := range tests {
		t.Run(tt.sample, func(t *testing.T) {
			got, ok := parseNumberSample(tt.sample)
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("parseNumberSample(%q) = %+v, %v; want %+v, %v", tt.sample, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// BenchmarkTurnFormatTime measures a date-time as the flows render it: the locale is
// read from the catalogue on every call.
func BenchmarkTurnFormatTime(b *testing.B) {
	c, err := DefaultContent()
	if err != nil {
		b.Fatal(err)
	}
	turn := &Turn{Content: c, Lang: "pl"}
	dep := time.Date(2031, 3, 4, 13, 5, 0, 0, time.UTC)
	for b.Loop() {
		_ = turn.FormatTime(dep, amsterdam)
	}
}
