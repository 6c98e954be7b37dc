package fake

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest/internal/wire"
)

// The manifest operations, on the fake's airline.

func (a *airline) carriers() []string {
	var out []string
	for _, f := range a.flights {
		if c := string(f.f.Number.Carrier); !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

func (a *airline) departing(from, to time.Time) []domain.Flight {
	var out []domain.Flight
	for _, f := range a.flights {
		if !f.f.Departure.Before(from) && f.f.Departure.Before(to) {
			out = append(out, f.f)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Departure.Equal(out[j].Departure) {
			return out[i].Departure.Before(out[j].Departure)
		}
		return out[i].Number.String() < out[j].Number.String()
	})
	return out
}

func (a *airline) flightByKey(key domain.FlightKey) (domain.Flight, error) {
	for _, f := range a.flights {
		if domain.KeyOf(f.f) == key {
			return f.f, nil
		}
	}
	return domain.Flight{}, domain.Errorf(domain.NotFound, "find flight", "no flight %s", key)
}

func (a *airline) travellers(key domain.FlightKey, after int64, limit int) ([]domain.TravellerGroup, error) {
	f, err := a.flightByKey(key)
	if err != nil {
		return nil, err
	}
	var out []domain.TravellerGroup
	for _, b := range a.bookings {
		if b.id <= after {
			continue
		}
		for _, s := range b.b.Segments {
			if s.Flight.ID != f.ID || s.Status != domain.SegmentConfirmed {
				continue
			}
			g := domain.TravellerGroup{BookingID: b.id, Locator: b.b.Locator, SegmentID: s.ID,
				Passengers: slices.Clone(b.b.Passengers), Contact: b.b.Contact, CheckedIn: map[int64]bool{}}
			for _, c := range b.b.CheckIns {
				if c.SegmentID == s.ID {
					g.CheckedIn[c.PassengerID] = true
				}
			}
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].BookingID < out[j].BookingID })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (s *Server) carriers(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		return 200, wire.Carriers{Carriers: s.data.carriers()}
	})
}

func (s *Server) flightsDeparting(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		from, err1 := time.Parse(time.RFC3339, r.URL.Query().Get("from"))
		to, err2 := time.Parse(time.RFC3339, r.URL.Query().Get("to"))
		if err1 != nil || err2 != nil {
			return fail(domain.Errorf(domain.Invalid, "flights departing", "from and to must be RFC 3339 times"))
		}
		out := wire.Flights{Flights: []wire.Flight{}}
		for _, f := range s.data.departing(from, to) {
			out.Flights = append(out.Flights, wire.FromFlight(f))
		}
		return 200, out
	})
}

func flightKey(r *http.Request) (domain.FlightKey, error) {
	return domain.ParseFlightKey(r.PathValue("flightNumber"), r.PathValue("date"))
}

func (s *Server) flightByKey(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		key, err := flightKey(r)
		if err != nil {
			return fail(err)
		}
		f, err := s.data.flightByKey(key)
		if err != nil {
			return fail(err)
		}
		return 200, wire.FromFlight(f)
	})
}

func (s *Server) travellers(w http.ResponseWriter, r *http.Request) {
	s.locked(w, r, func(r *http.Request, _ []byte) (int, any) {
		key, err := flightKey(r)
		if err != nil {
			return fail(err)
		}
		q := r.URL.Query()
		var after int64
		if v := q.Get("after_booking_id"); v != "" {
			if after, err = strconv.ParseInt(v, 10, 64); err != nil {
				return fail(domain.Errorf(domain.Invalid, "list travellers", "bad after_booking_id %q", v))
			}
		}
		limit, err := strconv.Atoi(q.Get("limit"))
		if err != nil || limit < 1 || limit > 500 {
			return fail(domain.Errorf(domain.Invalid, "list travellers", "limit must be from 1 to 500"))
		}
		gs, err := s.data.travellers(key, after, limit)
		if err != nil {
			return fail(err)
		}
		out := wire.Travellers{Travellers: []wire.TravellerGroup{}}
		for _, g := range gs {
			out.Travellers = append(out.Travellers, wire.FromTravellerGroup(g))
		}
		return 200, out
	})
}
