package bcbp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/domain/bcbp"
)

func TestEncodeExact(t *testing.T) {
	t.Parallel()
	p := passCases(t)[0].pass
	got, err := bcbp.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	// Mandatory items (60), then ">6", unique block of 0x0B, repeated block of 0x12.
	want := "M1MULLER/FRANCOIS     EX7K2PQ AMSJFKKL 0641 195Y014C0025 123" +
		">6" + "0B" + "0WW6194BKL " + "12" + "0742497067621" + " 1" + "KL "
	if got != want {
		t.Errorf("Encode =\n%q\nwant\n%q", got, want)
	}
}

// TestEncodeRoundTrip decodes every encoded fixture and checks each item against
// the pass it came from.
func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, c := range passCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s, err := bcbp.Encode(c.pass)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r > 0x7e }); got >= 0 {
				t.Fatalf("encoded pass has a non-ASCII character at %d: %q", got, s)
			}
			d, err := bcbp.Decode(s)
			if err != nil {
				t.Fatalf("Decode(%q): %v", s, err)
			}
			if len(d.Legs) != 1 {
				t.Fatalf("legs = %d, want 1", len(d.Legs))
			}
			l := d.Legs[0]
			p := c.pass
			checks := []struct {
				item      string
				got, want any
			}{
				{"name", d.Name, c.wantName},
				{"electronic ticket", d.ETicket, "E"},
				{"PNR", l.PNR, string(p.Locator)},
				{"from", l.From, string(p.Origin.Code)},
				{"to", l.To, string(p.Destination.Code)},
				{"carrier", l.Carrier, string(p.Flight.Carrier)},
				{"flight", l.Flight, p.Flight.Number},
				{"flight suffix", l.FlightSuffix, p.Flight.Suffix},
				{"day of year", l.DayOfYear, c.wantDay},
				{"compartment", l.Compartment, string(p.Cabin)},
				{"seat", l.Seat, c.wantSeat},
				{"sequence", l.Sequence, c.wantSeq},
				{"status", l.Status, "1"},
				{"version", d.Version, bcbp.Version},
				{"passenger description", d.PassengerDescription, c.wantDesc},
				{"source of check-in", d.CheckInSource, "W"},
				{"source of issuance", d.IssuanceSource, "W"},
				{"date of issue", d.IssueDate, c.wantIssue},
				{"document type", d.DocumentType, "B"},
				{"issuer", d.Issuer, string(p.Flight.Carrier)},
				{"ticket number", l.TicketNumber(), p.TicketNumber},
				{"selectee", l.Selectee, ""},
				{"document verification", l.DocumentVerification, c.wantDocV},
				{"marketing carrier", l.MarketingCarrier, string(p.Flight.Carrier)},
				{"airline use", l.AirlineUse, ""},
				{"security", d.Security, ""},
			}
			for _, ch := range checks {
				if ch.got != ch.want {
					t.Errorf("%s = %#v, want %#v (pass %q)", ch.item, ch.got, ch.want, s)
				}
			}
		})
	}
}

func TestEncodeNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		given, surname string
		want           string
	}{
		{"Luc", "Desmarais", "DESMARAIS/LUC"},
		{"François", "Müller", "MULLER/FRANCOIS"},
		{"João", "Conceição", "CONCEICAO/JOAO"},
		{"Anne-Marie", "O'Neil", "ONEIL/ANNEMARIE"},
		{"Jean Pierre", "van der Berg", "VANDERBERG/JEANPIERRE"[:20]},
		{"Łukasz", "Żółć", "ZOLC/LUKASZ"},
		{"Þóra", "Ăstrup", "ASTRUP/THORA"},
		{"", "Sukarno", "SUKARNO/"},
		{"Hubert", "Wolfeschlegelsteinhausenbergerdorff", "WOLFESCHLEGELSTEINHA"},
		{"Иван", "Smith", "SMITH/"}, // letters without an ASCII form are dropped
	}
	p := passCases(t)[0].pass
	for _, tt := range tests {
		t.Run(tt.surname, func(t *testing.T) {
			t.Parallel()
			q := p
			q.Name = domain.PersonName{Given: tt.given, Surname: tt.surname}
			s, err := bcbp.Encode(q)
			if err != nil {
				t.Fatal(err)
			}
			if got := s[2:22]; got != padRight(tt.want, 20) {
				t.Errorf("name item = %q, want %q", got, padRight(tt.want, 20))
			}
		})
	}
}

func padRight(s string, n int) string { return s + strings.Repeat(" ", n-len(s)) }

