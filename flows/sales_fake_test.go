package flows_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// salesFake is a booking system's sales and change interface, in memory, counting
// what it was asked to do by idempotency key. Err fields inject failures.
type salesFake struct {
	mu  sync.Mutex
	now func() time.Time

	OfferErr, PriceErr, FulfilErr, RulesErr, AltErr, ReissueErr, CancelErr error
	Changeable                                                             bool
	Alts                                                                   []domain.Alternative
	OfferTTL                                                               time.Duration

	offers   map[string]domain.AncillaryOffer
	fulfils  map[string][]domain.EMD
	reissues map[string]domain.Reissue
	cancels  map[string]domain.Cancellation
	queries  []domain.AlternativesQuery
	booking  func(loc domain.RecordLocator) domain.Booking
}

func newSalesFake(now func() time.Time, booking func(domain.RecordLocator) domain.Booking) *salesFake {
	return &salesFake{now: now, booking: booking, Changeable: true, OfferTTL: 30 * time.Minute,
		offers: map[string]domain.AncillaryOffer{}, fulfils: map[string][]domain.EMD{},
		reissues: map[string]domain.Reissue{}, cancels: map[string]domain.Cancellation{}}
}

func eur(minor int64) domain.Money { return domain.NewMoney(minor, "EUR") }

func (f *salesFake) AncillaryOffer(ctx context.Context, loc domain.RecordLocator) (domain.AncillaryOffer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.OfferErr != nil {
		return domain.AncillaryOffer{}, f.OfferErr
	}
	b := f.booking(loc)
	o := domain.AncillaryOffer{ID: fmt.Sprintf("OF%d", len(f.offers)+1), Locator: loc, ExpiresAt: f.now().Add(f.OfferTTL)}
	for _, s := range b.Segments {
		if s.Status != domain.SegmentConfirmed {
			continue
		}
		for _, p := range b.Passengers {
			o.Items = append(o.Items,
				domain.OfferItem{Code: "0CC", Kind: domain.AncillaryBag, Name: "Checked bag 23 kg", PassengerID: p.ID, SegmentID: s.ID, Price: eur(3500), Max: 3},
				domain.OfferItem{Code: "0B3", Kind: domain.AncillaryMeal, Name: "Hot meal", PassengerID: p.ID, SegmentID: s.ID, Price: eur(1200), Max: 1},
				domain.OfferItem{Code: "0BX", Kind: domain.AncillaryLounge, Name: "Lounge", PassengerID: p.ID, SegmentID: s.ID, Price: eur(4000), Max: 1})
		}
	}
	f.offers[o.ID] = o
	return o, nil
}

func (f *salesFake) PriceBasket(ctx context.Context, offerID string, items []domain.BasketItem) (domain.Quote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.PriceErr != nil {
		return domain.Quote{}, f.PriceErr
	}
	o, ok := f.offers[offerID]
	if !ok || !f.now().Before(o.ExpiresAt) {
		return domain.Quote{}, domain.Errorf(domain.Conflict, "price basket", "offer %s expired", offerID)
	}
	q := domain.Quote{OfferID: offerID, ExpiresAt: o.ExpiresAt}
	for _, it := range items {
		var found *domain.OfferItem
		for i := range o.Items {
			x := o.Items[i]
			if x.Code == it.Code && x.PassengerID == it.PassengerID && x.SegmentID == it.SegmentID {
				found = &x
			}
		}
		if found == nil || it.Quantity > found.Max {
			return domain.Quote{}, domain.Errorf(domain.Invalid, "price basket", "item %s not offered", it.Code)
		}
		total := found.Price.Times(it.Quantity)
		q.Items = append(q.Items, domain.QuotedItem{BasketItem: it, Kind: found.Kind, Name: found.Name, Unit: found.Price, Total: total})
		q.Total, _ = q.Total.Add(total)
	}
	return q, nil
}

func (f *salesFake) FulfilAncillaries(ctx context.Context, req domain.FulfilRequest) ([]domain.EMD, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.FulfilErr != nil {
		return nil, f.FulfilErr
	}
	if e, ok := f.fulfils[req.IdempotencyKey]; ok {
		return e, nil
	}
	if o, ok := f.offers[req.OfferID]; !ok || !f.now().Before(o.ExpiresAt) {
		return nil, domain.Errorf(domain.Conflict, "fulfil", "offer %s expired", req.OfferID)
	}
	var out []domain.EMD
	for _, it := range req.Items {
		out = append(out, domain.EMD{Number: fmt.Sprintf("99912345%05d", len(f.fulfils)*10+len(out)), Code: it.Code,
			PassengerID: it.PassengerID, SegmentID: it.SegmentID, Quantity: it.Quantity})
	}
	f.fulfils[req.IdempotencyKey] = out
	return out, nil
}

