package boardingpass_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the fixture's zones must not depend on the host's zoneinfo

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load location %s: %v", name, err)
	}
	return loc
}

// fixture is a checked-in passenger on a summer morning flight from Amsterdam to
// Lisbon. Its times are stored in UTC so that the tests prove the pass shows them in
// Amsterdam time.
func fixture(t testing.TB) domain.BoardingPass {
	t.Helper()
	ams := mustLoad(t, "Europe/Amsterdam")
	lis := mustLoad(t, "Europe/Lisbon")
	p := domain.BoardingPass{
		Token:   "tok",
		Locator: "X7K2PQ",
		Name:    domain.PersonName{Given: "François", Surname: "Müller"},
		PaxType: domain.Adult,
		Flight:  domain.FlightNumber{Carrier: "SB", Number: 1234},
		Origin: domain.Airport{
			Code: "AMS", City: "Amsterdam", Name: "Amsterdam Airport Schiphol", Country: "NLD", Location: ams,
		},
		Destination: domain.Airport{
			Code: "LIS", City: "Lisbon", Name: "Humberto Delgado Airport", Country: "PRT", Location: lis,
		},
		Departure:    time.Date(2026, 7, 14, 8, 35, 0, 0, time.UTC), // 10:35 CEST
		BoardingTime: time.Date(2026, 7, 14, 7, 55, 0, 0, time.UTC), // 09:55 CEST
		Gate:         "D7",
		Terminal:     "1",
		Cabin:        domain.Business,
		BookingClass: "J",
		Seat:         "2A",
		Sequence:     25,
		TicketNumber: "0742497067621",
		IssuedAt:     time.Date(2026, 7, 13, 9, 12, 0, 0, ams),
		Valid:        true,
	}
	return withBCBP(t, p)
}

// withBCBP fills in the barcode data the way check-in does.
func withBCBP(t testing.TB, p domain.BoardingPass) domain.BoardingPass {
	t.Helper()
	s, err := bcbp.Encode(p)
	if err != nil {
		t.Fatalf("encode fixture: %v", err)
	}
	p.BCBP = s
	return p
}
