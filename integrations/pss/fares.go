package pss

import (
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// Fares. A carrier sells brands (Light, Standard, Flex, Business …) that decide what
// a ticket allows; a flight has a base fare per cabin (the cheapest brand's price
// today); a brand's price on a flight is the base plus the brand's supplement. A
// booking segment keeps the brand and the amount it was sold at. Whatever an import
// leaves out is filled in when read: a carrier without brands gets defaultBrands, a
// flight without fares gets defaultBase from its block time, a segment without a fare
// gets the first brand of its cabin at the flight's price.

// defaultCurrency is used for carriers imported without one.
const defaultCurrency = "EUR"

// fare is what one passenger paid for one segment.
type fare struct {
	Brand  fareBrandRow
	Basis  string
	Amount domain.Money
}

// defaultBrands are the rules of a carrier imported without brands: economy changes
// for a fee and is not refundable; premium cabins change for free and refund.
func defaultBrands(carrier, cur string) []fareBrandRow {
	return []fareBrandRow{
		{Carrier: carrier, Code: "ECONOMY", Name: "Economy", Cabin: "Y", Pos: 0, Changeable: true, ChangeFeeMinor: scaleUnits(50, cur), Currency: cur},
		{Carrier: carrier, Code: "PREMIUM", Name: "Premium Economy", Cabin: "W", Pos: 1, Changeable: true, ChangeFeeMinor: scaleUnits(50, cur), Refundable: true, Currency: cur},
		{Carrier: carrier, Code: "BUSINESS", Name: "Business", Cabin: "C", Pos: 2, Changeable: true, Refundable: true, Currency: cur},
		{Carrier: carrier, Code: "FIRST", Name: "First", Cabin: "F", Pos: 3, Changeable: true, Refundable: true, Currency: cur},
	}
}

// scaleUnits turns whole currency units into minor units.
func scaleUnits(units int64, cur string) int64 {
	for range domain.Currency(cur).MinorDigits() {
		units *= 10
	}
	return units
}

// cabinFactor prices the cabins of a flight without fares against economy.
var cabinFactor = map[string]float64{"Y": 1, "W": 1.8, "C": 3.5, "F": 6}

// defaultBase prices a cabin of a flight without fares from its block time: 29 plus
// 0.90 per minute in economy (AMS-LHR about 97, AMS-JFK about 490), rounded up to a
// whole unit.
func defaultBase(f flightRow, cabin, cur string) int64 {
	mins := f.Arrival.Sub(f.Departure).Minutes()
	units := (29 + 0.9*mins) * cabinFactor[cabin]
	if units <= 0 {
		units = 29
	}
	return scaleUnits(int64(units+0.999), cur)
}

// carrierCurrency returns the currency a carrier sells in.
func carrierCurrency(tx *gorm.DB, carrier string) (string, error) {
	var rows []airlineRow
	if err := tx.Where("code = ?", carrier).Limit(1).Find(&rows).Error; err != nil {
		return "", err
	}
	if len(rows) == 0 || rows[0].Currency == "" {
		return defaultCurrency, nil
	}
	return rows[0].Currency, nil
}

// brandsOf returns a carrier's brands in their order, or the defaults.
func brandsOf(tx *gorm.DB, carrier string) ([]fareBrandRow, error) {
	var rows []fareBrandRow
	if err := tx.Where("carrier = ?", carrier).Order("pos, code").Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) > 0 {
		return rows, nil
	}
	cur, err := carrierCurrency(tx, carrier)
	if err != nil {
		return nil, err
	}
	return defaultBrands(carrier, cur), nil
}

// brandFor returns the brand with code, or the first brand of the cabin when code is
// empty or unknown.
func brandFor(brands []fareBrandRow, code, cabin string) (fareBrandRow, bool) {
	for _, b := range brands {
		if b.Code == code && code != "" {
			return b, true
		}
	}
	for _, b := range brands {
		if b.Cabin == cabin {
			return b, true
		}
	}
	return fareBrandRow{}, false
}

