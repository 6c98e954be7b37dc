package pss

// The JSON shape of an import file. import.schema.json is the contract; these
// structs only decode what the schema has already accepted.

type fileDoc struct {
	ReferenceTime string                 `json:"reference_time"`
	Airline       fileAirline            `json:"airline"`
	Layouts       map[string][]fileCabin `json:"layouts"`
	Flights       []fileFlight           `json:"flights"`
	Bookings      []fileBooking          `json:"bookings"`
}

type fileAirline struct {
	IATA         string `json:"iata"`
	ICAO         string `json:"icao"`
	Name         string `json:"name"`
	TicketPrefix string `json:"ticket_prefix"`
	CheckIn      *struct {
		OpensHours    int  `json:"opens_hours"`
		ClosesMinutes *int `json:"closes_minutes"`
	} `json:"check_in"`
	Currency    string          `json:"currency"`
	FareBrands  []fileBrand     `json:"fare_brands"`
	Ancillaries []fileAncillary `json:"ancillaries"`
}

type fileBrand struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Cabin      string `json:"cabin"`
	Supplement string `json:"supplement"`
	Changeable bool   `json:"changeable"`
	ChangeFee  string `json:"change_fee"`
	Refundable bool   `json:"refundable"`
}

type fileAncillary struct {
	Code     string   `json:"code"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	SeatType string   `json:"seat_type"`
	Cabins   []string `json:"cabins"`
	Price    string   `json:"price"`
	Max      int      `json:"max"`
	Requires string   `json:"requires"`
}

type fileFare struct {
	Brand  string `json:"brand"`
	Basis  string `json:"basis"`
	Amount string `json:"amount"`
}

type fileFlight struct {
	Carrier         string      `json:"carrier"`
	Number          int         `json:"number"`
	Suffix          string      `json:"suffix"`
	Date            string      `json:"date"`
	Origin          string      `json:"origin"`
	Destination     string      `json:"destination"`
	Departure       string      `json:"departure"`
	Arrival         string      `json:"arrival"`
	Aircraft        string      `json:"aircraft"`
	Gate            string      `json:"gate"`
	Terminal        string      `json:"terminal"`
	Status          string      `json:"status"`
	BoardingMinutes int         `json:"boarding_minutes"`
	Cabins          []fileCabin `json:"cabins"`
	Seats           []fileSeat  `json:"seats"`
	Occupied        []string    `json:"occupied"`
	Layout          string      `json:"layout"`
	// Fares is the base fare per passenger by cabin ("Y": "89.00").
	Fares map[string]string `json:"fares"`
}

type fileCabin struct {
	Cabin    string   `json:"cabin"`
	FirstRow int      `json:"first_row"`
	LastRow  int      `json:"last_row"`
	Letters  []string `json:"letters"`
	Window   []string `json:"window"`
	Aisle    []string `json:"aisle"`
	ExitRows []int    `json:"exit_rows"`
	SkipRows []int    `json:"skip_rows"`
}

type fileSeat struct {
	Code   string `json:"code"`
	Cabin  string `json:"cabin"`
	Window bool   `json:"window"`
	Aisle  bool   `json:"aisle"`
	Exit   bool   `json:"exit"`
}

type fileBooking struct {
	Locator     string          `json:"locator"`
	Description string          `json:"description"`
	Contact     fileContact     `json:"contact"`
	Passengers  []filePassenger `json:"passengers"`
	Segments    []fileSegment   `json:"segments"`
}

type fileContact struct {
	WhatsApp  string `json:"whatsapp"`
	Messenger string `json:"messenger"`
	Email     string `json:"email"`
	Lang      string `json:"lang"`
}

type filePassenger struct {
	Given        string `json:"given"`
	Surname      string `json:"surname"`
	Title        string `json:"title"`
	Type         string `json:"type"`
	TicketNumber string `json:"ticket_number"`
	InfantOf     *int   `json:"infant_of"`
}

type fileSegment struct {
	Carrier      string         `json:"carrier"`
	Number       int            `json:"number"`
	Date         string         `json:"date"`
	Cabin        string         `json:"cabin"`
	BookingClass string         `json:"booking_class"`
	Status       string         `json:"status"`
	Seats        []fileSeatHold `json:"seats"`
	CheckIns     []fileCheckIn  `json:"check_ins"`
	Fare         *fileFare      `json:"fare"`
}

type fileSeatHold struct {
	Passenger int    `json:"passenger"`
	Seat      string `json:"seat"`
}

type fileCheckIn struct {
	Passenger int    `json:"passenger"`
	Seat      string `json:"seat"`
	Sequence  int    `json:"sequence"`
	At        string `json:"at"`
}
