package pss_test

import (
	"flag"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
	"github.com/skybridge/skybridge/migrations"
)

var _ domain.Manifest = (*pss.Demo)(nil)

// flightOf returns the flight of a demo booking's segment seg.
func (b bundle) flightOf(t *testing.T, loc string, seg int) domain.Flight {
	t.Helper()
	return b.booking(t, loc).Segments[seg].Flight
}

// countQueries counts the statements gorm sends to db from now on.
func countQueries(t *testing.T, db *database.DB) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	inc := func(*gorm.DB) { n.Add(1) }
	cb := db.Gorm.Callback()
	if err := cb.Query().After("gorm:query").Register("test:count_queries", inc); err != nil {
		t.Fatal(err)
	}
	if err := cb.Row().After("gorm:row").Register("test:count_rows", inc); err != nil {
		t.Fatal(err)
	}
	return &n
}

func TestFlightByKey(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		want := b.flightOf(t, "DB4LHR", 0)
		key := domain.KeyOf(want)
		if key.String() != "SB1001/2026-07-01" {
			t.Fatalf("key of DB4LHR's flight = %s", key)
		}
		got, err := b.demo.FlightByKey(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("FlightByKey(%s) =\n%+v\nwant the booking's flight\n%+v", key, got, want)
		}
		if got.Departure.Format("15:04 MST") != "14:00 CEST" || got.Destination.Location.String() != "Europe/London" {
			t.Errorf("flight shown as departing %s, arriving in zone %s", got.Departure.Format("15:04 MST"), got.Destination.Location)
		}

		// The day before (the schedule flies it daily from today on), a suffix the
		// flight does not have, another carrier: none of them is this flight.
		for _, k := range []domain.FlightKey{
			{Flight: key.Flight, Date: "2026-06-30"},
			{Flight: domain.FlightNumber{Carrier: "SB", Number: 1001, Suffix: "A"}, Date: key.Date},
			{Flight: domain.FlightNumber{Carrier: "XX", Number: 1001}, Date: key.Date},
		} {
			if _, err := b.demo.FlightByKey(t.Context(), k); !domain.IsCode(err, domain.NotFound) {
				t.Errorf("FlightByKey(%s) error = %v, want NotFound", k, err)
			}
		}
		if _, err := b.demo.FlightByKey(t.Context(), domain.FlightKey{Flight: key.Flight, Date: "1 July"}); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("FlightByKey with a bad date: error = %v, want Invalid", err)
		}
	})
}

func TestTravellers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		if err := db.Gorm.Exec(`UPDATE pss_bookings SET messenger_id = ? WHERE locator = ?`, "psid-4711", "VS9KID").Error; err != nil {
			t.Fatal(err)
		}
		key := domain.KeyOf(b.flightOf(t, "JN7KQP", 0)) // SB1501 to Eindhoven
		all, err := b.demo.Travellers(t.Context(), key, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var locs []string
		for i, g := range all {
			locs = append(locs, string(g.Locator))
			if i > 0 && g.BookingID <= all[i-1].BookingID {
				t.Errorf("groups out of booking order: %d after %d", g.BookingID, all[i-1].BookingID)
			}
		}
		if got, want := strings.Join(locs, " "), "JN7KQP VR2FAM BK3DNE VS9KID MU3ACC"; got != want {
			t.Fatalf("travellers on %s = %s, want %s", key, got, want)
		}
		for _, g := range all {
			bk := b.booking(t, string(g.Locator))
			if !reflect.DeepEqual(g.Passengers, bk.Passengers) {
				t.Errorf("%s passengers = %+v, want as in the booking %+v", g.Locator, g.Passengers, bk.Passengers)
			}
			if g.Contact != bk.Contact {
				t.Errorf("%s contact = %+v, want as in the booking %+v", g.Locator, g.Contact, bk.Contact)
			}
			if g.SegmentID != bk.Segments[0].ID {
				t.Errorf("%s segment = %d, want %d", g.Locator, g.SegmentID, bk.Segments[0].ID)
			}
			want := map[int64]bool{}
			for _, c := range bk.CheckIns {
				want[c.PassengerID] = true
			}
			if !reflect.DeepEqual(g.CheckedIn, want) {
				t.Errorf("%s checked in = %v, want %v", g.Locator, g.CheckedIn, want)
			}
		}
		// What a notification needs, read as a traveller would see it.
		if wa := all[0].Contact.WhatsApp.Reveal(); wa != "31600000101" || all[0].Contact.Lang != "nl" {
			t.Errorf("JN7KQP contact = %s %s, want WhatsApp 31600000101 in Dutch", wa, all[0].Contact.Lang)
		}
		if all[3].Contact.Messenger != "psid-4711" {
			t.Errorf("VS9KID Messenger id = %q", all[3].Contact.Messenger)
		}
		if fam := all[1]; len(fam.Passengers) != 4 || fam.Passengers[3].InfantOf != fam.Passengers[0].ID {
			t.Errorf("VR2FAM = %+v, want 4 passengers with the infant on the first adult's lap", fam.Passengers)
		}
		if pieter := all[2].Passengers[0].ID; !all[2].CheckedIn[pieter] || len(all[2].CheckedIn) != 1 {
			t.Errorf("BK3DNE checked in = %v, want Pieter (%d)", all[2].CheckedIn, pieter)
		}

		// Pages of two, three queries each, then an empty page.
		queries := countQueries(t, db)
		var paged []string
		after := int64(0)
		for page := 0; ; page++ {
			before := queries.Load()
			gs, err := b.demo.Travellers(t.Context(), key, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if n := queries.Load() - before; len(gs) > 0 && n != 3 {
				t.Errorf("page %d of %d bookings took %d queries, want 3", page, len(gs), n)
			}
			if len(gs) == 0 {
				break
			}
			if len(gs) > 2 {
				t.Fatalf("page %d has %d groups, limit 2", page, len(gs))
			}
			for _, g := range gs {
				paged = append(paged, string(g.Locator))
			}
			after = gs[len(gs)-1].BookingID
		}
		if strings.Join(paged, " ") != strings.Join(locs, " ") {
			t.Errorf("paged travellers = %v, want %v", paged, locs)
		}
	})
}

