package store

import (
	"context"
	"fmt"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Retention says how long each class of personal data is kept. A zero duration
// keeps that class for ever.
type Retention struct {
	// Transcripts: messages in and out, and conversations idle this long (with
	// their slots, transition log and booking links). Default 90 days.
	Transcripts time.Duration
	// Documents: travel documents and boarding passes, counted from the arrival
	// of their flight. Default 72 hours.
	Documents time.Duration
	// Deliveries: records of flight-update notifications (who was told what).
	// Default 30 days.
	Deliveries time.Duration
	// WebhookEvents: raw webhook bodies, once applied. Default 7 days.
	WebhookEvents time.Duration
	// Analytics: the daily aggregates (analytics.go), which hold no personal
	// data, counted from the end of their day. Default 730 days.
	Analytics time.Duration
	// Batch bounds the rows one statement deletes, and MaxBatches the statements
	// per class in one run, so that a run holds no lock for long and a backlog is
	// worked off over several runs. Defaults 500 and 100.
	Batch      int
	MaxBatches int
}

// DefaultRetention is the retention used unless configured otherwise.
var DefaultRetention = Retention{
	Transcripts:   90 * 24 * time.Hour,
	Documents:     72 * time.Hour,
	Deliveries:    30 * 24 * time.Hour,
	WebhookEvents: 7 * 24 * time.Hour,
	Analytics:     730 * 24 * time.Hour,
}

// lookupFailureRetention bounds failed look-ups: they serve a 15-minute rate
// limit, and their key names the traveller.
const lookupFailureRetention = 24 * time.Hour

// RetentionReport counts the rows a run deleted, per table.
type RetentionReport map[string]int64

// Total is the number of rows deleted.
func (r RetentionReport) Total() int64 {
	var n int64
	for _, v := range r {
		n += v
	}
	return n
}

// EnforceRetention deletes what is older than the policy allows, in bounded
// batches. It is idempotent and safe beside serving instances: it deletes only
// finished work (processed messages, sent or failed replies, applied webhooks)
// and conversations with nothing pending. The periodic task `retention` runs it
// once per cluster.
//
// First it folds every whole day into the daily aggregates (AggregateAnalytics),
// and it never deletes from the transition log or the outbound messages, nor an
// idle conversation with them, what is not folded yet: with Transcripts shorter
// than a day these stay until their day is folded, an hour after it ends.
func (s *Store) EnforceRetention(ctx context.Context, r Retention) (RetentionReport, error) {
	if r.Batch <= 0 {
		r.Batch = 500
	}
	if r.MaxBatches <= 0 {
		r.MaxBatches = 100
	}
	now := s.now()
	rep := RetentionReport{}
	settled := now.Add(-analyticsSettle)
	if _, err := s.AggregateAnalytics(ctx, settled); err != nil {
		return rep, fmt.Errorf("enforce retention: %w", err)
	}
	// Everything before foldedTo is in the aggregates.
	foldedTo := startOfDay(settled)
	type rule struct {
		table string
		keep  time.Duration
		where string // selects the rows to delete; ? is the cutoff
		key   string
		// folded: the rows are counted in the aggregates; none after
		// foldedTo is deleted.
		folded bool
	}
	queued := string(domain.StatusQueued)
	rules := []rule{
		{"inbound_messages", r.Transcripts, "processed_at IS NOT NULL AND received_at < ?", "id", false},
		// The newest reply of a conversation stays with the conversation: its
		// seq continues the sequence web chat clients read after.
		{"outbound_messages", r.Transcripts, "status <> '" + queued + `' AND created_at < ? AND seq < (
			SELECT MAX(o.seq) FROM outbound_messages o WHERE o.conversation_id = outbound_messages.conversation_id)`, "id", true},
		{"transitions", r.Transcripts, "at < ?", "id", true},
		// A conversation idle that long goes with everything hanging off it
		// (cascade), a reply that never went out included.
		{"conversations", r.Transcripts, `updated_at < ? AND (last_inbound_at IS NULL OR last_inbound_at < ?)`, "id", true},
		{"notifications", r.Deliveries, "created_at < ?", "id", false},
		{"webhook_events", r.WebhookEvents, "processed_at IS NOT NULL AND received_at < ?", "id", false},
		// Travel documents and boarding passes of flights that landed long
		// enough ago; a document given for the whole booking goes when every
		// flight of the booking has. Boarding passes of a booking system whose
		// flights this database does not hold go by their issue date.
		{"pss_documents", r.Documents, `(segment_id IS NOT NULL AND segment_id IN (SELECT s.id FROM pss_segments s JOIN pss_flights f ON f.id = s.flight_id WHERE f.arrival < ?))
			OR (segment_id IS NULL AND passenger_id IN (SELECT p.id FROM pss_passengers p WHERE NOT EXISTS (
				SELECT 1 FROM pss_segments s JOIN pss_flights f ON f.id = s.flight_id WHERE s.booking_id = p.booking_id AND f.arrival >= ?)))`, "id", false},
		{"boarding_passes", r.Documents, `segment_id IN (SELECT s.id FROM pss_segments s JOIN pss_flights f ON f.id = s.flight_id WHERE f.arrival < ?)`, "token", false},
		{"boarding_passes", r.Transcripts, `issued_at < ?`, "token", false},
		{"lookup_failures", lookupFailureRetention, "at < ?", "id", false},
		{"tier_reach", tierWindow, "reached_at < ?", "channel || '|' || user_id", false},
	}
	for _, ru := range rules {
		if ru.keep <= 0 {
			continue
		}
		cutoff := now.Add(-ru.keep)
		if ru.folded && cutoff.After(foldedTo) {
			cutoff = foldedTo
		}
		args := []any{}
		for range countPlaceholders(ru.where) {
			args = append(args, cutoff)
		}
		// The condition is repeated outside the subquery: on PostgreSQL a row
		// changed meanwhile (a traveller writing again) is checked afresh.
		args = append(args, args...)
		q := fmt.Sprintf(`DELETE FROM %[1]s WHERE %[2]s IN (SELECT %[2]s FROM %[1]s WHERE (%[3]s) LIMIT %[4]d) AND (%[3]s)`, ru.table, ru.key, ru.where, r.Batch)
		for range r.MaxBatches {
			res := s.db.WithContext(ctx).Exec(q, args...)
			if res.Error != nil {
				return rep, fmt.Errorf("enforce retention on %s: %w", ru.table, res.Error)
			}
			rep[ru.table] += res.RowsAffected
			if res.RowsAffected < int64(r.Batch) {
				break
			}
		}
	}
	if r.Analytics > 0 {
		if err := s.deleteAnalytics(ctx, now.Add(-r.Analytics), rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func countPlaceholders(q string) int {
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
		}
	}
	return n
}
