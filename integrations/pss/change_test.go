package pss_test

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

var (
	_ domain.Changes     = (*pss.Demo)(nil)
	_ domain.Ancillaries = (*pss.Demo)(nil)
)

func eur(units int64) domain.Money { return domain.NewMoney(units*100, "EUR") }

func segIDs(bk domain.Booking) []int64 {
	var out []int64
	for _, s := range bk.Segments {
		out = append(out, s.ID)
	}
	return out
}

func TestChangeRulesComeFromTheFare(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		tests := []struct {
			loc        string
			seg        int
			changeable bool
			fee        domain.Money
			refundable bool
		}{
			{"OK5CDG", 0, false, eur(0), false}, // Light
			{"DB4LHR", 0, true, eur(60), false}, // Standard
			{"FX5LHR", 0, true, eur(0), true},   // Flex
			{"TK7JFK", 0, true, eur(0), true},   // Business
			{"RS8BCN", 0, false, eur(0), true},  // Flex, but flown
			{"RS8BCN", 1, true, eur(0), true},
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%d", tt.loc, tt.seg), func(t *testing.T) {
				bk := b.booking(t, tt.loc)
				r, err := b.demo.ChangeRules(t.Context(), bk.Locator, []int64{bk.Segments[tt.seg].ID})
				if err != nil {
					t.Fatal(err)
				}
				if r.Changeable != tt.changeable || r.Fee != tt.fee || r.Refundable != tt.refundable {
					t.Errorf("rules = %+v, want changeable %v fee %s refundable %v", r, tt.changeable, tt.fee, tt.refundable)
				}
				if !r.Changeable && r.Reason == "" {
					t.Error("no reason given for a fare that cannot be changed")
				}
			})
		}
		if _, err := b.demo.ChangeRules(t.Context(), "OK5CDG", []int64{b.booking(t, "DB4LHR").Segments[0].ID}); !domain.IsCode(err, domain.NotFound) {
			t.Errorf("another booking's segment: err = %v, want NotFound", err)
		}
	})
}

func TestAlternativesArePricedCheapestFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "DB4LHR") // two adults, Standard at 129.00 each, fee 60.00 each
		old := bk.Segments[0].Flight
		alts, err := b.demo.Alternatives(t.Context(), domain.AlternativesQuery{
			Locator: bk.Locator, SegmentIDs: segIDs(bk), From: summerNow, To: summerNow.Add(10 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(alts) != 10 {
			t.Fatalf("%d alternatives, want 10 (there are more flights)", len(alts))
		}
		prev := int64(-1 << 62)
		for _, a := range alts {
			f := a.Flights[0]
			net := a.FareDifference.Minor + a.ChangeFee.Minor
			switch {
			case f.Origin.Code != "AMS" || f.Destination.Code != "LHR":
				t.Errorf("%s flies %s-%s", f.Number, f.Origin.Code, f.Destination.Code)
			case f.ID == old.ID:
				t.Errorf("the booked flight is offered")
			case net < prev:
				t.Errorf("%s costs %d after a cheaper one", f.Number, net)
			case a.ChangeFee != eur(120):
				t.Errorf("fee %s, want EUR 120.00 for two", a.ChangeFee)
			case a.SeatsLeft < 2:
				t.Errorf("%s offered with %d seats", f.Number, a.SeatsLeft)
			case a.ID == "" || !a.ExpiresAt.After(summerNow):
				t.Errorf("alternative without id or expiry: %+v", a)
			}
			if net >= 0 && (a.ToPay.Minor != net || !a.Residual.IsZero()) || net < 0 && (!a.ToPay.IsZero() || a.Residual.Minor != -net) {
				t.Errorf("%s: difference %s + fee %s, to pay %s, residual %s", f.Number, a.FareDifference, a.ChangeFee, a.ToPay, a.Residual)
			}
			prev = net
		}
		// The cheapest: SB1011 at 59.00 base, Standard 89.00, 40.00 less each, fee 60 each.
		if a := alts[0]; a.FareDifference != eur(-80) || a.ToPay != eur(40) {
			t.Errorf("cheapest = %s difference %s to pay %s, want -80.00 and 40.00", a.Flights[0].Number, a.FareDifference, a.ToPay)
		}
		// Full flights (this evening's SB1005, tomorrow morning's SB1003) are not offered.
		for _, a := range alts {
			if n := a.Flights[0].Number.Number; n == 1003 || n == 1005 && a.Flights[0].Date.Day() == 1 {
				t.Errorf("full flight %s on %s offered", a.Flights[0].Number, a.Flights[0].Date.Format(time.DateOnly))
			}
		}

		// A Light fare cannot be changed.
		ok := b.booking(t, "OK5CDG")
		_, err = b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: ok.Locator, SegmentIDs: segIDs(ok), From: summerNow, To: summerNow.Add(72 * time.Hour)})
		if !domain.IsCode(err, domain.Forbidden) {
			t.Errorf("Light fare: err = %v, want Forbidden", err)
		}
		// A cheaper flight on a Flex fare (no fee) leaves residual value.
		fx := b.booking(t, "FX5LHR")
		alts, err = b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: fx.Locator, SegmentIDs: segIDs(fx), From: summerNow, To: summerNow.Add(10 * 24 * time.Hour)})
		if err != nil || len(alts) == 0 {
			t.Fatalf("flex alternatives: %d, %v", len(alts), err)
		}
		if a := alts[0]; a.Residual != eur(40) || !a.ToPay.IsZero() || !a.ChangeFee.IsZero() {
			t.Errorf("flex cheapest: %+v, want residual 40.00, nothing to pay", a)
		}
	})
}

func TestInvoluntaryAlternativesCostNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "LR6XNC") // AMS-NCE cancelled; the afternoon flight is full
		dep := bk.Segments[0].Flight.Departure
		q := domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: segIDs(bk), From: dep.Add(-24 * time.Hour), To: dep.Add(7 * 24 * time.Hour), Involuntary: true}
		alts, err := b.demo.Alternatives(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range alts {
			got = append(got, a.Flights[0].Number.String()+" "+a.Flights[0].Date.Format("01-02"))
			if !a.ToPay.IsZero() || !a.FareDifference.IsZero() || !a.ChangeFee.IsZero() {
				t.Errorf("involuntary option costs: %+v", a)
			}
		}
		want := []string{"SB1371 07-03", "SB1373 07-03", "SB1361 07-04", "SB1371 07-05"} // not SB1363 07-02: full
		if !slices.Equal(got, want) {
			t.Errorf("options %v, want %v", got, want)
		}
		// The same segment, voluntarily: it is not confirmed any more.
		q.Involuntary = false
		if _, err := b.demo.Alternatives(t.Context(), q); !domain.IsCode(err, domain.Conflict) {
			t.Errorf("voluntary change of a UN segment: err = %v, want Conflict", err)
		}
	})
}

// checkInCouple checks the Dubois couple in (passports given).
func checkInCouple(t *testing.T, b bundle) {
	t.Helper()
	r := request(t, b, "DB4LHR", 0, 0, 1)
	r.Passengers[0].Document = passport("18FR12345", summerNow.AddDate(5, 0, 0))
	r.Passengers[1].Document = passport("18FR67890", summerNow.AddDate(5, 0, 0))
	if _, err := b.demo.CheckIn(t.Context(), r); err != nil {
		t.Fatal(err)
	}
}

