package pss_test

import (
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

func TestFindBookingAfterDemoImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)

		bk := b.booking(t, "db4lhr") // typed in lower case
		if got := len(bk.Passengers); got != 2 {
			t.Fatalf("DB4LHR has %d passengers, want 2", got)
		}
		if n := bk.Passengers[0].Name; n.Given != "Claire" || n.Surname != "Dubois" || n.Title != "MRS" {
			t.Errorf("first passenger = %+v, want Claire Dubois MRS", n)
		}
		if bk.Passengers[1].Name.Given != "Marc" || bk.Passengers[1].TicketNumber[:3] != "999" {
			t.Errorf("second passenger = %+v", bk.Passengers[1])
		}
		if len(bk.Segments) != 1 {
			t.Fatalf("DB4LHR has %d segments, want 1", len(bk.Segments))
		}
		f := bk.Segments[0].Flight
		if f.Number.String() != "SB1001" || f.Origin.Code != "AMS" || f.Destination.Code != "LHR" || !f.International() {
			t.Errorf("flight = %s %s-%s", f.Number, f.Origin.Code, f.Destination.Code)
		}
		// Loaded at 09:00 UTC: departs 3 h later, 14:00 in Amsterdam (CEST), and lands
		// 75 minutes later, 14:15 in London (BST).
		if got := f.Departure.Format("15:04 MST"); got != "14:00 CEST" {
			t.Errorf("departure = %s, want 14:00 CEST", got)
		}
		if got := f.Arrival.Format("15:04 MST"); got != "14:15 BST" {
			t.Errorf("arrival = %s, want 14:15 BST", got)
		}
		if got := f.Date.Format("2006-01-02 MST"); got != "2026-07-01 CEST" {
			t.Errorf("flight date = %s", got)
		}
		if f.Gate != "D7" || f.Aircraft != "A320" || f.Status != domain.FlightScheduled {
			t.Errorf("flight details = gate %q aircraft %q status %q", f.Gate, f.Aircraft, f.Status)
		}
		if bk.Contact.WhatsApp.Reveal() != "33600000102" || bk.Contact.Email.Reveal() != "claire.dubois@example.com" || bk.Contact.Lang != "fr" {
			t.Errorf("contact = %s %s %s", bk.Contact.WhatsApp.Reveal(), bk.Contact.Email.Reveal(), bk.Contact.Lang)
		}
		if seat := bk.AssignedSeat(bk.Passengers[1].ID, bk.Segments[0].ID); seat != "8B" {
			t.Errorf("Marc's held seat = %q, want 8B", seat)
		}

		fam := b.booking(t, "VR2FAM")
		if fam.Passengers[3].Type != domain.Infant || fam.Passengers[3].InfantOf != fam.Passengers[0].ID {
			t.Errorf("infant = %+v, want on the lap of passenger %d", fam.Passengers[3], fam.Passengers[0].ID)
		}

		done := b.booking(t, "BK3DNE")
		if len(done.CheckIns) != 1 || done.CheckIns[0].Seat != "5A" || done.CheckIns[0].Sequence != 1 {
			t.Errorf("BK3DNE check-ins = %+v, want seat 5A sequence 1", done.CheckIns)
		}
		if loc := done.CheckIns[0].At.Location().String(); loc != "Europe/Amsterdam" {
			t.Errorf("check-in time zone = %s", loc)
		}

		conn := b.booking(t, "BN2CPH")
		if len(conn.Segments) != 2 || conn.Segments[0].Flight.Destination.Code != "AMS" || conn.Segments[1].Flight.Origin.Code != "AMS" {
			t.Fatalf("connection segments out of order: %+v", conn.Segments)
		}
		if gap := conn.Segments[1].Flight.Departure.Sub(conn.Segments[0].Flight.Arrival); gap != 95*time.Minute {
			t.Errorf("connection time = %s, want 1h35m", gap)
		}

		acc := b.booking(t, "MU3ACC")
		for _, typed := range []string{"muller", "LEFEVRE", "Goncalves"} {
			if !acc.HasSurname(typed) {
				t.Errorf("MU3ACC does not match surname %q", typed)
			}
		}

		_, err := b.demo.FindBooking(t.Context(), "ZZZ999")
		if !domain.IsCode(err, domain.NotFound) {
			t.Errorf("unknown booking: err = %v, want NotFound", err)
		}
		_, err = b.demo.FindBooking(t.Context(), "12")
		if !domain.IsCode(err, domain.Invalid) {
			t.Errorf("malformed locator: err = %v, want Invalid", err)
		}
	})
}

