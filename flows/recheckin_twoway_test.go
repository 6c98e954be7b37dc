package flows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/pss"
)

// twoWayFile adds a day return Amsterdam–Groningen (domestic: no travel documents)
// for two adults on a flexible fare, both checked in on the outbound only, with
// later flights each way to move to. Times are relative to the demo's reference
// time, like the demo data: SB1701 leaves in 19 hours, SB1703 in 23, SB1705 (dearer:
// moving to it costs money) in 25, the return SB1702 in 28 (all four open for
// check-in) and SB1704 in 31.
const twoWayFile = `{
  "reference_time": "2025-01-15T12:00:00Z",
  "airline": %s,
  "flights": [
    {"carrier": "SB", "number": 1701, "date": "2025-01-16", "origin": "AMS", "destination": "GRQ",
     "departure": "2025-01-16T08:00", "arrival": "2025-01-16T08:45", "aircraft": "E190", "cabins": [%[2]s], "fares": {"Y": "129.00"}},
    {"carrier": "SB", "number": 1703, "date": "2025-01-16", "origin": "AMS", "destination": "GRQ",
     "departure": "2025-01-16T12:00", "arrival": "2025-01-16T12:45", "aircraft": "E190", "cabins": [%[2]s], "fares": {"Y": "99.00"}},
    {"carrier": "SB", "number": 1705, "date": "2025-01-16", "origin": "AMS", "destination": "GRQ",
     "departure": "2025-01-16T14:00", "arrival": "2025-01-16T14:45", "aircraft": "E190", "cabins": [%[2]s], "fares": {"Y": "189.00"}},
    {"carrier": "SB", "number": 1702, "date": "2025-01-16", "origin": "GRQ", "destination": "AMS",
     "departure": "2025-01-16T17:00", "arrival": "2025-01-16T17:45", "aircraft": "E190", "cabins": [%[2]s], "fares": {"Y": "129.00"}},
    {"carrier": "SB", "number": 1704, "date": "2025-01-16", "origin": "GRQ", "destination": "AMS",
     "departure": "2025-01-16T20:00", "arrival": "2025-01-16T20:45", "aircraft": "E190", "cabins": [%[2]s], "fares": {"Y": "99.00"}}
  ],
  "bookings": [
    {"locator": "VS2GRQ", "contact": {"email": "visser@example.com", "lang": "en"},
     "passengers": [{"given": "Eva", "surname": "Visser", "type": "ADT"}, {"given": "Daan", "surname": "Visser", "type": "ADT"}],
     "segments": [
       {"carrier": "SB", "number": 1701, "date": "2025-01-16", "cabin": "Y", "booking_class": "M", "status": "HK",
        "fare": {"brand": "FLEX"}, "check_ins": [{"passenger": 0, "seat": "5A"}, {"passenger": 1, "seat": "5C"}]},
       {"carrier": "SB", "number": 1702, "date": "2025-01-16", "cabin": "Y", "booking_class": "M", "status": "HK",
        "fare": {"brand": "FLEX"}}
     ]}
  ]
}`

const twoWayCabin = `{"cabin": "Y", "first_row": 1, "last_row": 25, "letters": ["A", "C", "D", "F"], "window": ["A", "F"], "aisle": ["C", "D"]}`

// wholeItineraryReissues is a booking system that answers a reissue with every
// confirmed segment of the new itinerary as new and does not say which old
// segment each one replaces, as one that reissues the whole ticket.
type wholeItineraryReissues struct{ *pss.Demo }

func (c wholeItineraryReissues) Reissue(ctx context.Context, req domain.ReissueRequest) (domain.Reissue, error) {
	res, err := c.Demo.Reissue(ctx, req)
	if err != nil {
		return res, err
	}
	res.Replacements, res.NewSegmentIDs = nil, nil
	for _, s := range res.Booking.Segments {
		if s.Status == domain.SegmentConfirmed {
			res.NewSegmentIDs = append(res.NewSegmentIDs, s.ID)
		}
	}
	return res, nil
}

// newTwoWayHarness is the check-in-again rig with VS2GRQ imported; whole makes
// the booking system answer reissues as wholeItineraryReissues does.
func newTwoWayHarness(t *testing.T, postgres, whole bool) *recheckHarness {
	t.Helper()
	h := newRecheckHarness(t, postgres)
	var demo struct {
		Airline json.RawMessage `json:"airline"`
	}
	if err := json.Unmarshal(pss.DemoJSON(), &demo); err != nil {
		t.Fatal(err)
	}
	file := fmt.Sprintf(twoWayFile, demo.Airline, twoWayCabin)
	if rep, err := pss.Import(t.Context(), h.db, h.sealer, strings.NewReader(file), h.clock.Now()); err != nil {
		t.Fatalf("import: %v\n%s", err, rep)
	}
	var changes domain.Changes = h.demo
	if whole {
		changes = wholeItineraryReissues{h.demo}
	}
	e, err := flows.NewEngine(flows.Config{Store: h.store, NLU: sharedClassifier(t), Bookings: h.faults, Now: h.clock.Now,
		Log: testLogger(t), Ancillaries: h.demo, Changes: changes, Payments: h.pay, Ledger: h.pay, Statuses: h.store})
	if err != nil {
		t.Fatal(err)
	}
	h.engine = e
	return h
}

