package domain

import (
	"context"
	"time"
)

// AncillaryKind groups the extras a booking system sells.
type AncillaryKind string

// Ancillary kinds.
const (
	AncillaryBag      AncillaryKind = "bag"
	AncillarySeat     AncillaryKind = "seat"
	AncillaryMeal     AncillaryKind = "meal"
	AncillaryPriority AncillaryKind = "priority"
	AncillaryLounge   AncillaryKind = "lounge"
)

// AncillaryKinds lists the kinds in the order they are offered.
var AncillaryKinds = []AncillaryKind{AncillaryBag, AncillarySeat, AncillaryMeal, AncillaryPriority, AncillaryLounge}

// OfferItem is one extra the booking system will sell for one passenger on one
// segment, at a price, within the offer's validity.
type OfferItem struct {
	// Code is the booking system's service code (an RFISC, e.g. "0CC" for a first
	// checked bag).
	Code        string
	Kind        AncillaryKind
	Name        string // the booking system's name, in English
	PassengerID int64
	SegmentID   int64
	Price       Money // per unit
	// Max is how many units one passenger may buy on the segment (bags: 3).
	Max int
	// Seat is the seat sold, for a seat item that sells one given seat.
	Seat string
	// Seats, for a seat item sold by type (exit row, front, standard), are the seats
	// of that type free for the passenger when the offer was made, in seat-map
	// order; the basket item names the one chosen (BasketItem.Seat).
	Seats []string
}

// SeatChoices returns the seats a seat item lets the traveller choose from.
func (it OfferItem) SeatChoices() []string {
	if len(it.Seats) > 0 {
		return it.Seats
	}
	if it.Seat != "" {
		return []string{it.Seat}
	}
	return nil
}

// AncillaryOffer is what can be bought for a booking, valid until ExpiresAt.
type AncillaryOffer struct {
	ID        string
	Locator   RecordLocator
	Items     []OfferItem
	ExpiresAt time.Time
}

// BasketItem is a choice from an offer.
type BasketItem struct {
	Code        string
	PassengerID int64
	SegmentID   int64
	Quantity    int
	Seat        string
}

// QuotedItem is a basket item with its price.
type QuotedItem struct {
	BasketItem
	Kind  AncillaryKind
	Name  string
	Unit  Money
	Total Money
}

// Quote prices a basket against an offer.
type Quote struct {
	OfferID   string
	Items     []QuotedItem
	Total     Money
	ExpiresAt time.Time
}

// FulfilRequest asks the booking system to issue paid extras.
type FulfilRequest struct {
	IdempotencyKey string
	Locator        RecordLocator
	OfferID        string
	Items          []BasketItem
	// PaymentID is the provider's id of the captured payment.
	PaymentID string
}

// EMD is an electronic miscellaneous document: the receipt of one paid service.
type EMD struct {
	Number      string // 13 digits
	Code        string
	PassengerID int64
	SegmentID   int64
	Quantity    int
	Amount      Money
	Seat        string
}

// Ancillaries is what Skybridge needs from the booking system to sell extras.
type Ancillaries interface {
	// AncillaryOffer returns the extras for sale on a booking's confirmed, not yet
	// flown segments.
	AncillaryOffer(ctx context.Context, loc RecordLocator) (AncillaryOffer, error)
	// PriceBasket prices chosen items. An expired offer is a Conflict error; an item
	// not in the offer or over its maximum is Invalid.
	PriceBasket(ctx context.Context, offerID string, items []BasketItem) (Quote, error)
	// FulfilAncillaries issues the items, one EMD per item; idempotent by key. An
	// expired offer is a Conflict error (the payment must then be refunded).
	FulfilAncillaries(ctx context.Context, req FulfilRequest) ([]EMD, error)
}
