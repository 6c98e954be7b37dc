package bcbp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

const opEncode = "encode boarding pass"

// Values that Encode writes for items the domain does not model.
const (
	// Version is the conditional-section version Encode writes. Versions 7 and 8
	// changed no item that Encode fills, and version 6 is the newest that the widely
	// deployed open parsers know.
	Version = 6
	// SourceWeb is the source of check-in and of boarding-pass issuance: travellers
	// check in and receive the pass through web chat or a messaging app.
	SourceWeb = 'W'
	// DocumentBoardingPass is the document type of a boarding pass.
	DocumentBoardingPass = 'B'
	// StatusCheckedIn is the passenger status of a pass issued at check-in.
	StatusCheckedIn = '1'
)

// Encode returns the IATA BCBP "M" string of a single-leg boarding pass: the 60
// mandatory characters followed by the conditional section (version, passenger
// description, sources of check-in and issuance, date of issue, document type, issuer,
// then the ticket number, selectee indicator, document verification and marketing
// carrier).
//
// The date of flight is the day of the year of the scheduled departure in the
// origin's local time, and so is the date of issue. A pass that cannot be encoded
// (no surname, a malformed locator, airport, flight, seat or ticket number, a
// missing departure or issue time) is an Invalid domain error.
func Encode(p domain.BoardingPass) (string, error) {
	name, err := passengerName(p.Name)
	if err != nil {
		return "", err
	}
	loc, err := domain.ParseRecordLocator(string(p.Locator))
	if err != nil {
		return "", wrap(err)
	}
	from, err := domain.ParseAirportCode(string(p.Origin.Code))
	if err != nil {
		return "", wrap(err)
	}
	to, err := domain.ParseAirportCode(string(p.Destination.Code))
	if err != nil {
		return "", wrap(err)
	}
	carrier, err := domain.ParseCarrierCode(string(p.Flight.Carrier))
	if err != nil {
		return "", wrap(err)
	}
	flight, err := flightNumber(p.Flight)
	if err != nil {
		return "", err
	}
	if p.Departure.IsZero() {
		return "", domain.Errorf(domain.Invalid, opEncode, "the departure time is missing")
	}
	if p.IssuedAt.IsZero() {
		return "", domain.Errorf(domain.Invalid, opEncode, "the issue time is missing")
	}
	cabin := strings.ToUpper(string(p.Cabin))
	if len(cabin) != 1 || !isUpper(cabin[0]) {
		return "", domain.Errorf(domain.Invalid, opEncode, "%q is not a one-letter compartment code", p.Cabin)
	}
	desc, err := passengerDescription(p.PaxType)
	if err != nil {
		return "", err
	}
	seat, err := seatNumber(p.Seat, p.PaxType)
	if err != nil {
		return "", err
	}
	seq, err := sequenceNumber(p.Sequence, p.PaxType)
	if err != nil {
		return "", err
	}
	ticket, err := ticketNumber(p.TicketNumber)
	if err != nil {
		return "", err
	}

	// Unique conditional items: written once, for the first (only) leg.
	var unique strings.Builder
	unique.WriteByte(desc)
	unique.WriteByte(SourceWeb)
	unique.WriteByte(SourceWeb)
	unique.WriteString(issueDate(local(p.IssuedAt, p.Origin.Location)))
	unique.WriteByte(DocumentBoardingPass)
	unique.WriteString(fit(string(carrier), 3))

	// Repeated conditional items: written for every leg. Items after the marketing
	// carrier (frequent flyer, ID/AD, baggage, fast track) are left out: the field size
	// says where the block ends, and a shorter string makes a sparser barcode.
	var repeated strings.Builder
	repeated.WriteString(ticket)
	repeated.WriteByte(' ') // selectee indicator: not known to Skybridge
	repeated.WriteByte(docVerification(p.Origin, p.Destination))
	repeated.WriteString(fit(string(carrier), 3))

	var cond strings.Builder
	cond.WriteByte('>')
	cond.WriteByte('0' + Version)
	cond.WriteString(hex2(unique.Len()))
	cond.WriteString(unique.String())
	cond.WriteString(hex2(repeated.Len()))
	cond.WriteString(repeated.String())

	var b strings.Builder
	b.WriteString("M1")
	b.WriteString(name)
	b.WriteByte('E')
	b.WriteString(fit(string(loc), 7))
	b.WriteString(string(from))
	b.WriteString(string(to))
	b.WriteString(fit(string(carrier), 3))
	b.WriteString(flight)
	b.WriteString(fmt.Sprintf("%03d", local(p.Departure, p.Origin.Location).YearDay()))
	b.WriteString(cabin)
	b.WriteString(seat)
	b.WriteString(seq)
	b.WriteByte(StatusCheckedIn)
	b.WriteString(hex2(cond.Len()))
	b.WriteString(cond.String())
	return b.String(), nil
}

