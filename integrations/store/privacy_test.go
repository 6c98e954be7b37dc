package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func newTravellers() (eva, other *traveller) {
	eva = &traveller{phone: "31611112222", bsuid: "NL.987654321", messenger: "7100000000000042", locator: "PRV1AB",
		surname: "Vanderzee", passport: "NXP123456", birth: "1985-03-12"}
	other = &traveller{phone: "31633334444", locator: "PRV2CD", surname: "Koster", passport: "KSR998877", birth: "1970-01-02"}
	return eva, other
}

// TestExportThenEraseLeavesNothingOfTheTraveller: the export holds the
// traveller's data in clear; after erasure no column of any table (sealed values
// opened) holds their number, business-scoped id, Messenger id, passport number
// or surname, and another traveller's data is untouched.
func TestExportThenEraseLeavesNothingOfTheTraveller(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		subject func(eva *traveller) domain.DataSubject
	}{
		{"by whatsapp number", func(eva *traveller) domain.DataSubject {
			s, _ := domain.ParseDataSubject("whatsapp", "+"+eva.phone, "")
			return s
		}},
		{"by booking and surname", func(eva *traveller) domain.DataSubject {
			s, _ := domain.ParseDataSubject("booking", strings.ToLower(eva.locator), strings.ToUpper(eva.surname))
			return s
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *database.DB) {
				b := setup(t, db, Options{})
				sealer, _ := domain.NewSealer(b.key)
				eva, other := newTravellers()
				now := time.Now().UTC()
				for _, tr := range []*traveller{eva, other} {
					seedBooking(t, b, tr, now.Add(48*time.Hour))
					chat(t, b, tr, now)
				}
				subj := tc.subject(eva)
				needles := []string{eva.phone, eva.bsuid, eva.passport, eva.surname}
				if subj.Locator == "" {
					// Erasing by number reaches the Messenger conversation only
					// through a second request (below).
					needles = append(needles, eva.messenger)
				}
				if got := scanDatabase(t, db, sealer, needles...); len(got) == 0 {
					t.Fatal("the traveller's data is not in the database before erasure: the scan proves nothing")
				}

				exp, err := b.s.Export(t.Context(), subj, "admin-token")
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := json.Marshal(exp)
				for _, want := range []string{eva.phone, eva.bsuid, eva.passport, eva.birth, eva.surname, "my passport is " + eva.passport, "Thank you " + eva.surname} {
					if !strings.Contains(string(raw), want) {
						t.Errorf("export lacks %q:\n%s", want, raw)
					}
				}
				for _, not := range []string{other.phone, other.passport} {
					if strings.Contains(string(raw), not) {
						t.Errorf("export of one traveller holds another's %q", not)
					}
				}
				if len(exp.TravelDocuments) != 1 || len(exp.BoardingPasses) != 1 || len(exp.Conversations) != 1 {
					t.Errorf("export: %d documents, %d passes, %d conversations, want 1 each", len(exp.TravelDocuments), len(exp.BoardingPasses), len(exp.Conversations))
				}

				rep, err := b.s.Erase(t.Context(), subj, "admin-token")
				if err != nil {
					t.Fatal(err)
				}
				for _, table := range []string{"conversations", "inbound_messages", "outbound_messages", "boarding_passes", "pss_documents", "webhook_events", "preferences", "tier_reach", "lookup_failures", "river_job"} {
					if rep[table] == 0 {
						t.Errorf("erasure report %v: nothing erased from %s", rep, table)
					}
				}
				if subj.Locator == "" {
					ms, _ := domain.ParseDataSubject("messenger", eva.messenger, "")
					if _, err := b.s.Erase(t.Context(), ms, "admin-token"); err != nil {
						t.Fatal(err)
					}
				}
				got := scanDatabase(t, db, sealer, needles...)
				for _, f := range got {
					// The reservation system's record of carriage keeps the name
					// (see privacy.go); nothing else may.
					if f.table == "pss_passengers" && f.column == "surname" {
						continue
					}
					t.Errorf("after erasure: %s", f)
				}
				if left := scanDatabase(t, db, sealer, other.phone, other.passport, other.surname); len(left) < 5 {
					t.Errorf("the other traveller lost data: only %v left", left)
				}
				if _, ok, _ := b.s.ConversationByUser(t.Context(), domain.WhatsApp, other.phone); !ok {
					t.Error("the other traveller's conversation is gone")
				}
				reqs, err := b.s.PrivacyRequests(t.Context(), 10)
				if err != nil || len(reqs) < 2 || reqs[len(reqs)-1].Action != "export" || reqs[0].Actor != "admin-token" {
					t.Fatalf("audit log %+v %v", reqs, err)
				}
				again, err := b.s.Erase(t.Context(), subj, "admin-token")
				if subj.Locator == "" && (err != nil || again.Total() != 0) {
					t.Errorf("second erasure: %v %v, want nothing left to erase", again, err)
				}
			})
		})
	}
}

func TestBookingSubjectNeedsTheRightSurname(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		eva, _ := newTravellers()
		seedBooking(t, b, eva, time.Now().Add(time.Hour))
		for _, sur := range []string{"Jansen", "Vander"} {
			subj, err := domain.ParseDataSubject("booking", eva.locator, sur)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.s.Erase(t.Context(), subj, "x"); domain.ErrorCode(err) != domain.NotFound {
				t.Errorf("erase %s with surname %s: %v, want not found", eva.locator, sur, err)
			}
			if _, err := b.s.Export(t.Context(), subj, "x"); domain.ErrorCode(err) != domain.NotFound {
				t.Errorf("export %s with surname %s: %v, want not found", eva.locator, sur, err)
			}
		}
	})
}

func TestParseDataSubject(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, id, surname string
		want              domain.DataSubject
		ok                bool
	}{
		{"whatsapp", "+31 6 1111 2222", "", domain.DataSubject{Channel: domain.WhatsApp, UserID: "31611112222"}, true},
		{"messenger", "7100000000000042", "", domain.DataSubject{Channel: domain.Messenger, UserID: "7100000000000042"}, true},
		{"webchat", "sess-1", "", domain.DataSubject{Channel: domain.WebChat, UserID: "sess-1"}, true},
		{"booking", "db4lhr", "Dubois", domain.DataSubject{Locator: "DB4LHR", Surname: "Dubois"}, true},
		{"booking", "DB4LHR", "", domain.DataSubject{}, false},
		{"booking", "DB4", "Dubois", domain.DataSubject{}, false},
		{"whatsapp", " ", "", domain.DataSubject{}, false},
		{"email", "a@b.c", "", domain.DataSubject{}, false},
	} {
		got, err := domain.ParseDataSubject(tc.kind, tc.id, tc.surname)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDataSubject(%q, %q, %q) = %+v, %v", tc.kind, tc.id, tc.surname, got, err)
		}
	}
}
