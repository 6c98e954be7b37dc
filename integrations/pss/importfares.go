package pss

import (
	"fmt"
	"sort"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// Checking and writing the commercial part of an import file: the airline's
// currency, fare brands and extras catalogue, flights' base fares and segments'
// fares. Everything is optional; see fares.go for what fills the gaps.

// checkCommercial checks the airline's currency, brands and catalogue into the plan.
// Absent lists stay nil: the carrier's stored ones (or the defaults) stay in force.
func (c *checker) checkCommercial(a fileAirline, p *plan) {
	p.airline.Currency = defaultCurrency
	if a.Currency != "" {
		cur, err := domain.ParseCurrency(a.Currency)
		if err != nil {
			c.probs.add("airline.currency", "%q is not an ISO 4217 currency code", a.Currency)
		} else {
			p.airline.Currency = string(cur)
		}
	}
	c.currency = p.airline.Currency
	amount := func(path, s string) int64 {
		if s == "" {
			return 0
		}
		n, err := parseAmount(s, c.currency)
		if err != nil {
			c.probs.add(path, "%v", err)
		}
		return n
	}
	if a.FareBrands != nil {
		p.brands = []fareBrandRow{}
		seen := map[string]string{}
		for i, b := range a.FareBrands {
			path := at("airline", "fare_brands", i)
			if prev, dup := seen[b.Code]; dup {
				c.probs.add(at(path, "code"), "brand %s is also %s", b.Code, prev)
				continue
			}
			seen[b.Code] = path
			p.brands = append(p.brands, fareBrandRow{
				Carrier: a.IATA, Code: b.Code, Name: strings.TrimSpace(b.Name), Cabin: b.Cabin, Pos: i,
				SupplementMinor: amount(at(path, "supplement"), b.Supplement),
				Changeable:      b.Changeable, ChangeFeeMinor: amount(at(path, "change_fee"), b.ChangeFee),
				Refundable: b.Refundable, Currency: c.currency,
			})
			if !b.Changeable && b.ChangeFee != "" && amount(at(path, "change_fee"), b.ChangeFee) > 0 {
				c.probs.add(at(path, "change_fee"), "a fare that cannot be changed has no change fee")
			}
		}
		c.brands = p.brands
	}
	if a.Ancillaries != nil {
		p.ancillaries = []ancillaryRow{}
		seen := map[string]string{}
		for i, x := range a.Ancillaries {
			path := at("airline", "ancillaries", i)
			if prev, dup := seen[x.Code]; dup {
				c.probs.add(at(path, "code"), "extra %s is also %s", x.Code, prev)
				continue
			}
			seen[x.Code] = path
			if x.Kind == string(domain.AncillarySeat) && x.SeatType == "" {
				c.probs.add(at(path, "seat_type"), "a seat item needs its seat type (standard, front or exit)")
			}
			if x.Kind != string(domain.AncillarySeat) && x.SeatType != "" {
				c.probs.add(at(path, "seat_type"), "only seat items have a seat type")
			}
			n := x.Max
			if n == 0 {
				n = 1
			}
			p.ancillaries = append(p.ancillaries, ancillaryRow{
				Carrier: a.IATA, Code: x.Code, Kind: x.Kind, Name: strings.TrimSpace(x.Name), SeatType: x.SeatType,
				Cabins: strings.Join(x.Cabins, ","), PriceMinor: amount(at(path, "price"), x.Price), Currency: c.currency,
				MaxQty: n, Requires: x.Requires, Pos: i,
			})
		}
		for i, x := range a.Ancillaries {
			if _, ok := seen[x.Requires]; x.Requires != "" && !ok {
				c.probs.add(at("airline", "ancillaries", i, "requires"), "no extra %s in the catalogue", x.Requires)
			}
		}
	}
}

// expandLayout puts a named layout's cabins before the flight's own.
func (c *checker) expandLayout(path string, f *fileFlight) {
	if f.Layout == "" {
		return
	}
	cabins, ok := c.layouts[f.Layout]
	if !ok {
		c.probs.add(at(path, "layout"), "no layout %q in the file's layouts", f.Layout)
		return
	}
	f.Cabins = append(append([]fileCabin(nil), cabins...), f.Cabins...)
}

// checkFlightFares turns a flight's base fares into rows; nil when the file gives none.
func (c *checker) checkFlightFares(path string, f fileFlight, layout map[string]seatInfo) []flightFareRow {
	if f.Fares == nil {
		return nil
	}
	cabins := make([]string, 0, len(f.Fares))
	for cb := range f.Fares {
		cabins = append(cabins, cb)
	}
	sort.Strings(cabins)
	out := []flightFareRow{}
	for _, cb := range cabins {
		if !cabinIn(layout, cb) {
			c.probs.add(at(path, "fares", cb), "the flight has no cabin %s", cb)
			continue
		}
		n, err := parseAmount(f.Fares[cb], c.currency)
		if err != nil {
			c.probs.add(at(path, "fares", cb), "%v", err)
			continue
		}
		out = append(out, flightFareRow{Cabin: cb, AmountMinor: n, Currency: c.currency})
	}
	return out
}

// checkSegmentFare checks the fare a segment was sold at; without an amount it is
// the brand's price on the flight.
func (c *checker) checkSegmentFare(path string, s fileSegment, ps *planSegment) error {
	if s.Fare == nil {
		return nil
	}
	brands := c.brands
	if brands == nil {
		var err error
		if brands, err = brandsOf(c.tx, s.Carrier); err != nil {
			return fmt.Errorf("read brands: %w", err)
		}
	}
	var brand *fareBrandRow
	for i := range brands {
		if brands[i].Code == s.Fare.Brand {
			brand = &brands[i]
		}
	}
	switch {
	case brand == nil:
		c.probs.add(at(path, "fare", "brand"), "no fare brand %s", s.Fare.Brand)
		return nil
	case brand.Cabin != s.Cabin:
		c.probs.add(at(path, "fare", "brand"), "brand %s is sold in cabin %s, the segment is booked in %s", brand.Code, brand.Cabin, s.Cabin)
		return nil
	}
	row := segmentFareRow{Brand: brand.Code, Basis: s.Fare.Basis, Currency: c.currency}
	if row.Basis == "" {
		row.Basis = fareBasis(s.BookingClass, brand.Code)
	}
	if s.Fare.Amount != "" {
		n, err := parseAmount(s.Fare.Amount, c.currency)
		if err != nil {
			c.probs.add(at(path, "fare", "amount"), "%v", err)
			return nil
		}
		row.AmountMinor = n
	} else {
		base, err := c.baseOf(ps, s.Cabin)
		if err != nil {
			return err
		}
		row.AmountMinor = base + brand.SupplementMinor
	}
	ps.fare = &row
	return nil
}

// baseOf returns the base fare of a segment's flight's cabin: the file's, the
// database's, or the default.
func (c *checker) baseOf(ps *planSegment, cabin string) (int64, error) {
	if ps.flight != nil {
		for _, f := range ps.flight.fares {
			if f.Cabin == cabin {
				return f.AmountMinor, nil
			}
		}
		return defaultBase(ps.flight.row, cabin, c.currency), nil
	}
	bases, err := basesOf(c.tx, []flightRow{*ps.dbFlight}, cabin, c.currency)
	if err != nil {
		return 0, fmt.Errorf("read fares: %w", err)
	}
	return bases[ps.dbFlight.ID].Minor, nil
}

// commercial writes the airline's brands and catalogue when the file gives them.
func (w *writer) commercial(p *plan) error {
	if p.brands != nil {
		if err := w.tx.Where("carrier = ?", p.airline.Code).Delete(&fareBrandRow{}).Error; err != nil {
			return fmt.Errorf("replace fare brands: %w", err)
		}
		if len(p.brands) > 0 {
			if err := w.tx.Create(&p.brands).Error; err != nil {
				return fmt.Errorf("replace fare brands: %w", err)
			}
		}
	}
	if p.ancillaries != nil {
		if err := w.tx.Where("carrier = ?", p.airline.Code).Delete(&ancillaryRow{}).Error; err != nil {
			return fmt.Errorf("replace extras: %w", err)
		}
		if len(p.ancillaries) > 0 {
			if err := w.tx.Create(&p.ancillaries).Error; err != nil {
				return fmt.Errorf("replace extras: %w", err)
			}
		}
	}
	return nil
}

// flightFares replaces a flight's base fares when the file gives them.
func (w *writer) flightFares(f *planFlight) error {
	if f.fares == nil {
		return nil
	}
	if err := w.tx.Where("flight_id = ?", f.row.ID).Delete(&flightFareRow{}).Error; err != nil {
		return fmt.Errorf("replace fares: %w", err)
	}
	for _, r := range f.fares {
		r.FlightID = f.row.ID
		if err := w.tx.Create(&r).Error; err != nil {
			return fmt.Errorf("replace fares: %w", err)
		}
	}
	return nil
}

// segmentFare records the fare of a segment when the file gives it.
func (w *writer) segmentFare(s planSegment, segmentID int64) error {
	if s.fare == nil {
		return nil
	}
	r := *s.fare
	r.SegmentID = segmentID
	if err := w.tx.Where("segment_id = ?", segmentID).Delete(&segmentFareRow{}).Error; err != nil {
		return fmt.Errorf("record fare: %w", err)
	}
	if err := w.tx.Create(&r).Error; err != nil {
		return fmt.Errorf("record fare: %w", err)
	}
	return nil
}