// wrap adds the operation to a parser's domain error, keeping its code and message.
func wrap(err error) error { return fmt.Errorf("%s: %w", opEncode, err) }

// local returns t in loc, or t as it is when loc is nil.
func local(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return t
	}
	return t.In(loc)
}

// flightNumber returns item 43: four digits with leading zeros and the operational
// suffix or a space.
func flightNumber(f domain.FlightNumber) (string, error) {
	if f.Number < 1 || f.Number > 9999 {
		return "", domain.Errorf(domain.Invalid, opEncode, "flight number %d is not between 1 and 9999", f.Number)
	}
	suffix := strings.ToUpper(f.Suffix)
	switch {
	case suffix == "":
		suffix = " "
	case len(suffix) != 1 || !isUpper(suffix[0]):
		return "", domain.Errorf(domain.Invalid, opEncode, "flight suffix %q is not one letter", f.Suffix)
	}
	return fmt.Sprintf("%04d%s", f.Number, suffix), nil
}

// seatNumber returns item 104: "014C" for seat 14C, "INF " for an infant on a lap.
func seatNumber(seat string, pax domain.PaxType) (string, error) {
	seat = strings.ToUpper(strings.TrimSpace(seat))
	if pax == domain.Infant && (seat == "" || seat == "INF") {
		return "INF ", nil
	}
	n := len(seat)
	if n < 2 || n > 4 || !isUpper(seat[n-1]) {
		return "", domain.Errorf(domain.Invalid, opEncode, "%q is not a seat", seat)
	}
	row, err := strconv.Atoi(seat[:n-1])
	if err != nil || row < 1 || row > 999 || !allDigits(seat[:n-1]) {
		return "", domain.Errorf(domain.Invalid, opEncode, "%q is not a seat", seat)
	}
	return fmt.Sprintf("%03d%c", row, seat[n-1]), nil
}

// sequenceNumber returns item 107: "0025 " for 25. An infant without a sequence
// number of its own gets a blank item.
func sequenceNumber(seq int, pax domain.PaxType) (string, error) {
	if seq == 0 && pax == domain.Infant {
		return "     ", nil
	}
	if seq < 1 || seq > 9999 {
		return "", domain.Errorf(domain.Invalid, opEncode, "check-in sequence number %d is not between 1 and 9999", seq)
	}
	return fmt.Sprintf("%04d ", seq), nil
}

// passengerDescription returns item 15 for a passenger type; an unset type is an adult.
func passengerDescription(t domain.PaxType) (byte, error) {
	switch t {
	case domain.Adult, "":
		return '0', nil
	case domain.Child:
		return '3', nil
	case domain.Infant:
		return '4', nil
	}
	return 0, domain.Errorf(domain.Invalid, opEncode, "passenger type %q is unknown", t)
}

// ticketNumber returns the 13 digits of an electronic ticket number (airline numeric
// code and document serial number), accepting the usual "074-2497067621" spelling.
func ticketNumber(s string) (string, error) {
	t := strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(t) != 13 || !allDigits(t) {
		return "", domain.Errorf(domain.Invalid, opEncode, "ticket number %q does not have 13 digits", s)
	}
	return t, nil
}

// issueDate returns item 22: the last digit of the year and the day of the year.
func issueDate(t time.Time) string {
	return fmt.Sprintf("%d%03d", t.Year()%10, t.YearDay())
}

// docVerification returns item 108: '1' (document check required) when the flight
// crosses a border, '0' when it does not, blank when a country is unknown.
func docVerification(from, to domain.Airport) byte {
	switch {
	case from.Country == "" || to.Country == "":
		return ' '
	case from.Country != to.Country:
		return '1'
	}
	return '0'
}

func hex2(n int) string { return fmt.Sprintf("%02X", n) }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
