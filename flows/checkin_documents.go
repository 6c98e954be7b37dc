package flows

import (
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Document fields, asked in this order.
var docFields = []string{"number", "nationality", "issuer", "expiry", "birth"}

func (d *DocDraft) missing() string {
	vals := map[string]string{"number": d.Number, "nationality": d.Nationality, "issuer": d.Issuer, "expiry": d.Expiry, "birth": d.Birth}
	for _, f := range docFields {
		if vals[f] == "" {
			return f
		}
	}
	return ""
}

func (d *DocDraft) document() domain.TravelDocument {
	exp, _ := time.Parse(time.DateOnly, d.Expiry)
	birth, _ := time.Parse(time.DateOnly, d.Birth)
	return domain.TravelDocument{Type: "P", Number: domain.Secret(d.Number),
		Nationality: domain.CountryCode(d.Nationality), IssuingCountry: domain.CountryCode(d.Issuer),
		Expiry: exp, BirthDate: birth}
}

// currentDocPassenger returns the passenger whose document is being collected.
func (t *Turn) currentDocPassenger() (domain.Passenger, *DocDraft, bool) {
	s := t.Slots
	if s.Docs == nil {
		s.Docs = map[string]*DocDraft{}
	}
	for s.DocIdx < len(s.Selected) {
		id := s.Selected[s.DocIdx]
		d := s.Docs[paxKey(id)]
		if d == nil {
			d = &DocDraft{}
			s.Docs[paxKey(id)] = d
		}
		if d.missing() != "" {
			p, _ := t.Booking.Passenger(id)
			return p, d, true
		}
		s.DocIdx++
	}
	return domain.Passenger{}, nil, false
}

func enterCollectDocuments(t *Turn) {
	p, d, ok := t.currentDocPassenger()
	if !ok {
		return
	}
	name := p.Name.String()
	if d.missing() == "number" && d.Nationality == "" {
		t.Say("docs.intro", "name", name)
	}
	switch d.missing() {
	case "number":
		t.Say("docs.ask_number", "name", name)
	case "nationality":
		t.Say("docs.ask_nationality", "name", name)
	case "issuer":
		t.Ask(t.T("docs.ask_issuer", "name", name),
			t.Choice("same", "docs.same_as_nationality", "country", d.Nationality))
	case "expiry":
		t.Say("docs.ask_expiry", "name", name)
	case "birth":
		t.Say("docs.ask_birth", "name", name)
	}
}

func handleCollectDocuments(t *Turn) Event {
	_, d, ok := t.currentDocPassenger()
	if !ok {
		return "documents_done"
	}
	field := d.missing()
	progressed := false
	switch field {
	case "number":
		raw := ""
		if e, ok := t.U.First(domain.EntityDocument); ok {
			raw = e.Normalized
		} else if !strings.Contains(strings.TrimSpace(t.In.Text), " ") {
			raw = t.In.Text
		}
		n, err := domain.ParseDocumentNumber(raw)
		if err != nil {
			t.Say("docs.number_invalid")
			return ""
		}
		d.Number = n.Reveal()
		progressed = true
		// The same message may carry the rest: "X1234567 NLD 2031-05-01".
		fillCountries(t, d)
		fillDates(t, d)
	case "nationality", "issuer":
		if field == "issuer" && (t.In.Payload == "same" || t.U.Intent == domain.IntentYes) {
			d.Issuer = d.Nationality
			progressed = true
			break
		}
		if !fillCountries(t, d) {
			t.Say("docs.country_unknown")
			return ""
		}
		progressed = true
		fillDates(t, d)
	case "expiry", "birth":
		if !fillDates(t, d) {
			t.Say("docs.date_invalid")
			return ""
		}
		progressed = true
	}
	if !progressed {
		return ""
	}
	// Refuse an unusable date as soon as it is given, not after the next question.
	if d.Expiry != "" && d.Expiry <= t.lastDeparture().Format(time.DateOnly) {
		exp, _ := time.Parse(time.DateOnly, d.Expiry)
		t.Say("docs.expired", "date", t.FormatDate(exp))
		d.Expiry = ""
		return "provide_document"
	}
	if d.Birth != "" && d.Birth > t.Now.Format(time.DateOnly) {
		t.Say("docs.birth_future")
		d.Birth = ""
		return "provide_document"
	}
	if d.missing() != "" {
		return "provide_document"
	}
	// Complete: check it against the travel dates before moving on.
	doc := d.document()
	if err := doc.Validate(t.lastDeparture(), t.Now); err != nil {
		switch domain.ErrorMessage(err) {
		case domain.DocExpiredBeforeTravel:
			t.Say("docs.expired", "date", t.FormatDate(doc.Expiry))
			d.Expiry = ""
		case domain.DocBirthInFuture:
			t.Say("docs.birth_future")
			d.Birth = ""
		default:
			t.Say("docs.date_invalid")
			d.Expiry, d.Birth = "", ""
		}
		return "provide_document"
	}
	t.Say("docs.saved", "name", mustPassenger(t, t.Slots.Selected[t.Slots.DocIdx]).Name.String(), "number", domain.Mask(d.Number))
	t.Slots.DocIdx++
	if _, _, more := t.currentDocPassenger(); more {
		return "provide_document"
	}
	return "documents_done"
}

func mustPassenger(t *Turn, id int64) domain.Passenger {
	p, _ := t.Booking.Passenger(id)
	return p
}

// fillCountries puts country entities into the nationality and issuer fields that
// are still empty, in message order.
func fillCountries(t *Turn, d *DocDraft) bool {
	filled := false
	for _, e := range t.U.All(domain.EntityCountry) {
		switch {
		case d.Nationality == "":
			d.Nationality = e.Normalized
		case d.Issuer == "":
			d.Issuer = e.Normalized
		default:
			continue
		}
		filled = true
	}
	return filled
}

// fillDates puts date entities into the expiry and birth fields. A date in the
// future is an expiry date; one in the past a birth date (documents are rarely
// expired, and an expired one is refused later with an explanation).
func fillDates(t *Turn, d *DocDraft) bool {
	filled := false
	today := t.Now.Format(time.DateOnly)
	asked := d.missing()
	for _, e := range t.U.All(domain.EntityDate) {
		if _, err := time.Parse(time.DateOnly, e.Normalized); err != nil {
			continue
		}
		future := e.Normalized > today
		switch {
		case asked == "expiry" && d.Expiry == "":
			d.Expiry = e.Normalized
		case asked == "birth" && d.Birth == "":
			d.Birth = e.Normalized
		case future && d.Expiry == "":
			d.Expiry = e.Normalized
		case !future && d.Birth == "":
			d.Birth = e.Normalized
		default:
			continue
		}
		asked = d.missing()
		filled = true
	}
	return filled
}

// ---- dangerous goods ----

func enterDangerousGoods(t *Turn) {
	t.Ask(t.T("checkin.dangerous_goods"),
		t.Choice("yes", "checkin.dg_yes"),
		t.Choice("no", "checkin.dg_no"))
}

func handleDangerousGoods(t *Turn) Event {
	switch t.U.Intent {
	case domain.IntentYes:
		t.Slots.DGAck = true
		if t.Content.Rules.SeatChoice {
			t.prepareSeatQueue()
			return "accept_dangerous_goods"
		}
		return "accept_dangerous_goods_no_seats"
	case domain.IntentNo:
		return "decline_dangerous_goods"
	}
	return ""
}
