package wire

import (
	"time"
	_ "time/tzdata" // zones of airports must not depend on the host
)

// Error is the body of every answer that is not a success.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Money is an amount in minor units.
type Money struct {
	Minor    int64  `json:"minor"`
	Currency string `json:"currency"`
}

// Airport is an airport with its IANA time zone.
type Airport struct {
	Code     string `json:"code"`
	Name     string `json:"name,omitempty"`
	City     string `json:"city,omitempty"`
	Country  string `json:"country,omitempty"`
	TimeZone string `json:"time_zone"`
}

// Flight is one departure.
type Flight struct {
	ID              int64     `json:"id"`
	Number          string    `json:"number"`
	Date            string    `json:"date"`
	Origin          Airport   `json:"origin"`
	Destination     Airport   `json:"destination"`
	Departure       time.Time `json:"departure"`
	Arrival         time.Time `json:"arrival"`
	Aircraft        string    `json:"aircraft,omitempty"`
	Gate            string    `json:"gate,omitempty"`
	Terminal        string    `json:"terminal,omitempty"`
	Status          string    `json:"status"`
	BoardingMinutes int       `json:"boarding_minutes,omitempty"`
}

// Passenger is a person on a booking.
type Passenger struct {
	ID           int64  `json:"id"`
	Given        string `json:"given"`
	Surname      string `json:"surname"`
	Title        string `json:"title,omitempty"`
	Type         string `json:"type"`
	TicketNumber string `json:"ticket_number,omitempty"`
	InfantOf     int64  `json:"infant_of,omitempty"`
}

// Segment is one flight of a booking.
type Segment struct {
	ID           int64  `json:"id"`
	Flight       Flight `json:"flight"`
	Cabin        string `json:"cabin"`
	BookingClass string `json:"booking_class"`
	Status       string `json:"status"`
}

// Contact is how to reach the booking's travellers.
type Contact struct {
	WhatsApp  string `json:"whatsapp,omitempty"`
	Messenger string `json:"messenger,omitempty"`
	Email     string `json:"email,omitempty"`
	Lang      string `json:"lang,omitempty"`
}

// CheckIn is one accepted passenger on one segment.
type CheckIn struct {
	PassengerID int64     `json:"passenger_id"`
	SegmentID   int64     `json:"segment_id"`
	Seat        string    `json:"seat,omitempty"`
	Sequence    int       `json:"sequence"`
	At          time.Time `json:"at"`
}

// SeatAssignment is a seat held before check-in.
type SeatAssignment struct {
	PassengerID int64  `json:"passenger_id"`
	SegmentID   int64  `json:"segment_id"`
	Seat        string `json:"seat"`
}

// Booking is a reservation.
type Booking struct {
	Locator    string           `json:"locator"`
	Passengers []Passenger      `json:"passengers"`
	Segments   []Segment        `json:"segments"`
	Contact    Contact          `json:"contact"`
	CheckIns   []CheckIn        `json:"check_ins"`
	Seats      []SeatAssignment `json:"seats"`
}

// CheckInPolicy is the online check-in window in minutes before departure.
type CheckInPolicy struct {
	OpensMinutes  int `json:"opens_minutes"`
	ClosesMinutes int `json:"closes_minutes"`
}

// Seat is one seat of a seat map.
type Seat struct {
	Code    string `json:"code"`
	Row     int    `json:"row"`
	Letter  string `json:"letter"`
	Cabin   string `json:"cabin"`
	Free    bool   `json:"free"`
	Window  bool   `json:"window"`
	Aisle   bool   `json:"aisle"`
	ExitRow bool   `json:"exit_row"`
}

// SeatMap is a flight's seats.
type SeatMap struct {
	FlightID int64  `json:"flight_id"`
	Seats    []Seat `json:"seats"`
}

// Document is a travel document given at check-in.
type Document struct {
	Type           string `json:"type"`
	Number         string `json:"number"`
	Nationality    string `json:"nationality"`
	IssuingCountry string `json:"issuing_country"`
	Expiry         string `json:"expiry"`
	BirthDate      string `json:"birth_date"`
}

// PassengerCheckIn is one passenger of a check-in request.
type PassengerCheckIn struct {
	PassengerID       int64     `json:"passenger_id"`
	Seat              string    `json:"seat,omitempty"`
	Document          *Document `json:"document,omitempty"`
	DangerousGoodsAck bool      `json:"dangerous_goods_ack"`
}

// CheckInRequest checks passengers in on one segment.
type CheckInRequest struct {
	SegmentID  int64              `json:"segment_id"`
	Passengers []PassengerCheckIn `json:"passengers"`
}