// changeSegment walks the change of VS2GRQ's flight numbered from to the flight
// numbered to on the same day, free of charge, and returns what the traveller got
// once it was made.
func changeSegment(t *testing.T, h *recheckHarness, tr *traveller, from, to string) []domain.Outbound {
	t.Helper()
	var f domain.Flight
	for _, s := range h.booking(t, "VS2GRQ").Segments {
		if s.Flight.Number.String() == from {
			f = s.Flight
		}
	}
	tr.send("Change flight", "intent:change_flight")
	expect(t, tr.say("VS2GRQ Visser"), "SB1701", "SB1702")
	tr.tapTitle(from)
	expect(t, tr.say(f.Departure.In(f.Origin.Location).Format("2 January 2006")), to)
	expect(t, tr.tapTitle(to), "You chose")
	out := tr.tap("yes")
	expect(t, out, "is changed", to)
	return out
}

// checkedIn lists the booking's check-ins as "flight passenger-given-name".
func checkedIn(t *testing.T, h *recheckHarness) []string {
	t.Helper()
	b := h.booking(t, "VS2GRQ")
	var on []string
	for _, c := range b.CheckIns {
		sg, _ := b.Segment(c.SegmentID)
		for _, p := range b.Passengers {
			if p.ID == c.PassengerID {
				on = append(on, sg.Flight.Number.String()+" "+p.Name.Given)
			}
		}
	}
	slices.Sort(on)
	return on
}

// recheckRequests returns the flights the check-ins again were requested on, by
// the segment id at the end of their idempotency keys.
func recheckRequests(t *testing.T, h *recheckHarness) []string {
	t.Helper()
	var keys []string
	if err := h.db.Gorm.Raw(`SELECT idempotency_key FROM pss_checkin_requests WHERE idempotency_key LIKE 'recheckin:%' ORDER BY idempotency_key`).
		Scan(&keys).Error; err != nil {
		t.Fatal(err)
	}
	b := h.booking(t, "VS2GRQ")
	var on []string
	for _, k := range keys {
		id, err := strconv.ParseInt(k[strings.LastIndex(k, ":")+1:], 10, 64)
		if err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
		sg, ok := b.Segment(id)
		if !ok {
			t.Fatalf("key %q names segment %d, not on the booking", k, id)
		}
		on = append(on, sg.Flight.Number.String())
	}
	return on
}

// Two travellers on a day return, both checked in on the outbound only, move the
// outbound to a later flight: they are checked in again on the new outbound only,
// and the return, open for check-in too, gets no check-in — whether the booking
// system names the replacement or lists the whole itinerary as new and leaves the
// pairing to the airports.
func TestRecheckInTwoWayOutboundChangedChecksInOnTheNewOutboundOnly(t *testing.T) {
	t.Parallel()
	eachTwoWay(t, func(t *testing.T, h *recheckHarness) {
		tr := h.traveller("twoway-out")

		out := changeSegment(t, h, tr, "SB1701", "SB1703")
		expect(t, out, "checked you in on your new flight too", "Here are your 2 new boarding passes")
		expectNot(t, out, "couldn't check you in", "SB1702 opens")
		imgs := passes(out, domain.OutImage)
		if len(imgs) != 2 {
			t.Fatalf("want two new passes:\n%s", transcript(out))
		}
		for _, u := range imgs {
			if _, code := h.passOf(t, u); code.Legs[0].Flight != 1703 || code.Legs[0].From != "AMS" || code.Legs[0].To != "GRQ" {
				t.Fatalf("new pass %+v: want SB1703 AMS→GRQ", code.Legs[0])
			}
		}
		if got, want := checkedIn(t, h), []string{"SB1703 Daan", "SB1703 Eva"}; !slices.Equal(got, want) {
			t.Fatalf("check-ins after the change: %v, want %v", got, want)
		}
		if got := recheckRequests(t, h); !slices.Equal(got, []string{"SB1703"}) {
			t.Fatalf("check-ins again requested on %v, want on SB1703 only", got)
		}
	})
}

