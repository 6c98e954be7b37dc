package llm

import (
	"context"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

func ent(t domain.EntityType, text string) domain.Entity {
	return domain.Entity{Type: t, Text: text, Normalized: text}
}

func TestMask(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		text  string
		found []domain.Entity
		want  string
	}{
		{"reference with digits", "my booking is qx7p2l", nil, "my booking is [reference]"},
		{"reference in capitals", "booking XKQZPL please", []domain.Entity{ent(domain.EntityLocator, "XKQZPL")},
			"booking [reference] please"},
		{"a six-letter word stays", "I no longer want to travel", []domain.Entity{ent(domain.EntityLocator, "longer")},
			"I no longer want to travel"},
		{"ticket", "ticket 0741234567890 was refunded", []domain.Entity{ent(domain.EntityTicket, "0741234567890")},
			"ticket [ticket] was refunded"},
		{"ticket with a dash", "ticket 074-1234567890 please", nil, "ticket [ticket] please"},
		{"phone", "call me on +31 6 1234 5678 tomorrow", nil, "call me on [phone] tomorrow"},
		{"phone without plus", "my number is 0612345678", nil, "my number is [phone]"},
		{"email", "write to jan.jansen+kl@example.co.uk now", nil, "write to [email] now"},
		{"passport", "passport NX4829103 expires", nil, "passport [document] expires"},
		{"digits only document", "id card 12345678", nil, "id card [document]"},
		{"name inside a sentence", "this is for Maria Jansen, my wife",
			[]domain.Entity{ent(domain.EntitySurname, "Maria Jansen")}, "this is for [name], my wife"},
		{"capital at the start is no name", "Jansen here, any news", []domain.Entity{ent(domain.EntitySurname, "Jansen")},
			"Jansen here, any news"},
		{"lower-case candidate stays", "I want to get rid of it", []domain.Entity{ent(domain.EntitySurname, "rid")},
			"I want to get rid of it"},
		{"flight number stays", "is KL1234 on time", []domain.Entity{ent(domain.EntityFlight, "KL1234"), ent(domain.EntityLocator, "KL1234")},
			"is KL1234 on time"},
		{"flight shape stays unread", "is U21234 on time", nil, "is U21234 on time"},
		{"place read as a name stays", "I fly to Paris on Friday",
			[]domain.Entity{ent(domain.EntityAirport, "Paris"), ent(domain.EntitySurname, "Paris")}, "I fly to Paris on Friday"},
		{"dates and times stay", "move me to 2026-12-05 at 14:40 or 05.12.2026", nil, "move me to 2026-12-05 at 14:40 or 05.12.2026"},
		{"seat and quantities stay", "seat 14C, 2 bags of 23kg, 100ml", nil, "seat 14C, 2 bags of 23kg, 100ml"},
		{"several", "QX7P2L / Jansen / jan@example.com / +44 20 7946 0958",
			[]domain.Entity{ent(domain.EntitySurname, "Jansen")}, "[reference] / [name] / [email] / [phone]"},
		{"flight next to a date", "KL1234 2026-12-05 please",
			[]domain.Entity{ent(domain.EntityFlight, "KL1234"), ent(domain.EntityDate, "2026-12-05")}, "KL1234 2026-12-05 please"},
		{"nothing", "", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Mask(tc.text, tc.found); got != tc.want {
				t.Errorf("Mask(%q)\n got %q\nwant %q", tc.text, got, tc.want)
			}
		})
	}
}

// What leaves the process has no personal data in it.
func TestPersonalDataIsNotSent(t *testing.T) {
	t.Parallel()
	s := newSetup(t, Config{})
	text := "Please change booking QX7P2L for Pieter Bakker to Friday, ticket 0741234567890, passport NX4829103, " +
		"mail p.bakker@example.nl or call +31 20 123 4567"
	found := []domain.Entity{ent(domain.EntityLocator, "QX7P2L"), ent(domain.EntitySurname, "Pieter Bakker"),
		ent(domain.EntityTicket, "0741234567890"), ent(domain.EntityDocument, "NX4829103"), ent(domain.EntityDate, "Friday")}
	if _, err := s.client.Classify(context.Background(), Message{Text: text, Found: found}); err != nil {
		t.Fatal(err)
	}
	sent := string(s.fake.Requests()[0].Body)
	for _, secret := range []string{"QX7P2L", "Pieter", "Bakker", "0741234567890", "NX4829103", "p.bakker", "example.nl", "123 4567"} {
		if strings.Contains(sent, secret) {
			t.Errorf("%q was sent", secret)
		}
	}
	if user := s.fake.Requests()[0].User; !strings.Contains(user, "to Friday") || !strings.Contains(user, "[reference]") {
		t.Errorf("sent %q: the request itself should survive", user)
	}
}

func TestFreeWords(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]int{
		"Jansen":                        1,
		"QX7P2L Jansen":                 1,
		"my bags never showed up":       5,
		"KL1234 2026-12-05":             0,
		"我想改签明天的航班":                     5,
		"je veux changer de vol demain": 6,
	} {
		if got := freeWords(text); got != want {
			t.Errorf("freeWords(%q) = %d, want %d", text, got, want)
		}
	}
}

// Mask never panics, and what it returns has no e-mail address or long
// number left in it.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"QX7P2L Jansen", "+31 6 1234 5678", "a@b.co", "KL1234 2026-12-05", "我的预订号是QX7P2L", "Müller 12345678", "[name]"} {
		f.Add(s, "Jansen")
	}
	f.Fuzz(func(t *testing.T, text, surname string) {
		found := []domain.Entity{ent(domain.EntitySurname, surname), ent(domain.EntityDate, surname)}
		masked := Mask(text, found)
		if emailPattern.MatchString(masked) {
			t.Errorf("Mask(%q) = %q keeps an e-mail address", text, masked)
		}
	})
}
