package pss

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

const (
	opOffer  = "ancillary offer"
	opPrice  = "price basket"
	opFulfil = "fulfil ancillaries"
)

// Messages of basket errors.
const (
	msgEmptyBasket   = "empty basket"
	msgNotInOffer    = "item not in the offer"
	msgOverMax       = "more than the offer allows"
	msgBadQuantity   = "quantity must be at least 1"
	msgChooseSeat    = "a seat item needs the seat"
	msgSeatType      = "seat is not of the type sold by this item"
	msgSeatTwice     = "seat chosen twice"
	msgRequires      = "needs another item first"
	msgSegmentClosed = "segment no longer sold"
)

// defaultOfferTTL is how long an offer of extras can be bought: longer than a
// payment page takes, shorter than seats should stay promised.
const defaultOfferTTL = time.Hour

// defaultCatalogue is the extras of a carrier imported without a catalogue.
func defaultCatalogue(carrier, cur string) []ancillaryRow {
	u := func(units int64) int64 { return scaleUnits(units, cur) }
	rows := []ancillaryRow{
		{Code: "0CC", Kind: "bag", Name: "First checked bag (23 kg)", PriceMinor: u(35), MaxQty: 1},
		{Code: "0CD", Kind: "bag", Name: "Second checked bag (23 kg)", PriceMinor: u(50), MaxQty: 1, Requires: "0CC"},
		{Code: "0B5", Kind: "seat", SeatType: seatStandard, Name: "Standard seat", PriceMinor: u(9), MaxQty: 1, Cabins: "Y,W"},
		{Code: "0B6", Kind: "seat", SeatType: seatFront, Name: "Front seat", PriceMinor: u(15), MaxQty: 1, Cabins: "Y,W"},
		{Code: "0B7", Kind: "seat", SeatType: seatExit, Name: "Extra legroom seat (exit row)", PriceMinor: u(25), MaxQty: 1, Cabins: "Y,W"},
		{Code: "0B3", Kind: "meal", Name: "Hot meal", PriceMinor: u(12), MaxQty: 1, Cabins: "Y,W"},
		{Code: "0BX", Kind: "priority", Name: "Priority boarding", PriceMinor: u(8), MaxQty: 1, Cabins: "Y,W"},
		{Code: "0BY", Kind: "lounge", Name: "Lounge access", PriceMinor: u(39), MaxQty: 1, Cabins: "Y,W"},
	}
	for i := range rows {
		rows[i].Carrier, rows[i].Currency, rows[i].Pos = carrier, cur, i
	}
	return rows
}

// catalogueOf returns a carrier's extras in their order, or the defaults.
func catalogueOf(tx *gorm.DB, carrier string) ([]ancillaryRow, error) {
	var rows []ancillaryRow
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
	return defaultCatalogue(carrier, cur), nil
}

func (a ancillaryRow) forCabin(cabin string) bool {
	if a.Cabins == "" {
		return true
	}
	for _, c := range strings.Split(a.Cabins, ",") {
		if c == cabin {
			return true
		}
	}
	return false
}

