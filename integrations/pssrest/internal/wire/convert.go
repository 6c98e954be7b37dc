package wire

import (
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Conversions between the wire shapes and domain values, both ways, so that the
// client (wire → domain) and the fake (domain → wire) agree by construction.

// FromMoney converts an amount.
func FromMoney(m domain.Money) Money { return Money{Minor: m.Minor, Currency: string(m.Currency)} }

// ToMoney converts an amount.
func ToMoney(m Money) domain.Money { return domain.NewMoney(m.Minor, domain.Currency(m.Currency)) }

// FromAirport converts an airport.
func FromAirport(a domain.Airport) Airport {
	z := "UTC"
	if a.Location != nil {
		z = a.Location.String()
	}
	return Airport{Code: string(a.Code), Name: a.Name, City: a.City, Country: string(a.Country), TimeZone: z}
}

// ToAirport converts an airport; an unknown zone reads as UTC.
func ToAirport(a Airport) domain.Airport {
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return domain.Airport{Code: domain.AirportCode(a.Code), Name: a.Name, City: a.City, Country: domain.CountryCode(a.Country), Location: loc}
}

// FromFlight converts a flight.
func FromFlight(f domain.Flight) Flight {
	return Flight{
		ID: f.ID, Number: f.Number.String(), Date: f.Date.Format(time.DateOnly),
		Origin: FromAirport(f.Origin), Destination: FromAirport(f.Destination),
		Departure: f.Departure, Arrival: f.Arrival, Aircraft: f.Aircraft, Gate: f.Gate, Terminal: f.Terminal,
		Status: string(f.Status), BoardingMinutes: f.BoardingMin,
	}
}

// ToFlight converts a flight, times in the airports' zones.
func ToFlight(f Flight) (domain.Flight, error) {
	n, err := domain.ParseFlightNumber(f.Number)
	if err != nil {
		return domain.Flight{}, err
	}
	o, d := ToAirport(f.Origin), ToAirport(f.Destination)
	date, err := time.ParseInLocation(time.DateOnly, f.Date, o.Location)
	if err != nil {
		return domain.Flight{}, domain.Errorf(domain.Invalid, "read flight", "bad date %q", f.Date)
	}
	return domain.Flight{
		ID: f.ID, Number: n, Date: date, Origin: o, Destination: d,
		Departure: f.Departure.In(o.Location), Arrival: f.Arrival.In(d.Location),
		Aircraft: f.Aircraft, Gate: f.Gate, Terminal: f.Terminal, Status: domain.FlightStatus(f.Status), BoardingMin: f.BoardingMinutes,
	}, nil
}

// FromCheckIn converts a check-in.
func FromCheckIn(c domain.CheckIn) CheckIn {
	return CheckIn{PassengerID: c.PassengerID, SegmentID: c.SegmentID, Seat: c.Seat, Sequence: c.Sequence, At: c.At}
}

// ToCheckIn converts a check-in.
func ToCheckIn(c CheckIn) domain.CheckIn {
	return domain.CheckIn{PassengerID: c.PassengerID, SegmentID: c.SegmentID, Seat: c.Seat, Sequence: c.Sequence, At: c.At}
}

// FromBooking converts a booking.
func FromBooking(b domain.Booking) Booking {
	w := Booking{Locator: string(b.Locator), Passengers: []Passenger{}, Segments: []Segment{}, CheckIns: []CheckIn{}, Seats: []SeatAssignment{},
		Contact: Contact{WhatsApp: b.Contact.WhatsApp.Reveal(), Messenger: b.Contact.Messenger, Email: b.Contact.Email.Reveal(), Lang: string(b.Contact.Lang)}}
	for _, p := range b.Passengers {
		w.Passengers = append(w.Passengers, Passenger{ID: p.ID, Given: p.Name.Given, Surname: p.Name.Surname, Title: p.Name.Title,
			Type: string(p.Type), TicketNumber: p.TicketNumber, InfantOf: p.InfantOf})
	}
	for _, s := range b.Segments {
		w.Segments = append(w.Segments, Segment{ID: s.ID, Flight: FromFlight(s.Flight), Cabin: string(s.Cabin), BookingClass: s.BookingClass, Status: string(s.Status)})
	}
	for _, c := range b.CheckIns {
		w.CheckIns = append(w.CheckIns, FromCheckIn(c))
	}
	for _, s := range b.Seats {
		w.Seats = append(w.Seats, SeatAssignment{PassengerID: s.PassengerID, SegmentID: s.SegmentID, Seat: s.Seat})
	}
	return w
}

// ToBooking converts a booking.
func ToBooking(w Booking) (domain.Booking, error) {
	b := domain.Booking{Locator: domain.RecordLocator(w.Locator),
		Contact: domain.Contact{WhatsApp: domain.Secret(w.Contact.WhatsApp), Messenger: w.Contact.Messenger, Email: domain.Secret(w.Contact.Email), Lang: domain.Lang(w.Contact.Lang)}}
	for _, p := range w.Passengers {
		b.Passengers = append(b.Passengers, domain.Passenger{ID: p.ID, Name: domain.PersonName{Given: p.Given, Surname: p.Surname, Title: p.Title},
			Type: domain.PaxType(p.Type), TicketNumber: p.TicketNumber, InfantOf: p.InfantOf})
	}
	for _, s := range w.Segments {
		f, err := ToFlight(s.Flight)
		if err != nil {
			return domain.Booking{}, err
		}
		b.Segments = append(b.Segments, domain.Segment{ID: s.ID, Flight: f, Cabin: domain.Cabin(s.Cabin), BookingClass: s.BookingClass, Status: domain.SegmentStatus(s.Status)})
	}
	for _, c := range w.CheckIns {
		ci := ToCheckIn(c)
		if s, ok := b.Segment(c.SegmentID); ok && s.Flight.Origin.Location != nil {
			ci.At = ci.At.In(s.Flight.Origin.Location)
		}
		b.CheckIns = append(b.CheckIns, ci)
	}
	for _, s := range w.Seats {
		b.Seats = append(b.Seats, domain.SeatAssignment{PassengerID: s.PassengerID, SegmentID: s.SegmentID, Seat: s.Seat})
	}
	return b, nil
}

// FromSeatMap converts a seat map.
func FromSeatMap(m domain.SeatMap) SeatMap {
	w := SeatMap{FlightID: m.FlightID, Seats: []Seat{}}
	for _, s := range m.Seats {
		w.Seats = append(w.Seats, Seat{Code: s.Code, Row: s.Row, Letter: s.Letter, Cabin: string(s.Cabin), Free: s.Free, Window: s.Window, Aisle: s.Aisle, ExitRow: s.ExitRow})
	}
	return w
}

// ToSeatMap converts a seat map.
func ToSeatMap(w SeatMap) domain.SeatMap {
	m := domain.SeatMap{FlightID: w.FlightID}
	for _, s := range w.Seats {
		m.Seats = append(m.Seats, domain.Seat{Code: s.Code, Row: s.Row, Letter: s.Letter, Cabin: domain.Cabin(s.Cabin), Free: s.Free, Window: s.Window, Aisle: s.Aisle, ExitRow: s.ExitRow})
	}
	return m
}

// FromCheckInRequest converts a check-in request (the key travels in a header).
func FromCheckInRequest(r domain.CheckInRequest) CheckInRequest {
	w := CheckInRequest{SegmentID: r.SegmentID, Passengers: []PassengerCheckIn{}}
	for _, p := range r.Passengers {
		pc := PassengerCheckIn{PassengerID: p.PassengerID, Seat: p.Seat, DangerousGoodsAck: p.DangerousGoodsAck}
		if d := p.Document; d != nil {
			pc.Document = &Document{Type: d.Type, Number: d.Number.Reveal(), Nationality: string(d.Nationality), IssuingCountry: string(d.IssuingCountry),
				Expiry: d.Expiry.Format(time.DateOnly), BirthDate: d.BirthDate.Format(time.DateOnly)}
		}
		w.Passengers = append(w.Passengers, pc)
	}
	return w
}

// ToCheckInRequest converts a check-in request.
func ToCheckInRequest(key string, loc domain.RecordLocator, w CheckInRequest) domain.CheckInRequest {
	r := domain.CheckInRequest{IdempotencyKey: key, Locator: loc, SegmentID: w.SegmentID}
	for _, p := range w.Passengers {
		pc := domain.PassengerCheckIn{PassengerID: p.PassengerID, Seat: p.Seat, DangerousGoodsAck: p.DangerousGoodsAck}
		if d := p.Document; d != nil {
			exp, _ := time.Parse(time.DateOnly, d.Expiry)
			birth, _ := time.Parse(time.DateOnly, d.BirthDate)
			pc.Document = &domain.TravelDocument{Type: d.Type, Number: domain.Secret(d.Number), Nationality: domain.CountryCode(d.Nationality),
				IssuingCountry: domain.CountryCode(d.IssuingCountry), Expiry: exp, BirthDate: birth}
		}
		r.Passengers = append(r.Passengers, pc)
	}
	return r
}

// FromAlternative converts an alternative.
func FromAlternative(a domain.Alternative) Alternative {
	w := Alternative{ID: a.ID, Cabin: string(a.Cabin), FareDifference: FromMoney(a.FareDifference), ChangeFee: FromMoney(a.ChangeFee),
		ToPay: FromMoney(a.ToPay), Residual: FromMoney(a.Residual), SeatsLeft: a.SeatsLeft, ExpiresAt: a.ExpiresAt, Flights: []Flight{}}
	for _, f := range a.Flights {
		w.Flights = append(w.Flights, FromFlight(f))
	}
	return w
}

// ToAlternative converts an alternative.
func ToAlternative(w Alternative) (domain.Alternative, error) {
	a := domain.Alternative{ID: w.ID, Cabin: domain.Cabin(w.Cabin), FareDifference: ToMoney(w.FareDifference), ChangeFee: ToMoney(w.ChangeFee),
		ToPay: ToMoney(w.ToPay), Residual: ToMoney(w.Residual), SeatsLeft: w.SeatsLeft, ExpiresAt: w.ExpiresAt}
	for _, f := range w.Flights {
		df, err := ToFlight(f)
		if err != nil {
			return domain.Alternative{}, err
		}
		a.Flights = append(a.Flights, df)
	}
	return a, nil
}

// FromEMDs converts documents.
func FromEMDs(es []domain.EMD) []EMD {
	out := []EMD{}
	for _, e := range es {
		out = append(out, EMD{Number: e.Number, Code: e.Code, PassengerID: e.PassengerID, SegmentID: e.SegmentID, Quantity: e.Quantity, Amount: FromMoney(e.Amount), Seat: e.Seat})
	}
	return out
}

// FromReplacements converts the pairing of old and new segments of a reissue.
func FromReplacements(rs []domain.Replacement) []Replacement {
	var out []Replacement
	for _, r := range rs {
		out = append(out, Replacement{OldSegmentID: r.OldSegmentID, NewSegmentIDs: r.NewSegmentIDs})
	}
	return out
}

// ToReplacements converts the pairing of old and new segments of a reissue.
func ToReplacements(ws []Replacement) []domain.Replacement {
	var out []domain.Replacement
	for _, w := range ws {
		out = append(out, domain.Replacement{OldSegmentID: w.OldSegmentID, NewSegmentIDs: w.NewSegmentIDs})
	}
	return out
}

// ToEMDs converts documents.
func ToEMDs(ws []EMD) []domain.EMD {
	var out []domain.EMD
	for _, e := range ws {
		out = append(out, domain.EMD{Number: e.Number, Code: e.Code, PassengerID: e.PassengerID, SegmentID: e.SegmentID, Quantity: e.Quantity, Amount: ToMoney(e.Amount), Seat: e.Seat})
	}
	return out
}

// FromOffer converts an offer of extras.
func FromOffer(o domain.AncillaryOffer) AncillaryOffer {
	w := AncillaryOffer{ID: o.ID, Locator: string(o.Locator), ExpiresAt: o.ExpiresAt, Items: []OfferItem{}}
	for _, it := range o.Items {
		w.Items = append(w.Items, OfferItem{Code: it.Code, Kind: string(it.Kind), Name: it.Name, PassengerID: it.PassengerID, SegmentID: it.SegmentID,
			Price: FromMoney(it.Price), Max: it.Max, Seat: it.Seat, Seats: it.Seats})
	}
	return w
}

// ToOffer converts an offer of extras.
func ToOffer(w AncillaryOffer) domain.AncillaryOffer {
	o := domain.AncillaryOffer{ID: w.ID, Locator: domain.RecordLocator(w.Locator), ExpiresAt: w.ExpiresAt}
	for _, it := range w.Items {
		o.Items = append(o.Items, domain.OfferItem{Code: it.Code, Kind: domain.AncillaryKind(it.Kind), Name: it.Name, PassengerID: it.PassengerID,
			SegmentID: it.SegmentID, Price: ToMoney(it.Price), Max: it.Max, Seat: it.Seat, Seats: it.Seats})
	}
	return o
}

// FromBasket converts basket items.
func FromBasket(items []domain.BasketItem) []BasketItem {
	out := []BasketItem{}
	for _, it := range items {
		out = append(out, BasketItem{Code: it.Code, PassengerID: it.PassengerID, SegmentID: it.SegmentID, Quantity: it.Quantity, Seat: it.Seat})
	}
	return out
}

// ToBasket converts basket items.
func ToBasket(items []BasketItem) []domain.BasketItem {
	var out []domain.BasketItem
	for _, it := range items {
		out = append(out, domain.BasketItem{Code: it.Code, PassengerID: it.PassengerID, SegmentID: it.SegmentID, Quantity: it.Quantity, Seat: it.Seat})
	}
	return out
}

// FromQuote converts a quote.
func FromQuote(q domain.Quote) Quote {
	w := Quote{OfferID: q.OfferID, Total: FromMoney(q.Total), ExpiresAt: q.ExpiresAt, Items: []QuotedItem{}}
	for _, it := range q.Items {
		w.Items = append(w.Items, QuotedItem{BasketItem: FromBasket([]domain.BasketItem{it.BasketItem})[0], Kind: string(it.Kind), Name: it.Name,
			Unit: FromMoney(it.Unit), Total: FromMoney(it.Total)})
	}
	return w
}

// ToQuote converts a quote.
func ToQuote(w Quote) domain.Quote {
	q := domain.Quote{OfferID: w.OfferID, Total: ToMoney(w.Total), ExpiresAt: w.ExpiresAt}
	for _, it := range w.Items {
		q.Items = append(q.Items, domain.QuotedItem{BasketItem: ToBasket([]BasketItem{it.BasketItem})[0], Kind: domain.AncillaryKind(it.Kind),
			Name: it.Name, Unit: ToMoney(it.Unit), Total: ToMoney(it.Total)})
	}
	return q
}

// Status maps a domain error code to its HTTP status, and back with Code.
var Status = map[domain.Code]int{
	domain.Invalid:     422,
	domain.NotFound:    404,
	domain.Conflict:    409,
	domain.Forbidden:   403,
	domain.Unavailable: 503,
	domain.Internal:    500,
}

// Code maps an HTTP status of an error answer to a domain code.
func Code(status int) domain.Code {
	switch status {
	case 400, 422:
		return domain.Invalid
	case 404:
		return domain.NotFound
	case 409:
		return domain.Conflict
	case 403:
		return domain.Forbidden
	case 429, 502, 503, 504:
		return domain.Unavailable
	}
	return domain.Internal
}
