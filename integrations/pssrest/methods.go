package pssrest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest/internal/wire"
)

// The operations of the contract, one method per port method.

func locPath(loc domain.RecordLocator, rest string) string {
	return "/bookings/" + url.PathEscape(string(loc)) + rest
}

func segmentQuery(ids []int64) url.Values {
	q := url.Values{}
	for _, id := range ids {
		q.Add("segment_id", strconv.FormatInt(id, 10))
	}
	return q
}

// FindBooking reads a booking.
func (c *Client) FindBooking(ctx context.Context, loc domain.RecordLocator) (domain.Booking, error) {
	l, err := domain.ParseRecordLocator(string(loc))
	if err != nil {
		return domain.Booking{}, err
	}
	var w wire.Booking
	if err := c.do(ctx, call{op: "find booking", method: http.MethodGet, path: locPath(l, ""), out: &w}); err != nil {
		return domain.Booking{}, err
	}
	return wire.ToBooking(w)
}

// CheckInPolicy reads a carrier's check-in window.
func (c *Client) CheckInPolicy(ctx context.Context, carrier domain.CarrierCode) (domain.CheckInPolicy, error) {
	var w wire.CheckInPolicy
	if err := c.do(ctx, call{op: "check-in policy", method: http.MethodGet, path: "/carriers/" + url.PathEscape(string(carrier)) + "/check-in-policy", out: &w}); err != nil {
		return domain.CheckInPolicy{}, err
	}
	return domain.CheckInPolicy{Opens: time.Duration(w.OpensMinutes) * time.Minute, Closes: time.Duration(w.ClosesMinutes) * time.Minute}, nil
}

// SeatMap reads a flight's seats.
func (c *Client) SeatMap(ctx context.Context, flightID int64) (domain.SeatMap, error) {
	var w wire.SeatMap
	if err := c.do(ctx, call{op: "seat map", method: http.MethodGet, path: "/flights/" + strconv.FormatInt(flightID, 10) + "/seat-map", out: &w}); err != nil {
		return domain.SeatMap{}, err
	}
	return wire.ToSeatMap(w), nil
}

// CheckIn checks passengers in on one segment.
func (c *Client) CheckIn(ctx context.Context, req domain.CheckInRequest) ([]domain.CheckIn, error) {
	var w wire.CheckIns
	err := c.do(ctx, call{op: "check in", method: http.MethodPost, path: locPath(req.Locator, "/check-ins"), key: req.IdempotencyKey,
		in: wire.FromCheckInRequest(req), out: &w})
	if err != nil {
		return nil, err
	}
	out := make([]domain.CheckIn, len(w.CheckIns))
	for i, ci := range w.CheckIns {
		out[i] = wire.ToCheckIn(ci)
	}
	return out, nil
}

// ChangeRules reads the fare rules for changing segments.
func (c *Client) ChangeRules(ctx context.Context, loc domain.RecordLocator, segmentIDs []int64) (domain.ChangeRules, error) {
	var w wire.ChangeRules
	if err := c.do(ctx, call{op: "change rules", method: http.MethodGet, path: locPath(loc, "/change-rules"), query: segmentQuery(segmentIDs), out: &w}); err != nil {
		return domain.ChangeRules{}, err
	}
	return domain.ChangeRules{Changeable: w.Changeable, Fee: wire.ToMoney(w.Fee), Refundable: w.Refundable, Reason: w.Reason}, nil
}

// Alternatives searches priced replacements.
func (c *Client) Alternatives(ctx context.Context, q domain.AlternativesQuery) ([]domain.Alternative, error) {
	v := segmentQuery(q.SegmentIDs)
	v.Set("from", q.From.UTC().Format(time.RFC3339))
	v.Set("to", q.To.UTC().Format(time.RFC3339))
	if q.Involuntary {
		v.Set("involuntary", "true")
	}
	var w wire.Alternatives
	if err := c.do(ctx, call{op: "alternatives", method: http.MethodGet, path: locPath(q.Locator, "/alternatives"), query: v, out: &w}); err != nil {
		return nil, err
	}
	return convertAll(w.Alternatives, wire.ToAlternative)
}

