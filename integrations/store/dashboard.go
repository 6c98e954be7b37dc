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

// run is one run of a flow with its end, as readRuns finds it.
type run struct {
	ID             int64
	Flow           string
	ContentVersion int
	Lang           string
	Channel        string
	At             time.Time
	Ended          bool
	EndFrom        string
	EndTo          string
	EndEvent       string
	EndAt          time.Time
	LastState      string
	Handoffs       int
}

// logRow is one transition as readRuns reads it, with its conversation's channel.
type logRow struct {
	transitionRow
	Channel string
}

// Results computes the dashboard over runs started in [q.From, q.To), and over
// flight updates queued in that period.
func (s *Store) Results(ctx context.Context, q domain.ResultsQuery) (domain.Results, error) {
	const op = "compute results"
	if !q.To.After(q.From) {
		return domain.Results{}, domain.Errorf(domain.Invalid, op, "the period ends before it starts")
	}
	runs, err := s.readRuns(ctx, q)
	if err != nil {
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
		case !r.Ended:
			fr.Open++
		case r.EndEvent == "start":
			fr.Abandoned++
			addDrop(drops, k, r.LastState, "restarted")
		case strings.HasPrefix(r.EndEvent, "abandon:"):
			fr.Abandoned++
			addDrop(drops, k, r.EndFrom, strings.TrimPrefix(r.EndEvent, "abandon:"))
		default:
			fr.Completed++
			if !handed {
				fr.Contained++
			}
			if goal, ok := q.Goals[r.Flow]; ok && goal == r.EndTo {
				fr.Succeeded++
				d := max(r.EndAt.Sub(r.At), 0)
				goalTimes[k] = append(goalTimes[k], d)
				flowTimes[r.Flow] = append(flowTimes[r.Flow], d)
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

// readRuns finds the runs started in the period and how each ended, in one
// pass over the transition log of the conversations concerned, in id order
// (the order in which turns committed them). From the first run's start on,
// each conversation's transitions are read once: the correlated look-ups a
// per-run query needs grew to seconds at 100,000 runs a month.
func (s *Store) readRuns(ctx context.Context, q domain.ResultsQuery) ([]run, error) {
	finals := map[string]bool{}
	for f, states := range q.Finals {
		for _, st := range states {
			finals[f+"/"+st] = true
		}
	}
	where := []string{"event = 'start'", "flow <> 'handoff'", "at >= ?", "at < ?"}
	args := []any{q.From.UTC(), q.To.UTC()}
	if q.Flow != "" {
		where, args = append(where, "flow = ?"), append(args, q.Flow)
	}
	starts := `SELECT conversation_id, id FROM transitions WHERE ` + strings.Join(where, " AND ")
	var first *int64
	if err := s.db.WithContext(ctx).Raw(`SELECT MIN(id) FROM (`+starts+`) f`, args...).Scan(&first).Error; err != nil {
		return nil, fmt.Errorf("first run: %w", err)
	}
	if first == nil {
		return nil, nil
	}
	rows, err := s.db.WithContext(ctx).Raw(`SELECT t.id, t.conversation_id, t.flow, t.from_state, t.to_state, t.event,
			t.content_version, t.lang, t.at, c.channel
		FROM transitions t JOIN conversations c ON c.id = t.conversation_id
		WHERE t.id >= ? AND t.conversation_id IN (SELECT conversation_id FROM (`+starts+`) f)
		ORDER BY t.conversation_id, t.id`, append([]any{*first}, args...)...).Rows()
	if err != nil {
		return nil, fmt.Errorf("read transitions: %w", err)
	}
	defer rows.Close()
	var (
		out  []run
		conv int64 = -1
		open       = map[string]int{} // flow → index in out of its run still open
	)
	qualifies := func(x logRow) bool {
		return x.Event == "start" && x.Flow != "handoff" && !x.At.Before(q.From) && x.At.Before(q.To) &&
			(q.Flow == "" || x.Flow == q.Flow) && (q.ContentVersion == 0 || x.ContentVersion == q.ContentVersion) &&
			(q.Lang == "" || x.Lang == string(q.Lang)) && (q.Channel == "" || x.Channel == string(q.Channel))
	}
	for rows.Next() {
		var x logRow
		if err := rows.Scan(&x.ID, &x.ConversationID, &x.Flow, &x.FromState, &x.ToState, &x.Event,
			&x.ContentVersion, &x.Lang, &x.At, &x.Channel); err != nil {
			return nil, fmt.Errorf("read transition: %w", err)
		}
		if x.ConversationID != conv {
			conv = x.ConversationID
			clear(open)
		}
		if x.Flow == "handoff" && x.Event == "start" {
			for _, i := range open {
				out[i].Handoffs++
			}
		}
		if i, ok := open[x.Flow]; ok {
			r := &out[i]
			switch {
			case x.Event == "start", strings.HasPrefix(x.Event, "abandon:"), finals[x.Flow+"/"+x.ToState]:
				r.Ended, r.EndFrom, r.EndTo, r.EndEvent, r.EndAt = true, x.FromState, x.ToState, x.Event, x.At.UTC()
				delete(open, x.Flow)
			case x.ToState != "":
				r.LastState = x.ToState
			}
		}
		if qualifies(x) {
			open[x.Flow] = len(out)
			out = append(out, run{ID: x.ID, Flow: x.Flow, ContentVersion: x.ContentVersion, Lang: x.Lang,
				Channel: x.Channel, At: x.At.UTC(), LastState: x.ToState})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read transitions: %w", err)
	}
	return out, nil
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
