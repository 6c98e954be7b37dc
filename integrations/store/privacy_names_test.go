package store

import (
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// TestFindConversationsByNameOfAnyBookingSystem: bookings held by an external
// booking system (nothing of them in this database) are found by a passenger's
// name as staff type it — surname alone, given names and surname in either
// order, with accents, hyphens and titles or without. Only blind indexes are
// stored. The indexes survive a key rotation (reseal, old key removed) and go
// with the conversation when the traveller is erased.
func TestFindConversationsByNameOfAnyBookingSystem(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		k1, k2 := domain.NewKey("k1"), domain.NewKey("k2")
		b := &bundle{db: db, key: k1, logs: &logRecorder{}}
		b.s = newStore(t, db, k1, b.logs, Options{})
		ctx := t.Context()
		now := time.Now().UTC()
		wa := onChannel(t, b.s, domain.WhatsApp, "31600000021", "wamid.n1", now)
		ms := onChannel(t, b.s, domain.Messenger, "psid-21", "mid.n1", now)
		jansens := []domain.PersonName{{Given: "Eva Marie", Surname: "Jansen-de Vries", Title: "MRS"}, {Given: "NOAH MSTR", Surname: "JANSEN-DE VRIES"}}
		commitStep(t, b.s, wa, now, step{flow: "checkin", state: "choose_passengers", linked: "EXT123", names: jansens})
		// Proving the booking again in a later turn indexes nothing twice.
		commitStep(t, b.s, wa, now, step{flow: "checkin", state: "choose_passengers", linked: "EXT123", names: jansens})
		commitStep(t, b.s, ms, now, step{flow: "checkin", state: "choose_passengers", linked: "EXT456",
			names: []domain.PersonName{{Given: "Jürgen", Surname: "Müller"}}})
		if n := count(t, db, "SELECT COUNT(*) FROM pss_passengers"); n != 0 {
			t.Fatalf("%d passengers in the built-in booking system: the test would not show independence from it", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM conversation_names"); n != 5 {
			t.Fatalf("%d name indexes, want 5 (two surnames, three given-and-surname forms)", n)
		}
		if found := scanDatabase(t, db, mustSealer(t, k1), "jansen", "vries", "muller", "müller", "jurgen", "jürgen", "noah"); len(found) > 0 {
			t.Fatalf("names stored readable: %v", found)
		}

		search := func(s *Store, name string) []int64 {
			t.Helper()
			got, err := s.FindConversations(ctx, domain.ConversationQuery{Name: name})
			if err != nil {
				t.Fatalf("search %q: %v", name, err)
			}
			return ids(got)
		}
		for name, want := range map[string][]int64{
			"jansen-de vries":               {wa},
			"Jansen de Vries":               {wa},
			"Eva Marie Jansen-de Vries":     {wa},
			"JANSEN DE VRIES/EVA MARIE MRS": {wa},
			"Jansen-de Vries, Noah":         {wa},
			"Mr Jurgen Muller":              {ms},
			"müller":                        {ms},
			"Eva":                           {},
			"Marie Jansen-de Vries":         {},
			"Dubois":                        {},
		} {
			if got := search(b.s, name); !slices.Equal(got, want) {
				t.Errorf("search %q: %v, want %v", name, got, want)
			}
		}
		if _, err := b.s.FindConversations(ctx, domain.ConversationQuery{Name: "a b c d e f g h i"}); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("a nine-word name: %v, want invalid", err)
		}

		both := storeWithKeys(t, db, k2, k1)
		if _, err := both.Reseal(ctx, 100); err != nil {
			t.Fatal(err)
		}
		only2 := storeWithKeys(t, db, k2)
		if got := search(only2, "Eva Marie Jansen-de Vries"); !slices.Equal(got, []int64{wa}) {
			t.Fatalf("after the key rotation: %v, want %v", got, []int64{wa})
		}

		subj, _ := domain.ParseDataSubject("whatsapp", "+31600000021", "")
		rep, err := only2.Erase(ctx, subj, "test")
		if err != nil {
			t.Fatal(err)
		}
		if rep["conversation_names"] != 3 {
			t.Errorf("erasure report %v: want the 3 name indexes of the conversation", rep)
		}
		if got := search(only2, "Jansen-de Vries"); len(got) != 0 {
			t.Errorf("after erasure the name still finds %v", got)
		}
		if got := search(only2, "Müller"); !slices.Equal(got, []int64{ms}) {
			t.Errorf("another traveller's conversation after erasure: %v", got)
		}
	})
}

func TestQueryNameForms(t *testing.T) {
	t.Parallel()
	for q, want := range map[string][]string{
		"jansen":             {"s:JANSEN"},
		"Eva Jansen":         {"g:EVA|JANSEN", "g:JANSEN|EVA", "s:EVAJANSEN"},
		"JANSEN/EVA MRS":     {"g:EVA|JANSEN", "g:JANSEN|EVA", "s:JANSENEVA"},
		"  ":                 nil,
		"Dr":                 nil,
		"Ørsted, Åsa-Lærke ": {"g:ASALAERKE|ORSTED", "g:ORSTED|ASALAERKE", "s:ORSTEDASALAERKE"},
	} {
		if got := queryNameForms(q); !slices.Equal(got, want) {
			t.Errorf("queryNameForms(%q) = %v, want %v", q, got, want)
		}
	}
}
