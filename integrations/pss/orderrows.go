package pss

import "time"

// Rows of the tables of fares, extras, changes and orders (migration 00010).

type fareBrandRow struct {
	Carrier         string `gorm:"column:carrier;primaryKey"`
	Code            string `gorm:"column:code;primaryKey"`
	Name            string `gorm:"column:name"`
	Cabin           string `gorm:"column:cabin"`
	Pos             int    `gorm:"column:pos"`
	SupplementMinor int64  `gorm:"column:supplement_minor"`
	Changeable      bool   `gorm:"column:changeable"`
	ChangeFeeMinor  int64  `gorm:"column:change_fee_minor"`
	Refundable      bool   `gorm:"column:refundable"`
	Currency        string `gorm:"column:currency"`
}

func (fareBrandRow) TableName() string { return "pss_fare_brands" }

type flightFareRow struct {
	FlightID    int64  `gorm:"column:flight_id;primaryKey"`
	Cabin       string `gorm:"column:cabin;primaryKey"`
	AmountMinor int64  `gorm:"column:amount_minor"`
	Currency    string `gorm:"column:currency"`
}

func (flightFareRow) TableName() string { return "pss_flight_fares" }

type segmentFareRow struct {
	SegmentID   int64  `gorm:"column:segment_id;primaryKey"`
	Brand       string `gorm:"column:brand"`
	Basis       string `gorm:"column:basis"`
	AmountMinor int64  `gorm:"column:amount_minor"`
	Currency    string `gorm:"column:currency"`
}

func (segmentFareRow) TableName() string { return "pss_segment_fares" }

type ancillaryRow struct {
	Carrier    string `gorm:"column:carrier;primaryKey"`
	Code       string `gorm:"column:code;primaryKey"`
	Kind       string `gorm:"column:kind"`
	Name       string `gorm:"column:name"`
	SeatType   string `gorm:"column:seat_type"`
	Cabins     string `gorm:"column:cabins"` // "Y,W"; empty for every cabin
	PriceMinor int64  `gorm:"column:price_minor"`
	Currency   string `gorm:"column:currency"`
	MaxQty     int    `gorm:"column:max_qty"`
	Requires   string `gorm:"column:requires"` // code that must be held first (a second bag needs a first)
	Pos        int    `gorm:"column:pos"`
}

func (ancillaryRow) TableName() string { return "pss_ancillaries" }

type offerRow struct {
	ID        string    `gorm:"column:id;primaryKey"`
	Kind      string    `gorm:"column:kind"` // offerExtras or offerChange
	BookingID int64     `gorm:"column:booking_id"`
	Payload   string    `gorm:"column:payload"`
	CreatedAt time.Time `gorm:"column:created_at"`
	ExpiresAt time.Time `gorm:"column:expires_at"`
}

func (offerRow) TableName() string { return "pss_offers" }

// Offer kinds.
const (
	offerExtras = "extras"
	offerChange = "change"
)

type emdRow struct {
	Number      string    `gorm:"column:number;primaryKey"`
	BookingID   int64     `gorm:"column:booking_id"`
	PassengerID int64     `gorm:"column:passenger_id"`
	SegmentID   int64     `gorm:"column:segment_id"`
	Code        string    `gorm:"column:code"`
	Kind        string    `gorm:"column:kind"`
	Quantity    int       `gorm:"column:quantity"`
	AmountMinor int64     `gorm:"column:amount_minor"`
	Currency    string    `gorm:"column:currency"`
	Seat        string    `gorm:"column:seat"`
	Status      string    `gorm:"column:status"` // emdIssued or emdRefunded
	OfferID     string    `gorm:"column:offer_id"`
	PaymentID   string    `gorm:"column:payment_id"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

func (emdRow) TableName() string { return "pss_emds" }

// EMD statuses.
const (
	emdIssued   = "issued"
	emdRefunded = "refunded"
)

type requestRow struct {
	Key         string    `gorm:"column:idempotency_key;primaryKey"`
	Operation   string    `gorm:"column:operation"`
	Fingerprint string    `gorm:"column:fingerprint"`
	Result      string    `gorm:"column:result"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

func (requestRow) TableName() string { return "pss_requests" }