// The same travellers move the return instead, on which nobody was checked in:
// nobody is checked in again anywhere, no pass is sent, and their check-ins on the
// outbound stand.
func TestRecheckInTwoWayReturnChangedChecksInNobody(t *testing.T) {
	t.Parallel()
	eachTwoWay(t, func(t *testing.T, h *recheckHarness) {
		tr := h.traveller("twoway-back")

		out := changeSegment(t, h, tr, "SB1702", "SB1704")
		expectNot(t, out, "checked you in", "couldn't check you in", "new boarding pass", "no longer valid")
		if got := passes(out, domain.OutImage); len(got) != 0 {
			t.Fatalf("no pass after a change of a flight nobody was checked in on:\n%s", transcript(out))
		}
		if got, want := checkedIn(t, h), []string{"SB1701 Daan", "SB1701 Eva"}; !slices.Equal(got, want) {
			t.Fatalf("check-ins after the change: %v, want %v", got, want)
		}
		if got := recheckRequests(t, h); len(got) != 0 {
			t.Fatalf("check-ins again requested on %v, want none", got)
		}
	})
}

// The outbound of the day return moves to a dearer flight, so the change is made
// when the payment report arrives, in a turn that never loaded the booking as it
// stood before. The report's first run is lost before it is saved and retried,
// and the report is delivered again later. The travellers are checked in again on
// the new outbound only, by one check-in request that every run sends alike,
// whether the booking system names the replacement or leaves the pairing to the
// airports.
func TestRecheckInTwoWayPaidChangeChecksInOnTheNewOutbound(t *testing.T) {
	t.Parallel()
	eachTwoWay(t, func(t *testing.T, h *recheckHarness) {
		tr := h.traveller("twoway-paid")

		var f domain.Flight
		for _, s := range h.booking(t, "VS2GRQ").Segments {
			if s.Flight.Number.String() == "SB1701" {
				f = s.Flight
			}
		}
		tr.send("Change flight", "intent:change_flight")
		expect(t, tr.say("VS2GRQ Visser"), "SB1701", "SB1702")
		tr.tapTitle("SB1701")
		expect(t, tr.say(f.Departure.In(f.Origin.Location).Format("2 January 2006")), "SB1705")
		expect(t, tr.tapTitle("SB1705"), "You chose")
		out := tr.tap("yes")
		expect(t, out, "Please pay")
		expectNot(t, out, "is changed")
		ref := h.pay.onlyReference()
		h.pay.settle(ref)

		lost := h.loseReportRun(t, tr, ref)
		if len(lost.Passes) != 2 {
			t.Fatalf("the lost run issued %d passes, want 2", len(lost.Passes))
		}
		// The retry replays the reissue and the check-in request.
		out, err := tr.process()
		if err != nil {
			t.Fatal(err)
		}
		expect(t, out, "is changed", "SB1705", "checked you in on your new flight too", "Here are your 2 new boarding passes")
		expectNot(t, out, "couldn't check you in", "SB1702 opens")
		imgs := passes(out, domain.OutImage)
		if len(imgs) != 2 {
			t.Fatalf("want two new passes:\n%s", transcript(out))
		}
		for _, u := range imgs {
			if _, code := h.passOf(t, u); code.Legs[0].Flight != 1705 || code.Legs[0].From != "AMS" || code.Legs[0].To != "GRQ" {
				t.Fatalf("new pass %+v: want SB1705 AMS→GRQ", code.Legs[0])
			}
		}

		// The provider reports the payment again: nothing more happens.
		out, err = tr.paymentReport("evt_2", domain.PaymentPaid, ref)
		if err != nil {
			t.Fatal(err)
		}
		expectNot(t, out, "checked you in", "is changed", "couldn't check you in")
		if got := passes(out, domain.OutImage); len(got) != 0 {
			t.Fatalf("a replayed report sent passes again:\n%s", transcript(out))
		}
		if got, want := checkedIn(t, h), []string{"SB1705 Daan", "SB1705 Eva"}; !slices.Equal(got, want) {
			t.Fatalf("check-ins after the change: %v, want %v", got, want)
		}
		if got := recheckRequests(t, h); !slices.Equal(got, []string{"SB1705"}) {
			t.Fatalf("check-ins again requested on %v, want once on SB1705", got)
		}
	})
}

// eachTwoWay runs body on the day return on both databases, with the booking
// system naming which flights replaced which and with it leaving the pairing to
// the airports (listing every remaining flight as new).
func eachTwoWay(t *testing.T, body func(t *testing.T, h *recheckHarness)) {
	for _, d := range []string{"sqlite", "postgres"} {
		for _, whole := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/whole_itinerary=%v", d, whole), func(t *testing.T) {
				t.Parallel()
				body(t, newTwoWayHarness(t, d == "postgres", whole))
			})
		}
	}
}
