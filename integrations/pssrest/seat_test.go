package pssrest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest"
)

// The client releases seat holds early, as the extras flow expects of a booking
// system that can.
var _ interface {
	ReleaseSeatHolds(ctx context.Context, offerID string, items []domain.BasketItem) error
} = (*pssrest.Client)(nil)

// TestPaidSeatOverTheContract: a seat item carries the seats it lets the passenger
// choose; the basket, the quote and the EMD carry the seat chosen, which becomes the
// passenger's; the same seat for another passenger is a Conflict "seat taken". The
// release of a seat that left the basket is accepted, again and again.
func TestPaidSeatOverTheContract(t *testing.T) {
	e := newEnv(t, pssrest.Config{})
	c, ctx := e.client, t.Context()
	bk, err := c.FindBooking(ctx, "FK3FLX")
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.AncillaryOffer(ctx, bk.Locator)
	if err != nil {
		t.Fatal(err)
	}
	seg := bk.Segments[0].ID
	var seat domain.OfferItem
	for _, it := range o.Items {
		if it.Kind == domain.AncillarySeat && it.PassengerID == bk.Passengers[0].ID {
			seat = it
		}
	}
	if len(seat.Seats) == 0 {
		t.Fatalf("no seats listed in the seat item: %+v", o.Items)
	}
	chosen := seat.Seats[0]
	item := func(pax int64, s string) []domain.BasketItem {
		return []domain.BasketItem{{Code: seat.Code, PassengerID: pax, SegmentID: seg, Quantity: 1, Seat: s}}
	}
	q, err := c.PriceBasket(ctx, o.ID, item(bk.Passengers[0].ID, chosen))
	if err != nil || len(q.Items) != 1 || q.Items[0].Seat != chosen || q.Total != domain.NewMoney(900, "EUR") {
		t.Fatalf("quote = %+v, %v; want seat %s at 9.00", q, err, chosen)
	}
	// A seat leaving the basket is released; releasing again is no error.
	for i := range 2 {
		if err := c.ReleaseSeatHolds(ctx, o.ID, item(bk.Passengers[0].ID, chosen)); err != nil {
			t.Fatalf("release %d: %v", i+1, err)
		}
	}
	if err := c.ReleaseSeatHolds(ctx, "no-such-offer", item(bk.Passengers[0].ID, chosen)); !domain.IsCode(err, domain.NotFound) {
		t.Errorf("release against an unknown offer: %v, want NotFound", err)
	}
	if _, err := c.PriceBasket(ctx, o.ID, item(bk.Passengers[0].ID, "99Z")); !domain.IsCode(err, domain.Invalid) {
		t.Errorf("a seat the item does not sell: %v, want Invalid", err)
	}
	emds, err := c.FulfilAncillaries(ctx, domain.FulfilRequest{IdempotencyKey: "seat-1", Locator: bk.Locator, OfferID: o.ID,
		Items: item(bk.Passengers[0].ID, chosen), PaymentID: "pay_seat"})
	if err != nil || len(emds) != 1 || emds[0].Seat != chosen {
		t.Fatalf("emds = %+v, %v; want one for seat %s", emds, err, chosen)
	}
	after, err := c.FindBooking(ctx, bk.Locator)
	if err != nil || after.AssignedSeat(bk.Passengers[0].ID, seg) != chosen {
		t.Fatalf("seat after paying = %q, %v; want %s", after.AssignedSeat(bk.Passengers[0].ID, seg), err, chosen)
	}
	_, err = c.PriceBasket(ctx, o.ID, item(bk.Passengers[1].ID, chosen))
	if !domain.IsCode(err, domain.Conflict) || domain.ErrorMessage(err) != domain.SeatTaken {
		t.Errorf("the sold seat for the other passenger: %v, want Conflict %q", err, domain.SeatTaken)
	}
	if len(e.check.problems) > 0 || !e.check.seen["releaseSeatHolds"] {
		t.Errorf("release exchanges: problems %v, exercised %v", e.check.problems, e.check.seen["releaseSeatHolds"])
	}
	o2, err := c.AncillaryOffer(ctx, bk.Locator)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range o2.Items {
		if it.Kind == domain.AncillarySeat && slices.Contains(it.Seats, chosen) {
			t.Errorf("sold seat %s offered again: %+v", chosen, it)
		}
	}
}
