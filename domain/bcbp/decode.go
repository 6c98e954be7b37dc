package bcbp

import (
	"strconv"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

const opDecode = "decode boarding pass"

// MandatoryLen is the length of the mandatory items of the first leg, up to and
// including the field size of the variable-size field.
const MandatoryLen = 60

// Pass is a decoded BCBP "M" string. Text items are as encoded with trailing spaces
// removed, so an item left blank is "". The unique conditional items are "" (and
// Version 0) when the pass has no conditional section.
type Pass struct {
	Name    string // item 11, "DESMARAIS/LUC"
	ETicket string // item 253, "E" for an electronic ticket
	Legs    []Leg

	Version              int    // item 9
	PassengerDescription string // item 15: "0" adult … "4" infant
	CheckInSource        string // item 12: "W" web, "K" kiosk, "M" mobile, …
	IssuanceSource       string // item 14
	IssueDate            string // item 22: last digit of the year and day of the year, "6225"
	DocumentType         string // item 16: "B" boarding pass, "I" itinerary receipt
	Issuer               string // item 21: airline designator of the issuer
	BagTags              string // item 23
	BagTags1             string // item 31: first non-consecutive bag tag numbers
	BagTags2             string // item 32: second non-consecutive bag tag numbers

	SecurityType string // item 28
	Security     string // item 30: the security data (a digital signature)
}

// Leg is one flight of a decoded pass.
type Leg struct {
	PNR          string // item 7
	From         string // item 26
	To           string // item 38
	Carrier      string // item 42, operating carrier
	Flight       int    // item 43, the number
	FlightSuffix string // item 43, the operational suffix letter or ""
	DayOfYear    int    // item 46, 1..366, in the origin's local time
	Compartment  string // item 71
	Seat         string // item 104: "001A", "INF", or "" when none is assigned
	Sequence     string // item 107: "0025", "" for an infant without one
	Status       string // item 117

	AirlineCode          string // item 142, numeric code of the ticketing airline
	SerialNumber         string // item 143, document form and serial number
	Selectee             string // item 18
	DocumentVerification string // item 108
	MarketingCarrier     string // item 19
	FrequentFlyerAirline string // item 20
	FrequentFlyerNumber  string // item 236
	IDAD                 string // item 89
	FreeBaggage          string // item 118: "20K", "2PC"
	FastTrack            string // item 254: "Y", "N"
	AirlineUse           string // item 4: for individual airline use
}

// TicketNumber returns the 13-digit ticket number of the leg, "" when absent.
func (l Leg) TicketNumber() string { return l.AirlineCode + l.SerialNumber }

// Decode parses a BCBP "M" string of one to four legs, item by item. It checks every
// mandatory item's form, that every field size fits the data it announces and that
// nothing follows the legs but security data; a violation is an Invalid domain error
// naming the item and its offset. Conditional items are taken as they are, so that
// passes of other airlines and versions (2 to 8) can be read.
func Decode(s string) (Pass, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return Pass{}, decodeErr(i, "character %q is not printable ASCII", s[i])
		}
	}
	if len(s) < MandatoryLen {
		return Pass{}, decodeErr(len(s), "a pass has at least %d characters, got %d", MandatoryLen, len(s))
	}
	r := &reader{s: s}
	var p Pass
	if c := r.take(1); c != "M" {
		return Pass{}, decodeErr(0, "format code %q is not M", c)
	}
	n := r.take(1)
	if n < "1" || n > "4" {
		return Pass{}, decodeErr(1, "number of legs %q is not 1 to 4", n)
	}
	legs := int(n[0] - '0')
	if p.Name = trim(r.take(20)); p.Name == "" {
		return Pass{}, decodeErr(2, "passenger name is blank")
	}
	switch eti := r.take(1); eti {
	case "E", " ":
		p.ETicket = trim(eti)
	default:
		return Pass{}, decodeErr(22, "electronic ticket indicator %q is not E or blank", eti)
	}
	for i := 0; i < legs; i++ {
		leg, err := r.leg(&p, i == 0)
		if err != nil {
			return Pass{}, err
		}
		p.Legs = append(p.Legs, leg)
	}
	if err := r.security(&p); err != nil {
		return Pass{}, err
	}
	return p, nil
}

