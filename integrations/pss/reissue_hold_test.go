package pss_test

import (
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// A paid seat is not carried over to a new flight where another passenger's
// priced basket holds the same seat: that passenger may be paying for it, and
// paying must give it to them. The changed passenger's seat is refunded instead.
func TestReissueDoesNotCarryASeatOverOntoSomeoneElsesHold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "FX5LHR")
		seg, pax := bk.Segments[0], bk.Passengers[0].ID
		alts, err := b.demo.Alternatives(t.Context(), domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: segIDs(bk), From: summerNow, To: summerNow.Add(10 * 24 * time.Hour)})
		if err != nil || len(alts) == 0 {
			t.Fatalf("alternatives: %d %v", len(alts), err)
		}
		var (
			alt       domain.Alternative
			holderLoc string
		)
		for _, a := range alts {
			db.Gorm.Raw(`SELECT bk.locator FROM pss_segments s JOIN pss_bookings bk ON bk.id = s.booking_id
				WHERE s.flight_id = ? AND s.status = ? ORDER BY bk.locator LIMIT 1`, a.Flights[0].ID, string(domain.SegmentConfirmed)).Scan(&holderLoc)
			if alt = a; holderLoc != "" {
				break
			}
		}
		if holderLoc == "" {
			t.Fatal("no booking on the new flight to hold a seat")
		}
		holder := b.booking(t, holderLoc)
		hOffer, hItem := seatItem(t, b.demo, holder, "0B5")
		oldMap, _ := b.demo.SeatMap(t.Context(), seg.Flight.ID)
		seat := ""
		for _, s := range oldMap.Seats {
			if s.Free && s.Cabin == domain.Economy && s.Row > 7 && !s.ExitRow && slices.Contains(hItem.Seats, s.Code) {
				seat = s.Code
				break
			}
		}
		if seat == "" {
			t.Fatal("no standard seat free on both flights")
		}
		off, err := b.demo.AncillaryOffer(t.Context(), bk.Locator)
		if err != nil {
			t.Fatal(err)
		}
		bought, err := b.demo.FulfilAncillaries(t.Context(), domain.FulfilRequest{IdempotencyKey: "buy-seat", Locator: bk.Locator, OfferID: off.ID,
			PaymentID: "pay_a", Items: []domain.BasketItem{{Code: "0B5", PassengerID: pax, SegmentID: seg.ID, Quantity: 1, Seat: seat}}})
		if err != nil {
			t.Fatal(err)
		}
		held := []domain.BasketItem{{Code: "0B5", PassengerID: holder.Passengers[0].ID, SegmentID: holder.Segments[0].ID, Quantity: 1, Seat: seat}}
		for i, s := range holder.Segments {
			if s.Flight.ID == alt.Flights[0].ID {
				held[0].SegmentID = holder.Segments[i].ID
			}
		}
		if _, err := b.demo.PriceBasket(t.Context(), hOffer.ID, held); err != nil {
			t.Fatal(err)
		}
		res, err := b.demo.Reissue(t.Context(), domain.ReissueRequest{IdempotencyKey: "chg-hold", Locator: bk.Locator, SegmentIDs: segIDs(bk), AlternativeID: alt.ID})
		if err != nil {
			t.Fatal(err)
		}
		if s := res.Booking.AssignedSeat(pax, res.NewSegmentIDs[0]); s == seat {
			t.Fatalf("seat %s carried over onto another passenger's hold", seat)
		}
		if len(res.Refunded) != 1 || res.Refunded[0].Number != bought[0].Number {
			t.Errorf("refunded %+v, want the seat EMD %s", res.Refunded, bought[0].Number)
		}
		emds, err := b.demo.FulfilAncillaries(t.Context(), domain.FulfilRequest{IdempotencyKey: "hold-pays", Locator: holder.Locator, OfferID: hOffer.ID,
			PaymentID: "pay_b", Items: held})
		if err != nil || len(emds) != 1 || emds[0].Seat != seat {
			t.Fatalf("the holder paying for %s: %+v %v", seat, emds, err)
		}
	})
}