func TestReissueMovesPassengersOnceAndVoidsCheckIns(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		checkInCouple(t, b)
		bk := b.booking(t, "DB4LHR")
		oldSeg := bk.Segments[0]
		oldTickets := []string{bk.Passengers[0].TicketNumber, bk.Passengers[1].TicketNumber}
		alts, err := b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: segIDs(bk), From: summerNow, To: summerNow.Add(10 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		alt := alts[0]
		req := domain.ReissueRequest{IdempotencyKey: "chg-1", Locator: bk.Locator, SegmentIDs: segIDs(bk), AlternativeID: alt.ID}
		if _, err := b.demo.Reissue(t.Context(), req); !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("reissue costing %s without payment: err = %v, want Invalid", alt.ToPay, err)
		}
		req.PaymentID = "pay_1"
		got, err := b.demo.Reissue(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.NewSegmentIDs) != 1 {
			t.Fatalf("new segments %v", got.NewSegmentIDs)
		}
		now := got.Booking
		newSeg, _ := now.Segment(got.NewSegmentIDs[0])
		old, _ := now.Segment(oldSeg.ID)
		if newSeg.Status != domain.SegmentConfirmed || newSeg.Flight.ID != alt.Flights[0].ID || old.Status != domain.SegmentCancelled {
			t.Errorf("after reissue: new %s on %s, old %s", newSeg.Status, newSeg.Flight.Number, old.Status)
		}
		if len(got.VoidedCheckIns) != 2 || len(now.CheckIns) != 0 {
			t.Errorf("voided %d check-ins, %d left; want 2 and 0", len(got.VoidedCheckIns), len(now.CheckIns))
		}
		wantRepl := []domain.Replacement{{OldSegmentID: oldSeg.ID, NewSegmentIDs: got.NewSegmentIDs}}
		if !reflect.DeepEqual(got.Replacements, wantRepl) {
			t.Errorf("replacements %+v, want %+v", got.Replacements, wantRepl)
		}
		for i, p := range now.Passengers {
			if p.TicketNumber == oldTickets[i] || len(p.TicketNumber) != 13 || p.TicketNumber[:3] != "999" {
				t.Errorf("ticket %s after reissue (was %s)", p.TicketNumber, oldTickets[i])
			}
		}
		// Seats 8A and 8B are free again on the old flight.
		m, err := b.demo.SeatMap(t.Context(), oldSeg.Flight.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"8A", "8B"} {
			if s, _ := m.Seat(code); !s.Free {
				t.Errorf("seat %s still held on the old flight", code)
			}
		}
		// Check-in is open again on the new segment only when its window is: the
		// old one shows as not active.
		for _, o := range now.CheckInOptions(domain.DefaultCheckInPolicy, summerNow) {
			if o.SegmentID == oldSeg.ID && o.Status != domain.SegmentNotActive {
				t.Errorf("old segment offered for check-in: %s", o.Status)
			}
		}

		// A retry returns the same result and moves nobody again.
		again, err := b.demo.Reissue(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again.NewSegmentIDs, got.NewSegmentIDs) || len(again.VoidedCheckIns) != 2 ||
			again.Booking.Passengers[0].TicketNumber != now.Passengers[0].TicketNumber || len(again.Booking.Segments) != 2 {
			t.Errorf("retry = %+v, first = %+v", again.NewSegmentIDs, got.NewSegmentIDs)
		}
		if !reflect.DeepEqual(again.Replacements, wantRepl) {
			t.Errorf("retried replacements %+v, want %+v", again.Replacements, wantRepl)
		}
		// The key for another request, or the old segments with another key: Conflict.
		other := req
		other.AlternativeID = alts[1].ID
		if _, err := b.demo.Reissue(t.Context(), other); !domain.IsCode(err, domain.Conflict) {
			t.Errorf("key reused for another alternative: err = %v, want Conflict", err)
		}
		other = req
		other.IdempotencyKey = "chg-2"
		if _, err := b.demo.Reissue(t.Context(), other); !domain.IsCode(err, domain.Conflict) {
			t.Errorf("second reissue of cancelled segments: err = %v, want Conflict", err)
		}
	})
}