func TestTravellersLeavesOutUnconfirmedSegments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		tests := []struct {
			loc  string // a booking on the flight
			seg  int
			want string
		}{
			{"LR6XNC", 0, ""},              // SB1361 cancelled, segment UN
			{"RS8BCN", 0, ""},              // SB1811 flown (FL)
			{"RS8BCN", 1, "RS8BCN BN2CPH"}, // SB1812, both confirmed
			{"BN2CPH", 1, "BN2CPH"},        // SB1431, the connection's second leg
		}
		for _, tt := range tests {
			key := domain.KeyOf(b.flightOf(t, tt.loc, tt.seg))
			gs, err := b.demo.Travellers(t.Context(), key, 0, 10)
			if err != nil {
				t.Fatalf("Travellers(%s): %v", key, err)
			}
			var locs []string
			for _, g := range gs {
				locs = append(locs, string(g.Locator))
			}
			if got := strings.Join(locs, " "); got != tt.want {
				t.Errorf("travellers on %s = %q, want %q", key, got, tt.want)
			}
		}

		// Cancelling a segment takes the booking off the manifest.
		key := domain.KeyOf(b.flightOf(t, "DM4FRA", 0))
		if err := db.Gorm.Exec(`UPDATE pss_segments SET status = 'XX' WHERE id = ?`, b.booking(t, "DM4FRA").Segments[0].ID).Error; err != nil {
			t.Fatal(err)
		}
		if gs, err := b.demo.Travellers(t.Context(), key, 0, 10); err != nil || len(gs) != 0 {
			t.Errorf("Travellers(%s) after cancellation = %d groups, %v; want none", key, len(gs), err)
		}

		unknown := domain.FlightKey{Flight: domain.FlightNumber{Carrier: "SB", Number: 9999}, Date: "2026-07-01"}
		if _, err := b.demo.Travellers(t.Context(), unknown, 0, 10); !domain.IsCode(err, domain.NotFound) {
			t.Errorf("Travellers(%s) error = %v, want NotFound", unknown, err)
		}
		if gs, err := b.demo.Travellers(t.Context(), unknown, 42, 10); err != nil || len(gs) != 0 {
			t.Errorf("a later page of an unknown flight = %d groups, %v; want none", len(gs), err)
		}
	})
}

