package domain

import (
	"log/slog"
	"strings"
)

// PersonName is a traveller's name as booked. It redacts itself in logs.
type PersonName struct {
	Given   string
	Surname string
	Title   string // MR, MRS, MS, MSTR, MISS; optional
}

// String returns "Given Surname".
func (n PersonName) String() string { return strings.TrimSpace(n.Given + " " + n.Surname) }

// LogValue keeps names out of logs: only initials are written.
func (n PersonName) LogValue() slog.Value {
	return slog.StringValue(initial(n.Given) + initial(n.Surname))
}

func initial(s string) string {
	for _, r := range s {
		return string(r) + "."
	}
	return ""
}

// MatchesSurname compares a typed surname with the booked one, ignoring case, accents,
// spaces, hyphens and apostrophes ("o'neil" matches "ONeil", "muller" matches "Müller").
func (n PersonName) MatchesSurname(typed string) bool {
	a, b := FoldName(n.Surname), FoldName(typed)
	return a != "" && a == b
}

// FoldName upper-cases a name and strips accents and separators, so that names typed
// on any keyboard compare equal to the booked form. Latin letters are transliterated
// as in passports (Ø→O, Đ→D, Þ→TH); letters of other scripts are kept.
func FoldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\'' || r == '’' || r == '.':
			continue
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		default:
			if f, ok := foldAccent[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

var foldAccent = map[rune]string{
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "A", 'Å': "A", 'Æ': "AE", 'Ç': "C",
	'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E", 'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I",
	'Ñ': "N", 'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "O", 'Ø': "O", 'Ù': "U",
	'Ú': "U", 'Û': "U", 'Ü': "U", 'Ý': "Y", 'ß': "SS", 'Ÿ': "Y", 'Œ': "OE", 'Ł': "L",
	'Ś': "S", 'Š': "S", 'Ž': "Z", 'Ź': "Z", 'Ż': "Z", 'Č': "C", 'Ć': "C", 'Ř': "R",
	'Ě': "E", 'Ę': "E", 'Ą': "A", 'Ń': "N", 'Ő': "O", 'Ű': "U", 'İ': "I", 'Ğ': "G", 'Ş': "S",
	// Latin Extended letters, following the ICAO Doc 9303 transliteration used in
	// the machine-readable zone of passports.
	'Ā': "A", 'Ă': "A", 'Ď': "D", 'Đ': "D", 'Ð': "D", 'Ē': "E", 'Ė': "E", 'Ĝ': "G",
	'Ģ': "G", 'Ĥ': "H", 'Ħ': "H", 'Ī': "I", 'Į': "I", 'Ĩ': "I", 'Ĳ': "IJ", 'Ĵ': "J",
	'Ķ': "K", 'Ĺ': "L", 'Ļ': "L", 'Ľ': "L", 'Ŀ': "L", 'Ņ': "N", 'Ň': "N", 'Ō': "O",
	'Ŕ': "R", 'Ŗ': "R", 'Ŝ': "S", 'Ș': "S", 'Ţ': "T", 'Ț': "T", 'Ť': "T", 'Ŧ': "T",
	'Ū': "U", 'Ŭ': "U", 'Ů': "U", 'Ų': "U", 'Ũ': "U", 'Ŵ': "W", 'Ŷ': "Y", 'Þ': "TH",
	'ẞ': "SS",
}

// Secret is a piece of personal data (a document number, a phone number) that must not
// appear in logs. Its String and LogValue are masked; use Reveal to read it.
type Secret string

// Reveal returns the clear value.
func (s Secret) Reveal() string { return string(s) }

// String masks all but the last two characters.
func (s Secret) String() string { return Mask(string(s)) }

// LogValue masks the value in structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Mask(string(s))) }

// Mask replaces all but the last two characters with asterisks.
func Mask(s string) string {
	r := []rune(s)
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
}

// DataSubject names the traveller of a subject access or erasure request: an
// identifier on a channel (a WhatsApp number, a Messenger id, a web chat
// session), or a booking reference with a surname on it.
type DataSubject struct {
	Channel Channel
	UserID  string
	Locator RecordLocator
	Surname string
}

// ParseDataSubject checks a request's subject: kind is "whatsapp", "messenger",
// "webchat" (id is the identifier on that channel) or "booking" (id is the
// booking reference, surname required). A WhatsApp number may be written with a
// leading + and spaces; it is kept as the digits WhatsApp uses.
func ParseDataSubject(kind, id, surname string) (DataSubject, error) {
	const op = "parse data subject"
	id = strings.TrimSpace(id)
	switch Channel(kind) {
	case WhatsApp:
		id = strings.NewReplacer("+", "", " ", "", "-", "").Replace(id)
		fallthrough
	case Messenger, WebChat:
		if id == "" {
			return DataSubject{}, Errorf(Invalid, op, "an identifier on %s is required", kind)
		}
		return DataSubject{Channel: Channel(kind), UserID: id}, nil
	}
	if kind != "booking" {
		return DataSubject{}, Errorf(Invalid, op, "unknown kind %q (whatsapp, messenger, webchat, booking)", kind)
	}
	loc, err := ParseRecordLocator(id)
	if err != nil {
		return DataSubject{}, Errorf(Invalid, op, "%q is not a booking reference", id)
	}
	if FoldName(surname) == "" {
		return DataSubject{}, Errorf(Invalid, op, "a surname on the booking is required")
	}
	return DataSubject{Locator: loc, Surname: strings.TrimSpace(surname)}, nil
}

// Kind is "booking" or the subject's channel.
func (d DataSubject) Kind() string {
	if d.Locator != "" {
		return "booking"
	}
	return string(d.Channel)
}

// LogValue keeps the identifier and the surname out of logs.
func (d DataSubject) LogValue() slog.Value {
	if d.Locator != "" {
		return slog.StringValue("booking " + string(d.Locator) + " " + initial(d.Surname))
	}
	return slog.StringValue(string(d.Channel) + " " + Mask(d.UserID))
}
