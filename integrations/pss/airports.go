package pss

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // zones must not depend on the host's zoneinfo

	"github.com/skybridge/skybridge/domain"
)

// airportsCSV lists commercial airports: IATA, ICAO, name, city, ISO 3166-1 alpha-3
// country, IANA time zone. Compiled from public-domain OurAirports data.
//
//go:embed airports.csv
var airportsCSV string

var airports = sync.OnceValues(func() (map[domain.AirportCode]domain.Airport, error) {
	return parseAirports(strings.NewReader(airportsCSV))
})

// Airport returns a known airport with its time zone.
func Airport(code domain.AirportCode) (domain.Airport, bool) {
	m, err := airports()
	if err != nil {
		// The list is compiled in and checked by tests; a broken list is a build defect.
		panic(err)
	}
	a, ok := m[domain.AirportCode(strings.ToUpper(string(code)))]
	return a, ok
}

// Airports returns every known airport code, for documentation and pickers.
func Airports() []domain.AirportCode {
	m, _ := airports()
	out := make([]domain.AirportCode, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	return out
}

func parseAirports(r io.Reader) (map[domain.AirportCode]domain.Airport, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 6
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("read airports: %w", err)
	}
	out := make(map[domain.AirportCode]domain.Airport, len(rows))
	for i, row := range rows {
		if i == 0 {
			continue // header
		}
		code, err := domain.ParseAirportCode(row[0])
		if err != nil {
			return nil, fmt.Errorf("read airports: line %d: %w", i+1, err)
		}
		loc, err := time.LoadLocation(row[5])
		if err != nil {
			return nil, fmt.Errorf("read airports: line %d: %w", i+1, err)
		}
		if len(row[4]) != 3 {
			return nil, fmt.Errorf("read airports: line %d: country %q is not ISO alpha-3", i+1, row[4])
		}
		if _, dup := out[code]; dup {
			return nil, fmt.Errorf("read airports: line %d: %s listed twice", i+1, code)
		}
		out[code] = domain.Airport{
			Code:     code,
			Name:     row[2],
			City:     row[3],
			Country:  domain.CountryCode(row[4]),
			Location: loc,
		}
	}
	return out, nil
}

// airportOrZone returns the listed airport, or a bare one in the stored zone when the
// list no longer knows the code (data imported with an older binary).
func airportOrZone(code, zone string) domain.Airport {
	if a, ok := Airport(domain.AirportCode(code)); ok {
		return a
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	return domain.Airport{Code: domain.AirportCode(code), Name: code, City: code, Location: loc}
}

// AirportZone returns the time zone of a known airport, nil for an unknown code: the
// lookup flight-status adapters need to date a flight at its origin.
func AirportZone(code domain.AirportCode) *time.Location {
	if a, ok := Airport(code); ok {
		return a.Location
	}
	return nil
}
