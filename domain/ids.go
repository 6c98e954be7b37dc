package domain

import (
	"fmt"
	"strconv"
	"strings"
)

// RecordLocator is a booking reference: six letters and digits, upper case.
type RecordLocator string

// ParseRecordLocator normalises s (trims, upper-cases) and checks its shape.
func ParseRecordLocator(s string) (RecordLocator, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 6 {
		return "", Errorf(Invalid, "parse record locator", "a booking reference has 6 letters or digits")
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", Errorf(Invalid, "parse record locator", "a booking reference has 6 letters or digits")
		}
	}
	return RecordLocator(s), nil
}

func (l RecordLocator) String() string { return string(l) }

// CarrierCode is an IATA airline designator (2 characters, e.g. "KL", "U2").
type CarrierCode string

// AirportCode is an IATA airport code (3 letters).
type AirportCode string

// ParseAirportCode normalises and checks an IATA airport code.
func ParseAirportCode(s string) (AirportCode, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 3 {
		return "", Errorf(Invalid, "parse airport", "%q is not a 3-letter IATA airport code", s)
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return "", Errorf(Invalid, "parse airport", "%q is not a 3-letter IATA airport code", s)
		}
	}
	return AirportCode(s), nil
}

// ParseCarrierCode normalises and checks an IATA airline designator.
func ParseCarrierCode(s string) (CarrierCode, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 2 {
		return "", Errorf(Invalid, "parse carrier", "%q is not a 2-character IATA airline code", s)
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return "", Errorf(Invalid, "parse carrier", "%q is not a 2-character IATA airline code", s)
		}
	}
	return CarrierCode(s), nil
}

// FlightNumber identifies a marketed flight: carrier and 1-4 digit number, with an
// optional operational suffix letter.
type FlightNumber struct {
	Carrier CarrierCode
	Number  int
	Suffix  string
}

// ParseFlightNumber reads "KL1234", "kl 1234" or "KL 0603A".
func ParseFlightNumber(s string) (FlightNumber, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if len(s) < 3 {
		return FlightNumber{}, Errorf(Invalid, "parse flight number", "%q is not a flight number", s)
	}
	c, err := ParseCarrierCode(s[:2])
	if err != nil {
		return FlightNumber{}, err
	}
	rest := s[2:]
	var suffix string
	if n := len(rest); n > 0 && rest[n-1] >= 'A' && rest[n-1] <= 'Z' {
		suffix, rest = rest[n-1:], rest[:n-1]
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > 9999 || len(rest) > 4 {
		return FlightNumber{}, Errorf(Invalid, "parse flight number", "%q is not a flight number", s)
	}
	return FlightNumber{Carrier: c, Number: n, Suffix: suffix}, nil
}

func (f FlightNumber) String() string {
	return fmt.Sprintf("%s%d%s", f.Carrier, f.Number, f.Suffix)
}

// CountryCode is an ISO 3166-1 alpha-3 country code as printed in passports ("NLD").
type CountryCode string

// Lang is a BCP 47 primary language subtag ("en", "fr", "nl", …).
type Lang string

// Languages supported by the built-in catalogues, in display order.
var Languages = []Lang{"en", "fr", "nl", "de", "es", "pt", "it", "pl", "tr", "ar", "zh", "hi"}

// DefaultLang is used when nothing is known about a traveller's language.
const DefaultLang Lang = "en"

// Supported reports whether l has a built-in catalogue.
func (l Lang) Supported() bool {
	for _, s := range Languages {
		if s == l {
			return true
		}
	}
	return false
}