// Reissue replaces segments with an alternative.
func (c *Client) Reissue(ctx context.Context, req domain.ReissueRequest) (domain.Reissue, error) {
	var w wire.Reissue
	in := wire.ReissueRequest{SegmentIDs: req.SegmentIDs, AlternativeID: req.AlternativeID, PaymentID: req.PaymentID, Involuntary: req.Involuntary}
	if err := c.do(ctx, call{op: "reissue", method: http.MethodPost, path: locPath(req.Locator, "/reissues"), key: req.IdempotencyKey, in: in, out: &w}); err != nil {
		return domain.Reissue{}, err
	}
	b, err := wire.ToBooking(w.Booking)
	if err != nil {
		return domain.Reissue{}, err
	}
	r := domain.Reissue{Booking: b, NewSegmentIDs: w.NewSegmentIDs, CarriedOver: wire.ToEMDs(w.CarriedOver), Refunded: wire.ToEMDs(w.Refunded),
		Replacements: wire.ToReplacements(w.Replacements)}
	for _, ci := range w.VoidedCheckIns {
		r.VoidedCheckIns = append(r.VoidedCheckIns, wire.ToCheckIn(ci))
	}
	return r, nil
}

// CancelSegments cancels segments for a refund.
func (c *Client) CancelSegments(ctx context.Context, req domain.CancelRequest) (domain.Cancellation, error) {
	var w wire.Cancellation
	in := wire.CancelRequest{SegmentIDs: req.SegmentIDs, Involuntary: req.Involuntary}
	if err := c.do(ctx, call{op: "cancel segments", method: http.MethodPost, path: locPath(req.Locator, "/cancellations"), key: req.IdempotencyKey, in: in, out: &w}); err != nil {
		return domain.Cancellation{}, err
	}
	return domain.Cancellation{Reference: w.Reference, Refund: wire.ToMoney(w.Refund)}, nil
}

// AncillaryOffer reads the extras for sale.
func (c *Client) AncillaryOffer(ctx context.Context, loc domain.RecordLocator) (domain.AncillaryOffer, error) {
	var w wire.AncillaryOffer
	if err := c.do(ctx, call{op: "ancillary offer", method: http.MethodGet, path: locPath(loc, "/ancillary-offer"), out: &w}); err != nil {
		return domain.AncillaryOffer{}, err
	}
	return wire.ToOffer(w), nil
}

// PriceBasket prices chosen items; the key made here is the same on every attempt.
func (c *Client) PriceBasket(ctx context.Context, offerID string, items []domain.BasketItem) (domain.Quote, error) {
	var w wire.Quote
	err := c.do(ctx, call{op: "price basket", method: http.MethodPost, path: "/ancillary-offers/" + url.PathEscape(offerID) + "/quotes",
		key: newKey("quote"), in: wire.Basket{Items: wire.FromBasket(items)}, out: &w})
	if err != nil {
		return domain.Quote{}, err
	}
	return wire.ToQuote(w), nil
}

// ReleaseSeatHolds gives back the seats that quotes of the offer hold, for seats
// that left the basket; releasing again is no error.
func (c *Client) ReleaseSeatHolds(ctx context.Context, offerID string, items []domain.BasketItem) error {
	return c.do(ctx, call{op: "release seat holds", method: http.MethodPost, path: "/ancillary-offers/" + url.PathEscape(offerID) + "/seat-releases",
		key: newKey("release"), in: wire.Basket{Items: wire.FromBasket(items)}})
}

// FulfilAncillaries issues paid extras.
func (c *Client) FulfilAncillaries(ctx context.Context, req domain.FulfilRequest) ([]domain.EMD, error) {
	var w wire.EMDs
	in := wire.FulfilRequest{Locator: string(req.Locator), Items: wire.FromBasket(req.Items), PaymentID: req.PaymentID}
	err := c.do(ctx, call{op: "fulfil ancillaries", method: http.MethodPost, path: "/ancillary-offers/" + url.PathEscape(req.OfferID) + "/fulfilments",
		key: req.IdempotencyKey, in: in, out: &w})
	if err != nil {
		return nil, err
	}
	return wire.ToEMDs(w.EMDs), nil
}
