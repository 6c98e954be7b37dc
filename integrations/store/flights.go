package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skybridge/skybridge/domain"
)

const (
	queueNotify = "notify"
	kindFanOut  = "fan_out"
	// keyChunk bounds the keys (flights, locators) one query asks for.
	keyChunk = 500
)

// fanOutArgs asks a worker to fan one flight event out to its travellers. The
// event id is unique for ever (completed jobs included): an event is fanned out
// once; a retry after a crash is the same job.
type fanOutArgs struct {
	EventID int64 `json:"event_id"`
}

func (fanOutArgs) Kind() string { return kindFanOut }

type flightWatchRow struct {
	ID         int64
	Carrier    string
	Number     int
	Suffix     string
	FlightDate string
	Status     string // JSON of statusBody
	Notified   string // JSON of domain.Notified
	Version    int64
	Departure  *time.Time
	SeenAt     time.Time
	UpdatedAt  time.Time
}

func (flightWatchRow) TableName() string { return "flight_watches" }

type flightStatusRow struct {
	ID         int64
	Carrier    string
	Number     int
	Suffix     string
	FlightDate string
	Status     string // JSON of statusBody
	Source     string
	SeenAt     time.Time
}

func (flightStatusRow) TableName() string { return "flight_status_history" }

type flightEventRow struct {
	ID         int64
	Carrier    string
	Number     int
	Suffix     string
	FlightDate string
	Kind       string
	Version    int
	Body       string // JSON of eventBody
	SeenAt     time.Time
}

func (flightEventRow) TableName() string { return "flight_events" }

// statusBody is the JSON of a domain.FlightStatusReport. Times are UTC, zero
// omitted.
type statusBody struct {
	Carrier            string    `json:"carrier"`
	Number             int       `json:"number"`
	Suffix             string    `json:"suffix,omitempty"`
	Date               string    `json:"date"`
	Phase              string    `json:"phase"`
	Origin             string    `json:"origin,omitempty"`
	Destination        string    `json:"destination,omitempty"`
	ScheduledDeparture time.Time `json:"scheduled_departure,omitzero"`
	EstimatedDeparture time.Time `json:"estimated_departure,omitzero"`
	ActualDeparture    time.Time `json:"actual_departure,omitzero"`
	ScheduledArrival   time.Time `json:"scheduled_arrival,omitzero"`
	EstimatedArrival   time.Time `json:"estimated_arrival,omitzero"`
	ActualArrival      time.Time `json:"actual_arrival,omitzero"`
	DepartureTerminal  string    `json:"departure_terminal,omitempty"`
	DepartureGate      string    `json:"departure_gate,omitempty"`
	ArrivalTerminal    string    `json:"arrival_terminal,omitempty"`
	ArrivalGate        string    `json:"arrival_gate,omitempty"`
	BaggageBelt        string    `json:"baggage_belt,omitempty"`
	DivertedTo         string    `json:"diverted_to,omitempty"`
	Reason             string    `json:"reason,omitempty"`
	Source             string    `json:"source,omitempty"`
	UpdatedAt          time.Time `json:"updated_at,omitzero"`
}