func TestFlightsDeparting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		all, err := b.demo.FlightsDeparting(t.Context(), summerNow.Add(-72*time.Hour), summerNow.Add(14*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 49 {
			t.Fatalf("%d flights in the demo's fortnight, want 49", len(all))
		}
		if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Departure.Before(all[j].Departure) }) {
			t.Error("flights not in departure order")
		}
		for _, f := range all {
			if f.Origin.Location == nil || f.Departure.Location() != f.Origin.Location {
				t.Errorf("%s departure %s not in its origin's zone", f.Number, f.Departure)
			}
		}

		// [from, to): a flight departing at from is in, one departing at to is out.
		lhr := b.flightOf(t, "DB4LHR", 0)
		got, err := b.demo.FlightsDeparting(t.Context(), lhr.Departure, lhr.Departure.Add(time.Minute))
		if err != nil || len(got) != 1 || got[0].Number != lhr.Number {
			t.Errorf("flights departing at SB1001's minute = %v, %v; want SB1001", numbers(got), err)
		}
		got, err = b.demo.FlightsDeparting(t.Context(), lhr.Departure.Add(-time.Hour), lhr.Departure.In(time.FixedZone("X", 5*3600)))
		for _, f := range got {
			if f.Number == lhr.Number {
				t.Errorf("window ending at SB1001's departure includes it: %v", numbers(got))
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	})
}

func numbers(fs []domain.Flight) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Number.String())
	}
	return out
}

func TestCarriers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		got, err := b.demo.Carriers(t.Context())
		if err != nil || !reflect.DeepEqual(got, []domain.CarrierCode{"SB"}) {
			t.Fatalf("Carriers() = %v, %v; want [SB]", got, err)
		}
		insertFlights(t, db, "U2", 1, 2, summerNow)
		insertFlights(t, db, "AB", 1, 1, summerNow)
		got, err = b.demo.Carriers(t.Context())
		if err != nil || !reflect.DeepEqual(got, []domain.CarrierCode{"AB", "SB", "U2"}) {
			t.Fatalf("Carriers() = %v, %v; want [AB SB U2]", got, err)
		}
	})
}

// insertFlights adds flights carrier first..first+n-1, AMS to LHR, departing at
// dep, and returns the id of the first.
func insertFlights(t testing.TB, db *database.DB, carrier string, first, n int, dep time.Time) int64 {
	t.Helper()
	ams, _ := pss.Airport("AMS")
	local := dep.In(ams.Location)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	const batch = 500
	for lo := first; lo < first+n; lo += batch {
		var values []string
		var args []any
		for num := lo; num < min(lo+batch, first+n); num++ {
			values = append(values, "(?, ?, '', ?, 'AMS', 'LHR', 'Europe/Amsterdam', 'Europe/London', ?, ?)")
			args = append(args, carrier, num, day, dep.UTC(), dep.Add(75*time.Minute).UTC())
		}
		err := db.Gorm.Exec(`INSERT INTO pss_flights (carrier, number, suffix, flight_date, origin, destination,
			origin_zone, destination_zone, departure, arrival) VALUES `+strings.Join(values, ", "), args...).Error
		if err != nil {
			t.Fatalf("insert flights: %v", err)
		}
	}
	var id int64
	if err := db.Gorm.Raw(`SELECT id FROM pss_flights WHERE carrier = ? AND number = ?`, carrier, first).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return id
}

// scaleBookings sizes TestTravellersAtScale. Filling a million takes about 15 s on
// SQLite and 50 s on PostgreSQL (foreign key checks), too long for every run; the
// plans checked are those of a large table either way, and the default keeps the
// suite quick. Measure at the real size with
//
//	go test ./integrations/pss -run AtScale -v -pss.bookings=1000000
var scaleBookings = flag.Int("pss.bookings", 100_000, "bookings TestTravellersAtScale fills")

