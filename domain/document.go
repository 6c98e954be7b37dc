package domain

import (
	"strings"
	"time"
)

// TravelDocument is the passport or identity card data (APIS) a passenger gives before
// an international flight. Number is personal data and masks itself.
type TravelDocument struct {
	Type           string // "P" passport, "I" identity card
	Number         Secret
	Nationality    CountryCode
	IssuingCountry CountryCode
	Expiry         time.Time // date
	BirthDate      time.Time // date
}

// ParseDocumentNumber normalises a passport or identity card number: 5 to 20 letters
// and digits once spaces and dashes are removed.
func ParseDocumentNumber(s string) (Secret, error) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
	if len(s) < 5 || len(s) > 20 {
		return "", Errorf(Invalid, "parse document number", "a document number has 5 to 20 letters and digits")
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'A' && r <= 'Z':
		default:
			return "", Errorf(Invalid, "parse document number", "a document number has only letters and digits")
		}
	}
	if digits == 0 {
		return "", Errorf(Invalid, "parse document number", "a document number contains digits")
	}
	return Secret(s), nil
}

// Document validation failure reasons, used as Error.Message so that flows can explain
// them in the traveller's language.
const (
	DocExpiredBeforeTravel = "document expires before travel"
	DocBirthInFuture       = "birth date in the future"
	DocMissingField        = "document incomplete"
)

// Validate checks a complete document against the date of travel: it must be valid on
// the day of travel, and the holder must already be born.
func (d TravelDocument) Validate(travel, today time.Time) error {
	if d.Number == "" || d.Nationality == "" || d.IssuingCountry == "" || d.Expiry.IsZero() || d.BirthDate.IsZero() {
		return Errorf(Invalid, "validate document", DocMissingField)
	}
	if !d.Expiry.After(dateOf(travel)) {
		return Errorf(Invalid, "validate document", DocExpiredBeforeTravel)
	}
	if d.BirthDate.After(dateOf(today)) {
		return Errorf(Invalid, "validate document", DocBirthInFuture)
	}
	return nil
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
