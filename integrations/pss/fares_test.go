package pss_test

import (
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

// A file with fares and a catalogue, a named layout and a segment at a brand's
// price: what it says is what the booking system then sells.
const faresFile = `{"airline": {"iata": "XB", "icao": "XBA", "name": "Example Air", "ticket_prefix": "123", "currency": "GBP",
	"fare_brands": [
		{"code": "BASIC", "name": "Basic", "cabin": "Y", "changeable": false, "refundable": false},
		{"code": "PLUS", "name": "Plus", "cabin": "Y", "supplement": "25", "changeable": true, "change_fee": "40.00", "refundable": false}],
	"ancillaries": [{"code": "0CC", "kind": "bag", "name": "Bag", "price": "20.00", "max": 2}]},
  "layouts": {"E175": [{"cabin": "Y", "first_row": 1, "last_row": 10, "letters": ["A", "C", "D", "F"], "window": ["A", "F"], "aisle": ["C", "D"]}]},
  "flights": [
	{"carrier": "XB", "number": 10, "date": "2026-08-01", "origin": "LHR", "destination": "EDI",
	 "departure": "2026-08-01T10:00", "arrival": "2026-08-01T11:20", "layout": "E175", "fares": {"Y": "60.00"}},
	{"carrier": "XB", "number": 12, "date": "2026-08-01", "origin": "LHR", "destination": "EDI",
	 "departure": "2026-08-01T18:00", "arrival": "2026-08-01T19:20", "layout": "E175", "fares": {"Y": "45.50"}}],
  "bookings": [{"locator": "XB1234", "passengers": [{"given": "Ann", "surname": "Lee", "type": "ADT"}],
	"segments": [{"carrier": "XB", "number": 10, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "HK",
	              "fare": {"brand": "PLUS"}}]}]}`

func TestImportedFaresAndCatalogueAreSold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		s := newSealer(t)
		if rep, err := pss.Import(t.Context(), db, s, strings.NewReader(faresFile), summerNow); err != nil {
			t.Fatalf("import: %v\n%s", err, rep)
		}
		demo := pss.NewDemo(db, s, func() time.Time { return summerNow })
		bk, err := demo.FindBooking(t.Context(), "XB1234")
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := demo.SeatMap(t.Context(), bk.Segments[0].Flight.ID); len(m.Seats) != 40 {
			t.Errorf("layout E175 gave %d seats, want 40", len(m.Seats))
		}
		r, err := demo.ChangeRules(t.Context(), bk.Locator, segIDs(bk))
		if err != nil || !r.Changeable || r.Fee != domain.NewMoney(4000, "GBP") {
			t.Errorf("rules = %+v, %v; want changeable for GBP 40.00", r, err)
		}
		alts, err := demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: segIDs(bk), From: summerNow, To: summerNow.AddDate(0, 2, 0)})
		if err != nil || len(alts) != 1 {
			t.Fatalf("alternatives = %d, %v", len(alts), err)
		}
		// Sold at 60 + 25 = 85.00; the evening flight at 45.50 + 25 = 70.50; fee 40.
		if a := alts[0]; a.FareDifference != domain.NewMoney(-1450, "GBP") || a.ToPay != domain.NewMoney(2550, "GBP") {
			t.Errorf("alternative: difference %s, to pay %s; want -14.50 and 25.50", a.FareDifference, a.ToPay)
		}
		o, err := demo.AncillaryOffer(t.Context(), bk.Locator)
		if err != nil || len(o.Items) != 1 || o.Items[0].Max != 2 || o.Items[0].Price != domain.NewMoney(2000, "GBP") {
			t.Errorf("offer = %+v, %v; want one bag item, up to 2, GBP 20.00", o.Items, err)
		}
	})
}

func TestImportWithoutFaresGetsDefaults(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		s := newSealer(t)
		file := goodHead + `], "bookings": [{"locator": "DF0001", "passengers": [{"given": "Bo", "surname": "Ek", "type": "ADT"}],
			"segments": [{"carrier": "SB", "number": 100, "date": "2026-08-01", "cabin": "Y", "booking_class": "M", "status": "HK"}]}]}`
		if rep, err := pss.Import(t.Context(), db, s, strings.NewReader(file), summerNow); err != nil {
			t.Fatalf("import: %v\n%s", err, rep)
		}
		demo := pss.NewDemo(db, s, func() time.Time { return summerNow })
		bk, err := demo.FindBooking(t.Context(), "DF0001")
		if err != nil {
			t.Fatal(err)
		}
		r, err := demo.ChangeRules(t.Context(), bk.Locator, segIDs(bk))
		if err != nil || !r.Changeable || r.Refundable || r.Fee != eur(50) {
			t.Errorf("default economy rules = %+v, %v; want changeable for EUR 50.00, not refundable", r, err)
		}
		o, err := demo.AncillaryOffer(t.Context(), bk.Locator)
		if err != nil || len(o.Items) != 8 || o.Items[0].Price != eur(35) {
			t.Errorf("default catalogue offer: %+v, %v; want 8 items, a bag for EUR 35.00 first", o.Items, err)
		}
		c, err := demo.CancelSegments(t.Context(), domain.CancelRequest{IdempotencyKey: "x", Locator: bk.Locator, SegmentIDs: segIDs(bk), Involuntary: true})
		// 10:00 in Amsterdam to 10:20 in London is 80 minutes: 29 + 0.90 x 80 = 101.00.
		if err != nil || c.Refund != eur(101) {
			t.Errorf("involuntary refund of the default fare = %+v, %v; want EUR 101.00", c, err)
		}
	})
}

func TestImportReportsBadFares(t *testing.T) {
	bad := strings.NewReplacer(
		`"layout": "E175", "fares": {"Y": "45.50"}`, `"layout": "A380", "fares": {"Y": "45.50"}`,
		`"fare": {"brand": "PLUS"}`, `"fare": {"brand": "GOLD"}`,
		`"max": 2}`, `"max": 2, "requires": "0CD"}`,
	).Replace(faresFile)
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		rep, err := pss.Import(t.Context(), db, newSealer(t), strings.NewReader(bad), summerNow)
		if !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("err = %v", err)
		}
		want := []string{
			"flights[1].fares.Y: the flight has no cabin Y",
			"flights[1].layout: no layout \"A380\" in the file's layouts",
			"bookings[0].segments[0].fare.brand: no fare brand GOLD",
			"airline.ancillaries[0].requires: no extra 0CD in the catalogue",
		}
		got := rep.String()
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("report lacks %q:\n%s", w, got)
			}
		}
		// The schema checks amounts before anything else.
		rep, err = pss.Import(t.Context(), db, newSealer(t), strings.NewReader(strings.Replace(faresFile, `"25"`, `"25.5.0"`, 1)), summerNow)
		if !domain.IsCode(err, domain.Invalid) || len(rep.Problems) != 1 ||
			rep.Problems[0].String() != `airline.fare_brands[1].supplement: "25.5.0": must be an amount like 35.00` {
			t.Errorf("bad amount: %v\n%s", err, rep)
		}
	})
}
