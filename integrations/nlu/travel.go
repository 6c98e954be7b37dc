package nlu

import (
	"regexp"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

var (
	// ticketPattern reads a 13-digit ticket number, the airline's 3-digit
	// prefix optionally apart: "0741234567890", "074-1234567890".
	ticketPattern = regexp.MustCompile(`\b(\d{3})[-\s]?(\d{10})\b`)
	// flightPattern reads "KL1234", "kl 1234", "KL 1234", "U2 8011", "KL0603A".
	flightPattern = regexp.MustCompile(`(?i)\b([a-z]{2}|[a-z]\d|\d[a-z])(\s?)(\d{1,4})([a-z]?)\b`)
)

// flightWords introduce a flight number: "flight KL1234", "vol kl 1234".
var flightWords = setOf(`flight flt flug flights vol vlucht vuelo voo volo lot lotu sefer ucus رحلة الرحلة रहलट फ्लाइट flightnumber flugnummer`)

// twoLetterWords stand before numbers in sentences of the twelve languages
// ("to 1234", "in 2", "op 3", "do 5"); typed in lower case they are not a
// carrier.
var twoLetterWords = setOf(`to in at on by of or an as is it my me we us do go no so up am be he if
	de la le en et il un du au je tu ma mi su el es lo se te ya da um em na os ao ik op om er ze an im zu ob
	wo ja di ne si ci vi ho ha ed od po za co ty bu ve ki mu ol al fi li ke से को`)

// ticketMatch and flightMatch are found before tokens are read, so that
// their digits are not counts or documents.
type travelMatch struct {
	span
	typ        domain.EntityType
	normalized string
	locator    bool // also a booking-reference candidate: "KL1234" could be either
}

// findTickets returns the ticket numbers of text.
func findTickets(text string) []travelMatch {
	var out []travelMatch
	for _, loc := range ticketPattern.FindAllStringSubmatchIndex(text, -1) {
		out = append(out, travelMatch{span: span{loc[0], loc[1]}, typ: domain.EntityTicket,
			normalized: text[loc[2]:loc[3]] + text[loc[4]:loc[5]]})
	}
	return out
}

// findFlights returns the flight numbers of text. A carrier written apart
// from its number must not be a word ("to 1234", "in 2"), and a flight
// number of six characters typed without a flight word before it is a
// booking-reference candidate as well.
func (c *Classifier) findFlights(text string, toks []token) []travelMatch {
	var out []travelMatch
	for _, loc := range flightPattern.FindAllStringSubmatchIndex(text, -1) {
		carrier := text[loc[2]:loc[3]]
		spaced := loc[5] > loc[4]
		digits := text[loc[6]:loc[7]]
		prev := previousWord(toks, loc[0])
		keyword := flightWords[prev]
		if spaced && !keyword {
			upper := strings.ToUpper(carrier) == carrier
			if twoLetterWords[strings.ToLower(carrier)] && !upper || len(digits) < 3 && !upper || len(digits) < 2 {
				continue
			}
		} else if !keyword && len(digits) < 2 {
			continue // "a1", "b2": a seat row or a grid reference
		}
		f, err := domain.ParseFlightNumber(text[loc[0]:loc[1]])
		if err != nil {
			continue
		}
		whole := text[loc[0]:loc[1]]
		out = append(out, travelMatch{span: span{loc[0], loc[1]}, typ: domain.EntityFlight, normalized: f.String(),
			locator: !spaced && !keyword && len(whole) == 6 && isASCIIAlnum(whole)})
	}
	return out
}

// previousWord returns the folded token that ends before offset, or "".
func previousWord(toks []token, offset int) string {
	w := ""
	for _, t := range toks {
		if t.end > offset {
			break
		}
		w = t.folded
	}
	return w
}
