package pss_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

func passport(number string, expiry time.Time) *domain.TravelDocument {
	return &domain.TravelDocument{
		Type: "P", Number: domain.Secret(number), Nationality: "FRA", IssuingCountry: "FRA",
		Expiry: expiry, BirthDate: time.Date(1988, 4, 2, 0, 0, 0, 0, time.UTC),
	}
}

// request checks in the listed passengers (by position) of a demo booking on its
// segment seg, with dangerous goods acknowledged.
func request(t *testing.T, b bundle, loc string, seg int, pax ...int) domain.CheckInRequest {
	t.Helper()
	bk := b.booking(t, loc)
	req := domain.CheckInRequest{IdempotencyKey: fmt.Sprintf("%s-%d-%v", loc, seg, pax), Locator: domain.RecordLocator(loc), SegmentID: bk.Segments[seg].ID}
	for _, i := range pax {
		req.Passengers = append(req.Passengers, domain.PassengerCheckIn{PassengerID: bk.Passengers[i].ID, DangerousGoodsAck: true})
	}
	return req
}

func TestCheckInRules(t *testing.T) {
	valid := summerNow.AddDate(5, 0, 0)
	tests := []struct {
		name    string
		req     func(t *testing.T, b bundle) domain.CheckInRequest
		code    domain.Code
		message string
		seats   []string // on success
	}{
		{"single adult gets the first free window seat", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "JN7KQP", 0, 0)
		}, "", "", []string{"4F"}},
		{"chosen seat typed loosely", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.Passengers[0].Seat = "c 20"
			return r
		}, "", "", []string{"20C"}},
		{"seat taken", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.Passengers[0].Seat = "4A" // occupied in demo.json
			return r
		}, domain.Conflict, "seat taken", nil},
		{"seat held by another booking", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.Passengers[0].Seat = "5A" // Bakker's
			return r
		}, domain.Conflict, "seat taken", nil},
		{"seat in business with an economy ticket", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.Passengers[0].Seat = "2A"
			return r
		}, domain.Forbidden, "seat is in another cabin", nil},
		{"seat that does not exist", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.Passengers[0].Seat = "40B"
			return r
		}, domain.NotFound, "no such seat on this flight", nil},
		{"family: infant on the lap, child next to the adults", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "VR2FAM", 0, 0, 1, 2, 3)
		}, "", "", []string{"4F", "4D", "5F", ""}},
		{"infant without its adult", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "VR2FAM", 0, 3)
		}, domain.Forbidden, string(domain.NeedsAdult), nil},
		{"infant with the other adult only", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "VR2FAM", 0, 1, 3)
		}, domain.Forbidden, string(domain.NeedsAdult), nil},
		{"infant given a seat", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "VR2FAM", 0, 0, 3)
			r.Passengers[1].Seat = "20A"
			return r
		}, domain.Invalid, "an infant travels on an adult's lap and takes no seat", nil},
		{"child in an exit row", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "VR2FAM", 0, 0, 2)
			r.Passengers[1].Seat = "10A"
			return r
		}, domain.Forbidden, "exit rows are for adults only", nil},
		{"child booked alone", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "VS9KID", 0, 0)
		}, domain.Forbidden, string(domain.NeedsAdult), nil},
		{"international without documents", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "DB4LHR", 0, 0, 1)
		}, domain.Invalid, domain.DocMissingField, nil},
		{"international with an expired passport", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "DB4LHR", 0, 0, 1)
			r.Passengers[0].Document = passport("18FR12345", valid)
			r.Passengers[1].Document = passport("18FR67890", summerNow.AddDate(0, -1, 0))
			return r
		}, domain.Invalid, domain.DocExpiredBeforeTravel, nil},
		{"international with passports keeps the held seats", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "DB4LHR", 0, 0, 1)
			r.Passengers[0].Document = passport("18FR12345", valid)
			r.Passengers[1].Document = passport("18-fr 67890", valid)
			return r
		}, "", "", []string{"8A", "8B"}},
		{"dangerous goods not acknowledged", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.Passengers[0].DangerousGoodsAck = false
			return r
		}, domain.Invalid, "dangerous goods not acknowledged", nil},
		{"check-in not open yet", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "OK5CDG", 0, 0)
		}, domain.Forbidden, string(domain.WindowNotOpen), nil},
		{"check-in closed", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "DM4FRA", 0, 0)
		}, domain.Forbidden, string(domain.WindowClosed), nil},
		{"cancelled flight", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "LR6XNC", 0, 0)
		}, domain.Forbidden, string(domain.SegmentNotActive), nil},
		{"flown segment", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "RS8BCN", 0, 0)
		}, domain.Forbidden, string(domain.SegmentNotActive), nil},
		{"already checked in, new key", func(t *testing.T, b bundle) domain.CheckInRequest {
			return request(t, b, "BK3DNE", 0, 0)
		}, domain.Conflict, string(domain.AlreadyCheckedIn), nil},
		{"segment of another booking", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.SegmentID = b.booking(t, "DB4LHR").Segments[0].ID
			return r
		}, domain.NotFound, "segment not on booking", nil},
		{"passenger of another booking", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.Passengers[0].PassengerID = b.booking(t, "VS9KID").Passengers[0].ID
			return r
		}, domain.NotFound, "passenger not on booking", nil},
		{"no idempotency key", func(t *testing.T, b bundle) domain.CheckInRequest {
			r := request(t, b, "JN7KQP", 0, 0)
			r.IdempotencyKey = ""
			return r
		}, domain.Invalid, "idempotency key required", nil},
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				// A fresh copy of the demo data per case, in its own database.
				b := setup(t, fresh(t, db), summerNow)
				req := tt.req(t, b)
				before := b.booking(t, string(req.Locator))
				got, err := b.demo.CheckIn(t.Context(), req)
				if tt.code != "" {
					if !domain.IsCode(err, tt.code) || domain.ErrorMessage(err) != tt.message {
						t.Fatalf("err = %v (code %s), want %s %q", err, domain.ErrorCode(err), tt.code, tt.message)
					}
					after := b.booking(t, string(req.Locator))
					if len(after.CheckIns) != len(before.CheckIns) {
						t.Errorf("a refused check-in wrote %d check-ins", len(after.CheckIns)-len(before.CheckIns))
					}
					return
				}
				if err != nil {
					t.Fatalf("CheckIn: %v", err)
				}
				var seats []string
				for _, c := range got {
					seats = append(seats, c.Seat)
				}
				if !equal(seats, tt.seats) {
					t.Errorf("seats = %q, want %q", seats, tt.seats)
				}
				after := b.booking(t, string(req.Locator))
				for i, c := range got {
					stored, ok := after.CheckInOf(c.PassengerID, c.SegmentID)
					if !ok || stored.Seat != c.Seat || stored.Sequence != c.Sequence || !stored.At.Equal(c.At) {
						t.Errorf("check-in %d not stored as returned: %+v vs %+v", i, stored, c)
					}
					if i > 0 && c.Sequence != got[i-1].Sequence+1 {
						t.Errorf("sequences %d, %d not consecutive", got[i-1].Sequence, c.Sequence)
					}
				}
				m, err := b.demo.SeatMap(t.Context(), after.Segments[0].Flight.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, code := range tt.seats {
					if s, ok := m.Seat(code); code != "" && (!ok || s.Free) {
						t.Errorf("seat %s still free on the seat map", code)
					}
				}
			})
		}
	})
}

