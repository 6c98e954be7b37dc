package nlu

import (
	"slices"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// normalized returns the normalised values of one entity type, in order.
func normalized(u domain.Understanding, t domain.EntityType) []string {
	var out []string
	for _, e := range u.All(t) {
		out = append(out, e.Normalized)
	}
	return out
}

func TestEntities(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	tests := []struct {
		name    string
		message string
		typ     domain.EntityType
		want    []string // nil: no entity of that type
	}{
		{"locator with digits", "my booking is abc123", domain.EntityLocator, []string{"ABC123"}},
		{"locator letters only", "XKQPZT", domain.EntityLocator, []string{"XKQPZT"}},
		{"locator not a word", "please check in", domain.EntityLocator, nil},
		{"locator and surname", "ABC123 Jansen", domain.EntityLocator, []string{"ABC123", "JANSEN"}},
		{"surname after locator", "ABC123 Jansen", domain.EntitySurname, []string{"Jansen"}},
		{"surname with stopwords", "my name is Smith", domain.EntitySurname, []string{"Smith"}},
		{"surname van der", "van der Berg", domain.EntitySurname, []string{"van der Berg"}},
		{"surname de la", "mi apellido es de la Cruz", domain.EntitySurname, []string{"de la Cruz"}},
		{"surname dos", "sobrenome dos Santos", domain.EntitySurname, []string{"dos Santos"}},
		{"surname nachname", "Nachname Müller, Buchung K3X9QZ", domain.EntitySurname, []string{"Müller"}},
		{"surname hyphen", "achternaam Smith-Jones", domain.EntitySurname, []string{"Smith-Jones"}},
		{"surname first and last", "mijn naam is Jan de Vries", domain.EntitySurname, []string{"Jan de Vries", "Jan", "de Vries"}},
		{"no surname", "I want to check in please", domain.EntitySurname, nil},
		{"no surname in data", "14C 12/03/1985 2", domain.EntitySurname, nil},
		{"number digit", "2", domain.EntityNumber, []string{"2"}},
		{"number word en", "the second one", domain.EntityNumber, []string{"2", "1"}},
		{"number word fr", "le troisième", domain.EntityNumber, []string{"3"}},
		{"number word nl", "de eerste", domain.EntityNumber, []string{"1"}},
		{"number word de", "zwei", domain.EntityNumber, []string{"2"}},
		{"number word es", "cuatro", domain.EntityNumber, []string{"4"}},
		{"number word pt", "primeiro", domain.EntityNumber, []string{"1"}},
		{"number ordinal suffix", "the 3rd", domain.EntityNumber, []string{"3"}},
		{"article is no number", "een medewerker", domain.EntityNumber, nil},
		{"seat", "14C", domain.EntitySeat, []string{"14C"}},
		{"seat spaced", "14 c", domain.EntitySeat, []string{"14C"}},
		{"seat keyword", "seat 3a please", domain.EntitySeat, []string{"3A"}},
		{"seat siège", "siège 21F", domain.EntitySeat, []string{"21F"}},
		{"no seat letter L", "14L", domain.EntitySeat, nil},
		{"no seat in 'and'", "1 e 2", domain.EntitySeat, nil},
		{"date iso", "1985-03-12", domain.EntityDate, []string{"1985-03-12"}},
		{"date slash", "12/03/1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date dots", "12.03.1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date dashes", "12-03-1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date month first only", "03/25/1985", domain.EntityDate, []string{"1985-03-25"}},
		{"date en", "born 12 March 1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date fr", "12 mars 1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date nl", "12 maart 1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date de", "12. März 1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date es", "12 de marzo de 1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date pt", "12 de março de 1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date us", "March 12, 1985", domain.EntityDate, []string{"1985-03-12"}},
		{"date two-digit year", "12/03/85", domain.EntityDate, []string{"1985-03-12"}},
		{"date impossible", "31/04/1985", domain.EntityDate, nil},
		{"date not leap", "29.02.1985", domain.EntityDate, nil},
		{"language en", "English please", domain.EntityLanguage, []string{"en"}},
		{"language in en", "in English", domain.EntityLanguage, []string{"en"}},
		{"language fr", "en français", domain.EntityLanguage, []string{"fr"}},
		{"language nl", "in het Nederlands", domain.EntityLanguage, []string{"nl"}},
		{"language de", "auf Deutsch", domain.EntityLanguage, []string{"de"}},
		{"language es", "espanol", domain.EntityLanguage, []string{"es"}},
		{"language pt", "em português", domain.EntityLanguage, []string{"pt"}},
		{"country en", "Netherlands", domain.EntityCountry, []string{"NLD"}},
		{"country fr", "Pays-Bas", domain.EntityCountry, []string{"NLD"}},
		{"country nl", "ik woon in Nederland", domain.EntityCountry, []string{"NLD"}},
		{"country alpha-2", "NL", domain.EntityCountry, []string{"NLD"}},
		{"country alpha-3", "NLD", domain.EntityCountry, []string{"NLD"}},
		{"country uk", "UK", domain.EntityCountry, []string{"GBR"}},
		{"country united kingdom", "United Kingdom", domain.EntityCountry, []string{"GBR"}},
		{"country gb", "GB", domain.EntityCountry, []string{"GBR"}},
		{"country usa", "USA", domain.EntityCountry, []string{"USA"}},
		{"country états-unis", "États-Unis", domain.EntityCountry, []string{"USA"}},
		{"country de", "Deutschland", domain.EntityCountry, []string{"DEU"}},
		{"country es", "Alemania", domain.EntityCountry, []string{"DEU"}},
		{"country pt", "Brasil", domain.EntityCountry, []string{"BRA"}},
		{"no code inside a sentence", "no I am in", domain.EntityCountry, nil},
		{"document", "passport NX1234567", domain.EntityDocument, []string{"NX1234567"}},
		{"document digits", "123456789", domain.EntityDocument, []string{"123456789"}},
		{"document prefers non-locator", "ABC123 passport NX1234567", domain.EntityDocument, []string{"NX1234567"}},
		{"document locator-like alone", "NX1234", domain.EntityDocument, []string{"NX1234"}},
		{"document not a date", "12/03/1985", domain.EntityDocument, nil},
		{"document not a seat", "14C", domain.EntityDocument, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := c.Understand(tt.message, "")
			if got := normalized(u, tt.typ); !slices.Equal(got, tt.want) {
				t.Errorf("%q: %s = %q, want %q (all: %v)", tt.message, tt.typ, got, tt.want, u.Entities)
			}
		})
	}
}

