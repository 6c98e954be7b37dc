package pss_test

import (
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

// offered returns the codes offered to a passenger on a segment.
func offered(o domain.AncillaryOffer, pax, seg int64) map[string]domain.OfferItem {
	out := map[string]domain.OfferItem{}
	for _, it := range o.Items {
		if it.PassengerID == pax && it.SegmentID == seg {
			out[it.Code] = it
		}
	}
	return out
}

func TestAncillaryOfferFollowsCatalogueAndPassenger(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		fam := b.booking(t, "VR2FAM")
		o, err := b.demo.AncillaryOffer(t.Context(), fam.Locator)
		if err != nil {
			t.Fatal(err)
		}
		if o.ID == "" || !o.ExpiresAt.Equal(summerNow.Add(time.Hour).Truncate(time.Second)) {
			t.Errorf("offer id %q expires %s, want an id and an hour from now", o.ID, o.ExpiresAt)
		}
		seg := fam.Segments[0].ID
		adult := offered(o, fam.Passengers[0].ID, seg)
		child := offered(o, fam.Passengers[2].ID, seg)
		infant := offered(o, fam.Passengers[3].ID, seg)
		for _, code := range []string{"0CC", "0CD", "0B5", "0B6", "0B7", "0B3", "0BX", "0BY"} {
			if _, ok := adult[code]; !ok {
				t.Errorf("adult not offered %s", code)
			}
		}
		if it := adult["0CC"]; it.Price != eur(35) || it.Kind != domain.AncillaryBag || it.Max != 1 {
			t.Errorf("first bag = %+v", it)
		}
		if it := adult["0B3"]; it.Price != domain.NewMoney(1250, "EUR") {
			t.Errorf("meal = %s, want EUR 12.50", it.Price)
		}
		if _, ok := child["0B7"]; ok {
			t.Error("exit row offered to a child")
		}
		if _, ok := infant["0B5"]; ok || len(infant) == 0 {
			t.Errorf("infant offered %v: bags and meals but no seat", infant)
		}
		for i := 1; i < len(o.Items); i++ {
			if kind := func(k domain.AncillaryKind) int {
				for j, x := range domain.AncillaryKinds {
					if x == k {
						return j
					}
				}
				return -1
			}; kind(o.Items[i].Kind) < kind(o.Items[i-1].Kind) {
				t.Fatalf("items not in the order of domain.AncillaryKinds: %s after %s", o.Items[i].Kind, o.Items[i-1].Kind)
			}
		}
		// Business class buys bags but no seat; check-in closed: nothing on sale.
		tk := b.booking(t, "TK7JFK")
		o, _ = b.demo.AncillaryOffer(t.Context(), tk.Locator)
		biz := offered(o, tk.Passengers[0].ID, tk.Segments[0].ID)
		if _, ok := biz["0B5"]; ok || len(biz) != 1 {
			t.Errorf("business offered %v, want the second bag only", biz)
		}
		if o, _ = b.demo.AncillaryOffer(t.Context(), "DM4FRA"); len(o.Items) != 0 {
			t.Errorf("%d items on sale after check-in closed", len(o.Items))
		}
	})
}

func TestPriceBasketChecksEveryItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "JN7KQP")
		o, err := b.demo.AncillaryOffer(t.Context(), bk.Locator)
		if err != nil {
			t.Fatal(err)
		}
		pax, seg := bk.Passengers[0].ID, bk.Segments[0].ID
		item := func(code, seat string) domain.BasketItem {
			return domain.BasketItem{Code: code, PassengerID: pax, SegmentID: seg, Quantity: 1, Seat: seat}
		}
		q, err := b.demo.PriceBasket(t.Context(), o.ID, []domain.BasketItem{item("0CC", ""), item("0CD", ""), item("0B5", "c20")})
		if err != nil {
			t.Fatal(err)
		}
		if q.Total != eur(94) || len(q.Items) != 3 || q.Items[2].Seat != "20C" || q.Items[2].Unit != eur(9) || !q.ExpiresAt.Equal(o.ExpiresAt) {
			t.Errorf("quote = %+v, want 35 + 50 + 9 = 94.00 with seat 20C", q)
		}
		tests := []struct {
			name  string
			items []domain.BasketItem
			code  domain.Code
		}{
			{"empty basket", nil, domain.Invalid},
			{"second bag without the first", []domain.BasketItem{item("0CD", "")}, domain.Invalid},
			{"two first bags", []domain.BasketItem{item("0CC", ""), item("0CC", "")}, domain.Invalid},
			{"not in the offer", []domain.BasketItem{item("XXX", "")}, domain.Invalid},
			{"another passenger", []domain.BasketItem{{Code: "0CC", PassengerID: pax + 1000, SegmentID: seg, Quantity: 1}}, domain.Invalid},
			{"seat without the seat", []domain.BasketItem{item("0B5", "")}, domain.Invalid},
			{"exit seat sold as standard", []domain.BasketItem{item("0B5", "10A")}, domain.Invalid},
			{"front seat sold as standard", []domain.BasketItem{item("0B5", "5A")}, domain.Invalid},
			{"business seat", []domain.BasketItem{item("0B6", "2A")}, domain.Invalid},
			{"taken seat", []domain.BasketItem{item("0B6", "4A")}, domain.Conflict},
			{"no such seat", []domain.BasketItem{item("0B5", "40A")}, domain.Invalid},
			{"zero quantity", []domain.BasketItem{{Code: "0CC", PassengerID: pax, SegmentID: seg}}, domain.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := b.demo.PriceBasket(t.Context(), o.ID, tt.items); !domain.IsCode(err, tt.code) {
					t.Errorf("err = %v, want %s", err, tt.code)
				}
			})
		}
		later := pss.NewDemo(db, b.sealer, func() time.Time { return o.ExpiresAt })
		if _, err := later.PriceBasket(t.Context(), o.ID, []domain.BasketItem{item("0CC", "")}); !domain.IsCode(err, domain.Conflict) {
			t.Errorf("expired offer: err = %v, want Conflict", err)
		}
		if _, err := b.demo.PriceBasket(t.Context(), "OFNOPE", []domain.BasketItem{item("0CC", "")}); !domain.IsCode(err, domain.NotFound) {
			t.Errorf("unknown offer: err = %v, want NotFound", err)
		}
	})
}

func TestFulfilIssuesOneEMDPerItemOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		bk := b.booking(t, "JN7KQP")
		o, err := b.demo.AncillaryOffer(t.Context(), bk.Locator)
		if err != nil {
			t.Fatal(err)
		}
		pax, seg := bk.Passengers[0].ID, bk.Segments[0].ID
		req := domain.FulfilRequest{IdempotencyKey: "order-1", Locator: bk.Locator, OfferID: o.ID, PaymentID: "pay_1", Items: []domain.BasketItem{
			{Code: "0CC", PassengerID: pax, SegmentID: seg, Quantity: 1},
			{Code: "0B7", PassengerID: pax, SegmentID: seg, Quantity: 1, Seat: "10D"},
		}}
		emds, err := b.demo.FulfilAncillaries(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if len(emds) != 2 || emds[0].Number == emds[1].Number || emds[1].Seat != "10D" || emds[1].Amount != eur(29) {
			t.Fatalf("emds = %+v", emds)
		}
		for _, e := range emds {
			if len(e.Number) != 13 || e.Number[:3] != "999" {
				t.Errorf("EMD number %q, want 13 digits with the airline's prefix", e.Number)
			}
		}
		if s := b.booking(t, "JN7KQP").AssignedSeat(pax, seg); s != "10D" {
			t.Errorf("seat after buying 10D: %q", s)
		}
		m, _ := b.demo.SeatMap(t.Context(), bk.Segments[0].Flight.ID)
		if s, _ := m.Seat("10D"); s.Free {
			t.Error("10D still free on the seat map")
		}
		// A retry — also after the offer expired — returns the same documents.
		later := pss.NewDemo(db, b.sealer, func() time.Time { return o.ExpiresAt.Add(time.Hour) })
		again, err := later.FulfilAncillaries(t.Context(), req)
		if err != nil || len(again) != 2 || again[0] != emds[0] || again[1] != emds[1] {
			t.Errorf("retry = %+v, %v; want %+v", again, err, emds)
		}
		var n int64
		db.Gorm.Table("pss_emds").Count(&n)
		if n != 2 {
			t.Errorf("%d EMDs stored, want 2", n)
		}
		// What was bought is not sold again; another key on an expired offer is refused.
		req.IdempotencyKey = "order-2"
		if _, err := later.FulfilAncillaries(t.Context(), req); !domain.IsCode(err, domain.Conflict) {
			t.Errorf("expired offer: err = %v, want Conflict", err)
		}
		if _, err := b.demo.FulfilAncillaries(t.Context(), req); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("buying the first bag twice: err = %v, want Invalid", err)
		}
		o2, _ := b.demo.AncillaryOffer(t.Context(), bk.Locator)
		codes := offered(o2, pax, seg)
		if _, ok := codes["0CC"]; ok {
			t.Error("first bag offered again")
		}
		if _, ok := codes["0B5"]; ok {
			t.Error("a seat offered to a passenger who paid for one")
		}
		if _, ok := codes["0CD"]; !ok {
			t.Error("second bag not offered after the first")
		}
	})
}

// TestTwoBuyersOneSeat: two bookings pay for the same seat at once; one gets it,
// the other a Conflict and no document.
func TestTwoBuyersOneSeat(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		var reqs []domain.FulfilRequest
		for _, loc := range []string{"JN7KQP", "MU3ACC"} { // both on SB1501
			bk := b.booking(t, loc)
			o, err := b.demo.AncillaryOffer(t.Context(), bk.Locator)
			if err != nil {
				t.Fatal(err)
			}
			reqs = append(reqs, domain.FulfilRequest{IdempotencyKey: "buy-" + loc, Locator: bk.Locator, OfferID: o.ID, Items: []domain.BasketItem{
				{Code: "0B5", PassengerID: bk.Passengers[0].ID, SegmentID: bk.Segments[0].ID, Quantity: 1, Seat: "20A"}}})
		}
		var wg sync.WaitGroup
		errs := make([]error, len(reqs))
		for i := range reqs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = b.demo.FulfilAncillaries(t.Context(), reqs[i])
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case domain.IsCode(err, domain.Conflict):
				conflict++
			default:
				t.Error(err)
			}
		}
		var n int64
		db.Gorm.Table("pss_emds").Count(&n)
		if ok != 1 || conflict != 1 || n != 1 {
			t.Errorf("%d sold, %d refused, %d EMDs; want 1, 1, 1", ok, conflict, n)
		}
	})
}