// offeredItem is one line of a stored offer.
type offeredItem struct {
	Code     string `json:"code"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Pax      int64  `json:"pax"`
	Seg      int64  `json:"seg"`
	Price    int64  `json:"price"`
	Currency string `json:"currency"`
	Max      int    `json:"max"`   // units for sale now
	Limit    int    `json:"limit"` // units one passenger may hold in all
	SeatType string `json:"seat_type,omitempty"`
	Requires string `json:"requires,omitempty"`
	// Seats are the free seats of the type when the offer was made. They are not
	// stored with the offer: a basket is checked against the seat map of its time.
	Seats []string `json:"-"`
}

type storedOffer struct {
	Locator string        `json:"locator"`
	Items   []offeredItem `json:"items"`
}

// AncillaryOffer returns the extras for sale on a booking: for each passenger and
// each confirmed segment still open for sale (until online check-in closes), the
// carrier's catalogue less what the passenger already holds. Seats are sold by type
// (standard, front, exit row), each item listing the seats of its type free for the
// passenger (neither taken, blocked nor held for someone else), with the seat named
// in the basket; a type with no free seat left is not offered, nor exit rows to
// children, nor seats to a passenger already checked in, nor seats, priority or
// lounge to infants. The offer is stored and valid
// for an hour.
func (d *Demo) AncillaryOffer(ctx context.Context, loc domain.RecordLocator) (domain.AncillaryOffer, error) {
	l, err := domain.ParseRecordLocator(string(loc))
	if err != nil {
		return domain.AncillaryOffer{}, err
	}
	now := d.now()
	var out domain.AncillaryOffer
	err = d.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		b, bookingID, err := d.loadBooking(tx, l)
		if err != nil {
			return err
		}
		held, err := heldExtras(tx, bookingID)
		if err != nil {
			return err
		}
		var items []offeredItem
		for _, s := range b.Segments {
			if !d.onSale(tx, s, now) {
				continue
			}
			cat, err := catalogueOf(tx, string(s.Flight.Number.Carrier))
			if err != nil {
				return err
			}
			seats, err := seatsOf(tx, s.Flight.ID)
			if err != nil {
				return err
			}
			holds, err := liveHolds(tx, s.Flight.ID, now)
			if err != nil {
				return err
			}
			firsts := firstRows(seats)
			for _, p := range b.Passengers {
				// The seats of each type this passenger may choose: free, or held
				// for them by an earlier basket.
				freeByType := map[string][]string{}
				for _, st := range seats {
					h, held := holds[st.Code]
					if st.Cabin == string(s.Cabin) && !st.Blocked && !st.PassengerID.Valid && (!held || h == holder{p.ID, s.ID}) {
						t := seatTypeOf(st, firsts[st.Cabin])
						freeByType[t] = append(freeByType[t], st.Code)
					}
				}
				// A passenger checked in changes seat at check-in: a seat bought
				// now would not reach the boarding pass already issued.
				_, checkedIn := b.CheckInOf(p.ID, s.ID)
				paidSeat := false
				for k := range held {
					if k.pax == p.ID && k.seg == s.ID && k.kind == string(domain.AncillarySeat) {
						paidSeat = true
					}
				}
				for _, a := range cat {
					if !a.forCabin(string(s.Cabin)) || !sellable(a, p.Type) {
						continue
					}
					var free []string
					if a.Kind == string(domain.AncillarySeat) {
						free = freeByType[a.SeatType]
						if paidSeat || checkedIn || len(free) == 0 || (a.SeatType == seatExit && p.Type != domain.Adult) {
							continue
						}
					}
					limit := max(a.MaxQty, 1)
					left := limit - held[extraKey{p.ID, s.ID, a.Code, a.Kind}]
					if left <= 0 {
						continue
					}
					items = append(items, offeredItem{Code: a.Code, Kind: a.Kind, Name: a.Name, Pax: p.ID, Seg: s.ID,
						Price: a.PriceMinor, Currency: a.Currency, Max: left, Limit: limit, SeatType: a.SeatType, Requires: a.Requires, Seats: free})
				}
			}
		}
		sort.SliceStable(items, func(i, j int) bool { return kindOrder(items[i].Kind) < kindOrder(items[j].Kind) })
		id := newOfferID("OF")
		expires := now.Add(d.offerTTL()).UTC().Truncate(time.Second)
		if err := saveOffer(tx, id, offerExtras, bookingID, storedOffer{Locator: string(l), Items: items}, now, expires); err != nil {
			return err
		}
		out = toAncillaryOffer(id, l, items, expires)
		return nil
	})
	if err != nil {
		return domain.AncillaryOffer{}, domainError(opOffer+" "+string(l), err)
	}
	return out, nil
}

func (d *Demo) offerTTL() time.Duration {
	if d.OfferTTL > 0 {
		return d.OfferTTL
	}
	return defaultOfferTTL
}

// onSale reports whether extras are still sold on a segment: confirmed, the flight
// scheduled, and online check-in not yet closed.
func (d *Demo) onSale(tx *gorm.DB, s domain.Segment, now time.Time) bool {
	if s.Status != domain.SegmentConfirmed || s.Flight.Status != domain.FlightScheduled {
		return false
	}
	p, err := policyOf(tx, string(s.Flight.Number.Carrier))
	if err != nil {
		p = domain.DefaultCheckInPolicy
	}
	_, closes := p.Window(s.Flight)
	return now.Before(closes)
}

// sellable tells whether a passenger type may buy an extra: an infant travels on a
// lap and boards with its adult.
func sellable(a ancillaryRow, t domain.PaxType) bool {
	if t != domain.Infant {
		return true
	}
	switch domain.AncillaryKind(a.Kind) {
	case domain.AncillarySeat, domain.AncillaryPriority, domain.AncillaryLounge:
		return false
	}
	return true
}

func kindOrder(k string) int {
	for i, o := range domain.AncillaryKinds {
		if string(o) == k {
			return i
		}
	}
	return len(domain.AncillaryKinds)
}

func toAncillaryOffer(id string, loc domain.RecordLocator, items []offeredItem, expires time.Time) domain.AncillaryOffer {
	o := domain.AncillaryOffer{ID: id, Locator: loc, ExpiresAt: expires}
	for _, it := range items {
		o.Items = append(o.Items, domain.OfferItem{
			Code: it.Code, Kind: domain.AncillaryKind(it.Kind), Name: it.Name, PassengerID: it.Pax, SegmentID: it.Seg,
			Price: domain.NewMoney(it.Price, domain.Currency(it.Currency)), Max: it.Max, Seats: it.Seats,
		})
	}
	return o
}

// extraKey counts what a passenger holds on a segment.
type extraKey struct {
	pax, seg   int64
	code, kind string
}

// heldExtras counts the units of each extra issued (and not refunded) on a booking.
func heldExtras(tx *gorm.DB, bookingID int64) (map[extraKey]int, error) {
	var rows []emdRow
	if err := tx.Where("booking_id = ? AND status = ?", bookingID, emdIssued).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read extras: %w", err)
	}
	out := map[extraKey]int{}
	for _, r := range rows {
		out[extraKey{r.PassengerID, r.SegmentID, r.Code, r.Kind}] += r.Quantity
	}
	return out, nil
}

// PriceBasket prices chosen items against a stored offer. It checks each item
// against the offer and the booking as it is now: the quantity, what the passenger
// already holds, the items it needs first (a second bag needs a first), and for
// seats that the seat exists, is of the type sold, in the booked cabin and free.
// A chosen seat is then held for the passenger until the offer expires, so that
// nobody takes it while they pay; a seat gone meanwhile is a Conflict (SeatTaken).
func (d *Demo) PriceBasket(ctx context.Context, offerID string, items []domain.BasketItem) (domain.Quote, error) {
	var q domain.Quote
	err := d.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var off storedOffer
		row, err := loadOffer(tx, offerID, offerExtras, opPrice, &off)
		if err != nil {
			return err
		}
		if !d.now().Before(row.ExpiresAt) {
			return domain.Errorf(domain.Conflict, opPrice, msgOfferExpired)
		}
		quoted, total, err := d.priceItems(tx, row.BookingID, off, items, opPrice)
		if err != nil {
			return err
		}
		for _, it := range quoted {
			if it.Kind == domain.AncillarySeat {
				if err := holdSeat(tx, it.SegmentID, it.PassengerID, it.Seat, offerID, d.now(), row.ExpiresAt, opPrice); err != nil {
					return err
				}
			}
		}
		q = domain.Quote{OfferID: offerID, Items: quoted, Total: total, ExpiresAt: row.ExpiresAt.UTC()}
		return nil
	})
	if err != nil {
		return domain.Quote{}, domainError(opPrice, err)
	}
	return q, nil
}

// priceItems validates and prices a basket; seat choices are checked against the
// seat map read in tx.
func (d *Demo) priceItems(tx *gorm.DB, bookingID int64, off storedOffer, items []domain.BasketItem, op string) ([]domain.QuotedItem, domain.Money, error) {
	if len(items) == 0 {
		return nil, domain.Money{}, domain.Errorf(domain.Invalid, op, msgEmptyBasket)
	}
	held, err := heldExtras(tx, bookingID)
	if err != nil {
		return nil, domain.Money{}, err
	}
	type line struct{ pax, seg int64 }
	find := func(it domain.BasketItem) (offeredItem, bool) {
		for _, o := range off.Items {
			if o.Code == it.Code && o.Pax == it.PassengerID && o.Seg == it.SegmentID {
				return o, true
			}
		}
		return offeredItem{}, false
	}
	inBasket := map[extraKey]int{}
	seatsChosen := map[line]bool{}
	seatTaken := map[string]bool{}
	var out []domain.QuotedItem
	var total domain.Money
	for _, it := range items {
		o, ok := find(it)
		if !ok {
			return nil, domain.Money{}, domain.Errorf(domain.Invalid, op, "%s: %s", msgNotInOffer, it.Code)
		}
		if it.Quantity < 1 {
			return nil, domain.Money{}, domain.Errorf(domain.Invalid, op, msgBadQuantity)
		}
		k := extraKey{o.Pax, o.Seg, o.Code, o.Kind}
		inBasket[k] += it.Quantity
		if inBasket[k] > o.Max || inBasket[k]+held[k] > o.Limit {
			return nil, domain.Money{}, domain.Errorf(domain.Invalid, op, "%s: %s", msgOverMax, it.Code)
		}
		if o.Kind == string(domain.AncillarySeat) {
			if seatsChosen[line{o.Pax, o.Seg}] {
				return nil, domain.Money{}, domain.Errorf(domain.Invalid, op, "%s: %s", msgOverMax, it.Code)
			}
			seatsChosen[line{o.Pax, o.Seg}] = true
			code, err := d.checkSeatChoice(tx, o, it.Seat, op)
			if err != nil {
				return nil, domain.Money{}, err
			}
			if seatTaken[fmt.Sprint(o.Seg, code)] {
				return nil, domain.Money{}, domain.Errorf(domain.Invalid, op, msgSeatTwice)
			}
			seatTaken[fmt.Sprint(o.Seg, code)] = true
			it.Seat = code
		} else {
			it.Seat = ""
		}
		unit := domain.NewMoney(o.Price, domain.Currency(o.Currency))
		line := unit.Times(it.Quantity)
		if total, err = total.Add(line); err != nil {
			return nil, domain.Money{}, err
		}
		out = append(out, domain.QuotedItem{BasketItem: it, Kind: domain.AncillaryKind(o.Kind), Name: o.Name, Unit: unit, Total: line})
	}
	for _, q := range out {
		o, _ := find(q.BasketItem)
		if o.Requires == "" {
			continue
		}
		has := false
		for k, n := range held {
			has = has || k.pax == o.Pax && k.seg == o.Seg && k.code == o.Requires && n > 0
		}
		for k, n := range inBasket {
			has = has || k.pax == o.Pax && k.seg == o.Seg && k.code == o.Requires && n > 0
		}
		if !has {
			return nil, domain.Money{}, domain.Errorf(domain.Invalid, op, "%s %s %s", o.Code, msgRequires, o.Requires)
		}
	}
	return out, total, nil
}

// checkSeatChoice checks the seat of a seat item and returns its normalised code.
func (d *Demo) checkSeatChoice(tx *gorm.DB, o offeredItem, typed, op string) (string, error) {
	if strings.TrimSpace(typed) == "" {
		return "", domain.Errorf(domain.Invalid, op, msgChooseSeat)
	}
	code, err := domain.ParseSeatCode(typed)
	if err != nil {
		return "", err
	}
	var seg segmentRow
	if err := tx.Where("id = ?", o.Seg).Take(&seg).Error; err != nil {
		return "", fmt.Errorf("read segment: %w", err)
	}
	seats, err := d.seatsHeld(tx, seg.FlightID)
	if err != nil {
		return "", fmt.Errorf("read seats: %w", err)
	}
	firsts := firstRows(seats)
	for _, s := range seats {
		if s.Code != code {
			continue
		}
		switch {
		case s.Cabin != seg.Cabin:
			return "", domain.Errorf(domain.Invalid, op, msgOtherCabin)
		case seatTypeOf(s, firsts[s.Cabin]) != o.SeatType:
			return "", domain.Errorf(domain.Invalid, op, "%s %s: %s", msgSeatType, o.SeatType, code)
		case s.Blocked || s.PassengerID.Valid && !(s.PassengerID.Int64 == o.Pax && s.SegmentID.Int64 == o.Seg):
			return "", domain.Errorf(domain.Conflict, op, msgSeatTaken)
		}
		return code, nil
	}
	return "", domain.Errorf(domain.Invalid, op, msgNoSuchSeat)
}

// fulfilRequest is what a fulfilment's idempotency fingerprint covers.
type fulfilRequest struct {
	Offer   string              `json:"offer"`
	Locator string              `json:"locator"`
	Items   []domain.BasketItem `json:"items"`
	Payment string              `json:"payment"`
}

// FulfilAncillaries issues one EMD per basket item, in one transaction under the
// booking's lock: seats are taken (a seat gone since the quote is a Conflict and
// nothing is issued), numbers come from the carrier's ticketing prefix. The result
// is stored under the idempotency key, so that a retried call returns the same
// documents, also after the offer expired.
func (d *Demo) FulfilAncillaries(ctx context.Context, req domain.FulfilRequest) ([]domain.EMD, error) {
	if strings.TrimSpace(req.IdempotencyKey) == "" {
		return nil, domain.Errorf(domain.Invalid, opFulfil, msgNoKey)
	}
	fp := requestFingerprint(fulfilRequest{Offer: req.OfferID, Locator: string(req.Locator), Items: req.Items, Payment: req.PaymentID})
	now := d.now()
	var out []domain.EMD
	err := d.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var off storedOffer
		row, err := loadOffer(tx, req.OfferID, offerExtras, opFulfil, &off)
		if err != nil {
			return err
		}
		if req.Locator != "" && string(req.Locator) != off.Locator {
			return domain.Errorf(domain.Invalid, opFulfil, "offer is for another booking")
		}
		if _, err := lockBooking(tx, domain.RecordLocator(off.Locator), now, opFulfil); err != nil {
			return err
		}
		var stored []domain.EMD
		if ok, err := storedResult(tx, opFulfil, req.IdempotencyKey, fp, &stored); err != nil || ok {
			out = stored
			return err
		}
		if !now.Before(row.ExpiresAt) {
			return domain.Errorf(domain.Conflict, opFulfil, msgOfferExpired)
		}
		quoted, _, err := d.priceItems(tx, row.BookingID, off, req.Items, opFulfil)
		if err != nil {
			return err
		}
		var carrier string
		if err := tx.Raw(`SELECT f.carrier FROM pss_segments s JOIN pss_flights f ON f.id = s.flight_id WHERE s.id = ?`, quoted[0].SegmentID).Scan(&carrier).Error; err != nil {
			return err
		}
		numbers, err := documentNumbers(tx, carrier, len(quoted))
		if err != nil {
			return err
		}
		for i, q := range quoted {
			if q.Kind == domain.AncillarySeat {
				if err := takeSeatByCode(tx, q.SegmentID, q.PassengerID, q.Seat); err != nil {
					return err
				}
				if err := releaseHold(tx, q.SegmentID, q.PassengerID); err != nil {
					return err
				}
			}
			e := emdRow{
				Number: numbers[i], BookingID: row.BookingID, PassengerID: q.PassengerID, SegmentID: q.SegmentID,
				Code: q.Code, Kind: string(q.Kind), Quantity: q.Quantity, AmountMinor: q.Total.Minor,
				Currency: string(q.Total.Currency), Seat: q.Seat, Status: emdIssued, OfferID: req.OfferID,
				PaymentID: req.PaymentID, CreatedAt: now.UTC(),
			}
			if err := tx.Create(&e).Error; err != nil {
				return fmt.Errorf("issue emd: %w", err)
			}
			out = append(out, toEMD(e))
		}
		return storeResult(tx, opFulfil, req.IdempotencyKey, fp, out, now)
	})
	if err != nil {
		return nil, domainError(opFulfil+" "+req.OfferID, err)
	}
	return out, nil
}

// takeSeatByCode takes a seat for a passenger on a segment's flight.
func takeSeatByCode(tx *gorm.DB, segID, paxID int64, code string) error {
	var rows []seatRow
	err := tx.Raw(`SELECT st.* FROM pss_seats st JOIN pss_segments s ON s.flight_id = st.flight_id WHERE s.id = ? AND st.code = ?`, segID, code).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("read seat: %w", err)
	}
	if len(rows) == 0 {
		return domain.Errorf(domain.NotFound, opFulfil, msgNoSuchSeat)
	}
	err = takeSeat(tx, &rows[0], paxID, segID)
	var de *domain.Error
	if errors.As(err, &de) {
		return domain.Errorf(de.Code, opFulfil, "%s", de.Message)
	}
	return err
}