// eventBody is the JSON of a domain.FlightEvent, its id aside.
type eventBody struct {
	Carrier string          `json:"carrier"`
	Number  int             `json:"number"`
	Suffix  string          `json:"suffix,omitempty"`
	Date    string          `json:"date"`
	Kind    string          `json:"kind"`
	Version int             `json:"version"`
	Status  statusBody      `json:"status"`
	Before  domain.Notified `json:"before"`
	SeenAt  time.Time       `json:"seen_at"`
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func toStatusBody(r domain.FlightStatusReport) statusBody {
	return statusBody{
		Carrier: string(r.Key.Flight.Carrier), Number: r.Key.Flight.Number, Suffix: r.Key.Flight.Suffix, Date: r.Key.Date,
		Phase: string(r.Phase), Origin: string(r.Origin), Destination: string(r.Destination),
		ScheduledDeparture: utc(r.ScheduledDeparture), EstimatedDeparture: utc(r.EstimatedDeparture), ActualDeparture: utc(r.ActualDeparture),
		ScheduledArrival: utc(r.ScheduledArrival), EstimatedArrival: utc(r.EstimatedArrival), ActualArrival: utc(r.ActualArrival),
		DepartureTerminal: r.DepartureTerminal, DepartureGate: r.DepartureGate,
		ArrivalTerminal: r.ArrivalTerminal, ArrivalGate: r.ArrivalGate, BaggageBelt: r.BaggageBelt,
		DivertedTo: string(r.DivertedTo), Reason: r.Reason, Source: r.Source, UpdatedAt: utc(r.UpdatedAt),
	}
}

func (b statusBody) toDomain() domain.FlightStatusReport {
	return domain.FlightStatusReport{
		Key:   domain.FlightKey{Flight: domain.FlightNumber{Carrier: domain.CarrierCode(b.Carrier), Number: b.Number, Suffix: b.Suffix}, Date: b.Date},
		Phase: domain.FlightPhase(b.Phase), Origin: domain.AirportCode(b.Origin), Destination: domain.AirportCode(b.Destination),
		ScheduledDeparture: utc(b.ScheduledDeparture), EstimatedDeparture: utc(b.EstimatedDeparture), ActualDeparture: utc(b.ActualDeparture),
		ScheduledArrival: utc(b.ScheduledArrival), EstimatedArrival: utc(b.EstimatedArrival), ActualArrival: utc(b.ActualArrival),
		DepartureTerminal: b.DepartureTerminal, DepartureGate: b.DepartureGate,
		ArrivalTerminal: b.ArrivalTerminal, ArrivalGate: b.ArrivalGate, BaggageBelt: b.BaggageBelt,
		DivertedTo: domain.AirportCode(b.DivertedTo), Reason: b.Reason, Source: b.Source, UpdatedAt: utc(b.UpdatedAt),
	}
}

func encodeJSON(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

func toDomainFlightWatch(r flightWatchRow) (domain.FlightWatch, error) {
	var st statusBody
	if err := json.Unmarshal([]byte(r.Status), &st); err != nil {
		return domain.FlightWatch{}, fmt.Errorf("flight watch %d status: %w", r.ID, err)
	}
	var told domain.Notified
	if err := json.Unmarshal([]byte(r.Notified), &told); err != nil {
		return domain.FlightWatch{}, fmt.Errorf("flight watch %d baseline: %w", r.ID, err)
	}
	told.Departure = utc(told.Departure)
	return domain.FlightWatch{
		Key:      rowKey(r.Carrier, r.Number, r.Suffix, r.FlightDate),
		Status:   st.toDomain(),
		Notified: told,
		Version:  r.Version,
		SeenAt:   r.SeenAt.UTC(),
	}, nil
}

func toDomainFlightEvent(r flightEventRow) (domain.FlightEvent, error) {
	var b eventBody
	if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
		return domain.FlightEvent{}, fmt.Errorf("flight event %d: %w", r.ID, err)
	}
	b.Before.Departure = utc(b.Before.Departure)
	return domain.FlightEvent{
		ID:      r.ID,
		Key:     rowKey(r.Carrier, r.Number, r.Suffix, r.FlightDate),
		Kind:    domain.FlightEventKind(r.Kind),
		Version: r.Version,
		Status:  b.Status.toDomain(),
		Before:  b.Before,
		SeenAt:  b.SeenAt.UTC(),
	}, nil
}

func rowKey(carrier string, number int, suffix, date string) domain.FlightKey {
	return domain.FlightKey{Flight: domain.FlightNumber{Carrier: domain.CarrierCode(carrier), Number: number, Suffix: suffix}, Date: date}
}

// flightWhere restricts a query to one flight.
func flightWhere(tx *gorm.DB, k domain.FlightKey) *gorm.DB {
	return tx.Where("carrier = ? AND number = ? AND suffix = ? AND flight_date = ?",
		string(k.Flight.Carrier), k.Flight.Number, k.Flight.Suffix, k.Date)
}

// FlightWatches returns the stored watches of the given flights; flights never
// seen are absent from the map. It asks in chunks of at most 500 flights, each
// one query over the flights' unique index: (carrier, date) groups with their
// numbers, the suffix checked here.
func (s *Store) FlightWatches(ctx context.Context, keys []domain.FlightKey) (map[domain.FlightKey]domain.FlightWatch, error) {
	const op = "load flight watches"
	out := make(map[domain.FlightKey]domain.FlightWatch, len(keys))
	want := make(map[domain.FlightKey]bool, len(keys))
	for _, k := range keys {
		want[k] = true
	}
	for start := 0; start < len(keys); start += keyChunk {
		chunk := keys[start:min(start+keyChunk, len(keys))]
		type group struct {
			carrier, date string
		}
		numbers := map[group][]int{}
		var order []group
		for _, k := range chunk {
			g := group{string(k.Flight.Carrier), k.Date}
			if _, ok := numbers[g]; !ok {
				order = append(order, g)
			}
			numbers[g] = append(numbers[g], k.Flight.Number)
		}
		q := s.db.WithContext(ctx).Model(&flightWatchRow{})
		or := s.db.WithContext(ctx)
		for i, g := range order {
			cond := s.db.Where("carrier = ? AND flight_date = ? AND number IN ?", g.carrier, g.date, numbers[g])
			if i == 0 {
				or = or.Where(cond)
			} else {
				or = or.Or(cond)
			}
		}
		var rows []flightWatchRow
		if err := q.Where(or).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		for _, r := range rows {
			w, err := toDomainFlightWatch(r)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			if want[w.Key] {
				out[w.Key] = w
			}
		}
	}
	return out, nil
}

// SaveFlightWatch stores, in one transaction: the watch (status, baseline,
// Version+1) if the stored version still equals w.Version (0: not stored yet), a
// history row with the status, and each event with a fan-out job on the notify
// queue, prioritised by the event's urgency. An event whose (flight, kind, version)
// exists already is skipped, and so is its job. When the version moved (or a
// flight saved as new exists already), nothing is written and the error has code
// domain.Conflict.
func (s *Store) SaveFlightWatch(ctx context.Context, w domain.FlightWatch, events []domain.FlightEvent) error {
	const op = "save flight watch"
	now := s.now()
	seen := utc(w.SeenAt)
	if seen.IsZero() {
		seen = now
	}
	status, err := encodeJSON(toStatusBody(w.Status))
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, w.Key, err)
	}
	told, err := encodeJSON(w.Notified)
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, w.Key, err)
	}
	var departure *time.Time
	if d := w.Status.Departure(); !d.IsZero() {
		d = d.UTC()
		departure = &d
	}
	k := w.Key
	err = s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		if w.Version == 0 {
			row := flightWatchRow{Carrier: string(k.Flight.Carrier), Number: k.Flight.Number, Suffix: k.Flight.Suffix, FlightDate: k.Date,
				Status: status, Notified: told, Version: 1, Departure: departure, SeenAt: seen, UpdatedAt: now}
			res := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "carrier"}, {Name: "number"}, {Name: "suffix"}, {Name: "flight_date"}},
				DoNothing: true,
			}).Create(&row)
			if res.Error != nil {
				return fmt.Errorf("insert flight watch: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return domain.Errorf(domain.Conflict, op, "flight %s is stored already", k)
			}
		} else {
			res := flightWhere(tx.Model(&flightWatchRow{}), k).Where("version = ?", w.Version).
				Updates(map[string]any{"status": status, "notified": told, "version": w.Version + 1,
					"departure": departure, "seen_at": seen, "updated_at": now})
			if res.Error != nil {
				return fmt.Errorf("update flight watch: %w", res.Error)
			}
			if res.RowsAffected == 0 {
				return domain.Errorf(domain.Conflict, op, "flight %s is no longer at version %d", k, w.Version)
			}
		}
		hist := flightStatusRow{Carrier: string(k.Flight.Carrier), Number: k.Flight.Number, Suffix: k.Flight.Suffix, FlightDate: k.Date,
			Status: status, Source: w.Status.Source, SeenAt: seen}
		if err := tx.Create(&hist).Error; err != nil {
			return fmt.Errorf("insert flight status history: %w", err)
		}
		for _, ev := range events {
			if err := s.insertFlightEvent(ctx, tx, sqlTx, ev, seen, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return err
		}
		return fmt.Errorf("%s %s: %w", op, k, err)
	}
	return nil
}

