package domain

import (
	"strconv"
	"strings"
)

// Seat is one seat of a flight's seat map.
type Seat struct {
	Code    string // "14C"
	Row     int
	Letter  string
	Cabin   Cabin
	Free    bool
	Window  bool
	Aisle   bool
	ExitRow bool // extra legroom; not for children or infants
}

// SeatMap is the layout of a flight with the occupancy at the time it was read.
type SeatMap struct {
	FlightID int64
	Seats    []Seat
}

// Seat returns the seat with the given code.
func (m SeatMap) Seat(code string) (Seat, bool) {
	for _, s := range m.Seats {
		if s.Code == code {
			return s, true
		}
	}
	return Seat{}, false
}

// FreeIn returns the free seats of a cabin in map order.
func (m SeatMap) FreeIn(c Cabin) []Seat {
	var out []Seat
	for _, s := range m.Seats {
		if s.Free && s.Cabin == c {
			out = append(out, s)
		}
	}
	return out
}

// ParseSeatCode normalises "14c", "14 C" or "C14" to "14C".
func ParseSeatCode(s string) (string, error) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if len(s) >= 2 && s[0] >= 'A' && s[0] <= 'Z' {
		s = s[1:] + s[:1]
	}
	if len(s) < 2 || len(s) > 4 {
		return "", Errorf(Invalid, "parse seat", "%q is not a seat", s)
	}
	letter := s[len(s)-1:]
	row, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || row < 1 || row > 99 || letter[0] < 'A' || letter[0] > 'Z' {
		return "", Errorf(Invalid, "parse seat", "%q is not a seat", s)
	}
	return strconv.Itoa(row) + letter, nil
}

// SeatAssignment is a seat held for a passenger on a segment before or at check-in.
type SeatAssignment struct {
	PassengerID int64
	SegmentID   int64
	Seat        string
}
