package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// passBody is the JSON sealed into boarding_passes.body: everything of a pass that
// is not a lookup column.
type passBody struct {
	Token        string      `json:"token"` // the link token; the row is keyed by its hash
	Given        string      `json:"given"`
	Surname      string      `json:"surname"`
	Title        string      `json:"title,omitempty"`
	PaxType      string      `json:"pax_type"`
	Carrier      string      `json:"carrier"`
	FlightNumber int         `json:"flight_number"`
	FlightSuffix string      `json:"flight_suffix,omitempty"`
	Origin       airportBody `json:"origin"`
	Destination  airportBody `json:"destination"`
	Departure    time.Time   `json:"departure"`
	BoardingTime time.Time   `json:"boarding_time"`
	Gate         string      `json:"gate,omitempty"`
	Terminal     string      `json:"terminal,omitempty"`
	Cabin        string      `json:"cabin"`
	BookingClass string      `json:"booking_class"`
	Seat         string      `json:"seat"`
	Sequence     int         `json:"sequence"`
	TicketNumber string      `json:"ticket_number"`
	BCBP         string      `json:"bcbp"`
}

type airportBody struct {
	Code    string `json:"code"`
	Name    string `json:"name,omitempty"`
	City    string `json:"city,omitempty"`
	Country string `json:"country,omitempty"`
	Zone    string `json:"zone,omitempty"` // IANA time zone name
}

func fromDomainAirport(a domain.Airport) airportBody {
	b := airportBody{Code: string(a.Code), Name: a.Name, City: a.City, Country: string(a.Country)}
	if a.Location != nil {
		b.Zone = a.Location.String()
	}
	return b
}

func toDomainAirport(b airportBody) domain.Airport {
	a := domain.Airport{Code: domain.AirportCode(b.Code), Name: b.Name, City: b.City, Country: domain.CountryCode(b.Country)}
	if b.Zone != "" {
		if loc, err := time.LoadLocation(b.Zone); err == nil {
			a.Location = loc
		}
	}
	return a
}

// inLocation shows t in loc when loc is known; JSON keeps the offset either way.
func inLocation(t time.Time, loc *time.Location) time.Time {
	if loc == nil || t.IsZero() {
		return t
	}
	return t.In(loc)
}

func (s *Store) fromDomainPass(p domain.BoardingPass) (passRow, error) {
	b := passBody{
		Given:        p.Name.Given,
		Surname:      p.Name.Surname,
		Title:        p.Name.Title,
		PaxType:      string(p.PaxType),
		Carrier:      string(p.Flight.Carrier),
		FlightNumber: p.Flight.Number,
		FlightSuffix: p.Flight.Suffix,
		Origin:       fromDomainAirport(p.Origin),
		Destination:  fromDomainAirport(p.Destination),
		Departure:    p.Departure,
		BoardingTime: p.BoardingTime,
		Gate:         p.Gate,
		Terminal:     p.Terminal,
		Cabin:        string(p.Cabin),
		BookingClass: p.BookingClass,
		Seat:         p.Seat,
		Sequence:     p.Sequence,
		TicketNumber: p.TicketNumber,
		BCBP:         p.BCBP,
		Token:        p.Token,
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return passRow{}, fmt.Errorf("encode boarding pass: %w", err)
	}
	return passRow{
		Token:       tokenKey(p.Token),
		Locator:     string(p.Locator),
		PassengerID: p.PassengerID,
		SegmentID:   p.SegmentID,
		Body:        s.sealer.Seal(string(raw)),
		Valid:       p.Valid,
		IssuedAt:    p.IssuedAt.UTC(),
	}, nil
}

