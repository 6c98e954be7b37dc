package pss_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

func TestImportDemoCountsAndReimportIsNoOp(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		s := newSealer(t)
		first, err := pss.Import(t.Context(), db, s, bytes.NewReader(pss.DemoJSON()), summerNow)
		if err != nil {
			t.Fatalf("import: %v\n%s", err, first)
		}
		want := pss.Report{
			Airlines:   pss.Count{Created: 1},
			Flights:    pss.Count{Created: 49},
			Bookings:   pss.Count{Created: 14},
			Passengers: pss.Count{Created: 20},
			Segments:   pss.Count{Created: 17},
			CheckIns:   pss.Count{Created: 2},
		}
		if first.String() != want.String() {
			t.Errorf("first import:\n%s\nwant:\n%s", first, want)
		}
		before := tableCounts(t, db)
		// Same file, same hour: nothing changes.
		again, err := pss.Import(t.Context(), db, s, bytes.NewReader(pss.DemoJSON()), summerNow.Add(20*time.Minute))
		if err != nil {
			t.Fatalf("re-import: %v\n%s", err, again)
		}
		wantAgain := pss.Report{
			Airlines: pss.Count{Unchanged: 1}, Flights: pss.Count{Unchanged: 49}, Bookings: pss.Count{Unchanged: 14},
			Passengers: pss.Count{Unchanged: 20}, Segments: pss.Count{Unchanged: 17}, CheckIns: pss.Count{Unchanged: 2},
		}
		if again.String() != wantAgain.String() {
			t.Errorf("re-import:\n%s\nwant:\n%s", again, wantAgain)
		}
		if after := tableCounts(t, db); after != before {
			t.Errorf("re-import changed row counts: %v -> %v", before, after)
		}
	})
}

