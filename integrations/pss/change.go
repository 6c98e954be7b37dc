package pss

import (
	"context"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

const (
	opChangeRules  = "change rules"
	opAlternatives = "alternatives"
)

// Messages of change errors.
const (
	msgNoSegments      = "no segment given"
	msgNotChangeable   = "fare does not allow changes"
	msgSegmentInactive = "segment is not confirmed"
	msgBadWindow       = "the search window is empty"
)

// maxAlternatives is how many options a search returns.
const maxAlternatives = 10

// defaultAlternativeTTL is how long a priced alternative can be reissued.
const defaultAlternativeTTL = 30 * time.Minute

// pickSegments returns the booking's segments with the given ids, by departure.
func pickSegments(b domain.Booking, ids []int64, op string) ([]domain.Segment, error) {
	if len(ids) == 0 {
		return nil, domain.Errorf(domain.Invalid, op, msgNoSegments)
	}
	seen := map[int64]bool{}
	var out []domain.Segment
	for _, id := range ids {
		s, ok := b.Segment(id)
		if !ok {
			return nil, domain.Errorf(domain.NotFound, op, msgSegmentUnknown)
		}
		if seen[id] {
			return nil, domain.Errorf(domain.Invalid, op, "segment %d given twice", id)
		}
		seen[id] = true
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Flight.Departure.Before(out[j].Flight.Departure) })
	return out, nil
}

// payingPassengers counts those who hold a seat and pay the fare (adults and
// children; an infant on a lap pays neither fare difference nor fee here).
func payingPassengers(b domain.Booking) int {
	n := 0
	for _, p := range b.Passengers {
		if p.Type != domain.Infant {
			n++
		}
	}
	return n
}

// ChangeRules returns what the fares of the segments allow: changeable only when
// every fare is and no segment is flown; the fee is the highest of the segments'
// fees, per passenger; refundable only when every fare is.
func (d *Demo) ChangeRules(ctx context.Context, loc domain.RecordLocator, segmentIDs []int64) (domain.ChangeRules, error) {
	l, err := domain.ParseRecordLocator(string(loc))
	if err != nil {
		return domain.ChangeRules{}, err
	}
	tx := d.db.Gorm.WithContext(ctx)
	b, _, err := d.loadBooking(tx, l)
	if err != nil {
		return domain.ChangeRules{}, domainError(opChangeRules+" "+string(l), err)
	}
	segs, err := pickSegments(b, segmentIDs, opChangeRules)
	if err != nil {
		return domain.ChangeRules{}, err
	}
	fares, err := segmentFares(tx, segs)
	if err != nil {
		return domain.ChangeRules{}, fmt.Errorf("%s %s: %w", opChangeRules, l, err)
	}
	return rulesOf(segs, fares), nil
}

func rulesOf(segs []domain.Segment, fares map[int64]fare) domain.ChangeRules {
	r := domain.ChangeRules{Changeable: true, Refundable: true}
	for _, s := range segs {
		f := fares[s.ID]
		if r.Fee.Currency == "" || f.Brand.ChangeFeeMinor > r.Fee.Minor {
			r.Fee = domain.NewMoney(f.Brand.ChangeFeeMinor, f.Amount.Currency)
		}
		r.Refundable = r.Refundable && f.Brand.Refundable
		switch {
		case s.Status == domain.SegmentFlown || s.Flight.Status == domain.FlightDeparted || s.Flight.Status == domain.FlightArrived:
			r.Changeable, r.Reason = false, fmt.Sprintf("%s already flown", s.Flight.Number)
		case !f.Brand.Changeable && r.Changeable:
			r.Changeable, r.Reason = false, fmt.Sprintf("fare %s (%s) does not allow changes", f.Brand.Name, f.Basis)
		}
	}
	if !r.Changeable {
		r.Fee = domain.NewMoney(0, r.Fee.Currency)
	}
	return r
}

