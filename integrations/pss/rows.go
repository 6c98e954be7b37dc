package pss

import (
	"database/sql"
	"time"
)

// Database rows of the pss_ tables. They stay private to the adapter and are turned
// into domain values by the to… functions next to their readers.

type airlineRow struct {
	Code             string `gorm:"column:code;primaryKey"`
	ICAO             string `gorm:"column:icao"`
	Name             string `gorm:"column:name"`
	TicketPrefix     string `gorm:"column:ticket_prefix"`
	CheckInOpensMin  int    `gorm:"column:checkin_opens_min"`
	CheckInClosesMin int    `gorm:"column:checkin_closes_min"`
	Currency         string `gorm:"column:currency"`
}

func (airlineRow) TableName() string { return "pss_airlines" }

type flightRow struct {
	ID              int64     `gorm:"column:id;primaryKey"`
	Carrier         string    `gorm:"column:carrier"`
	Number          int       `gorm:"column:number"`
	Suffix          string    `gorm:"column:suffix"`
	Date            time.Time `gorm:"column:flight_date"`
	Origin          string    `gorm:"column:origin"`
	Destination     string    `gorm:"column:destination"`
	OriginZone      string    `gorm:"column:origin_zone"`
	DestinationZone string    `gorm:"column:destination_zone"`
	Departure       time.Time `gorm:"column:departure"`
	Arrival         time.Time `gorm:"column:arrival"`
	Aircraft        string    `gorm:"column:aircraft"`
	Gate            string    `gorm:"column:gate"`
	Terminal        string    `gorm:"column:terminal"`
	Status          string    `gorm:"column:status"`
	BoardingMin     int       `gorm:"column:boarding_min"`
	LastSequence    int       `gorm:"column:last_sequence"`
}

func (flightRow) TableName() string { return "pss_flights" }

type bookingRow struct {
	ID             int64     `gorm:"column:id;primaryKey"`
	Locator        string    `gorm:"column:locator"`
	WhatsAppSealed string    `gorm:"column:whatsapp_sealed"`
	EmailSealed    string    `gorm:"column:email_sealed"`
	MessengerID    string    `gorm:"column:messenger_id"`
	Lang           string    `gorm:"column:lang"`
	CreatedAt      time.Time `gorm:"column:created_at"`
	UpdatedAt      time.Time `gorm:"column:updated_at"`
}

func (bookingRow) TableName() string { return "pss_bookings" }

type passengerRow struct {
	ID           int64         `gorm:"column:id;primaryKey"`
	BookingID    int64         `gorm:"column:booking_id"`
	Pos          int           `gorm:"column:pos"`
	Given        string        `gorm:"column:given"`
	Surname      string        `gorm:"column:surname"`
	Title        string        `gorm:"column:title"`
	Type         string        `gorm:"column:pax_type"`
	TicketNumber string        `gorm:"column:ticket_number"`
	InfantOf     sql.NullInt64 `gorm:"column:infant_of"`
}

func (passengerRow) TableName() string { return "pss_passengers" }

type segmentRow struct {
	ID           int64  `gorm:"column:id;primaryKey"`
	BookingID    int64  `gorm:"column:booking_id"`
	FlightID     int64  `gorm:"column:flight_id"`
	Cabin        string `gorm:"column:cabin"`
	BookingClass string `gorm:"column:booking_class"`
	Status       string `gorm:"column:status"`
}

func (segmentRow) TableName() string { return "pss_segments" }

type seatRow struct {
	ID          int64         `gorm:"column:id;primaryKey"`
	FlightID    int64         `gorm:"column:flight_id"`
	Code        string        `gorm:"column:code"`
	Row         int           `gorm:"column:seat_row"`
	Letter      string        `gorm:"column:letter"`
	Cabin       string        `gorm:"column:cabin"`
	Window      bool          `gorm:"column:is_window"`
	Aisle       bool          `gorm:"column:is_aisle"`
	Exit        bool          `gorm:"column:is_exit"`
	Blocked     bool          `gorm:"column:blocked"`
	PassengerID sql.NullInt64 `gorm:"column:passenger_id"`
	SegmentID   sql.NullInt64 `gorm:"column:segment_id"`
}

func (seatRow) TableName() string { return "pss_seats" }

type seatAssignmentRow struct {
	ID          int64  `gorm:"column:id;primaryKey"`
	PassengerID int64  `gorm:"column:passenger_id"`
	SegmentID   int64  `gorm:"column:segment_id"`
	Seat        string `gorm:"column:seat"`
}

func (seatAssignmentRow) TableName() string { return "pss_seat_assignments" }

type checkInRow struct {
	ID             int64     `gorm:"column:id;primaryKey"`
	PassengerID    int64     `gorm:"column:passenger_id"`
	SegmentID      int64     `gorm:"column:segment_id"`
	Seat           string    `gorm:"column:seat"`
	Sequence       int       `gorm:"column:sequence"`
	At             time.Time `gorm:"column:checked_in_at"`
	DangerousGoods bool      `gorm:"column:dangerous_goods"`
	IdempotencyKey string    `gorm:"column:idempotency_key"`
}

func (checkInRow) TableName() string { return "pss_checkins" }

type documentRow struct {
	ID              int64         `gorm:"column:id;primaryKey"`
	PassengerID     int64         `gorm:"column:passenger_id"`
	SegmentID       sql.NullInt64 `gorm:"column:segment_id"`
	Type            string        `gorm:"column:doc_type"`
	NumberSealed    string        `gorm:"column:number_sealed"`
	Nationality     string        `gorm:"column:nationality"`
	IssuingCountry  string        `gorm:"column:issuing_country"`
	Expiry          time.Time     `gorm:"column:expiry"`
	BirthDateSealed string        `gorm:"column:birth_date_sealed"`
	CreatedAt       time.Time     `gorm:"column:created_at"`
}

func (documentRow) TableName() string { return "pss_documents" }

type checkInRequestRow struct {
	Key         string    `gorm:"column:idempotency_key;primaryKey"`
	Fingerprint string    `gorm:"column:fingerprint"`
	Result      string    `gorm:"column:result"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

func (checkInRequestRow) TableName() string { return "pss_checkin_requests" }

// dateOnly is midnight UTC of t's calendar date in t's own location: how dates are
// stored, so that a date never moves with the database session's zone.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// storedDate reads a stored date back as its calendar date at midnight UTC, whatever
// zone the driver attached.
func storedDate(t time.Time) time.Time { return dateOnly(t.UTC()) }