// reader walks a BCBP string; every take is preceded by a length check.
type reader struct {
	s   string
	off int
}

func (r *reader) left() int { return len(r.s) - r.off }

func (r *reader) take(n int) string {
	v := r.s[r.off : r.off+n]
	r.off += n
	return v
}

// leg reads the mandatory items of one leg and its variable-size field.
func (r *reader) leg(p *Pass, first bool) (Leg, error) {
	const legLen = 37 // PNR through field size
	start := r.off
	if r.left() < legLen {
		return Leg{}, decodeErr(r.off, "a leg needs %d characters, %d left", legLen, r.left())
	}
	var l Leg
	pnr := r.take(7)
	if l.PNR = trim(pnr); l.PNR == "" || !alnumSpace(pnr) {
		return Leg{}, decodeErr(start, "PNR code %q is not letters and digits", pnr)
	}
	l.From = r.take(3)
	if !allUpper(l.From) {
		return Leg{}, decodeErr(start+7, "from airport %q is not an IATA airport code", l.From)
	}
	l.To = r.take(3)
	if !allUpper(l.To) {
		return Leg{}, decodeErr(start+10, "to airport %q is not an IATA airport code", l.To)
	}
	carrier := r.take(3)
	if !alnum(carrier[:2]) || !(alnum(carrier[2:]) || carrier[2] == ' ') {
		return Leg{}, decodeErr(start+13, "operating carrier %q is not an airline designator", carrier)
	}
	l.Carrier = trim(carrier)
	flight := r.take(5)
	if !allDigits(flight[:4]) || !(isUpper(flight[4]) || flight[4] == ' ') {
		return Leg{}, decodeErr(start+16, "flight number %q is not four digits and a suffix", flight)
	}
	l.Flight, _ = strconv.Atoi(flight[:4])
	l.FlightSuffix = trim(flight[4:])
	day := r.take(3)
	l.DayOfYear, _ = strconv.Atoi(day)
	if !allDigits(day) || l.DayOfYear < 1 || l.DayOfYear > 366 {
		return Leg{}, decodeErr(start+21, "date of flight %q is not a day of the year", day)
	}
	if l.Compartment = r.take(1); !isUpper(l.Compartment[0]) {
		return Leg{}, decodeErr(start+24, "compartment code %q is not a letter", l.Compartment)
	}
	seat := r.take(4)
	if !(allDigits(seat[:3]) && isUpper(seat[3]) || seat == "INF " || seat == "    ") {
		return Leg{}, decodeErr(start+25, "seat %q is not a row and a letter", seat)
	}
	l.Seat = trim(seat)
	seq := r.take(5)
	if !(allDigits(seq[:4]) && (alnum(seq[4:]) || seq[4] == ' ') || seq == "     ") {
		return Leg{}, decodeErr(start+29, "check-in sequence number %q is not four digits", seq)
	}
	l.Sequence = trim(seq)
	if l.Status = r.take(1); !alnum(l.Status) {
		return Leg{}, decodeErr(start+34, "passenger status %q is not a letter or digit", l.Status)
	}
	size, err := r.size("variable-size field")
	if err != nil {
		return Leg{}, err
	}
	v := &reader{s: r.s[:r.off+size], off: r.off}
	r.off += size
	if size == 0 {
		return l, nil
	}
	if first && v.s[v.off] == '>' {
		v.off++
		if v.left() < 1 || v.s[v.off] < '1' || v.s[v.off] > '9' {
			return Leg{}, decodeErr(v.off, "version number is missing")
		}
		p.Version = int(v.take(1)[0] - '0')
		if v.left() > 0 {
			if err := v.block("unique conditional items", uniqueItems(p)); err != nil {
				return Leg{}, err
			}
		}
	}
	if p.Version == 0 {
		// No conditional section: the whole field is for the airline's own use.
		l.AirlineUse = trim(v.take(v.left()))
		return l, nil
	}
	if v.left() > 0 {
		if err := v.block("repeated conditional items", repeatedItems(&l)); err != nil {
			return Leg{}, err
		}
	}
	l.AirlineUse = trim(v.take(v.left()))
	return l, nil
}

