package pss_test

import (
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

// seatItem is the offer's seat item of a type for a booking's first passenger and
// segment.
func seatItem(t *testing.T, d *pss.Demo, bk domain.Booking, code string) (domain.AncillaryOffer, domain.OfferItem) {
	t.Helper()
	o, err := d.AncillaryOffer(t.Context(), bk.Locator)
	if err != nil {
		t.Fatal(err)
	}
	return o, offered(o, bk.Passengers[0].ID, bk.Segments[0].ID)[code]
}

// TestSeatOfferListsSeatsAndHoldsTheChosenOne: a seat item lists the free seats of
// its type; a priced basket holds its seat until the offer expires, for nobody else
// to choose or be shown as free; a later basket moves the hold; paying takes the seat.
func TestSeatOfferListsSeatsAndHoldsTheChosenOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		jn, mu := b.booking(t, "JN7KQP"), b.booking(t, "MU3ACC") // both on SB1501
		o, std := seatItem(t, b.demo, jn, "0B5")
		_, exit := seatItem(t, b.demo, jn, "0B7")
		if !slices.Contains(std.SeatChoices(), "20A") || slices.Contains(std.SeatChoices(), "4A") || slices.Contains(std.SeatChoices(), "10A") {
			t.Errorf("standard seats %v: want 20A, not the taken 4A nor the exit 10A", std.SeatChoices())
		}
		if !slices.Contains(exit.SeatChoices(), "10D") || exit.Price != eur(29) {
			t.Errorf("exit row item %+v, want 10D at 29.00", exit)
		}
		pax, seg := jn.Passengers[0].ID, jn.Segments[0].ID
		basket := func(seat string) []domain.BasketItem {
			return []domain.BasketItem{{Code: "0B5", PassengerID: pax, SegmentID: seg, Quantity: 1, Seat: seat}}
		}
		if _, err := b.demo.PriceBasket(t.Context(), o.ID, basket("20A")); err != nil {
			t.Fatal(err)
		}
		// Held for JN7KQP: not offered to MU3ACC, not free on the map, refused to it.
		muOffer, muStd := seatItem(t, b.demo, mu, "0B5")
		if slices.Contains(muStd.SeatChoices(), "20A") {
			t.Error("a held seat offered to another booking")
		}
		m, _ := b.demo.SeatMap(t.Context(), jn.Segments[0].Flight.ID)
		if s, _ := m.Seat("20A"); s.Free {
			t.Error("a held seat free on the seat map")
		}
		muItem := []domain.BasketItem{{Code: "0B5", PassengerID: mu.Passengers[0].ID, SegmentID: mu.Segments[0].ID, Quantity: 1, Seat: "20A"}}
		_, err := b.demo.PriceBasket(t.Context(), muOffer.ID, muItem)
		if !domain.IsCode(err, domain.Conflict) || domain.ErrorMessage(err) != domain.SeatTaken {
			t.Errorf("another booking choosing a held seat: err = %v, want Conflict %q", err, domain.SeatTaken)
		}
		// The holder still sees it in a fresh offer, and may price it again.
		if _, again := seatItem(t, b.demo, jn, "0B5"); !slices.Contains(again.SeatChoices(), "20A") {
			t.Error("the holder's own held seat not offered to them")
		}
		if _, err := b.demo.PriceBasket(t.Context(), o.ID, basket("20A")); err != nil {
			t.Errorf("pricing the held seat again: %v", err)
		}
		// Changing the choice moves the hold: 20A is free for others again.
		if _, err := b.demo.PriceBasket(t.Context(), o.ID, basket("21C")); err != nil {
			t.Fatal(err)
		}
		if _, err := b.demo.PriceBasket(t.Context(), muOffer.ID, muItem); err != nil {
			t.Errorf("20A after its holder chose 21C: %v", err)
		}
		// Paying takes the held seat and ends the hold.
		emds, err := b.demo.FulfilAncillaries(t.Context(), domain.FulfilRequest{IdempotencyKey: "seat-1", Locator: jn.Locator, OfferID: o.ID,
			PaymentID: "pay_1", Items: basket("21C")})
		if err != nil || len(emds) != 1 || emds[0].Seat != "21C" || emds[0].Amount != eur(9) {
			t.Fatalf("fulfil = %+v, %v", emds, err)
		}
		if s := b.booking(t, "JN7KQP").AssignedSeat(pax, seg); s != "21C" {
			t.Errorf("seat after paying for 21C: %q", s)
		}
		var holds int64
		db.Gorm.Table("pss_seat_holds").Where("passenger_id = ?", pax).Count(&holds)
		if holds != 0 {
			t.Errorf("%d holds left after paying", holds)
		}
	})
}

