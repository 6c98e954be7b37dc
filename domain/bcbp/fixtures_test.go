package bcbp_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the fixtures' zones must not depend on the host's zoneinfo

	"github.com/skybridge/skybridge/domain"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load location %s: %v", name, err)
	}
	return loc
}

func airport(t testing.TB, code, city, name, country, zone string) domain.Airport {
	return domain.Airport{
		Code: domain.AirportCode(code), City: city, Name: name,
		Country: domain.CountryCode(country), Location: mustLoad(t, zone),
	}
}

// passCase is a boarding pass with what its BCBP string must say.
type passCase struct {
	name string
	pass domain.BoardingPass
	// Expected decoded values that are not a plain copy of the pass.
	wantName  string
	wantSeat  string
	wantSeq   string
	wantDay   int
	wantDesc  string
	wantDocV  string
	wantIssue string
}

// passCases are the passes of the golden file, the round trip and the independent
// parser check.
func passCases(t testing.TB) []passCase {
	ams := airport(t, "AMS", "Amsterdam", "Schiphol", "NLD", "Europe/Amsterdam")
	jfk := airport(t, "JFK", "New York", "John F. Kennedy International", "USA", "America/New_York")
	lis := airport(t, "LIS", "Lisbon", "Humberto Delgado", "PRT", "Europe/Lisbon")
	opo := airport(t, "OPO", "Porto", "Francisco Sá Carneiro", "PRT", "Europe/Lisbon")
	lgw := airport(t, "LGW", "London", "Gatwick", "GBR", "Europe/London")
	gva := airport(t, "GVA", "Geneva", "Geneva Airport", "CHE", "Europe/Zurich")
	lax := airport(t, "LAX", "Los Angeles", "Los Angeles International", "USA", "America/Los_Angeles")
	hnd := airport(t, "HND", "Tokyo", "Haneda", "JPN", "Asia/Tokyo")
	kl641 := domain.FlightNumber{Carrier: "KL", Number: 641}

	base := domain.BoardingPass{
		Token:        "tok",
		Locator:      "X7K2PQ",
		Name:         domain.PersonName{Given: "François", Surname: "Müller", Title: "MR"},
		PaxType:      domain.Adult,
		Flight:       kl641,
		Origin:       ams,
		Destination:  jfk,
		Departure:    time.Date(2026, 7, 14, 10, 35, 0, 0, ams.Location),
		BoardingTime: time.Date(2026, 7, 14, 9, 55, 0, 0, ams.Location),
		Gate:         "E7",
		Terminal:     "2",
		Cabin:        domain.Economy,
		BookingClass: "M",
		Seat:         "14C",
		Sequence:     25,
		TicketNumber: "0742497067621",
		IssuedAt:     time.Date(2026, 7, 13, 9, 12, 0, 0, ams.Location),
		Valid:        true,
	}
	with := func(f func(p *domain.BoardingPass)) domain.BoardingPass {
		p := base
		f(&p)
		return p
	}
	return []passCase{
		{
			name: "adult-international", pass: base,
			wantName: "MULLER/FRANCOIS", wantSeat: "014C", wantSeq: "0025", wantDay: 195,
			wantDesc: "0", wantDocV: "1", wantIssue: "6194",
		},
		{
			name: "infant-on-lap",
			pass: with(func(p *domain.BoardingPass) {
				p.Name = domain.PersonName{Given: "Zoë", Surname: "Müller"}
				p.PaxType, p.Seat, p.Sequence, p.TicketNumber = domain.Infant, "", 0, "0742497067622"
			}),
			wantName: "MULLER/ZOE", wantSeat: "INF", wantSeq: "", wantDay: 195,
			wantDesc: "4", wantDocV: "1", wantIssue: "6194",
		},
		{
			name: "child-domestic-suffix",
			pass: with(func(p *domain.BoardingPass) {
				p.Name = domain.PersonName{Given: "João", Surname: "da Conceição"}
				p.PaxType, p.Locator = domain.Child, "TP9Z4Q"
				p.Flight = domain.FlightNumber{Carrier: "TP", Number: 1941, Suffix: "A"}
				p.Origin, p.Destination = lis, opo
				p.Departure = time.Date(2026, 3, 29, 7, 5, 0, 0, lis.Location)
				p.IssuedAt = time.Date(2026, 3, 28, 19, 0, 0, 0, lis.Location)
				p.Cabin, p.Seat, p.Sequence, p.TicketNumber = domain.Business, "2A", 3, "0471234567890"
			}),
			wantName: "DACONCEICAO/JOAO", wantSeat: "002A", wantSeq: "0003", wantDay: 88,
			wantDesc: "3", wantDocV: "0", wantIssue: "6087",
		},
		{
			name: "long-name-truncated",
			pass: with(func(p *domain.BoardingPass) {
				p.Name = domain.PersonName{Given: "Hubert Blaine", Surname: "Wolfeschlegelsteinhausenbergerdorff"}
				p.Locator = "EZ4RT8"
				p.Flight = domain.FlightNumber{Carrier: "U2", Number: 8401}
				p.Origin, p.Destination = lgw, gva
				p.Departure = time.Date(2026, 2, 10, 6, 15, 0, 0, lgw.Location)
				p.IssuedAt = time.Date(2026, 2, 9, 8, 0, 0, 0, lgw.Location)
				p.Seat, p.Sequence, p.TicketNumber = "31F", 187, "8881234500001"
			}),
			wantName: "WOLFESCHLEGELSTEINHA", wantSeat: "031F", wantSeq: "0187", wantDay: 41,
			wantDesc: "0", wantDocV: "1", wantIssue: "6040",
		},
		{
			// 23:55 on 31 December in Los Angeles is already 1 January in UTC; the pass
			// carries the local day, 365.
			name: "late-evening-west-of-utc",
			pass: with(func(p *domain.BoardingPass) {
				p.Name = domain.PersonName{Given: "Søren", Surname: "Đorđević"}
				p.Locator = "LA31DC"
				p.Origin, p.Destination = lax, ams
				p.Flight = domain.FlightNumber{Carrier: "KL", Number: 602}
				p.Departure = time.Date(2026, 12, 31, 23, 55, 0, 0, lax.Location).UTC()
				p.IssuedAt = time.Date(2026, 12, 31, 1, 0, 0, 0, lax.Location).UTC()
				p.Cabin, p.Seat, p.Sequence = domain.First, "1A", 1
			}),
			wantName: "DORDEVIC/SOREN", wantSeat: "001A", wantSeq: "0001", wantDay: 365,
			wantDesc: "0", wantDocV: "1", wantIssue: "6365",
		},
		{
			// 00:05 on 1 January in Amsterdam is still 31 December in UTC: day 001.
			name: "day-001-east-of-utc",
			pass: with(func(p *domain.BoardingPass) {
				p.Flight = domain.FlightNumber{Carrier: "KL", Number: 1}
				p.Departure = time.Date(2027, 1, 1, 0, 5, 0, 0, ams.Location).UTC()
				p.IssuedAt = time.Date(2026, 12, 31, 8, 0, 0, 0, ams.Location).UTC()
				p.Seat, p.Sequence = "99K", 9999
			}),
			wantName: "MULLER/FRANCOIS", wantSeat: "099K", wantSeq: "9999", wantDay: 1,
			wantDesc: "0", wantDocV: "1", wantIssue: "6365",
		},
		{
			name: "day-366-leap-year",
			pass: with(func(p *domain.BoardingPass) {
				p.Origin, p.Destination = hnd, ams
				p.Flight = domain.FlightNumber{Carrier: "KL", Number: 862}
				p.Departure = time.Date(2028, 12, 31, 22, 40, 0, 0, hnd.Location)
				p.IssuedAt = time.Date(2028, 12, 30, 23, 0, 0, 0, hnd.Location)
				p.Cabin, p.Seat, p.Sequence = domain.Premium, "123B", 42
			}),
			wantName: "MULLER/FRANCOIS", wantSeat: "123B", wantSeq: "0042", wantDay: 366,
			wantDesc: "0", wantDocV: "1", wantIssue: "8365",
		},
	}
}