// storedAlternative is a priced option kept until it expires.
type storedAlternative struct {
	Locator     string  `json:"locator"`
	SegmentIDs  []int64 `json:"segments"`
	FlightIDs   []int64 `json:"flights"`
	Cabin       string  `json:"cabin"`
	Class       string  `json:"class"`
	Brand       string  `json:"brand"`
	Fares       []int64 `json:"fares"` // per passenger, per new flight
	Currency    string  `json:"currency"`
	Involuntary bool    `json:"involuntary"`
	Difference  int64   `json:"difference"`
	Fee         int64   `json:"fee"`
	ToPay       int64   `json:"to_pay"`
	Residual    int64   `json:"residual"`
}

// Alternatives searches direct flights of the same city pair as the segments
// (origin of the first, destination of the last), in the same cabin, departing in
// [From, To) and no sooner than online check-in closes, with a seat for every
// passenger who takes one. Voluntary changes need a changeable fare and are priced
// as fare difference plus change fee per passenger at the passenger's brand;
// involuntary ones (the segment's flight cancelled or badly delayed) cost nothing.
// The cheapest come first, then the earliest; at most 10, each stored for a reissue
// within AlternativeTTL.
func (d *Demo) Alternatives(ctx context.Context, q domain.AlternativesQuery) ([]domain.Alternative, error) {
	l, err := domain.ParseRecordLocator(string(q.Locator))
	if err != nil {
		return nil, err
	}
	if !q.From.Before(q.To) {
		return nil, domain.Errorf(domain.Invalid, opAlternatives, msgBadWindow)
	}
	now := d.now()
	var out []domain.Alternative
	err = d.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		b, bookingID, err := d.loadBooking(tx, l)
		if err != nil {
			return err
		}
		segs, err := pickSegments(b, q.SegmentIDs, opAlternatives)
		if err != nil {
			return err
		}
		fares, err := segmentFares(tx, segs)
		if err != nil {
			return err
		}
		if err := changeAllowed(segs, fares, q.Involuntary, opAlternatives); err != nil {
			return err
		}
		first, last := segs[0], segs[len(segs)-1]
		cabin := string(first.Cabin)
		policy, err := policyOf(tx, string(first.Flight.Number.Carrier))
		if err != nil {
			return err
		}
		from := q.From
		if soonest := now.Add(policy.Closes); from.Before(soonest) {
			from = soonest
		}
		old := make([]int64, len(segs))
		for i, s := range segs {
			old[i] = s.Flight.ID
		}
		var flights []flightRow
		err = tx.Where("origin = ? AND destination = ? AND status = ? AND departure >= ? AND departure < ? AND id NOT IN ?",
			string(first.Flight.Origin.Code), string(last.Flight.Destination.Code), string(domain.FlightScheduled),
			from.UTC(), q.To.UTC(), old).Order("departure, id").Find(&flights).Error
		if err != nil {
			return fmt.Errorf("search flights: %w", err)
		}
		seatPax := payingPassengers(b)
		left, err := seatsLeft(tx, flightIDs(flights), cabin)
		if err != nil {
			return err
		}
		brand := fares[first.ID].Brand
		cur := fares[first.ID].Amount.Currency
		bases, err := basesOf(tx, flights, cabin, string(cur))
		if err != nil {
			return err
		}
		var oldFare int64
		for _, s := range segs {
			oldFare += fares[s.ID].Amount.Minor
		}
		rules := rulesOf(segs, fares)
		var alts []storedAlternative
		var rows []flightRow
		for _, f := range flights {
			if left[f.ID] < seatPax {
				continue
			}
			price := brandPrice(brand, bases[f.ID])
			a := storedAlternative{
				Locator: string(l), SegmentIDs: segIDs(segs), FlightIDs: []int64{f.ID}, Cabin: cabin,
				Class: first.BookingClass, Brand: brand.Code, Fares: []int64{price.Minor}, Currency: string(cur),
				Involuntary: q.Involuntary,
			}
			if !q.Involuntary {
				a.Difference = (price.Minor - oldFare) * int64(seatPax)
				a.Fee = rules.Fee.Minor * int64(seatPax)
				if net := a.Difference + a.Fee; net >= 0 {
					a.ToPay = net
				} else {
					a.Residual = -net
				}
			}
			alts = append(alts, a)
			rows = append(rows, f)
		}
		idx := make([]int, len(alts))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(i, j int) bool {
			a, b := alts[idx[i]], alts[idx[j]]
			return a.Difference+a.Fee < b.Difference+b.Fee
		})
		if len(idx) > maxAlternatives {
			idx = idx[:maxAlternatives]
		}
		expires := now.Add(d.alternativeTTL()).UTC().Truncate(time.Second)
		for _, i := range idx {
			a := alts[i]
			id := newOfferID("AL")
			if err := saveOffer(tx, id, offerChange, bookingID, a, now, expires); err != nil {
				return err
			}
			m := func(v int64) domain.Money { return domain.NewMoney(v, cur) }
			out = append(out, domain.Alternative{
				ID: id, Flights: []domain.Flight{toFlight(rows[i])}, Cabin: domain.Cabin(cabin),
				FareDifference: m(a.Difference), ChangeFee: m(a.Fee), ToPay: m(a.ToPay), Residual: m(a.Residual),
				SeatsLeft: left[rows[i].ID], ExpiresAt: expires,
			})
		}
		return nil
	})
	if err != nil {
		return nil, domainError(opAlternatives+" "+string(l), err)
	}
	return out, nil
}