func tableCounts(t *testing.T, db *database.DB) [8]int64 {
	t.Helper()
	var out [8]int64
	for i, table := range []string{"pss_flights", "pss_seats", "pss_bookings", "pss_passengers", "pss_segments", "pss_seat_assignments", "pss_checkins", "pss_airlines"} {
		if err := db.Gorm.Table(table).Count(&out[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestImportUpdatesChangedRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		changed := strings.Replace(string(pss.DemoJSON()), `"gate": "D7"`, `"gate": "D9"`, 1)
		changed = strings.Replace(changed, `"eva.jansen@example.com"`, `"eva@example.com"`, 1)
		rep, err := pss.Import(t.Context(), db, b.sealer, strings.NewReader(changed), summerNow)
		if err != nil {
			t.Fatalf("import: %v\n%s", err, rep)
		}
		if rep.Flights.Updated != 1 || rep.Bookings.Updated != 1 || rep.Flights.Created != 0 {
			t.Errorf("report:\n%s\nwant one flight and one booking updated", rep)
		}
		if g := b.booking(t, "DB4LHR").Segments[0].Flight.Gate; g != "D9" {
			t.Errorf("gate = %s, want D9", g)
		}
		if e := b.booking(t, "JN7KQP").Contact.Email.Reveal(); e != "eva@example.com" {
			t.Errorf("email = %s", e)
		}
	})
}

const goodHead = `{"airline": {"iata": "SB", "icao": "SKB", "name": "Skybridge Air", "ticket_prefix": "999"},
	"flights": [{"carrier": "SB", "number": 100, "date": "2026-08-01", "origin": "AMS", "destination": "LHR",
		"departure": "2026-08-01T10:00", "arrival": "2026-08-01T10:20", "aircraft": "E190", "occupied": ["2A"],
		"cabins": [{"cabin": "Y", "first_row": 1, "last_row": 20, "letters": ["A", "C", "D", "F"], "window": ["A", "F"], "aisle": ["C", "D"], "exit_rows": [10]}]}`

func TestImportReportsEveryBadRecord(t *testing.T) {
	tests := []struct {
		name string
		file string
		want []pss.Problem
	}{
		{"schema", `{"airline": {"iata": "SB", "icao": "SKB", "name": "Skybridge Air", "ticket_prefix": "99"},
			"bookings": [{"locator": "AB12", "passengers": [{"given": "A", "surname": "B", "type": "XYZ"}],
			"segments": [{"carrier": "SB", "number": 1, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "OK"}]}],
			"extra": 1}`,
			[]pss.Problem{
				{Path: "(document)", Message: "additional properties 'extra' not allowed"},
				{Path: "airline.ticket_prefix", Message: `"99": must be 3 digits`},
				{Path: "bookings[0].locator", Message: `"AB12": must be 6 capital letters or digits`},
				{Path: "bookings[0].passengers[0].type", Message: "must be ADT, CHD or INF"},
				{Path: "bookings[0].segments[0].status", Message: "must be HK, XX, UN or FL"},
			}},
		{"meaning", goodHead + `,
			{"carrier": "SB", "number": 101, "date": "2026-08-01", "origin": "XXX", "destination": "AMS",
			 "departure": "2026-08-01T10:00", "arrival": "2026-08-01T09:00", "seats": [{"code": "1A", "cabin": "Y"}]},
			{"carrier": "SB", "number": 102, "date": "2026-08-02", "origin": "LHR", "destination": "AMS",
			 "departure": "2026-08-01T12:00", "arrival": "2026-08-01T11:00", "seats": [{"code": "1A", "cabin": "Y"}]}],
			"bookings": [
			 {"locator": "AAA111", "contact": {"whatsapp": "0612345678", "email": "nope", "lang": "sv"},
			  "passengers": [{"given": "Ann", "surname": "Lee", "type": "ADT", "ticket_number": "12345"},
			                 {"given": "Bo", "surname": "Lee", "type": "INF"}],
			  "segments": [{"carrier": "SB", "number": 100, "date": "2026-08-01", "cabin": "C", "booking_class": "M", "status": "HK"}]},
			 {"locator": "AAA111", "passengers": [{"given": "X", "surname": "Y", "type": "ADT"}],
			  "segments": [{"carrier": "SB", "number": 100, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "HK"}]},
			 {"locator": "BBB222", "passengers": [{"given": "Cy", "surname": "Ng", "type": "CHD", "ticket_number": "1110000000001"}],
			  "segments": [{"carrier": "SB", "number": 999, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "HK"},
			               {"carrier": "SB", "number": 100, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "HK",
			                "seats": [{"passenger": 0, "seat": "99A"}, {"passenger": 0, "seat": "10A"}]}]},
			 {"locator": "CCC333", "passengers": [{"given": "Di", "surname": "Ho", "type": "ADT"}, {"given": "Ed", "surname": "Ho", "type": "ADT"}],
			  "segments": [{"carrier": "SB", "number": 100, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "HK",
			                "seats": [{"passenger": 0, "seat": "2A"}, {"passenger": 1, "seat": "3A"}]}]},
			 {"locator": "DDD444", "passengers": [{"given": "Fa", "surname": "Wu", "type": "ADT"}],
			  "segments": [{"carrier": "SB", "number": 100, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "HK",
			                "seats": [{"passenger": 0, "seat": "3A"}]}]}
			]}`,
			[]pss.Problem{
				{Path: "flights[1].origin", Message: `unknown airport "XXX"`},
				{Path: "flights[2].date", Message: "departure is on 2026-08-01 local time, not 2026-08-02"},
				{Path: "flights[2].arrival", Message: "arrival before departure"},
				{Path: "bookings[0].contact.whatsapp", Message: "not an E.164 phone number like +31612345678"},
				{Path: "bookings[0].contact.email", Message: "not an e-mail address"},
				{Path: "bookings[0].contact.lang", Message: ""},
				{Path: "bookings[0].passengers[0].ticket_number", Message: "a ticket number has 13 digits"},
				{Path: "bookings[0].passengers[1].infant_of", Message: "an infant needs the adult it travels with"},
				{Path: "bookings[0].segments[0].cabin", Message: "the flight has no cabin C"},
				{Path: "bookings[1].locator", Message: "booking AAA111 is also bookings[0]"},
				{Path: "bookings[2].passengers[0].ticket_number", Message: "does not start with the airline's prefix 999"},
				{Path: "bookings[2].segments[0]", Message: "flight SB999 on 2026-08-01 is neither in this file nor in the database"},
				{Path: "bookings[2].segments[1].seats[0].seat", Message: "seat 99A is not in the flight's layout"},
				{Path: "bookings[2].segments[1].seats[1].seat", Message: "exit row seat 10A is for adults only"},
				{Path: "bookings[3].segments[0].seats[0].seat", Message: "seat 2A is listed as occupied"},
				{Path: "bookings[4].segments[0].seats[0].seat", Message: "seat 3A is also given at bookings[3].segments[0].seats[1].seat"},
			}},
		{"not json", `{"airline": `, []pss.Problem{{Path: "(document)"}}},
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				rep, err := pss.Import(t.Context(), db, newSealer(t), strings.NewReader(tt.file), summerNow)
				if !domain.IsCode(err, domain.Invalid) {
					t.Fatalf("err = %v, want Invalid", err)
				}
				if len(rep.Problems) != len(tt.want) {
					t.Errorf("got %d problems, want %d:\n%s", len(rep.Problems), len(tt.want), rep)
				}
				for i, w := range tt.want {
					if i >= len(rep.Problems) {
						break
					}
					g := rep.Problems[i]
					if g.Path != w.Path || (w.Message != "" && g.Message != w.Message) {
						t.Errorf("problem %d = %s, want %s", i, g, w)
					}
				}
				if !strings.Contains(rep.String(), "nothing imported") {
					t.Errorf("report does not say nothing was imported:\n%s", rep)
				}
				if c := tableCounts(t, db); c != [8]int64{} {
					t.Errorf("rows written despite problems: %v", c)
				}
			})
		}
	})
}

func TestImportReferencesFlightInDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		s := newSealer(t)
		if rep, err := pss.Import(t.Context(), db, s, strings.NewReader(goodHead+`]}`), summerNow); err != nil {
			t.Fatalf("flights: %v\n%s", err, rep)
		}
		bookings := `{"airline": {"iata": "SB", "icao": "SKB", "name": "Skybridge Air", "ticket_prefix": "999"},
			"bookings": [{"locator": "EEE555", "passengers": [{"given": "Gi", "surname": "Park", "type": "ADT"}],
			"segments": [{"carrier": "SB", "number": 100, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "HK",
			              "seats": [{"passenger": 0, "seat": "2A"}]}]}]}`
		rep, err := pss.Import(t.Context(), db, s, strings.NewReader(bookings), summerNow)
		if err == nil || len(rep.Problems) != 1 || rep.Problems[0].Path != "bookings[0].segments[0].seats[0].seat" {
			t.Fatalf("seat occupied in the database: err = %v\n%s", err, rep)
		}
		rep, err = pss.Import(t.Context(), db, s, strings.NewReader(strings.Replace(bookings, `"2A"`, `"3A"`, 1)), summerNow)
		if err != nil {
			t.Fatalf("bookings: %v\n%s", err, rep)
		}
		bk, err := pss.NewDemo(db, s, nil).FindBooking(t.Context(), "EEE555")
		if err != nil {
			t.Fatal(err)
		}
		if got := bk.Segments[0].Flight.Departure.Format(time.RFC3339); got != "2026-08-01T10:00:00+02:00" {
			t.Errorf("departure = %s", got)
		}
	})
}