func (s *Store) toDomainPass(r passRow) (domain.BoardingPass, error) {
	raw, err := s.sealer.Open(r.Body)
	if err != nil {
		return domain.BoardingPass{}, fmt.Errorf("boarding pass body: %w", err)
	}
	var b passBody
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return domain.BoardingPass{}, fmt.Errorf("boarding pass body: %w", err)
	}
	origin := toDomainAirport(b.Origin)
	return domain.BoardingPass{
		Token:        b.Token,
		Locator:      domain.RecordLocator(r.Locator),
		PassengerID:  r.PassengerID,
		SegmentID:    r.SegmentID,
		Name:         domain.PersonName{Given: b.Given, Surname: b.Surname, Title: b.Title},
		PaxType:      domain.PaxType(b.PaxType),
		Flight:       domain.FlightNumber{Carrier: domain.CarrierCode(b.Carrier), Number: b.FlightNumber, Suffix: b.FlightSuffix},
		Origin:       origin,
		Destination:  toDomainAirport(b.Destination),
		Departure:    inLocation(b.Departure, origin.Location),
		BoardingTime: inLocation(b.BoardingTime, origin.Location),
		Gate:         b.Gate,
		Terminal:     b.Terminal,
		Cabin:        domain.Cabin(b.Cabin),
		BookingClass: b.BookingClass,
		Seat:         b.Seat,
		Sequence:     b.Sequence,
		TicketNumber: b.TicketNumber,
		BCBP:         b.BCBP,
		IssuedAt:     r.IssuedAt.UTC(),
		Valid:        r.Valid,
	}, nil
}

// tokenKey is what the database keeps of a pass token: its SHA-256. A copy of the
// table (a backup, a replica) then holds no working links; the token itself is kept
// only inside the sealed body, to send the same link again.
func tokenKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Pass returns the valid boarding pass addressed by token. An unknown token and a
// superseded pass are both NotFound: a traveller holding an old link must not see
// an outdated seat or gate.
func (s *Store) Pass(ctx context.Context, token string) (domain.BoardingPass, error) {
	const op = "boarding pass"
	var rows []passRow
	if err := s.db.WithContext(ctx).Where("token = ? AND valid", tokenKey(token)).Limit(1).Find(&rows).Error; err != nil {
		return domain.BoardingPass{}, fmt.Errorf("%s: %w", op, err)
	}
	if len(rows) == 0 {
		return domain.BoardingPass{}, domain.Errorf(domain.NotFound, op, "no such boarding pass")
	}
	p, err := s.toDomainPass(rows[0])
	if err != nil {
		return domain.BoardingPass{}, fmt.Errorf("%s: %w", op, err)
	}
	return p, nil
}

// FindPass returns the newest valid boarding pass of a passenger on a segment.
func (s *Store) FindPass(ctx context.Context, loc domain.RecordLocator, passengerID, segmentID int64) (domain.BoardingPass, bool, error) {
	const op = "find boarding pass"
	var rows []passRow
	err := s.db.WithContext(ctx).
		Where("locator = ? AND passenger_id = ? AND segment_id = ? AND valid", string(loc), passengerID, segmentID).
		Order("issued_at DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return domain.BoardingPass{}, false, fmt.Errorf("%s: %w", op, err)
	}
	if len(rows) == 0 {
		return domain.BoardingPass{}, false, nil
	}
	p, err := s.toDomainPass(rows[0])
	if err != nil {
		return domain.BoardingPass{}, false, fmt.Errorf("%s: %w", op, err)
	}
	return p, true, nil
}

// insertPasses writes newly issued passes and marks the earlier passes of the same
// passenger and segment invalid: a re-issue (a seat change) supersedes them.
func (s *Store) insertPasses(tx *gorm.DB, passes []domain.BoardingPass, at time.Time) error {
	for _, p := range passes {
		if p.IssuedAt.IsZero() {
			p.IssuedAt = at
		}
		if p.Token == "" {
			return domain.Errorf(domain.Invalid, "save boarding pass", "boarding pass without token")
		}
		row, err := s.fromDomainPass(p)
		if err != nil {
			return err
		}
		if row.Valid {
			err := tx.Model(&passRow{}).
				Where("locator = ? AND passenger_id = ? AND segment_id = ? AND valid", row.Locator, row.PassengerID, row.SegmentID).
				Update("valid", false).Error
			if err != nil {
				return fmt.Errorf("supersede boarding passes: %w", err)
			}
		}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("save boarding pass: %w", err)
		}
	}
	return nil
}

// voidPasses marks the boarding passes of passengers moved off a segment invalid:
// their links stop working and FindPass no longer returns them.
func voidPasses(tx *gorm.DB, refs []domain.PassRef) error {
	for _, r := range refs {
		if err := tx.Model(&passRow{}).
			Where("locator = ? AND passenger_id = ? AND segment_id = ? AND valid", string(r.Locator), r.PassengerID, r.SegmentID).
			Update("valid", false).Error; err != nil {
			return fmt.Errorf("void boarding passes of %s: %w", r.Locator, err)
		}
	}
	return nil
}