func TestEncodeMandatoryItems(t *testing.T) {
	t.Parallel()
	base := passCases(t)[0].pass
	tests := []struct {
		name   string
		change func(p *domain.BoardingPass)
		offset int
		want   string
	}{
		{"flight number padded", func(p *domain.BoardingPass) { p.Flight.Number = 7 }, 39, "0007 "},
		{"flight suffix", func(p *domain.BoardingPass) { p.Flight.Number, p.Flight.Suffix = 603, "a" }, 39, "0603A"},
		{"seat lower case", func(p *domain.BoardingPass) { p.Seat = "7d" }, 48, "007D"},
		{"infant with INF seat", func(p *domain.BoardingPass) { p.PaxType, p.Seat = domain.Infant, "INF" }, 48, "INF "},
		{"infant with own seat", func(p *domain.BoardingPass) { p.PaxType, p.Seat = domain.Infant, "15A" }, 48, "015A"},
		{"infant with sequence", func(p *domain.BoardingPass) { p.PaxType, p.Sequence = domain.Infant, 26 }, 52, "0026 "},
		{"locator lower case", func(p *domain.BoardingPass) { p.Locator = "x7k2pq" }, 23, "X7K2PQ "},
		{"ticket with dash", func(p *domain.BoardingPass) { p.TicketNumber = "074-2497067621" }, 77, "0742497067621"},
		{"domestic", func(p *domain.BoardingPass) { p.Destination.Country = "NLD" }, 91, "0"},
		{"unknown country", func(p *domain.BoardingPass) { p.Destination.Country = "" }, 91, " "},
		{"departure in UTC is read in origin time", func(p *domain.BoardingPass) {
			p.Departure = time.Date(2026, 7, 14, 22, 30, 0, 0, time.UTC) // 00:30 on 15 July in Amsterdam
		}, 44, "196"},
		{"no origin location uses the time's own zone", func(p *domain.BoardingPass) {
			p.Origin.Location = nil
			p.Departure = time.Date(2026, 7, 14, 22, 30, 0, 0, time.UTC)
		}, 44, "195"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			tt.change(&p)
			s, err := bcbp.Encode(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := s[tt.offset : tt.offset+len(tt.want)]; got != tt.want {
				t.Errorf("item at %d = %q, want %q in %q", tt.offset, got, tt.want, s)
			}
			if _, err := bcbp.Decode(s); err != nil {
				t.Errorf("Decode(%q): %v", s, err)
			}
		})
	}
}

func TestEncodeInvalid(t *testing.T) {
	t.Parallel()
	base := passCases(t)[0].pass
	tests := []struct {
		name   string
		change func(p *domain.BoardingPass)
		msg    string
	}{
		{"no surname", func(p *domain.BoardingPass) { p.Name.Surname = "" }, "surname"},
		{"surname without latin letters", func(p *domain.BoardingPass) { p.Name.Surname = "Иванов" }, "surname"},
		{"short locator", func(p *domain.BoardingPass) { p.Locator = "X7K2" }, "booking reference"},
		{"bad origin", func(p *domain.BoardingPass) { p.Origin.Code = "AM" }, "airport"},
		{"bad destination", func(p *domain.BoardingPass) { p.Destination.Code = "J1K" }, "airport"},
		{"bad carrier", func(p *domain.BoardingPass) { p.Flight.Carrier = "KLM" }, "airline"},
		{"flight zero", func(p *domain.BoardingPass) { p.Flight.Number = 0 }, "flight number"},
		{"flight too long", func(p *domain.BoardingPass) { p.Flight.Number = 10000 }, "flight number"},
		{"two-letter suffix", func(p *domain.BoardingPass) { p.Flight.Suffix = "AB" }, "suffix"},
		{"no departure", func(p *domain.BoardingPass) { p.Departure = time.Time{} }, "departure"},
		{"no issue time", func(p *domain.BoardingPass) { p.IssuedAt = time.Time{} }, "issue"},
		{"no cabin", func(p *domain.BoardingPass) { p.Cabin = "" }, "compartment"},
		{"adult without seat", func(p *domain.BoardingPass) { p.Seat = "" }, "seat"},
		{"adult on INF seat", func(p *domain.BoardingPass) { p.Seat = "INF" }, "seat"},
		{"row too long", func(p *domain.BoardingPass) { p.Seat = "1000A" }, "seat"},
		{"seat without letter", func(p *domain.BoardingPass) { p.Seat = "14" }, "seat"},
		{"signed row", func(p *domain.BoardingPass) { p.Seat = "+4C" }, "seat"},
		{"adult without sequence", func(p *domain.BoardingPass) { p.Sequence = 0 }, "sequence"},
		{"sequence too long", func(p *domain.BoardingPass) { p.Sequence = 10000 }, "sequence"},
		{"short ticket", func(p *domain.BoardingPass) { p.TicketNumber = "074249706762" }, "ticket"},
		{"no ticket", func(p *domain.BoardingPass) { p.TicketNumber = "" }, "ticket"},
		{"unknown passenger type", func(p *domain.BoardingPass) { p.PaxType = "YTH" }, "passenger type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			tt.change(&p)
			s, err := bcbp.Encode(p)
			if err == nil {
				t.Fatalf("Encode = %q, want an error", s)
			}
			if !domain.IsCode(err, domain.Invalid) {
				t.Errorf("error code = %s, want invalid (%v)", domain.ErrorCode(err), err)
			}
			var de *domain.Error
			if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "encode boarding pass") {
				t.Errorf("error %q does not name the operation", err)
			}
			if !strings.Contains(domain.ErrorMessage(err), tt.msg) {
				t.Errorf("message %q does not mention %q", domain.ErrorMessage(err), tt.msg)
			}
		})
	}
}