func TestImportShiftsByReferenceTime(t *testing.T) {
	file := `{"reference_time": "2024-02-10T06:00:00Z",
		"airline": {"iata": "SB", "icao": "SKB", "name": "Skybridge Air", "ticket_prefix": "999"},
		"flights": [{"carrier": "SB", "number": 7, "date": "2024-02-10", "origin": "JFK", "destination": "AMS",
			"departure": "2024-02-10T22:30", "arrival": "2024-02-11T12:05+01:00",
			"seats": [{"code": "1A", "cabin": "Y", "window": true}]}],
		"bookings": [{"locator": "SHIFT1", "passengers": [{"given": "Al", "surname": "Kim", "type": "ADT"}],
			"segments": [{"carrier": "SB", "number": 7, "date": "2024-02-10", "cabin": "Y", "booking_class": "M", "status": "HK",
				"check_ins": [{"passenger": 0, "at": "2024-02-10T05:00:00Z"}]}]}]}`
	tests := []struct {
		now                time.Time
		date, dep, arr, at string
	}{
		// Winter to summer: 22:30 EST is 03:30 UTC, 21.5 h after the reference; 21.5 h
		// after 09:00 UTC is 06:30 UTC, 02:30 EDT the next day. The check-in an hour
		// before the reference becomes 08:00 UTC.
		{time.Date(2026, 7, 1, 9, 17, 0, 0, time.UTC), "2026-07-02", "2026-07-02T02:30:00-04:00", "2026-07-02T16:05:00+02:00", "2026-07-01T04:00:00-04:00"},
		{time.Date(2024, 2, 10, 6, 59, 0, 0, time.UTC), "2024-02-10", "2024-02-10T22:30:00-05:00", "2024-02-11T12:05:00+01:00", "2024-02-10T00:00:00-05:00"},
	}
	for _, tt := range tests {
		t.Run(tt.now.Format(time.RFC3339), func(t *testing.T) {
			db := dbtest.SQLite(t)
			s := newSealer(t)
			if rep, err := pss.Import(t.Context(), db, s, strings.NewReader(file), tt.now); err != nil {
				t.Fatalf("import: %v\n%s", err, rep)
			}
			bk, err := pss.NewDemo(db, s, nil).FindBooking(t.Context(), "SHIFT1")
			if err != nil {
				t.Fatal(err)
			}
			f := bk.Segments[0].Flight
			if got := f.Date.Format(time.DateOnly); got != tt.date {
				t.Errorf("date = %s, want %s", got, tt.date)
			}
			if got := f.Departure.Format(time.RFC3339); got != tt.dep {
				t.Errorf("departure = %s, want %s", got, tt.dep)
			}
			if got := f.Arrival.Format(time.RFC3339); got != tt.arr {
				t.Errorf("arrival = %s, want %s", got, tt.arr)
			}
			if got := bk.CheckIns[0].At.Format(time.RFC3339); got != tt.at {
				t.Errorf("check-in at = %s, want %s", got, tt.at)
			}
		})
	}
}

func TestReportString(t *testing.T) {
	r := pss.Report{Flights: pss.Count{Created: 2, Unchanged: 1}}
	if !strings.Contains(r.String(), "flights:    2 created, 0 updated, 1 unchanged") {
		t.Errorf("report:\n%s", r)
	}
	r.Problems = []pss.Problem{{Path: "bookings[3].passengers[1].type", Message: "must be ADT, CHD or INF"}}
	if !strings.Contains(r.String(), "  bookings[3].passengers[1].type: must be ADT, CHD or INF\n") {
		t.Errorf("report:\n%s", r)
	}
}

func FuzzImport(f *testing.F) {
	f.Add(pss.DemoJSON())
	f.Add([]byte(goodHead + `]}`))
	f.Add([]byte(`{"airline": {"iata": "SB", "icao": "SKB", "name": "x", "ticket_prefix": "999"}, "bookings": [{}]}`))
	f.Add([]byte(`[]`))
	db := dbtest.SQLite(f)
	s := newSealer(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		before := tableCounts(t, db)
		rep, err := pss.Import(t.Context(), db, s, bytes.NewReader(data), summerNow)
		if err != nil {
			if after := tableCounts(t, db); after != before {
				t.Fatalf("failed import wrote rows: %v -> %v\n%s", before, after, rep)
			}
			if domain.IsCode(err, domain.Invalid) && len(rep.Problems) == 0 {
				t.Fatalf("invalid without problems: %v", err)
			}
		}
	})
}
