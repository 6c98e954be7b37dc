package nlu

import (
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// The shared classifier's clock is Tuesday 10 March 2026 (testNow).
func TestTravelEntities(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	tests := []struct {
		name    string
		message string
		typ     domain.EntityType
		want    []string
	}{
		{"flight joined", "is KL1234 on time", domain.EntityFlight, []string{"KL1234"}},
		{"flight lower spaced", "status of kl 1234 please", domain.EntityFlight, []string{"KL1234"}},
		{"flight upper spaced", "KL 1234", domain.EntityFlight, []string{"KL1234"}},
		{"flight leading zero", "vol AF 0603", domain.EntityFlight, []string{"AF603"}},
		{"flight digit carrier", "U2 8011 delayed?", domain.EntityFlight, []string{"U28011"}},
		{"no flight in words", "I want to fly to 2 cities in 3 days", domain.EntityFlight, nil},
		{"flight is no number", "KL 1234", domain.EntityNumber, nil},
		{"ticket", "ticket 0741234567890", domain.EntityTicket, []string{"0741234567890"}},
		{"ticket dashed", "my e-ticket is 074-1234567890", domain.EntityTicket, []string{"0741234567890"}},
		{"ticket is no document", "0741234567890", domain.EntityDocument, nil},
		{"time colon", "the 14:40 flight", domain.EntityTime, []string{"14:40"}},
		{"time pm", "around 2pm", domain.EntityTime, []string{"14:00"}},
		{"time am spaced", "at 9 am", domain.EntityTime, []string{"09:00"}},
		{"time h", "vers 9h30", domain.EntityTime, []string{"09:30"}},
		{"time uhr", "um 14 Uhr", domain.EntityTime, []string{"14:00"}},
		{"time han", "下午3点的航班", domain.EntityTime, []string{"afternoon", "15:00"}},
		{"part of day en", "a flight in the morning", domain.EntityTime, []string{"morning"}},
		{"part of day es", "mañana por la tarde", domain.EntityTime, []string{"afternoon"}},
		{"part of day pl", "jutro rano", domain.EntityTime, []string{"morning"}},
		{"part of day hi", "कल शाम की फ्लाइट", domain.EntityTime, []string{"evening"}},
		{"greeting is no time", "good morning", domain.EntityTime, nil},
		{"greeting pt is no time", "boa noite", domain.EntityTime, nil},
		{"tomorrow en", "my flight tomorrow", domain.EntityDate, []string{"2026-03-11"}},
		{"tomorrow de", "Flug morgen", domain.EntityDate, []string{"2026-03-11"}},
		{"guten morgen is no date", "guten Morgen", domain.EntityDate, nil},
		{"tomorrow pt", "amanhã de manhã", domain.EntityDate, []string{"2026-03-11"}},
		{"tomorrow it", "domani", domain.EntityDate, []string{"2026-03-11"}},
		{"tomorrow pl", "jutro", domain.EntityDate, []string{"2026-03-11"}},
		{"tomorrow tr", "yarın", domain.EntityDate, []string{"2026-03-11"}},
		{"tomorrow ar", "رحلتي غدا", domain.EntityDate, []string{"2026-03-11"}},
		{"tomorrow zh", "我明天的航班", domain.EntityDate, []string{"2026-03-11"}},
		{"tomorrow hi", "कल", domain.EntityDate, []string{"2026-03-11"}},
		{"today", "aujourd'hui", domain.EntityDate, []string{"2026-03-10"}},
		{"day after tomorrow", "overmorgen", domain.EntityDate, []string{"2026-03-12"}},
		{"weekday fr", "vendredi", domain.EntityDate, []string{"2026-03-13"}},
		{"next monday", "next Monday", domain.EntityDate, []string{"2026-03-16"}},
		{"same weekday is next week", "on Tuesday", domain.EntityDate, []string{"2026-03-17"}},
		{"weekday pt", "sexta-feira", domain.EntityDate, []string{"2026-03-13"}},
		{"weekday zh next week", "下周一", domain.EntityDate, []string{"2026-03-16"}},
		{"weekday ar", "يوم الجمعة", domain.EntityDate, []string{"2026-03-13"}},
		{"day month no year", "le 5 mai", domain.EntityDate, []string{"2026-05-05"}},
		{"day month past rolls over", "2 February", domain.EntityDate, []string{"2027-02-02"}},
		{"day month it", "12 aprile", domain.EntityDate, []string{"2026-04-12"}},
		{"day month zh", "3月12日", domain.EntityDate, []string{"2026-03-12"}},
		{"day slash month", "on 20/03", domain.EntityDate, []string{"2026-03-20"}},
		{"abbreviation alone is no date", "2 out of 3", domain.EntityDate, nil},
		{"airport code", "flying to LIS", domain.EntityAirport, []string{"LIS"}},
		{"lower-case code is a word", "I am mad", domain.EntityAirport, nil},
		{"city en", "to Lisbon tomorrow", domain.EntityAirport, []string{"LIS"}},
		{"city pt", "voo para Lisboa", domain.EntityAirport, []string{"LIS"}},
		{"city de", "nach Lissabon", domain.EntityAirport, []string{"LIS"}},
		{"city pl inflected", "lot do Warszawy", domain.EntityAirport, []string{"WAW"}},
		{"city several airports", "London", domain.EntityAirport, []string{"LHR,LGW,LCY"}},
		{"city two words", "vuelo a Nueva York", domain.EntityAirport, []string{"JFK,EWR"}},
		{"city ar", "رحلة إلى باريس", domain.EntityAirport, []string{"CDG,ORY"}},
		{"city ar prefixed", "مسافر لباريس", domain.EntityAirport, []string{"CDG,ORY"}},
		{"city zh", "去北京的航班", domain.EntityAirport, []string{"PEK"}},
		{"city hi", "दिल्ली की फ्लाइट", domain.EntityAirport, []string{"DEL"}},
		{"city that is a word needs a preposition", "nice, thanks", domain.EntityAirport, nil},
		{"city that is a word after a preposition", "flight to Nice", domain.EntityAirport, []string{"NCE"}},
		{"city is no surname", "Lisbon", domain.EntitySurname, nil},
		{"count", "add 2 bags", domain.EntityNumber, []string{"2"}},
		{"count it", "due valigie", domain.EntityNumber, []string{"2"}},
		{"count pl", "dwie walizki", domain.EntityNumber, []string{"2"}},
		{"count tr", "iki valiz", domain.EntityNumber, []string{"2"}},
		{"count zh", "两个箱子", domain.EntityNumber, []string{"2"}},
		{"count ar digits", "٢ حقائب", domain.EntityNumber, []string{"2"}},
		{"seat with time", "seat 14C at 14:40", domain.EntitySeat, []string{"14C"}},
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

// A flight number of six characters may be a booking reference too; with a
// flight word before it, it is only a flight.
func TestFlightOrLocator(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	u := c.Understand("KL1234", "")
	if !slices.Equal(normalized(u, domain.EntityFlight), []string{"KL1234"}) || !slices.Equal(normalized(u, domain.EntityLocator), []string{"KL1234"}) {
		t.Errorf("KL1234 alone: want flight and locator candidates, got %v", u.Entities)
	}
	u = c.Understand("flight KL1234", "")
	if got := normalized(u, domain.EntityLocator); got != nil {
		t.Errorf("flight KL1234: locator %v, want none", got)
	}
}

func TestRelativeDatesFollowTheClock(t *testing.T) {
	t.Parallel()
	sunday := time.Date(2026, 3, 15, 22, 0, 0, 0, time.UTC)
	c, err := New([]domain.Lang{"en", "fr"}, WithClock(func() time.Time { return sunday }))
	if err != nil {
		t.Fatal(err)
	}
	for msg, want := range map[string]string{"tomorrow": "2026-03-16", "demain": "2026-03-16", "lundi": "2026-03-16", "next sunday": "2026-03-22"} {
		if got := normalized(c.Understand(msg, ""), domain.EntityDate); !slices.Equal(got, []string{want}) {
			t.Errorf("%q on Sunday: date %v, want %s", msg, got, want)
		}
	}
}

func TestWithAirports(t *testing.T) {
	t.Parallel()
	c, err := New([]domain.Lang{"en"}, WithAirports([]Airport{{Code: "ZZZ", Names: []string{"Zedville"}}}))
	if err != nil {
		t.Fatal(err)
	}
	if got := normalized(c.Understand("flight to Zedville", ""), domain.EntityAirport); !slices.Equal(got, []string{"ZZZ"}) {
		t.Errorf("extra airport: got %v", got)
	}
	if _, err := New([]domain.Lang{"en"}, WithAirports([]Airport{{Code: "Z1", Names: []string{"x"}}})); err == nil {
		t.Error("a bad airport code: want an error")
	}
}