func TestReissueCarriesExtrasOverOrRefundsTheSeat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "FX5LHR")
		seg := bk.Segments[0]
		pax := bk.Passengers[0].ID
		alts, err := b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: segIDs(bk), From: summerNow, To: summerNow.Add(10 * 24 * time.Hour)})
		if err != nil || len(alts) == 0 {
			t.Fatalf("alternatives: %d %v", len(alts), err)
		}
		alt := alts[0]
		// Buy a standard seat that is taken on the new flight, a bag and a meal.
		oldMap, _ := b.demo.SeatMap(t.Context(), seg.Flight.ID)
		newMap, _ := b.demo.SeatMap(t.Context(), alt.Flights[0].ID)
		seat := ""
		for _, s := range oldMap.Seats {
			if n, _ := newMap.Seat(s.Code); s.Free && s.Cabin == domain.Economy && s.Row > 7 && !s.ExitRow && !n.Free {
				seat = s.Code
				break
			}
		}
		if seat == "" {
			t.Fatal("no seat free on the old flight and taken on the new one")
		}
		off, err := b.demo.AncillaryOffer(t.Context(), bk.Locator)
		if err != nil {
			t.Fatal(err)
		}
		items := []domain.BasketItem{
			{Code: "0CC", PassengerID: pax, SegmentID: seg.ID, Quantity: 1},
			{Code: "0B5", PassengerID: pax, SegmentID: seg.ID, Quantity: 1, Seat: seat},
			{Code: "0B3", PassengerID: pax, SegmentID: seg.ID, Quantity: 1},
		}
		emds, err := b.demo.FulfilAncillaries(t.Context(), domain.FulfilRequest{IdempotencyKey: "buy-1", Locator: bk.Locator, OfferID: off.ID, Items: items, PaymentID: "pay_x"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.demo.Reissue(t.Context(), domain.ReissueRequest{IdempotencyKey: "chg", Locator: bk.Locator, SegmentIDs: segIDs(bk), AlternativeID: alt.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Refunded) != 1 || res.Refunded[0].Seat != seat || res.Refunded[0].Number != emds[1].Number {
			t.Errorf("refunded %+v, want the seat EMD %s", res.Refunded, emds[1].Number)
		}
		if len(res.CarriedOver) != 2 {
			t.Fatalf("carried over %+v, want bag and meal", res.CarriedOver)
		}
		for _, e := range res.CarriedOver {
			if e.SegmentID != res.NewSegmentIDs[0] || e.Code == "0B5" {
				t.Errorf("carried over %+v to segment %d", e, res.NewSegmentIDs[0])
			}
		}
		if s := res.Booking.AssignedSeat(pax, res.NewSegmentIDs[0]); s == seat {
			t.Errorf("kept seat %s that is taken on the new flight", seat)
		}
		// The bag now belongs to the new flight: a new offer there sells the second bag.
		off2, err := b.demo.AncillaryOffer(t.Context(), bk.Locator)
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]bool{}
		for _, it := range off2.Items {
			if it.SegmentID == res.NewSegmentIDs[0] {
				codes[it.Code] = true
			}
		}
		if codes["0CC"] || !codes["0CD"] || codes["0B3"] {
			t.Errorf("offer on the new flight: %v, want the second bag but neither first bag nor meal", codes)
		}
	})
}

func TestReissueKeepsAFreeSeat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "FX5LHR") // holds 6A
		alts, err := b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: segIDs(bk), From: summerNow, To: summerNow.Add(10 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		var alt domain.Alternative
		for _, a := range alts {
			m, _ := b.demo.SeatMap(t.Context(), a.Flights[0].ID)
			if s, _ := m.Seat("6A"); s.Free {
				alt = a
				break
			}
		}
		if alt.ID == "" {
			t.Fatal("no alternative with 6A free")
		}
		res, err := b.demo.Reissue(t.Context(), domain.ReissueRequest{IdempotencyKey: "k", Locator: bk.Locator, SegmentIDs: segIDs(bk), AlternativeID: alt.ID, PaymentID: "p"})
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Booking.AssignedSeat(bk.Passengers[0].ID, res.NewSegmentIDs[0]); s != "6A" {
			t.Errorf("seat on the new flight = %q, want 6A", s)
		}
		m, _ := b.demo.SeatMap(t.Context(), alt.Flights[0].ID)
		if s, _ := m.Seat("6A"); s.Free {
			t.Error("6A shows free on the new flight")
		}
	})
}

func TestReissueOfAnExpiredAlternativeIsAConflict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "FX5LHR")
		alts, err := b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: segIDs(bk), From: summerNow, To: summerNow.Add(5 * 24 * time.Hour)})
		if err != nil || len(alts) == 0 {
			t.Fatalf("%d %v", len(alts), err)
		}
		later := pss.NewDemo(db, b.sealer, func() time.Time { return alts[0].ExpiresAt })
		_, err = later.Reissue(t.Context(), domain.ReissueRequest{IdempotencyKey: "k", Locator: bk.Locator, SegmentIDs: segIDs(bk), AlternativeID: alts[0].ID, PaymentID: "p"})
		if !domain.IsCode(err, domain.Conflict) {
			t.Errorf("expired alternative: err = %v, want Conflict", err)
		}
		if s := b.booking(t, "FX5LHR").Segments; len(s) != 1 || s[0].Status != domain.SegmentConfirmed {
			t.Errorf("segments after a refused reissue: %+v", s)
		}
	})
}