func (d *Demo) alternativeTTL() time.Duration {
	if d.AlternativeTTL > 0 {
		return d.AlternativeTTL
	}
	return defaultAlternativeTTL
}

// changeAllowed checks that segments may be changed: voluntarily only confirmed
// segments on a changeable fare; involuntarily also those whose flight the airline
// cancelled (UN).
func changeAllowed(segs []domain.Segment, fares map[int64]fare, involuntary bool, op string) error {
	for _, s := range segs {
		switch {
		case s.Status == domain.SegmentConfirmed:
		case involuntary && s.Status == domain.SegmentUnable:
		default:
			return domain.Errorf(domain.Conflict, op, "%s: %s (%s)", msgSegmentInactive, s.Flight.Number, s.Status)
		}
	}
	if involuntary {
		return nil
	}
	if r := rulesOf(segs, fares); !r.Changeable {
		return domain.Errorf(domain.Forbidden, op, "%s: %s", msgNotChangeable, r.Reason)
	}
	return nil
}

// seatsLeft returns, per flight, the seats of a cabin not yet sold: seats that are
// not blocked less the seat-taking passengers of confirmed segments in the cabin
// (whether or not they chose a seat yet).
func seatsLeft(tx *gorm.DB, flights []int64, cabin string) (map[int64]int, error) {
	out := make(map[int64]int, len(flights))
	if len(flights) == 0 {
		return out, nil
	}
	type count struct {
		FlightID int64
		N        int
	}
	var caps, sold []count
	err := tx.Raw(`SELECT flight_id, COUNT(*) AS n FROM pss_seats WHERE flight_id IN ? AND cabin = ? AND NOT blocked GROUP BY flight_id`,
		flights, cabin).Scan(&caps).Error
	if err != nil {
		return nil, fmt.Errorf("count seats: %w", err)
	}
	err = tx.Raw(`SELECT s.flight_id, COUNT(*) AS n FROM pss_segments s JOIN pss_passengers p ON p.booking_id = s.booking_id
		WHERE s.flight_id IN ? AND s.cabin = ? AND s.status = ? AND p.pax_type <> ? GROUP BY s.flight_id`,
		flights, cabin, string(domain.SegmentConfirmed), string(domain.Infant)).Scan(&sold).Error
	if err != nil {
		return nil, fmt.Errorf("count passengers: %w", err)
	}
	for _, c := range caps {
		out[c.FlightID] += c.N
	}
	for _, c := range sold {
		out[c.FlightID] -= c.N
	}
	return out, nil
}

func flightIDs(rows []flightRow) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

func segIDs(segs []domain.Segment) []int64 {
	out := make([]int64, len(segs))
	for i, s := range segs {
		out[i] = s.ID
	}
	return out
}