func (f *salesFake) ChangeRules(ctx context.Context, loc domain.RecordLocator, segs []int64) (domain.ChangeRules, error) {
	if f.RulesErr != nil {
		return domain.ChangeRules{}, f.RulesErr
	}
	if !f.Changeable {
		return domain.ChangeRules{Changeable: false, Reason: "basic fare"}, nil
	}
	return domain.ChangeRules{Changeable: true, Fee: eur(5000), Refundable: true}, nil
}

func (f *salesFake) Alternatives(ctx context.Context, q domain.AlternativesQuery) ([]domain.Alternative, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	if f.AltErr != nil {
		return nil, f.AltErr
	}
	var out []domain.Alternative
	for _, a := range f.Alts {
		if a.Flights[0].Departure.Before(q.From) || !a.Flights[0].Departure.Before(q.To) {
			continue
		}
		if q.Involuntary {
			a.ToPay, a.ChangeFee, a.FareDifference = domain.Money{}, domain.Money{}, domain.Money{}
		}
		out = append(out, a)
	}
	return out, nil
}

func (f *salesFake) Reissue(ctx context.Context, req domain.ReissueRequest) (domain.Reissue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ReissueErr != nil {
		return domain.Reissue{}, f.ReissueErr
	}
	if r, ok := f.reissues[req.IdempotencyKey]; ok {
		return r, nil
	}
	for _, a := range f.Alts {
		if a.ID == req.AlternativeID && !f.now().Before(a.ExpiresAt) {
			return domain.Reissue{}, domain.Errorf(domain.Conflict, "reissue", "alternative %s expired", a.ID)
		}
	}
	b := f.booking(req.Locator)
	r := domain.Reissue{Booking: b, NewSegmentIDs: []int64{9000 + int64(len(f.reissues))}}
	for _, c := range b.CheckIns {
		r.VoidedCheckIns = append(r.VoidedCheckIns, c)
	}
	f.reissues[req.IdempotencyKey] = r
	return r, nil
}

func (f *salesFake) CancelSegments(ctx context.Context, req domain.CancelRequest) (domain.Cancellation, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.CancelErr != nil {
		return domain.Cancellation{}, f.CancelErr
	}
	if c, ok := f.cancels[req.IdempotencyKey]; ok {
		return c, nil
	}
	c := domain.Cancellation{Reference: fmt.Sprintf("RF%04d", len(f.cancels)+1), Refund: eur(18900)}
	f.cancels[req.IdempotencyKey] = c
	return c, nil
}

func (f *salesFake) counts() (fulfils, reissues, cancels int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.fulfils), len(f.reissues), len(f.cancels)
}

// payFake is a payment provider and ledger in memory.
type payFake struct {
	mu       sync.Mutex
	LinkErr  error
	links    map[string]domain.PaymentLink
	refunds  map[string]domain.RefundRequest
	payments map[string]flows.PaymentRecord
}

func newPayFake() *payFake {
	return &payFake{links: map[string]domain.PaymentLink{}, refunds: map[string]domain.RefundRequest{}, payments: map[string]flows.PaymentRecord{}}
}

func (p *payFake) CreateLink(ctx context.Context, req domain.PaymentRequest) (domain.PaymentLink, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.LinkErr != nil {
		return domain.PaymentLink{}, p.LinkErr
	}
	if l, ok := p.links[req.IdempotencyKey]; ok {
		return l, nil
	}
	l := domain.PaymentLink{ProviderRef: "cs_" + req.Reference, URL: "https://pay.example/" + req.Reference, ExpiresAt: req.ExpiresAt}
	p.links[req.IdempotencyKey] = l
	return l, nil
}

func (p *payFake) Refund(ctx context.Context, req domain.RefundRequest) (domain.Refund, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refunds[req.IdempotencyKey] = req
	return domain.Refund{ID: "re_" + req.IdempotencyKey, Amount: req.Amount}, nil
}

func (p *payFake) ParseEvent(payload []byte, header map[string][]string) (domain.PaymentEvent, bool, error) {
	return domain.PaymentEvent{}, false, nil
}

func (p *payFake) RecordPayment(ctx context.Context, r flows.PaymentRecord) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.payments[r.Reference]; !ok {
		p.payments[r.Reference] = r
	}
	return nil
}

func (p *payFake) PaymentByReference(ctx context.Context, ref string) (flows.PaymentRecord, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.payments[ref]
	return r, ok, nil
}

// settle marks a recorded payment paid, as the provider's webhook would.
func (p *payFake) settle(ref string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.payments[ref]
	r.Status, r.PaymentID = domain.PaymentPaid, "pi_"+ref
	p.payments[ref] = r
}

func (p *payFake) onlyReference() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ref := range p.payments {
		return ref
	}
	return ""
}

func (p *payFake) refundCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.refunds)
}