// fresh returns a new empty database of the same dialect as db.
func fresh(t *testing.T, db *database.DB) *database.DB {
	if db.Dialect == "postgres" {
		return dbtest.Postgres(t)
	}
	return dbtest.SQLite(t)
}

func TestCheckInSequenceFollowsExisting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		got, err := b.demo.CheckIn(t.Context(), request(t, b, "JN7KQP", 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		// Bakker is sequence 1 on SB1501 in demo.json.
		if got[0].Sequence != 2 || got[0].At.Location().String() != "Europe/Amsterdam" {
			t.Errorf("check-in = %+v, want sequence 2 in Amsterdam time", got[0])
		}
	})
}

func TestCheckInRetryIsIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		req := request(t, b, "MU3ACC", 0, 0, 1, 2)
		first, err := b.demo.CheckIn(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		// The retry comes later, after the clock moved: same answer, nothing new.
		later := pss.NewDemo(db, b.sealer, func() time.Time { return summerNow.Add(10 * time.Minute) })
		again, err := later.CheckIn(t.Context(), req)
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if len(again) != len(first) {
			t.Fatalf("retry returned %d check-ins, want %d", len(again), len(first))
		}
		for i := range first {
			if first[i] != again[i] && !(first[i].At.Equal(again[i].At) && first[i].Seat == again[i].Seat && first[i].Sequence == again[i].Sequence) {
				t.Errorf("retry %d = %+v, first = %+v", i, again[i], first[i])
			}
		}
		if n := len(b.booking(t, "MU3ACC").CheckIns); n != 3 {
			t.Errorf("%d check-ins after retry, want 3", n)
		}
		// The retry consumed no sequence number.
		next, err := b.demo.CheckIn(t.Context(), request(t, b, "JN7KQP", 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if want := first[2].Sequence + 1; next[0].Sequence != want {
			t.Errorf("next sequence = %d, want %d", next[0].Sequence, want)
		}
		// The same key for another request is refused.
		other := request(t, b, "VR2FAM", 0, 0)
		other.IdempotencyKey = req.IdempotencyKey
		if _, err := b.demo.CheckIn(t.Context(), other); !domain.IsCode(err, domain.Conflict) {
			t.Errorf("key reused for another request: err = %v, want Conflict", err)
		}
	})
}