// TestConcurrentReissuesMoveOnce: eight attempts at once, with one key or with
// eight keys, leave exactly one new segment; with one key all get the same answer.
func TestConcurrentReissuesMoveOnce(t *testing.T) {
	for _, sameKey := range []bool{true, false} {
		t.Run(fmt.Sprintf("same key %v", sameKey), func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *database.DB) {
				b := setup(t, db, summerNow)
				bk := b.booking(t, "VR2FAM") // four passengers, three seats
				alts, err := b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: segIDs(bk), From: summerNow, To: summerNow.Add(5 * 24 * time.Hour)})
				if err != nil || len(alts) == 0 {
					t.Fatalf("%d %v", len(alts), err)
				}
				var wg sync.WaitGroup
				results := make([]domain.Reissue, 8)
				errs := make([]error, 8)
				for i := range 8 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						key := "same"
						if !sameKey {
							key = fmt.Sprint("k", i)
						}
						results[i], errs[i] = b.demo.Reissue(t.Context(), domain.ReissueRequest{IdempotencyKey: key, Locator: bk.Locator,
							SegmentIDs: segIDs(bk), AlternativeID: alts[i%len(alts)].ID, PaymentID: "p"})
					}()
				}
				wg.Wait()
				ok := 0
				for i, err := range errs {
					switch {
					case err == nil:
						ok++
					case !domain.IsCode(err, domain.Conflict):
						t.Errorf("attempt %d: %v", i, err)
					}
				}
				if ok == 0 {
					t.Fatal("no attempt succeeded")
				}
				if !sameKey && ok != 1 {
					t.Errorf("%d reissues with different keys succeeded, want 1", ok)
				}
				final := b.booking(t, "VR2FAM")
				confirmed := 0
				for _, s := range final.Segments {
					if s.Status == domain.SegmentConfirmed {
						confirmed++
					}
				}
				if confirmed != 1 || len(final.Segments) != 2 {
					t.Errorf("%d segments, %d confirmed; want 2 and 1", len(final.Segments), confirmed)
				}
			})
		})
	}
}

func TestCancelSegmentsRefundsPerFareRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		tests := []struct {
			loc         string
			involuntary bool
			refund      domain.Money
		}{
			{"LR6XNC", true, eur(169)}, // the airline cancelled: in full
			{"OK5CDG", false, eur(0)},  // Light: nothing back
			{"FX5LHR", false, eur(219)},
			{"VR2FAM", false, eur(0)}, // Standard is not refundable
		}
		for _, tt := range tests {
			t.Run(tt.loc, func(t *testing.T) {
				bk := b.booking(t, tt.loc)
				req := domain.CancelRequest{IdempotencyKey: "cx-" + tt.loc, Locator: bk.Locator, SegmentIDs: segIDs(bk), Involuntary: tt.involuntary}
				c, err := b.demo.CancelSegments(t.Context(), req)
				if err != nil {
					t.Fatal(err)
				}
				if c.Refund != tt.refund || c.Reference == "" {
					t.Errorf("cancellation = %+v, want refund %s", c, tt.refund)
				}
				again, err := b.demo.CancelSegments(t.Context(), req)
				if err != nil || again != c {
					t.Errorf("retry = %+v, %v; want %+v", again, err, c)
				}
				if s := b.booking(t, tt.loc).Segments[0]; s.Status != domain.SegmentCancelled {
					t.Errorf("segment %s after cancellation", s.Status)
				}
				req.IdempotencyKey += "-again"
				if _, err := b.demo.CancelSegments(t.Context(), req); !domain.IsCode(err, domain.Conflict) {
					t.Errorf("cancelling twice: err = %v, want Conflict", err)
				}
			})
		}
	})
}