// item is a conditional item: its width and where its trimmed value goes.
type item struct {
	name  string
	width int
	dst   *string
}

func uniqueItems(p *Pass) []item {
	return []item{
		{"passenger description", 1, &p.PassengerDescription},
		{"source of check-in", 1, &p.CheckInSource},
		{"source of boarding pass issuance", 1, &p.IssuanceSource},
		{"date of issue", 4, &p.IssueDate},
		{"document type", 1, &p.DocumentType},
		{"boarding pass issuer", 3, &p.Issuer},
		{"baggage tag numbers", 13, &p.BagTags},
		{"first non-consecutive baggage tag numbers", 13, &p.BagTags1},
		{"second non-consecutive baggage tag numbers", 13, &p.BagTags2},
	}
}

func repeatedItems(l *Leg) []item {
	return []item{
		{"airline numeric code", 3, &l.AirlineCode},
		{"document serial number", 10, &l.SerialNumber},
		{"selectee indicator", 1, &l.Selectee},
		{"international documentation verification", 1, &l.DocumentVerification},
		{"marketing carrier", 3, &l.MarketingCarrier},
		{"frequent flyer airline", 3, &l.FrequentFlyerAirline},
		{"frequent flyer number", 16, &l.FrequentFlyerNumber},
		{"ID/AD indicator", 1, &l.IDAD},
		{"free baggage allowance", 3, &l.FreeBaggage},
		{"fast track", 1, &l.FastTrack},
	}
}

// block reads a field size and then as many items as that size covers. A size that
// ends inside an item, or goes past the last item, is malformed.
func (r *reader) block(what string, items []item) error {
	size, err := r.size(what)
	if err != nil {
		return err
	}
	end := r.off + size
	for _, it := range items {
		if r.off == end {
			return nil
		}
		if end-r.off < it.width {
			return decodeErr(r.off, "%s ends inside %s", what, it.name)
		}
		*it.dst = trim(r.take(it.width))
	}
	if r.off != end {
		return decodeErr(r.off, "%s are %d characters longer than the items they can hold", what, end-r.off)
	}
	return nil
}

// size reads a two-digit hexadecimal field size and checks that the data it
// announces is there.
func (r *reader) size(what string) (int, error) {
	if r.left() < 2 {
		return 0, decodeErr(r.off, "field size of %s is missing", what)
	}
	h := r.take(2)
	n, err := strconv.ParseUint(h, 16, 8)
	if err != nil {
		return 0, decodeErr(r.off-2, "field size of %s %q is not hexadecimal", what, h)
	}
	if int(n) > r.left() {
		return 0, decodeErr(r.off-2, "field size of %s is %d but %d characters are left", what, n, r.left())
	}
	return int(n), nil
}

// security reads the optional security section that follows the last leg.
func (r *reader) security(p *Pass) error {
	if r.left() == 0 {
		return nil
	}
	if r.s[r.off] != '^' {
		return decodeErr(r.off, "%d characters follow the last leg", r.left())
	}
	r.off++
	if r.left() < 1 {
		return decodeErr(r.off, "type of security data is missing")
	}
	p.SecurityType = r.take(1)
	n, err := r.size("security data")
	if err != nil {
		return err
	}
	p.Security = r.take(n)
	if r.left() > 0 {
		return decodeErr(r.off, "%d characters follow the security data", r.left())
	}
	return nil
}

func decodeErr(off int, format string, args ...any) error {
	e := domain.Errorf(domain.Invalid, opDecode, format, args...)
	e.Message = "offset " + strconv.Itoa(off) + ": " + e.Message
	return e
}

func trim(s string) string { return strings.TrimRight(s, " ") }

func allUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) {
			return false
		}
	}
	return s != ""
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// alnumSpace reports whether s is letters and digits, left-justified and padded with
// spaces.
func alnumSpace(s string) bool {
	t := trim(s)
	return alnum(t)
}
