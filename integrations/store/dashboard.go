package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// The results dashboard, computed from the transition log and the message
// tables (never from in-process counters, which a restart loses).
//
// A run of a flow starts with its "start" transition. It ends at the first later
// transition of the same flow in the same conversation that is
//   - into one of the flow's final states: the run completed;
//   - an "abandon:<reason>" (start over, expiry, an error, another flow): the
//     run was abandoned in that transition's from-state;
//   - another "start" of the flow: the run was abandoned where it last was,
//     reason "restarted".
//
// A run with no such transition is open. Parking for a handoff and resuming at
// hand-back are not ends; a start of the handoff flow between the run's start
// and its end marks it handed off, and a completed run that was not handed off
// is contained. The handoff flow's own runs are not reported.

// runRow is one run of a flow with its end, as the query finds it.
type runRow struct {
	ID             int64
	ConversationID int64
	Flow           string
	ContentVersion int
	Lang           string
	Channel        string
	At             time.Time
	EndID          *int64
	EndFrom        *string
	EndTo          *string
	EndEvent       *string
	EndAt          *string // through a scalar subquery: text on SQLite
	LastState      *string
	Handoffs       int
}

// Results computes the dashboard over runs started in [q.From, q.To), and over
// flight updates queued in that period.
func (s *Store) Results(ctx context.Context, q domain.ResultsQuery) (domain.Results, error) {
	const op = "compute results"
	if !q.To.After(q.From) {
		return domain.Results{}, domain.Errorf(domain.Invalid, op, "the period ends before it starts")
	}
	var finals []string
	for f, states := range q.Finals {
		for _, st := range states {
			finals = append(finals, f+"/"+st)
		}
	}
	if len(finals) == 0 {
		finals = []string{"-"}
	}
	where := []string{"s.event = 'start'", "s.flow <> 'handoff'", "s.at >= ?", "s.at < ?"}
	args := []any{finals, q.From.UTC(), q.To.UTC()}
	if q.Flow != "" {
		where, args = append(where, "s.flow = ?"), append(args, q.Flow)
	}
	if q.ContentVersion > 0 {
		where, args = append(where, "s.content_version = ?"), append(args, q.ContentVersion)
	}
	if q.Lang != "" {
		where, args = append(where, "s.lang = ?"), append(args, string(q.Lang))
	}
	if q.Channel != "" {
		where, args = append(where, "c.channel = ?"), append(args, string(q.Channel))
	}
	// endOf finds the id of the transition that ends run s.
	const endOf = `(SELECT MIN(x.id) FROM transitions x WHERE x.conversation_id = s.conversation_id AND x.id > s.id
		AND x.flow = s.flow AND (x.event = 'start' OR x.event LIKE 'abandon:%' OR (x.flow || '/' || x.to_state) IN ?))`
	query := `SELECT s.id, s.conversation_id, s.flow, s.content_version, s.lang, c.channel, s.at,
			e.id AS end_id, e.from_state AS end_from, e.to_state AS end_to, e.event AS end_event,
			(SELECT e2.at FROM transitions e2 WHERE e2.id = e.id) AS end_at,
			(SELECT l.to_state FROM transitions l WHERE l.id = (SELECT MAX(y.id) FROM transitions y
				WHERE y.conversation_id = s.conversation_id AND y.flow = s.flow AND y.id >= s.id
				AND (e.id IS NULL OR y.id < e.id) AND y.to_state <> '')) AS last_state,
			(SELECT COUNT(*) FROM transitions h WHERE h.conversation_id = s.conversation_id AND h.flow = 'handoff'
				AND h.event = 'start' AND h.id > s.id AND (e.id IS NULL OR h.id < e.id)) AS handoffs
		FROM transitions s
		JOIN conversations c ON c.id = s.conversation_id
		LEFT JOIN transitions e ON e.id = ` + endOf + `
		WHERE ` + strings.Join(where, " AND ") + `
		ORDER BY s.id`
	var runs []runRow
	if err := s.db.WithContext(ctx).Raw(query, args...).Scan(&runs).Error; err != nil {
		return domain.Results{}, fmt.Errorf("%s: %w", op, err)
	}
	res := domain.Results{GoalMedian: map[string]time.Duration{}, GoalRuns: map[string]int{}}
	byKey := map[runKey]*domain.FlowResult{}
	drops := map[runKey]map[[2]string]int{}
	goalTimes := map[runKey][]time.Duration{}
	flowTimes := map[string][]time.Duration{}
	var keys []runKey
	for _, r := range runs {
		k := runKey{r.Flow, r.ContentVersion, r.Lang, r.Channel}
		fr, ok := byKey[k]
		if !ok {
			fr = &domain.FlowResult{Flow: r.Flow, ContentVersion: r.ContentVersion, Lang: domain.Lang(r.Lang), Channel: domain.Channel(r.Channel)}
			byKey[k] = fr
			keys = append(keys, k)
		}
		fr.Started++
		handed := r.Handoffs > 0
		if handed {
			fr.HandedOff++
		}
		switch {
		case r.EndID == nil:
			fr.Open++
		case deref(r.EndEvent) == "start":
			fr.Abandoned++
			addDrop(drops, k, deref(r.LastState), "restarted")
		case strings.HasPrefix(deref(r.EndEvent), "abandon:"):
			fr.Abandoned++
			addDrop(drops, k, deref(r.EndFrom), strings.TrimPrefix(deref(r.EndEvent), "abandon:"))
		default:
			fr.Completed++
			if !handed {
				fr.Contained++
			}
			if goal, ok := q.Goals[r.Flow]; ok && goal == deref(r.EndTo) {
				fr.Succeeded++
				if end, ok := parseDBTime(deref(r.EndAt)); ok {
					d := max(end.Sub(r.At), 0)
					goalTimes[k] = append(goalTimes[k], d)
					flowTimes[r.Flow] = append(flowTimes[r.Flow], d)
				}
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.flow != b.flow {
			return a.flow < b.flow
		}
		if a.version != b.version {
			return a.version > b.version
		}
		if a.lang != b.lang {
			return a.lang < b.lang
		}
		return a.channel < b.channel
	})
	for _, k := range keys {
		fr := byKey[k]
		for sr, n := range drops[k] {
			fr.DropOff = append(fr.DropOff, domain.DropOff{State: sr[0], Reason: sr[1], Count: n})
		}
		sort.Slice(fr.DropOff, func(i, j int) bool {
			a, b := fr.DropOff[i], fr.DropOff[j]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.State+a.Reason < b.State+b.Reason
		})
		fr.GoalMedian = median(goalTimes[k])
		res.Flows = append(res.Flows, *fr)
	}
	for f, ds := range flowTimes {
		res.GoalMedian[f], res.GoalRuns[f] = median(ds), len(ds)
	}
	pushes, err := s.pushResults(ctx, q)
	if err != nil {
		return domain.Results{}, fmt.Errorf("%s: %w", op, err)
	}
	res.Pushes = pushes
	return res, nil
}

// runKey groups runs (and pushes: flow is their kind) for the dashboard.
type runKey struct {
	flow    string
	version int
	lang    string
	channel string
}

func addDrop(drops map[runKey]map[[2]string]int, k runKey, state, reason string) {
	if drops[k] == nil {
		drops[k] = map[[2]string]int{}
	}
	drops[k][[2]string{state, reason}]++
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// median of durations (the mean of the two middle ones for an even count).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// pushResults counts the flight updates (outbound messages with a purpose
// "flight_<kind>") queued in the period, by kind and by the content version,
// language and channel of their conversation. A push is acted on when the
// traveller tapped a button in that conversation after it was queued and
// before the next flight update there: an inbound message with a payload that
// is not a system message (staff action, timer, payment outcome). Typed
// replies do not count.
func (s *Store) pushResults(ctx context.Context, q domain.ResultsQuery) ([]domain.PushResult, error) {
	where := []string{`o.purpose LIKE 'flight\_%' ESCAPE '\'`, "o.created_at >= ?", "o.created_at < ?"}
	args := []any{q.From.UTC(), q.To.UTC()}
	if q.ContentVersion > 0 {
		where, args = append(where, "c.content_version = ?"), append(args, q.ContentVersion)
	}
	if q.Lang != "" {
		where, args = append(where, "c.lang = ?"), append(args, string(q.Lang))
	}
	if q.Channel != "" {
		where, args = append(where, "c.channel = ?"), append(args, string(q.Channel))
	}
	var rows []struct {
		Purpose        string
		ContentVersion int
		Lang           string
		Channel        string
		Status         string
		Acted          int
	}
	query := `SELECT o.purpose, c.content_version, c.lang, c.channel, o.status,
			CASE WHEN EXISTS (SELECT 1 FROM inbound_messages i WHERE i.conversation_id = o.conversation_id
				AND i.payload <> '' AND i.received_at > o.created_at
				AND i.channel_message_id NOT LIKE 'staff:%' AND i.channel_message_id NOT LIKE 'timer:%'
				AND i.channel_message_id NOT LIKE 'payment:%'
				AND NOT EXISTS (SELECT 1 FROM outbound_messages p WHERE p.conversation_id = o.conversation_id
					AND p.purpose LIKE 'flight\_%' ESCAPE '\' AND p.seq > o.seq AND p.created_at < i.received_at))
			THEN 1 ELSE 0 END AS acted
		FROM outbound_messages o JOIN conversations c ON c.id = o.conversation_id
		WHERE ` + strings.Join(where, " AND ")
	if err := s.db.WithContext(ctx).Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("push results: %w", err)
	}
	byKey := map[runKey]*domain.PushResult{}
	var keys []runKey
	for _, r := range rows {
		k := runKey{strings.TrimPrefix(r.Purpose, "flight_"), r.ContentVersion, r.Lang, r.Channel}
		p, ok := byKey[k]
		if !ok {
			p = &domain.PushResult{Kind: k.flow, ContentVersion: k.version, Lang: domain.Lang(k.lang), Channel: domain.Channel(k.channel)}
			byKey[k] = p
			keys = append(keys, k)
		}
		switch domain.DeliveryStatus(r.Status) {
		case domain.StatusQueued:
			p.Queued++
		case domain.StatusSent:
			p.Sent++
		case domain.StatusDelivered:
			p.Sent++
			p.Delivered++
		case domain.StatusRead:
			p.Sent++
			p.Delivered++
			p.Read++
		case domain.StatusFailed:
			p.Failed++
		case domain.StatusBlocked:
			p.Blocked++
		}
		p.ActedOn += r.Acted
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.flow != b.flow {
			return a.flow < b.flow
		}
		if a.version != b.version {
			return a.version > b.version
		}
		if a.lang != b.lang {
			return a.lang < b.lang
		}
		return a.channel < b.channel
	})
	out := make([]domain.PushResult, 0, len(keys))
	for _, k := range keys {
		out = append(out, *byKey[k])
	}
	return out, nil
}
