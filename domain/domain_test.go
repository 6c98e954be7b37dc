package domain_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

func TestParseRecordLocator(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"jn7kqp", "JN7KQP", true},
		{" QX7P2L ", "QX7P2L", true},
		{"ABCDEF", "ABCDEF", true},
		{"ABC12", "", false},
		{"ABC1234", "", false},
		{"ABC-12", "", false},
		{"ÄBC123", "", false},
	} {
		got, err := domain.ParseRecordLocator(tc.in)
		if (err == nil) != tc.ok || string(got) != tc.want {
			t.Errorf("ParseRecordLocator(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && !domain.IsCode(err, domain.Invalid) {
			t.Errorf("error %v should be Invalid", err)
		}
	}
}

func TestParseSeatAndFlightNumber(t *testing.T) {
	for in, want := range map[string]string{"14c": "14C", "14 C": "14C", "c14": "14C", "3A": "3A", "014C": "14C"} {
		if got, err := domain.ParseSeatCode(in); err != nil || got != want {
			t.Errorf("ParseSeatCode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "C", "100A", "14", "AB"} {
		if _, err := domain.ParseSeatCode(bad); err == nil {
			t.Errorf("ParseSeatCode(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"kl 1234": "KL1234", "U2603": "U2603", "SB1941A": "SB1941A"} {
		if got, err := domain.ParseFlightNumber(in); err != nil || got.String() != want {
			t.Errorf("ParseFlightNumber(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	if _, err := domain.ParseFlightNumber("KL12345"); err == nil {
		t.Error("five-digit flight number accepted")
	}
}

func TestSurnameMatchingIgnoresCaseAccentsAndSeparators(t *testing.T) {
	n := domain.PersonName{Given: "João", Surname: "Gonçalves-O'Neil"}
	for _, typed := range []string{"goncalves-o'neil", "GONÇALVES ONEIL", "Goncalves O’Neil"} {
		if !n.MatchesSurname(typed) {
			t.Errorf("%q should match %q", typed, n.Surname)
		}
	}
	if n.MatchesSurname("Goncalve") || n.MatchesSurname("") {
		t.Error("partial or empty surname matched")
	}
}

func TestPersonalDataStaysOutOfLogs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("x", "name", domain.PersonName{Given: "Eva", Surname: "Jansen"}, "passport", domain.Secret("X12345678"))
	out := buf.String()
	if strings.Contains(out, "Jansen") || strings.Contains(out, "X12345678") {
		t.Fatalf("log leaks personal data: %s", out)
	}
	if !strings.Contains(out, "E.J.") || !strings.Contains(out, "*******78") {
		t.Fatalf("log should show initials and a masked number: %s", out)
	}
}

func TestSealerRotatesKeys(t *testing.T) {
	oldKey, newKey := domain.NewKey("old"), domain.NewKey("new")
	old, err := domain.NewSealer(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	sealed := old.Seal("X12345678")
	if strings.Contains(sealed, "X12345678") {
		t.Fatal("sealed value contains the clear text")
	}
	rotated, err := domain.NewSealer(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed); err != nil || got != "X12345678" {
		t.Fatalf("old value unreadable after rotation: %q %v", got, err)
	}
	if !rotated.NeedsReseal(sealed) || rotated.NeedsReseal(rotated.Seal("a")) {
		t.Fatal("NeedsReseal wrong")
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := rotated.Open(tampered); err == nil {
		t.Fatal("tampered value opened")
	}
	if _, err := domain.NewSealer("bad"); err == nil {
		t.Fatal("malformed key accepted")
	}
}

func TestTravelDocumentValidation(t *testing.T) {
	travel := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	ok := domain.TravelDocument{Number: "X1234567", Nationality: "NLD", IssuingCountry: "NLD",
		Expiry: time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC), BirthDate: time.Date(1985, 3, 2, 0, 0, 0, 0, time.UTC)}
	if err := ok.Validate(travel, today); err != nil {
		t.Fatal(err)
	}
	expired := ok
	expired.Expiry = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := expired.Validate(travel, today); domain.ErrorMessage(err) != domain.DocExpiredBeforeTravel {
		t.Fatalf("document expiring on the travel day: %v", err)
	}
	unborn := ok
	unborn.BirthDate = today.AddDate(0, 0, 1)
	if err := unborn.Validate(travel, today); domain.ErrorMessage(err) != domain.DocBirthInFuture {
		t.Fatalf("future birth date: %v", err)
	}
	for _, bad := range []string{"1234", "ABCDEFG", "X12 34#56"} {
		if _, err := domain.ParseDocumentNumber(bad); err == nil {
			t.Errorf("ParseDocumentNumber(%q) accepted", bad)
		}
	}
	if n, err := domain.ParseDocumentNumber("x12 345-678"); err != nil || n.Reveal() != "X12345678" {
		t.Errorf("ParseDocumentNumber normalises: %q %v", n.Reveal(), err)
	}
}

func TestCheckInOptions(t *testing.T) {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	dep := time.Date(2026, 11, 27, 9, 0, 0, 0, ams)
	flight := domain.Flight{ID: 1, Number: domain.FlightNumber{Carrier: "SB", Number: 1501}, Departure: dep,
		Origin: domain.Airport{Code: "AMS", Location: ams, Country: "NLD"}, Destination: domain.Airport{Code: "EIN", Location: ams, Country: "NLD"}}
	booking := func(types ...domain.PaxType) domain.Booking {
		b := domain.Booking{Locator: "ABC123", Segments: []domain.Segment{{ID: 10, Flight: flight, Status: domain.SegmentConfirmed}}}
		for i, ty := range types {
			b.Passengers = append(b.Passengers, domain.Passenger{ID: int64(i + 1), Type: ty})
		}
		return b
	}
	p := domain.DefaultCheckInPolicy
	for _, tc := range []struct {
		name string
		b    domain.Booking
		now  time.Time
		want []domain.Eligibility
	}{
		{"before window", booking(domain.Adult), dep.Add(-31 * time.Hour), []domain.Eligibility{domain.WindowNotOpen}},
		{"window opens at 30h", booking(domain.Adult), dep.Add(-30 * time.Hour), []domain.Eligibility{domain.Eligible}},
		{"closes at 1h", booking(domain.Adult), dep.Add(-time.Hour), []domain.Eligibility{domain.WindowClosed}},
		{"child alone", booking(domain.Child), dep.Add(-2 * time.Hour), []domain.Eligibility{domain.NeedsAdult}},
		{"family", booking(domain.Adult, domain.Child, domain.Infant), dep.Add(-2 * time.Hour),
			[]domain.Eligibility{domain.Eligible, domain.Eligible, domain.Eligible}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.b.CheckInOptions(p, tc.now)
			if len(opts) != len(tc.want) {
				t.Fatalf("got %d options", len(opts))
			}
			for i, o := range opts {
				if o.Status != tc.want[i] {
					t.Errorf("passenger %d: %s, want %s", i+1, o.Status, tc.want[i])
				}
			}
		})
	}
	cancelled := booking(domain.Adult)
	cancelled.Segments[0].Status = domain.SegmentUnable
	if o := cancelled.CheckInOptions(p, dep.Add(-2*time.Hour)); o[0].Status != domain.SegmentNotActive {
		t.Errorf("cancelled segment offered: %s", o[0].Status)
	}
	done := booking(domain.Adult, domain.Child)
	done.CheckIns = []domain.CheckIn{{PassengerID: 1, SegmentID: 10, Seat: "3A"}}
	o := done.CheckInOptions(p, dep.Add(-2*time.Hour))
	if o[0].Status != domain.AlreadyCheckedIn || o[1].Status != domain.Eligible {
		t.Errorf("child with a checked-in adult: %v", o)
	}
	if err := done.ValidateSelection(10, []int64{2}); err != nil {
		t.Errorf("child with checked-in adult refused: %v", err)
	}
	if err := booking(domain.Adult, domain.Child).ValidateSelection(10, []int64{2}); !domain.IsCode(err, domain.Forbidden) {
		t.Errorf("child without adult accepted: %v", err)
	}
	// An infant travels on one adult's lap: another adult does not do.
	family := booking(domain.Adult, domain.Adult, domain.Infant)
	family.Passengers[2].InfantOf = 1
	if err := family.ValidateSelection(10, []int64{2, 3}); !domain.IsCode(err, domain.Forbidden) {
		t.Errorf("infant without its own adult accepted: %v", err)
	}
	if err := family.ValidateSelection(10, []int64{1, 3}); err != nil {
		t.Errorf("infant with its adult refused: %v", err)
	}
}