func TestSeatMapShowsOccupancy(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "DB4LHR")
		m, err := b.demo.SeatMap(t.Context(), bk.Segments[0].Flight.ID)
		if err != nil {
			t.Fatal(err)
		}
		// A320: 3 business rows of 4, economy rows 4-30 without row 13, 6 abreast.
		if got, want := len(m.Seats), 3*4+26*6; got != want {
			t.Errorf("A320 has %d seats, want %d", got, want)
		}
		if _, ok := m.Seat("13A"); ok {
			t.Error("row 13 should be skipped")
		}
		for code, want := range map[string]bool{"1A": false, "8A": false, "8B": false, "8C": true, "4C": true} {
			s, ok := m.Seat(code)
			if !ok || s.Free != want {
				t.Errorf("seat %s free = %v, want %v", code, s.Free, want)
			}
		}
		if s, _ := m.Seat("11A"); !s.ExitRow || !s.Window || s.Cabin != domain.Economy {
			t.Errorf("11A = %+v, want exit row window economy", s)
		}
		if s, _ := m.Seat("2C"); !s.Aisle || s.Cabin != domain.Business {
			t.Errorf("2C = %+v, want business aisle", s)
		}
		if _, err := b.demo.SeatMap(t.Context(), 987654); !domain.IsCode(err, domain.NotFound) {
			t.Errorf("unknown flight: err = %v, want NotFound", err)
		}
	})
}

// TestDemoCasesHoldAtAnyTime loads demo.json at several moments, including both sides
// of daylight-saving changes, and checks that each demo booking shows its case.
func TestDemoCasesHoldAtAnyTime(t *testing.T) {
	nows := []time.Time{
		summerNow,
		time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 28, 23, 59, 0, 0, time.UTC),  // night before summer time
		time.Date(2026, 10, 24, 22, 30, 0, 0, time.UTC), // night before winter time
		time.Date(2027, 2, 28, 6, 45, 0, 0, time.UTC),
	}
	want := map[string][]domain.Eligibility{
		"JN7KQP": {domain.Eligible},
		"DB4LHR": {domain.Eligible, domain.Eligible},
		"VR2FAM": {domain.Eligible, domain.Eligible, domain.Eligible, domain.Eligible},
		"OK5CDG": {domain.WindowNotOpen},
		"TK7JFK": {domain.WindowNotOpen},
		"BK3DNE": {domain.AlreadyCheckedIn},
		"LR6XNC": {domain.SegmentNotActive},
		"RS8BCN": {domain.SegmentNotActive, domain.Eligible},
		"VS9KID": {domain.NeedsAdult},
		"BN2CPH": {domain.Eligible, domain.Eligible},
		"MU3ACC": {domain.Eligible, domain.Eligible, domain.Eligible},
		"DM4FRA": {domain.WindowClosed},
		"FX5LHR": {domain.WindowNotOpen},
		"PR4NCE": {domain.SegmentNotActive, domain.WindowNotOpen},
	}
	for _, now := range nows {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) {
			b := setup(t, dbtest.SQLite(t), now)
			listed := pss.DemoBookings(now)
			if len(listed) != len(want) {
				t.Errorf("DemoBookings lists %d bookings, want %d", len(listed), len(want))
			}
			for _, d := range listed {
				bk := b.booking(t, string(d.Locator))
				if !bk.HasSurname(d.Surname) {
					t.Errorf("%s: surname %q does not match", d.Locator, d.Surname)
				}
				if d.Case == "" || d.Departs.IsZero() {
					t.Errorf("%s: no case or departure listed", d.Locator)
				}
				if !d.Departs.Equal(bk.Segments[0].Flight.Departure) {
					t.Errorf("%s: listed departure %s, booking says %s", d.Locator, d.Departs, bk.Segments[0].Flight.Departure)
				}
				var got []domain.Eligibility
				for _, o := range bk.CheckInOptions(domain.DefaultCheckInPolicy, now) {
					got = append(got, o.Status)
				}
				if !equal(got, want[string(d.Locator)]) {
					t.Errorf("%s (%s): check-in options %v, want %v", d.Locator, d.Case, got, want[string(d.Locator)])
				}
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLoadDemoIfEmptyLoadsOnce(t *testing.T) {
	db := dbtest.SQLite(t)
	s := newSealer(t)
	loaded, err := pss.LoadDemoIfEmpty(t.Context(), db, s, summerNow)
	if err != nil || !loaded {
		t.Fatalf("first load: loaded=%v err=%v", loaded, err)
	}
	loaded, err = pss.LoadDemoIfEmpty(t.Context(), db, s, summerNow.Add(5*time.Hour))
	if err != nil || loaded {
		t.Fatalf("second load: loaded=%v err=%v, want false", loaded, err)
	}
}

func TestAirports(t *testing.T) {
	tests := []struct {
		code    domain.AirportCode
		country domain.CountryCode
		zone    string
	}{
		{"AMS", "NLD", "Europe/Amsterdam"},
		{"lhr", "GBR", "Europe/London"},
		{"JFK", "USA", "America/New_York"},
		{"GRU", "BRA", "America/Sao_Paulo"},
		{"SYD", "AUS", "Australia/Sydney"},
		{"CUR", "CUW", "America/Curacao"},
	}
	for _, tt := range tests {
		a, ok := pss.Airport(tt.code)
		if !ok || a.Country != tt.country || a.Location.String() != tt.zone || a.Name == "" || a.City == "" {
			t.Errorf("Airport(%s) = %+v, %v", tt.code, a, ok)
		}
	}
	if _, ok := pss.Airport("XXX"); ok {
		t.Error("Airport(XXX) found")
	}
	if n := len(pss.Airports()); n < 80 {
		t.Errorf("%d airports, want at least 80", n)
	}
}
