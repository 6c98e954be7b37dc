package pssrest_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest"
)

var _ domain.Manifest = (*pssrest.Client)(nil)

// TestManifestKeepsTheContract reads the fake's manifest through the client:
// carriers, flights departing, one flight by key, and who is on it page by page,
// with check-ins; every exchange is checked against openapi.yaml.
func TestManifestKeepsTheContract(t *testing.T) {
	e := newEnv(t, pssrest.Config{})
	ctx := t.Context()
	c := e.client

	cs, err := c.Carriers(ctx)
	if err != nil || !slices.Equal(cs, []domain.CarrierCode{"SB"}) {
		t.Fatalf("carriers = %v, %v", cs, err)
	}

	now := time.Now()
	fs, err := c.FlightsDeparting(ctx, now.Add(-24*time.Hour), now.Add(96*time.Hour))
	if err != nil || len(fs) == 0 {
		t.Fatalf("flights departing: %d, %v", len(fs), err)
	}
	for i, f := range fs {
		if i > 0 && f.Departure.Before(fs[i-1].Departure) {
			t.Errorf("flights not by departure: %s before %s", fs[i-1].Number, f.Number)
		}
		if f.Origin.Location == nil || f.Departure.Location().String() != f.Origin.Location.String() {
			t.Errorf("%s departs in %s, not in its airport's zone", f.Number, f.Departure.Location())
		}
	}
	window, err := c.FlightsDeparting(ctx, fs[1].Departure, fs[2].Departure)
	if err != nil || len(window) == 0 || !window[0].Departure.Equal(fs[1].Departure) || slices.ContainsFunc(window, func(f domain.Flight) bool { return !f.Departure.Before(fs[2].Departure) }) {
		t.Errorf("flights in [%s, %s) = %v, %v", fs[1].Departure, fs[2].Departure, window, err)
	}
	if none, err := c.FlightsDeparting(ctx, now, now); err != nil || len(none) != 0 {
		t.Errorf("empty interval = %v, %v", none, err)
	}

	flex, err := c.FindBooking(ctx, "FK3FLX") // two passengers on one flight
	if err != nil {
		t.Fatal(err)
	}
	seg := flex.Segments[0]
	key := domain.KeyOf(seg.Flight)
	f, err := c.FlightByKey(ctx, key)
	if err != nil || f.ID != seg.Flight.ID || f.Number != seg.Flight.Number || !f.Departure.Equal(seg.Flight.Departure) || f.Origin.Location.String() != "Europe/Amsterdam" {
		t.Fatalf("flight by key %s = %+v, %v", key, f, err)
	}
	if _, err := c.FlightByKey(ctx, domain.FlightKey{Flight: domain.FlightNumber{Carrier: "SB", Number: 9999}, Date: key.Date}); !domain.IsCode(err, domain.NotFound) {
		t.Errorf("unknown flight: %v, want NotFound", err)
	}
	if _, err := c.Travellers(ctx, domain.FlightKey{Flight: domain.FlightNumber{Carrier: "SB", Number: 9999}, Date: key.Date}, 0, 10); !domain.IsCode(err, domain.NotFound) {
		t.Errorf("travellers of an unknown flight: %v, want NotFound", err)
	}

	if _, err := c.CheckIn(ctx, domain.CheckInRequest{IdempotencyKey: "m-1", Locator: flex.Locator, SegmentID: seg.ID,
		Passengers: []domain.PassengerCheckIn{{PassengerID: flex.Passengers[1].ID, DangerousGoodsAck: true,
			Document: &domain.TravelDocument{Type: "P", Number: "X7654321", Nationality: "NLD", IssuingCountry: "NLD",
				Expiry: now.AddDate(3, 0, 0), BirthDate: time.Date(1930, 5, 11, 0, 0, 0, 0, time.UTC)}}}}); err != nil {
		t.Fatal(err)
	}
	gs, err := c.Travellers(ctx, key, 0, 10)
	if err != nil || len(gs) != 1 {
		t.Fatalf("travellers on %s = %+v, %v; want FK3FLX", key, gs, err)
	}
	g := gs[0]
	if g.Locator != "FK3FLX" || g.SegmentID != seg.ID || len(g.Passengers) != 2 || g.Passengers[0].Name.Surname != "Hopper" ||
		g.Contact.Lang != "en" || !g.CheckedIn[flex.Passengers[1].ID] || g.CheckedIn[flex.Passengers[0].ID] {
		t.Errorf("traveller group = %+v", g)
	}
	if next, err := c.Travellers(ctx, key, g.BookingID, 10); err != nil || len(next) != 0 {
		t.Errorf("page after the last booking = %+v, %v", next, err)
	}

	// Paging: every booking of the fake's first day's 16:00 flight and the others, one a page.
	lhr, _ := c.FindBooking(ctx, "FK1LHR")
	var paged []string
	for after := int64(0); ; {
		p, err := c.Travellers(ctx, domain.KeyOf(lhr.Segments[0].Flight), after, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) == 0 {
			break
		}
		if len(p) > 1 {
			t.Fatalf("page of %d groups, limit 1", len(p))
		}
		paged, after = append(paged, string(p[0].Locator)), p[0].BookingID
	}
	if strings.Join(paged, " ") != "FK1LHR" {
		t.Errorf("paged travellers = %v", paged)
	}

	calls := e.fake.Calls()
	for _, bad := range []struct {
		key   domain.FlightKey
		limit int
	}{
		{domain.FlightKey{Flight: seg.Flight.Number, Date: "tomorrow"}, 10},
		{domain.FlightKey{Date: key.Date}, 10},
		{key, 0},
		{key, 501},
	} {
		if _, err := c.Travellers(ctx, bad.key, 0, bad.limit); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("travellers(%v, limit %d): %v, want Invalid", bad.key, bad.limit, err)
		}
	}
	if _, err := c.FlightByKey(ctx, domain.FlightKey{Flight: seg.Flight.Number, Date: "2026-13-40"}); !domain.IsCode(err, domain.Invalid) {
		t.Errorf("flight by a bad key: %v, want Invalid", err)
	}
	if e.fake.Calls() != calls {
		t.Errorf("bad requests reached the booking system: %d calls", e.fake.Calls()-calls)
	}

	if len(e.check.problems) > 0 {
		t.Errorf("exchanges that break openapi.yaml:\n%s", strings.Join(e.check.problems, "\n"))
	}
	for _, op := range []string{"carriers", "flightsDeparting", "flightByKey", "travellers"} {
		if !e.check.seen[op] {
			t.Errorf("operation %s not exercised", op)
		}
	}
}