// insertFlightEvent stores an event unless its (flight, kind, version) exists, and
// enqueues its fan-out when it was stored.
func (s *Store) insertFlightEvent(ctx context.Context, tx *gorm.DB, sqlTx *sql.Tx, ev domain.FlightEvent, seen, now time.Time) error {
	if ev.SeenAt.IsZero() {
		ev.SeenAt = seen
	}
	k := ev.Key
	body, err := encodeJSON(eventBody{
		Carrier: string(k.Flight.Carrier), Number: k.Flight.Number, Suffix: k.Flight.Suffix, Date: k.Date,
		Kind: string(ev.Kind), Version: ev.Version, Status: toStatusBody(ev.Status), Before: ev.Before, SeenAt: ev.SeenAt.UTC(),
	})
	if err != nil {
		return fmt.Errorf("encode flight event: %w", err)
	}
	row := flightEventRow{Carrier: string(k.Flight.Carrier), Number: k.Flight.Number, Suffix: k.Flight.Suffix, FlightDate: k.Date,
		Kind: string(ev.Kind), Version: ev.Version, Body: body, SeenAt: ev.SeenAt.UTC()}
	res := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "carrier"}, {Name: "number"}, {Name: "suffix"}, {Name: "flight_date"},
			{Name: "kind"}, {Name: "version"}},
		DoNothing: true,
	}).Create(&row)
	if res.Error != nil {
		return fmt.Errorf("insert flight event %s %s: %w", k, ev.Kind, res.Error)
	}
	if res.RowsAffected == 0 || row.ID == 0 {
		return nil // raised before: its fan-out was enqueued then
	}
	_, err = s.river.InsertTx(ctx, sqlTx, fanOutArgs{EventID: row.ID}, &river.InsertOpts{
		Queue:    queueNotify,
		Priority: ev.Priority(now),
		// A fan-out is never given up quickly: with retries backing off to
		// Options.MaxBackoff, this rides out an outage of several hours.
		MaxAttempts: fanOutAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	})
	if err != nil {
		return fmt.Errorf("enqueue fan-out of event %d: %w", row.ID, err)
	}
	return nil
}

// FlightEvent loads a raised event; an unknown id is a NotFound error.
func (s *Store) FlightEvent(ctx context.Context, id int64) (domain.FlightEvent, error) {
	const op = "load flight event"
	var rows []flightEventRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return domain.FlightEvent{}, fmt.Errorf("%s %d: %w", op, id, err)
	}
	if len(rows) == 0 {
		return domain.FlightEvent{}, domain.Errorf(domain.NotFound, op, "no flight event %d", id)
	}
	ev, err := toDomainFlightEvent(rows[0])
	if err != nil {
		return domain.FlightEvent{}, fmt.Errorf("%s: %w", op, err)
	}
	return ev, nil
}

// LatestEventVersion returns the newest version raised of a kind on a flight, 0
// when none was.
func (s *Store) LatestEventVersion(ctx context.Context, key domain.FlightKey, kind domain.FlightEventKind) (int, error) {
	var v int
	err := flightWhere(s.db.WithContext(ctx).Model(&flightEventRow{}), key).Where("kind = ?", string(kind)).
		Select("COALESCE(MAX(version), 0)").Scan(&v).Error
	if err != nil {
		return 0, fmt.Errorf("latest %s event of %s: %w", kind, key, err)
	}
	return v, nil
}