// TestNoSeatForSaleOnceCheckedIn: a passenger checked in keeps buying bags but no
// seat (the boarding pass is issued; seats change at check-in).
func TestNoSeatForSaleOnceCheckedIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "BK3DNE") // checked in on SB1501
		o, err := b.demo.AncillaryOffer(t.Context(), bk.Locator)
		if err != nil {
			t.Fatal(err)
		}
		items := offered(o, bk.Passengers[0].ID, bk.Segments[0].ID)
		if _, ok := items["0CC"]; !ok {
			t.Errorf("no bag for a checked-in passenger: %v", items)
		}
		for code, it := range items {
			if it.Kind == domain.AncillarySeat {
				t.Errorf("seat %s offered to a checked-in passenger", code)
			}
		}
	})
}

// TestUnpaidSeatHoldLapsesWithTheOffer: a basket that is never paid keeps its seat
// only until the offer expires; then others may choose it, and paying the expired
// offer is refused.
func TestUnpaidSeatHoldLapsesWithTheOffer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		jn, mu := b.booking(t, "JN7KQP"), b.booking(t, "MU3ACC")
		o, _ := seatItem(t, b.demo, jn, "0B6")
		item := []domain.BasketItem{{Code: "0B6", PassengerID: jn.Passengers[0].ID, SegmentID: jn.Segments[0].ID, Quantity: 1, Seat: "6C"}}
		if _, err := b.demo.PriceBasket(t.Context(), o.ID, item); err != nil {
			t.Fatal(err)
		}
		later := pss.NewDemo(db, b.sealer, func() time.Time { return o.ExpiresAt })
		_, front := seatItem(t, later, mu, "0B6")
		if !slices.Contains(front.SeatChoices(), "6C") {
			t.Errorf("front seats after the hold lapsed %v, want 6C again", front.SeatChoices())
		}
		m, _ := later.SeatMap(t.Context(), jn.Segments[0].Flight.ID)
		if s, _ := m.Seat("6C"); !s.Free {
			t.Error("6C not free on the seat map after its hold lapsed")
		}
		_, err := later.FulfilAncillaries(t.Context(), domain.FulfilRequest{IdempotencyKey: "late", Locator: jn.Locator, OfferID: o.ID, PaymentID: "p", Items: item})
		if !domain.IsCode(err, domain.Conflict) {
			t.Errorf("paying an expired basket: err = %v, want Conflict", err)
		}
	})
}