// CheckIns is the answer to a check-in.
type CheckIns struct {
	CheckIns []CheckIn `json:"check_ins"`
}

// ChangeRules are a fare's rules for a change.
type ChangeRules struct {
	Changeable bool   `json:"changeable"`
	Fee        Money  `json:"fee"`
	Refundable bool   `json:"refundable"`
	Reason     string `json:"reason,omitempty"`
}

// Alternative is one priced replacement.
type Alternative struct {
	ID             string    `json:"id"`
	Flights        []Flight  `json:"flights"`
	Cabin          string    `json:"cabin"`
	FareDifference Money     `json:"fare_difference"`
	ChangeFee      Money     `json:"change_fee"`
	ToPay          Money     `json:"to_pay"`
	Residual       Money     `json:"residual"`
	SeatsLeft      int       `json:"seats_left"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// Alternatives is the answer to a search.
type Alternatives struct {
	Alternatives []Alternative `json:"alternatives"`
}

// EMD is the receipt of one paid service.
type EMD struct {
	Number      string `json:"number"`
	Code        string `json:"code"`
	PassengerID int64  `json:"passenger_id"`
	SegmentID   int64  `json:"segment_id"`
	Quantity    int    `json:"quantity"`
	Amount      Money  `json:"amount"`
	Seat        string `json:"seat,omitempty"`
}

// ReissueRequest replaces segments with an alternative.
type ReissueRequest struct {
	SegmentIDs    []int64 `json:"segment_ids"`
	AlternativeID string  `json:"alternative_id"`
	PaymentID     string  `json:"payment_id,omitempty"`
	Involuntary   bool    `json:"involuntary"`
}

// Reissue is the result of a reissue.
type Reissue struct {
	Booking        Booking   `json:"booking"`
	NewSegmentIDs  []int64   `json:"new_segment_ids"`
	CarriedOver    []EMD     `json:"carried_over"`
	Refunded       []EMD     `json:"refunded"`
	VoidedCheckIns []CheckIn `json:"voided_check_ins"`
	// Replacements is optional: a booking system that does not pair old and new
	// segments leaves it out.
	Replacements []Replacement `json:"replacements,omitempty"`
}

// Replacement pairs an old segment with the new segments that replaced it.
type Replacement struct {
	OldSegmentID  int64   `json:"old_segment_id"`
	NewSegmentIDs []int64 `json:"new_segment_ids"`
}

// CancelRequest cancels segments.
type CancelRequest struct {
	SegmentIDs  []int64 `json:"segment_ids"`
	Involuntary bool    `json:"involuntary"`
}

// Cancellation is the result of a cancellation.
type Cancellation struct {
	Reference string `json:"reference"`
	Refund    Money  `json:"refund"`
}

// OfferItem is one extra for sale.
type OfferItem struct {
	Code        string `json:"code"`
	Kind        string `json:"kind"`
	Name        string `json:"name"`
	PassengerID int64  `json:"passenger_id"`
	SegmentID   int64  `json:"segment_id"`
	Price       Money  `json:"price"`
	Max         int    `json:"max"`
	Seat        string `json:"seat,omitempty"`
	// Seats are the seats a seat item sold by type lets the passenger choose.
	Seats []string `json:"seats,omitempty"`
}

// AncillaryOffer is what can be bought for a booking.
type AncillaryOffer struct {
	ID        string      `json:"id"`
	Locator   string      `json:"locator"`
	Items     []OfferItem `json:"items"`
	ExpiresAt time.Time   `json:"expires_at"`
}

// BasketItem is a choice from an offer.
type BasketItem struct {
	Code        string `json:"code"`
	PassengerID int64  `json:"passenger_id"`
	SegmentID   int64  `json:"segment_id"`
	Quantity    int    `json:"quantity"`
	Seat        string `json:"seat,omitempty"`
}

// Basket is a list of choices.
type Basket struct {
	Items []BasketItem `json:"items"`
}

// QuotedItem is a priced choice.
type QuotedItem struct {
	BasketItem
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Unit  Money  `json:"unit"`
	Total Money  `json:"total"`
}

// Quote prices a basket.
type Quote struct {
	OfferID   string       `json:"offer_id"`
	Items     []QuotedItem `json:"items"`
	Total     Money        `json:"total"`
	ExpiresAt time.Time    `json:"expires_at"`
}

// FulfilRequest issues paid extras.
type FulfilRequest struct {
	Locator   string       `json:"locator"`
	Items     []BasketItem `json:"items"`
	PaymentID string       `json:"payment_id"`
}

// EMDs is the answer to a fulfilment.
type EMDs struct {
	EMDs []EMD `json:"emds"`
}