// basesOf returns the base fare per cabin of flights, filled in where missing for the
// given cabin.
func basesOf(tx *gorm.DB, flights []flightRow, cabin, cur string) (map[int64]domain.Money, error) {
	ids := make([]int64, len(flights))
	for i, f := range flights {
		ids[i] = f.ID
	}
	out := make(map[int64]domain.Money, len(flights))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []flightFareRow
	if err := tx.Where("flight_id IN ? AND cabin = ?", ids, cabin).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.FlightID] = domain.NewMoney(r.AmountMinor, domain.Currency(r.Currency))
	}
	for _, f := range flights {
		if _, ok := out[f.ID]; !ok {
			out[f.ID] = domain.NewMoney(defaultBase(f, cabin, cur), domain.Currency(cur))
		}
	}
	return out, nil
}

// brandPrice is what one passenger pays for a brand on a flight with base fare base.
func brandPrice(b fareBrandRow, base domain.Money) domain.Money {
	return domain.NewMoney(base.Minor+b.SupplementMinor, base.Currency)
}

// fareBasis makes up a fare basis code for a segment imported without one: booking
// class and the first letters of the brand ("MSTAND").
func fareBasis(class, brand string) string {
	b := class + brand
	if len(b) > 8 {
		b = b[:8]
	}
	return b
}

// segmentFares returns the fare of each segment of a booking, by segment id.
func segmentFares(tx *gorm.DB, segs []domain.Segment) (map[int64]fare, error) {
	out := make(map[int64]fare, len(segs))
	if len(segs) == 0 {
		return out, nil
	}
	ids := make([]int64, len(segs))
	for i, s := range segs {
		ids[i] = s.ID
	}
	var rows []segmentFareRow
	if err := tx.Where("segment_id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	stored := make(map[int64]segmentFareRow, len(rows))
	for _, r := range rows {
		stored[r.SegmentID] = r
	}
	brands := map[string][]fareBrandRow{}
	for _, s := range segs {
		carrier := string(s.Flight.Number.Carrier)
		bs, ok := brands[carrier]
		if !ok {
			var err error
			if bs, err = brandsOf(tx, carrier); err != nil {
				return nil, err
			}
			brands[carrier] = bs
		}
		r, has := stored[s.ID]
		b, ok := brandFor(bs, r.Brand, string(s.Cabin))
		if !ok {
			b = fareBrandRow{Carrier: carrier, Code: string(s.Cabin), Name: string(s.Cabin), Cabin: string(s.Cabin), Currency: defaultCurrency}
		}
		if has {
			out[s.ID] = fare{Brand: b, Basis: r.Basis, Amount: domain.NewMoney(r.AmountMinor, domain.Currency(r.Currency))}
			continue
		}
		var fr flightRow
		if err := tx.Where("id = ?", s.Flight.ID).Take(&fr).Error; err != nil {
			return nil, err
		}
		bases, err := basesOf(tx, []flightRow{fr}, string(s.Cabin), b.Currency)
		if err != nil {
			return nil, err
		}
		out[s.ID] = fare{Brand: b, Basis: fareBasis(s.BookingClass, b.Code), Amount: brandPrice(b, bases[fr.ID])}
	}
	return out, nil
}

// parseAmount reads a decimal amount ("35", "35.5", "35.50") in a currency's minor
// units.
func parseAmount(s string, cur string) (int64, error) {
	digits := domain.Currency(cur).MinorDigits()
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > digits {
		return 0, fmt.Errorf("%q is not an amount in %s (at most %d decimals)", s, cur, digits)
	}
	for len(frac) < digits {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not an amount in %s", s, cur)
	}
	return n, nil
}

// Seat types priced by the extras catalogue.
const (
	seatStandard = "standard"
	seatFront    = "front" // the first three rows of the cabin
	seatExit     = "exit"  // exit row: extra legroom, adults only
)

// seatTypeOf classifies a seat; firstRow is the first row of its cabin.
func seatTypeOf(s seatRow, firstRow int) string {
	switch {
	case s.Exit:
		return seatExit
	case s.Row < firstRow+3:
		return seatFront
	}
	return seatStandard
}

// firstRows returns the first row of each cabin of a seat map.
func firstRows(seats []seatRow) map[string]int {
	out := map[string]int{}
	for _, s := range seats {
		if r, ok := out[s.Cabin]; !ok || s.Row < r {
			out[s.Cabin] = s.Row
		}
	}
	return out
}
