package wire

import (
	"slices"

	"github.com/skybridge/skybridge/domain"
)

// Carriers lists the airlines whose flights the booking system holds.
type Carriers struct {
	Carriers []string `json:"carriers"`
}

// Flights lists flights, by departure.
type Flights struct {
	Flights []Flight `json:"flights"`
}

// TravellerGroup is one booking's passengers on one flight, with its contact.
type TravellerGroup struct {
	BookingID  int64       `json:"booking_id"`
	Locator    string      `json:"locator"`
	SegmentID  int64       `json:"segment_id"`
	Passengers []Passenger `json:"passengers"`
	Contact    Contact     `json:"contact"`
	// CheckedIn holds the ids of the passengers checked in on the flight.
	CheckedIn []int64 `json:"checked_in"`
}

// Travellers is a page of a flight's traveller groups, by booking id.
type Travellers struct {
	Travellers []TravellerGroup `json:"travellers"`
}

func fromPassenger(p domain.Passenger) Passenger {
	return Passenger{ID: p.ID, Given: p.Name.Given, Surname: p.Name.Surname, Title: p.Name.Title,
		Type: string(p.Type), TicketNumber: p.TicketNumber, InfantOf: p.InfantOf}
}

func toPassenger(p Passenger) domain.Passenger {
	return domain.Passenger{ID: p.ID, Name: domain.PersonName{Given: p.Given, Surname: p.Surname, Title: p.Title},
		Type: domain.PaxType(p.Type), TicketNumber: p.TicketNumber, InfantOf: p.InfantOf}
}

func fromContact(c domain.Contact) Contact {
	return Contact{WhatsApp: c.WhatsApp.Reveal(), Messenger: c.Messenger, Email: c.Email.Reveal(), Lang: string(c.Lang)}
}

func toContact(c Contact) domain.Contact {
	return domain.Contact{WhatsApp: domain.Secret(c.WhatsApp), Messenger: c.Messenger, Email: domain.Secret(c.Email), Lang: domain.Lang(c.Lang)}
}

// FromTravellerGroup converts a traveller group; checked-in ids come sorted.
func FromTravellerGroup(g domain.TravellerGroup) TravellerGroup {
	w := TravellerGroup{BookingID: g.BookingID, Locator: string(g.Locator), SegmentID: g.SegmentID,
		Passengers: []Passenger{}, Contact: fromContact(g.Contact), CheckedIn: []int64{}}
	for _, p := range g.Passengers {
		w.Passengers = append(w.Passengers, fromPassenger(p))
	}
	for id, in := range g.CheckedIn {
		if in {
			w.CheckedIn = append(w.CheckedIn, id)
		}
	}
	slices.Sort(w.CheckedIn)
	return w
}

// ToTravellerGroup converts a traveller group.
func ToTravellerGroup(w TravellerGroup) domain.TravellerGroup {
	g := domain.TravellerGroup{BookingID: w.BookingID, Locator: domain.RecordLocator(w.Locator), SegmentID: w.SegmentID,
		Contact: toContact(w.Contact), CheckedIn: map[int64]bool{}}
	for _, p := range w.Passengers {
		g.Passengers = append(g.Passengers, toPassenger(p))
	}
	for _, id := range w.CheckedIn {
		g.CheckedIn[id] = true
	}
	return g
}
