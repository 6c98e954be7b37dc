package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Aggregated analytics: daily counts of the transition log and of the outbound
// messages, by flow, state, event, content version, language, channel, purpose
// and status. They hold no conversation, user or text, so they outlive the
// transcripts they are computed from (Retention.Analytics).
//
// A day (UTC) is folded once, when it is whole: the transaction that records it
// in analytics_days inserts its counts, and a day already recorded is skipped.
// Running the fold twice, or on several instances at once, changes nothing;
// later erasures and retention do not change a folded day's counts.

// analyticsSettle is how long after its end a day is folded: transitions are
// stamped with the turn's clock and committed a moment later, and delivery
// receipts of the day's last messages arrive after it.
const analyticsSettle = time.Hour

// dayLayout is how a day is written in the analytics tables.
const dayLayout = "2006-01-02"

// TransitionCount is one row of the daily transition aggregates.
type TransitionCount struct {
	Day            string // UTC date, YYYY-MM-DD
	Flow           string
	FromState      string
	ToState        string
	Event          string
	ContentVersion int
	Lang           string
	Channel        string
	Transitions    int
}

// OutboundCount is one row of the daily outbound-message aggregates; Status is
// the message's status when its day was folded.
type OutboundCount struct {
	Day      string // UTC date, YYYY-MM-DD
	Purpose  string
	Channel  string
	Status   string
	Messages int
}

// Analytics are the aggregates of a range of days.
type Analytics struct {
	Transitions []TransitionCount
	Outbound    []OutboundCount
}

// startOfDay is the UTC midnight that starts t's day.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AggregateAnalytics folds every whole UTC day that ends at or before `before`
// and is not folded yet into the daily aggregates, one transaction per day. It
// returns the number of days it folded.
func (s *Store) AggregateAnalytics(ctx context.Context, before time.Time) (int, error) {
	const op = "aggregate analytics"
	end := startOfDay(before)
	var firsts []struct{ At *string }
	err := s.db.WithContext(ctx).Raw(`SELECT MIN(at) AS at FROM transitions WHERE at < ?
		UNION ALL SELECT MIN(created_at) AS at FROM outbound_messages WHERE created_at < ?`, end, end).Scan(&firsts).Error
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	var first time.Time
	for _, f := range firsts {
		if f.At == nil {
			continue
		}
		at, ok := parseDBTime(*f.At)
		if !ok {
			return 0, fmt.Errorf("%s: unreadable time %q", op, *f.At)
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
	}
	if first.IsZero() {
		return 0, nil
	}
	var done []string
	if err := s.db.WithContext(ctx).Raw(`SELECT day FROM analytics_days WHERE day >= ?`,
		startOfDay(first).Format(dayLayout)).Scan(&done).Error; err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	folded := map[string]bool{}
	for _, d := range done {
		folded[d] = true
	}
	n := 0
	for day := startOfDay(first); day.Before(end); day = day.AddDate(0, 0, 1) {
		if folded[day.Format(dayLayout)] {
			continue
		}
		ok, err := s.foldDay(ctx, day)
		if err != nil {
			return n, fmt.Errorf("%s: %w", op, err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// foldDay aggregates one day unless it is already aggregated; false when it
// was (by another instance meanwhile).
func (s *Store) foldDay(ctx context.Context, day time.Time) (bool, error) {
	d, next := day.Format(dayLayout), day.AddDate(0, 0, 1)
	folded := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// On PostgreSQL a concurrent fold of the same day waits here for the
		// first to commit, then inserts nothing.
		res := tx.Exec(`INSERT INTO analytics_days (day, aggregated_at) VALUES (?, ?) ON CONFLICT (day) DO NOTHING`, d, s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		folded = true
		if err := tx.Exec(`INSERT INTO analytics_daily (day, flow, from_state, to_state, event, content_version, lang, channel, transitions)
			SELECT ?, t.flow, t.from_state, t.to_state, t.event, t.content_version, t.lang, c.channel, COUNT(*)
			FROM transitions t JOIN conversations c ON c.id = t.conversation_id
			WHERE t.at >= ? AND t.at < ?
			GROUP BY t.flow, t.from_state, t.to_state, t.event, t.content_version, t.lang, c.channel`, d, day, next).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO analytics_outbound_daily (day, purpose, channel, status, messages)
			SELECT ?, o.purpose, c.channel, o.status, COUNT(*)
			FROM outbound_messages o JOIN conversations c ON c.id = o.conversation_id
			WHERE o.created_at >= ? AND o.created_at < ?
			GROUP BY o.purpose, c.channel, o.status`, d, day, next).Error
	})
	if err != nil {
		return false, fmt.Errorf("fold %s: %w", d, err)
	}
	return folded, nil
}

// deleteAnalytics deletes the aggregates of the days before cutoff's day; the
// days stay recorded as folded, so they are not folded again from transcripts
// kept longer.
func (s *Store) deleteAnalytics(ctx context.Context, cutoff time.Time, rep RetentionReport) error {
	d := startOfDay(cutoff).Format(dayLayout)
	for _, table := range []string{"analytics_daily", "analytics_outbound_daily"} {
		res := s.db.WithContext(ctx).Exec(`DELETE FROM `+table+` WHERE day < ?`, d)
		if res.Error != nil {
			return fmt.Errorf("enforce retention on %s: %w", table, res.Error)
		}
		rep[table] += res.RowsAffected
	}
	return nil
}

// AnalyticsDaily reads the aggregates of the days from `from`'s day up to and
// excluding `to`'s day (UTC), ordered by day and dimensions. The results
// dashboard does not read them yet.
func (s *Store) AnalyticsDaily(ctx context.Context, from, to time.Time) (Analytics, error) {
	const op = "read analytics"
	f, t := startOfDay(from).Format(dayLayout), startOfDay(to).Format(dayLayout)
	var a Analytics
	if err := s.db.WithContext(ctx).Raw(`SELECT day, flow, from_state, to_state, event, content_version, lang, channel, transitions
		FROM analytics_daily WHERE day >= ? AND day < ?
		ORDER BY day, flow, content_version, lang, channel, event, from_state, to_state`, f, t).Scan(&a.Transitions).Error; err != nil {
		return Analytics{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT day, purpose, channel, status, messages
		FROM analytics_outbound_daily WHERE day >= ? AND day < ?
		ORDER BY day, purpose, channel, status`, f, t).Scan(&a.Outbound).Error; err != nil {
		return Analytics{}, fmt.Errorf("%s: %w", op, err)
	}
	return a, nil
}