func TestCheckInSealsDocuments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, summerNow)
		req := request(t, b, "DB4LHR", 0, 0)
		req.Passengers[0].Document = passport("18FR12345", summerNow.AddDate(4, 0, 0))
		if _, err := b.demo.CheckIn(t.Context(), req); err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		if err := db.Gorm.Raw(`SELECT * FROM pss_documents`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 {
			t.Fatalf("%d document rows, want 1", len(rows))
		}
		for col, v := range rows[0] {
			s := fmt.Sprint(v)
			if strings.Contains(s, "18FR12345") || strings.Contains(s, "1988-04-02") {
				t.Errorf("column %s holds clear personal data", col)
			}
		}
		var raw []map[string]any
		if err := db.Gorm.Raw(`SELECT whatsapp_sealed, email_sealed FROM pss_bookings WHERE locator = 'DB4LHR'`).Scan(&raw).Error; err != nil {
			t.Fatal(err)
		}
		for col, v := range raw[0] {
			if s := fmt.Sprint(v); strings.Contains(s, "33600000102") || strings.Contains(s, "example.com") || !strings.HasPrefix(s, "v1:k1:") {
				t.Errorf("column %s is not sealed: %q", col, s)
			}
		}
	})
}

// TestConcurrentCheckInsGetUniqueSequences checks in 20 bookings on one flight at
// once: every traveller gets a distinct sequence number and a distinct seat.
func TestConcurrentCheckInsGetUniqueSequences(t *testing.T) {
	const n = 20
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		var bookings []string
		for i := range n {
			bookings = append(bookings, fmt.Sprintf(`{"locator": "CC%04d", "passengers": [{"given": "Pax", "surname": "Number%d", "type": "ADT"}],
				"segments": [{"carrier": "SB", "number": 1501, "date": "2026-07-02", "cabin": "Y", "booking_class": "M", "status": "HK"}]}`, i, i))
		}
		file := `{"airline": {"iata": "SB", "icao": "SKB", "name": "Skybridge Air", "ticket_prefix": "999"},
			"flights": [{"carrier": "SB", "number": 1501, "date": "2026-07-02", "origin": "AMS", "destination": "EIN",
				"departure": "2026-07-02T09:00", "arrival": "2026-07-02T09:40", "aircraft": "E190",
				"cabins": [{"cabin": "Y", "first_row": 1, "last_row": 25, "letters": ["A", "C", "D", "F"], "window": ["A", "F"], "aisle": ["C", "D"]}]}],
			"bookings": [` + strings.Join(bookings, ",") + `]}`
		s := newSealer(t)
		if rep, err := pss.Import(t.Context(), db, s, strings.NewReader(file), summerNow); err != nil {
			t.Fatalf("import: %v\n%s", err, rep)
		}
		demo := pss.NewDemo(db, s, func() time.Time { return summerNow })
		b := bundle{db: db, sealer: s, demo: demo, now: summerNow}
		reqs := make([]domain.CheckInRequest, n)
		for i := range n {
			reqs[i] = request(t, b, fmt.Sprintf("CC%04d", i), 0, 0)
		}
		var wg sync.WaitGroup
		results := make([][]domain.CheckIn, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { results[i], errs[i] = demo.CheckIn(t.Context(), reqs[i]) })
		}
		wg.Wait()
		seqs, seats := map[int]bool{}, map[string]bool{}
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("check-in %d: %v", i, errs[i])
			}
			c := results[i][0]
			if seqs[c.Sequence] || seats[c.Seat] {
				t.Errorf("sequence %d or seat %s given twice", c.Sequence, c.Seat)
			}
			seqs[c.Sequence], seats[c.Seat] = true, true
		}
		for i := 1; i <= n; i++ {
			if !seqs[i] {
				t.Errorf("sequence %d missing: numbers are not 1..%d", i, n)
			}
		}
	})
}