func TestEntitiesInMessageOrder(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	u := c.Understand("Jansen ABC123 born 12/03/1985 seat 14C, 2 bags", "")
	var types []domain.EntityType
	for _, e := range u.Entities {
		types = append(types, e.Type)
	}
	// "Jansen" is also a 6-letter locator candidate, and ABC123 the only
	// document-shaped token; the flow picks by state.
	want := []domain.EntityType{domain.EntityLocator, domain.EntitySurname, domain.EntityLocator, domain.EntityDocument, domain.EntityDate, domain.EntitySeat, domain.EntityNumber}
	if !slices.Equal(types, want) {
		t.Errorf("types = %v, want %v (%v)", types, want, u.Entities)
	}
	if e, _ := u.First(domain.EntitySeat); e.Text != "seat 14C" {
		t.Errorf("seat text = %q, want as typed", e.Text)
	}
}

func TestChangeLanguageIntent(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	for _, m := range []string{"English please", "in English", "en français", "in het Nederlands", "auf Deutsch", "en español", "em português", "français", "nederlands", "deutsch", "espanol", "portugues"} {
		u := c.Understand(m, "")
		if u.Intent != domain.IntentChangeLanguage {
			t.Errorf("%q: intent = %q, want change_language", m, u.Intent)
		}
		if _, ok := u.First(domain.EntityLanguage); !ok {
			t.Errorf("%q: no language entity", m)
		}
	}
	if u := c.Understand("I'm Dutch", ""); u.Intent == domain.IntentChangeLanguage {
		t.Errorf("a nationality is not a request to switch")
	}
}