// TestTravellersAtScale fills the booking tables with many bookings (200 a flight)
// and checks that pages of travellers are read through the flight's index rather
// than by scanning the bookings, and that they stay fast.
func TestTravellersAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("fills the booking tables")
	}
	bookings := *scaleBookings
	flights := bookings / 200
	if flights < 10 {
		t.Fatalf("-pss.bookings=%d: at least 2000", bookings)
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		start := time.Now()
		dep := time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC)
		firstFlight := insertFlights(t, db, "ZZ", 1, flights, dep)
		now := time.Now().UTC()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO pss_bookings (locator, created_at, updated_at)
				WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
				SELECT 'Z' || CAST(x AS TEXT), ?, ? FROM c`, []any{bookings, now, now}},
			// A tenth of each flight's segments are cancelled.
			{`INSERT INTO pss_segments (booking_id, flight_id, cabin, booking_class, status)
				SELECT id, ? + (id % ?), 'Y', 'M', CASE WHEN (id / ?) % 10 = 0 THEN 'XX' ELSE 'HK' END FROM pss_bookings`,
				[]any{firstFlight, flights, flights}},
			{`INSERT INTO pss_passengers (booking_id, pos, given, surname, pax_type)
				SELECT id, 0, 'Ann', 'Lee', 'ADT' FROM pss_bookings`, nil},
			{`INSERT INTO pss_checkins (passenger_id, segment_id, sequence, checked_in_at)
				SELECT p.id, s.id, 1, ? FROM pss_passengers p JOIN pss_segments s ON s.booking_id = p.booking_id
				WHERE p.booking_id % 7 = 0 AND s.status = 'HK'`, []any{now}},
			{`ANALYZE`, nil},
		} {
			if err := db.Gorm.Exec(q.sql, q.args...).Error; err != nil {
				t.Fatalf("fill: %v", err)
			}
		}
		t.Logf("%d bookings on %d flights filled in %s", bookings, flights, time.Since(start).Round(time.Millisecond))

		demo := pss.NewDemo(db, newSealer(t), nil)
		key := domain.FlightKey{Flight: domain.FlightNumber{Carrier: "ZZ", Number: 7}, Date: "2030-03-01"}
		args := []any{"ZZ", 7, "", time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC), "HK", int64(0), 50}
		plan := explain(t, db, pss.TravellersSQL, args...)
		t.Logf("travellers query plan:\n%s", plan)
		if !strings.Contains(plan, "pss_segments_by_flight") {
			t.Errorf("travellers query does not use pss_segments_by_flight:\n%s", plan)
		}

		start = time.Now()
		var total, checkedIn, pages int
		var slowest time.Duration
		after := int64(0)
		for {
			t0 := time.Now()
			gs, err := demo.Travellers(t.Context(), key, after, 50)
			if err != nil {
				t.Fatal(err)
			}
			slowest = max(slowest, time.Since(t0))
			if len(gs) == 0 {
				break
			}
			pages++
			total += len(gs)
			for _, g := range gs {
				// Booking id i holds flight number 1 + i%flights.
				if g.BookingID%int64(flights) != 6 || (g.BookingID/int64(flights))%10 == 0 {
					t.Fatalf("booking %d is not a confirmed one of flight ZZ7", g.BookingID)
				}
				if len(g.Passengers) != 1 {
					t.Fatalf("booking %d has %d passengers", g.BookingID, len(g.Passengers))
				}
				if len(g.CheckedIn) > 0 {
					checkedIn++
				}
			}
			after = gs[len(gs)-1].BookingID
		}
		if total != 180 {
			t.Errorf("%d confirmed bookings on ZZ7, want 180 (200 less the cancelled tenth)", total)
		}
		if checkedIn == 0 || checkedIn == total {
			t.Errorf("%d of %d bookings checked in, want some", checkedIn, total)
		}
		t.Logf("%d travellers in %d pages in %s, slowest page %s", total, pages, time.Since(start).Round(time.Microsecond), slowest.Round(time.Microsecond))
		if slowest > 500*time.Millisecond {
			t.Errorf("slowest page took %s: the booking tables are being scanned", slowest)
		}

		flightsPlan := explain(t, db, `SELECT * FROM pss_flights WHERE departure >= ? AND departure < ? ORDER BY departure`, dep, dep.Add(time.Hour))
		if !strings.Contains(flightsPlan, "pss_flights_by_departure") {
			t.Errorf("flights departing query does not use pss_flights_by_departure:\n%s", flightsPlan)
		}
		carriers, err := demo.Carriers(t.Context())
		if err != nil || !reflect.DeepEqual(carriers, []domain.CarrierCode{"ZZ"}) {
			t.Errorf("Carriers() = %v, %v", carriers, err)
		}
	})
}

// explain returns the query plan of a statement.
func explain(t *testing.T, db *database.DB, sql string, args ...any) string {
	t.Helper()
	var lines []string
	if db.Dialect == migrations.SQLite {
		var rows []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := db.Gorm.Raw("EXPLAIN QUERY PLAN "+sql, args...).Scan(&rows).Error; err != nil {
			t.Fatalf("explain: %v", err)
		}
		for _, r := range rows {
			lines = append(lines, r.Detail)
		}
	} else if err := db.Gorm.Raw("EXPLAIN "+sql, args...).Scan(&lines).Error; err != nil {
		t.Fatalf("explain: %v", err)
	}
	return strings.Join(lines, "\n")
}
