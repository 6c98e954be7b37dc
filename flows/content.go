package flows

import "time"

// Content is one immutable, published version of what staff configure: the
// traveller-facing texts of every flow in every language, and the business rules.
// The flow graphs themselves are code; content is data (DESIGN decision 1).
type Content struct {
	Version   int
	Author    string
	Comment   string
	CreatedAt time.Time
	// Messages maps language → message key → template. Templates use named
	// placeholders in braces: "Hello {name}".
	Messages map[string]map[string]string `json:"messages"`
	Rules    Rules                        `json:"rules"`
}

// Rules are the business rules staff can tune.
type Rules struct {
	// CheckInOpensHours and CheckInClosesHours give the default online check-in
	// window before departure; Carriers overrides them per airline designator.
	CheckInOpensHours  float64                 `json:"checkin_opens_hours"`
	CheckInClosesHours float64                 `json:"checkin_closes_hours"`
	Carriers           map[string]CarrierRules `json:"carriers,omitempty"`
	// SeatChoice lets travellers pick a seat from the seat map during check-in.
	SeatChoice bool `json:"seat_choice"`
	// MaxLookupFailures failed booking look-ups within LookupWindowMinutes lock a
	// traveller out of look-ups for the rest of that window.
	MaxLookupFailures   int `json:"max_lookup_failures"`
	LookupWindowMinutes int `json:"lookup_window_minutes"`
}

// CarrierRules overrides the check-in window for one airline.
type CarrierRules struct {
	CheckInOpensHours  float64 `json:"checkin_opens_hours"`
	CheckInClosesHours float64 `json:"checkin_closes_hours"`
}