// TestSeatHoldReleasedEarly: a basket that gives its seat back releases the hold at
// once, for another booking to buy; releasing again is no error; another booking's
// offer cannot release it; a paid seat stays the passenger's.
func TestSeatHoldReleasedEarly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		jn, mu := b.booking(t, "JN7KQP"), b.booking(t, "MU3ACC")
		o, _ := seatItem(t, b.demo, jn, "0B5")
		muOffer, _ := seatItem(t, b.demo, mu, "0B5")
		jnItem := []domain.BasketItem{{Code: "0B5", PassengerID: jn.Passengers[0].ID, SegmentID: jn.Segments[0].ID, Quantity: 1, Seat: "20A"}}
		muItem := []domain.BasketItem{{Code: "0B5", PassengerID: mu.Passengers[0].ID, SegmentID: mu.Segments[0].ID, Quantity: 1, Seat: "20A"}}
		if _, err := b.demo.PriceBasket(t.Context(), o.ID, jnItem); err != nil {
			t.Fatal(err)
		}
		// MU3ACC's offer names JN7KQP's passenger: not its booking, nothing released.
		if err := b.demo.ReleaseSeatHolds(t.Context(), muOffer.ID, jnItem); err != nil {
			t.Fatal(err)
		}
		if _, err := b.demo.PriceBasket(t.Context(), muOffer.ID, muItem); domain.ErrorMessage(err) != domain.SeatTaken {
			t.Fatalf("a seat released through another booking's offer: err = %v, want %q", err, domain.SeatTaken)
		}
		for i := range 2 { // the second release finds nothing to release
			if err := b.demo.ReleaseSeatHolds(t.Context(), o.ID, jnItem); err != nil {
				t.Fatalf("release %d: %v", i+1, err)
			}
		}
		_, muStd := seatItem(t, b.demo, mu, "0B5")
		if !slices.Contains(muStd.SeatChoices(), "20A") {
			t.Errorf("seats offered after the release %v, want 20A again", muStd.SeatChoices())
		}
		if _, err := b.demo.PriceBasket(t.Context(), muOffer.ID, muItem); err != nil {
			t.Fatalf("another booking buying the released seat: %v", err)
		}
		_, err := b.demo.FulfilAncillaries(t.Context(), domain.FulfilRequest{IdempotencyKey: "rel", Locator: mu.Locator, OfferID: muOffer.ID, PaymentID: "p", Items: muItem})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.demo.ReleaseSeatHolds(t.Context(), muOffer.ID, muItem); err != nil {
			t.Fatalf("release after paying: %v", err)
		}
		after, err := b.demo.FindBooking(t.Context(), mu.Locator)
		if err != nil || after.AssignedSeat(mu.Passengers[0].ID, mu.Segments[0].ID) != "20A" {
			t.Errorf("paid seat after a release: %q, %v; want 20A", after.AssignedSeat(mu.Passengers[0].ID, mu.Segments[0].ID), err)
		}
		if err := b.demo.ReleaseSeatHolds(t.Context(), "no-such-offer", jnItem); !domain.IsCode(err, domain.NotFound) {
			t.Errorf("release with an unknown offer: %v, want NotFound", err)
		}
	})
}

// TestSeatHoldReleasedOnlyByItsOffer: the same passenger's seat priced in two
// baskets of the booking (two conversations) is held for the later one; the
// earlier basket letting go of the seat leaves the hold, and the seat is still
// not for sale to another booking, until the later basket lets go too.
func TestSeatHoldReleasedOnlyByItsOffer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		jn, mu := b.booking(t, "JN7KQP"), b.booking(t, "MU3ACC")
		first, _ := seatItem(t, b.demo, jn, "0B5")
		second, _ := seatItem(t, b.demo, jn, "0B5")
		muOffer, _ := seatItem(t, b.demo, mu, "0B5")
		if first.ID == second.ID {
			t.Fatalf("two offers with one id %s", first.ID)
		}
		jnItem := []domain.BasketItem{{Code: "0B5", PassengerID: jn.Passengers[0].ID, SegmentID: jn.Segments[0].ID, Quantity: 1, Seat: "20A"}}
		muItem := []domain.BasketItem{{Code: "0B5", PassengerID: mu.Passengers[0].ID, SegmentID: mu.Segments[0].ID, Quantity: 1, Seat: "20A"}}
		for _, o := range []domain.AncillaryOffer{first, second} {
			if _, err := b.demo.PriceBasket(t.Context(), o.ID, jnItem); err != nil {
				t.Fatalf("pricing 20A against %s: %v", o.ID, err)
			}
		}
		var holder string
		db.Gorm.Raw(`SELECT offer_id FROM pss_seat_holds WHERE passenger_id = ? AND code = ?`, jn.Passengers[0].ID, "20A").Scan(&holder)
		if holder != second.ID {
			t.Fatalf("20A held by offer %q, want the later %s", holder, second.ID)
		}
		if err := b.demo.ReleaseSeatHolds(t.Context(), first.ID, jnItem); err != nil {
			t.Fatal(err)
		}
		_, muStd := seatItem(t, b.demo, mu, "0B5")
		if slices.Contains(muStd.SeatChoices(), "20A") {
			t.Error("20A offered to another booking after the earlier basket let go of it")
		}
		if _, err := b.demo.PriceBasket(t.Context(), muOffer.ID, muItem); domain.ErrorMessage(err) != domain.SeatTaken {
			t.Fatalf("another booking pricing 20A after the earlier basket let go: err = %v, want %q", err, domain.SeatTaken)
		}
		if err := b.demo.ReleaseSeatHolds(t.Context(), second.ID, jnItem); err != nil {
			t.Fatal(err)
		}
		if _, err := b.demo.PriceBasket(t.Context(), muOffer.ID, muItem); err != nil {
			t.Errorf("another booking pricing 20A after both baskets let go: %v", err)
		}
	})
}
