package pss

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
)

// demoJSON is the demo airline Skybridge Air (SB, ticketing prefix 999, hub AMS) in
// the import format. Its reference_time keeps every flight relative to the clock.
//
//go:embed demo.json
var demoJSON []byte

// DemoJSON returns the demo data file, for `skybridge import` examples and tests.
func DemoJSON() []byte { return bytes.Clone(demoJSON) }

// LoadDemoIfEmpty imports the demo data when the demo booking system holds no
// booking yet, and reports whether it did.
func LoadDemoIfEmpty(ctx context.Context, db *database.DB, sealer *domain.Sealer, now time.Time) (bool, error) {
	var n int64
	if err := db.Gorm.WithContext(ctx).Model(&bookingRow{}).Count(&n).Error; err != nil {
		return false, fmt.Errorf("load demo data: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	rep, err := Import(ctx, db, sealer, bytes.NewReader(demoJSON), now)
	if err != nil {
		// The file is compiled in and tested; problems here are a build defect.
		return false, fmt.Errorf("load demo data: %w\n%s", err, rep)
	}
	return true, nil
}

// DemoBooking is one booking of the demo data, for the README and the start-up log.
type DemoBooking struct {
	Locator domain.RecordLocator
	Surname string // of the first passenger; any passenger's surname works
	Case    string // what the booking shows
	// Departs is the departure of the booking's first segment once the demo data is
	// loaded at now, in the origin's time zone.
	Departs time.Time
	Route   string // "AMS-LHR", or "BCN-AMS-CPH" for a connection
}

// DemoBookings lists the demo bookings as they are when loaded at now.
func DemoBookings(now time.Time) []DemoBooking {
	var doc fileDoc
	if err := json.Unmarshal(demoJSON, &doc); err != nil {
		panic(fmt.Sprintf("demo.json: %v", err)) // compiled in and tested
	}
	ref, _ := time.Parse(time.RFC3339, doc.ReferenceTime)
	delta := now.Truncate(time.Hour).Sub(ref)
	type key struct {
		n    int
		date string
	}
	flights := map[key]fileFlight{}
	for _, f := range doc.Flights {
		flights[key{f.Number, f.Date}] = f
	}
	var out []DemoBooking
	for _, b := range doc.Bookings {
		d := DemoBooking{Locator: domain.RecordLocator(b.Locator), Surname: b.Passengers[0].Surname, Case: b.Description}
		for i, s := range b.Segments {
			f := flights[key{s.Number, s.Date}]
			if i == 0 {
				d.Route = f.Origin
				if a, ok := Airport(domain.AirportCode(f.Origin)); ok {
					if t, err := parseWhen(f.Departure, a.Location); err == nil {
						d.Departs = t.Add(delta).In(a.Location)
					}
				}
			}
			d.Route += "-" + f.Destination
		}
		out = append(out, d)
	}
	return out
}
