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

// The manifest operations: who is booked on a flight and how to reach them, for
// flight-status updates (domain.Manifest).

// maxTravellersPage bounds one page of Travellers, as the contract does.
const maxTravellersPage = 500

func flightKeyPath(key domain.FlightKey, rest string) (string, error) {
	if _, err := domain.ParseFlightKey(key.Flight.String(), key.Date); err != nil || key.Flight.Number == 0 {
		return "", domain.Errorf(domain.Invalid, "flight key", "%q is not a flight key (flight number and YYYY-MM-DD date)", key.String())
	}
	return "/operated-flights/" + url.PathEscape(key.Flight.String()) + "/" + url.PathEscape(key.Date) + rest, nil
}

// FlightByKey reads one operated flight.
func (c *Client) FlightByKey(ctx context.Context, key domain.FlightKey) (domain.Flight, error) {
	path, err := flightKeyPath(key, "")
	if err != nil {
		return domain.Flight{}, err
	}
	var w wire.Flight
	if err := c.do(ctx, call{op: "find flight", method: http.MethodGet, path: path, out: &w}); err != nil {
		return domain.Flight{}, err
	}
	return wire.ToFlight(w)
}

// Travellers reads one page of the bookings holding a confirmed segment on a
// flight, by booking id after afterBookingID.
func (c *Client) Travellers(ctx context.Context, key domain.FlightKey, afterBookingID int64, limit int) ([]domain.TravellerGroup, error) {
	path, err := flightKeyPath(key, "/travellers")
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > maxTravellersPage {
		return nil, domain.Errorf(domain.Invalid, "list travellers", "limit %d is not from 1 to %d", limit, maxTravellersPage)
	}
	q := url.Values{}
	q.Set("after_booking_id", strconv.FormatInt(afterBookingID, 10))
	q.Set("limit", strconv.Itoa(limit))
	var w wire.Travellers
	if err := c.do(ctx, call{op: "list travellers", method: http.MethodGet, path: path, query: q, out: &w}); err != nil {
		return nil, err
	}
	out := make([]domain.TravellerGroup, 0, len(w.Travellers))
	for _, g := range w.Travellers {
		out = append(out, wire.ToTravellerGroup(g))
	}
	return out, nil
}

// FlightsDeparting lists the flights scheduled to depart in [from, to).
func (c *Client) FlightsDeparting(ctx context.Context, from, to time.Time) ([]domain.Flight, error) {
	if !from.Before(to) {
		return nil, nil // an empty interval
	}
	q := url.Values{}
	q.Set("from", from.UTC().Format(time.RFC3339))
	q.Set("to", to.UTC().Format(time.RFC3339))
	var w wire.Flights
	if err := c.do(ctx, call{op: "flights departing", method: http.MethodGet, path: "/flights", query: q, out: &w}); err != nil {
		return nil, err
	}
	return convertAll(w.Flights, wire.ToFlight)
}

// Carriers lists the airlines whose flights the booking system holds.
func (c *Client) Carriers(ctx context.Context) ([]domain.CarrierCode, error) {
	var w wire.Carriers
	if err := c.do(ctx, call{op: "carriers", method: http.MethodGet, path: "/carriers", out: &w}); err != nil {
		return nil, err
	}
	return convertAll(w.Carriers, domain.ParseCarrierCode)
}

// convertAll converts each wire value of a response, failing on the first that
// does not convert.
func convertAll[W, D any](ws []W, convert func(W) (D, error)) ([]D, error) {
	out := make([]D, 0, len(ws))
	for _, w := range ws {
		d, err := convert(w)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
