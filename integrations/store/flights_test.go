package store

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/migrations"
)

var (
	_ flows.WatchStore    = (*Store)(nil)
	_ flows.NotifyStore   = (*Store)(nil)
	_ flows.DeliveryStore = (*Store)(nil)
)

// clock is a settable fake clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func flightKey(t testing.TB, number, date string) domain.FlightKey {
	t.Helper()
	k, err := domain.ParseFlightKey(number, date)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func flightStatus(k domain.FlightKey, dep time.Time) domain.FlightStatusReport {
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	return domain.FlightStatusReport{
		Key: k, Phase: domain.PhaseScheduled, Origin: "AMS", Destination: "CDG",
		ScheduledDeparture: dep.In(ams), ScheduledArrival: dep.Add(75 * time.Minute),
		DepartureTerminal: "2", DepartureGate: "D7", Source: "poll:rest",
	}
}

func flightEvent(k domain.FlightKey, kind domain.FlightEventKind, version int, st domain.FlightStatusReport, seen time.Time) domain.FlightEvent {
	return domain.FlightEvent{Key: k, Kind: kind, Version: version, Status: st, SeenAt: seen,
		Before: domain.Notified{Gate: "D7", Departure: st.ScheduledDeparture, Versions: map[domain.FlightEventKind]int{kind: version - 1}}}
}

func TestSaveFlightWatchIsCompareAndSwap(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		now := time.Now().UTC().Truncate(time.Second)
		k := flightKey(t, "KL1234", "2026-11-26")
		st := flightStatus(k, now.Add(5*time.Hour))
		st.EstimatedDeparture = st.ScheduledDeparture.Add(20 * time.Minute)
		w := domain.FlightWatch{Key: k, Status: st, SeenAt: now,
			Notified: domain.Notified{Gate: "D7", Departure: st.EstimatedDeparture, Versions: map[domain.FlightEventKind]int{domain.EventDelay: 1}}}
		if err := b.s.SaveFlightWatch(ctx, w, nil); err != nil {
			t.Fatal(err)
		}
		// A second instance that also saw the flight for the first time loses.
		if err := b.s.SaveFlightWatch(ctx, w, nil); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("second first save: err = %v, want conflict", err)
		}

		got, err := b.s.FlightWatches(ctx, []domain.FlightKey{k, flightKey(t, "KL1234", "2026-11-27")})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 {
			t.Fatalf("%d watches, want 1: a flight never seen is absent", len(got))
		}
		g := got[k]
		if g.Version != 1 || !g.Status.EstimatedDeparture.Equal(st.EstimatedDeparture) || g.Status.DepartureGate != "D7" ||
			g.Status.Origin != "AMS" || g.Status.Source != "poll:rest" || g.Notified.Gate != "D7" ||
			!g.Notified.Departure.Equal(st.EstimatedDeparture) || g.Notified.Versions[domain.EventDelay] != 1 || !g.SeenAt.Equal(now) {
			t.Fatalf("watch = %+v\nwant %+v", g, w)
		}

		next := g
		next.Status.DepartureGate = "D9"
		if err := b.s.SaveFlightWatch(ctx, next, nil); err != nil {
			t.Fatalf("save at version 1: %v", err)
		}
		// A writer that loaded version 1 before that save changes nothing.
		stale := g
		stale.Status.DepartureGate = "E1"
		ev := flightEvent(k, domain.EventGateChange, 1, stale.Status, now)
		if err := b.s.SaveFlightWatch(ctx, stale, []domain.FlightEvent{ev}); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("stale save: err = %v, want conflict", err)
		}
		got, _ = b.s.FlightWatches(ctx, []domain.FlightKey{k})
		if got[k].Version != 2 || got[k].Status.DepartureGate != "D9" {
			t.Fatalf("watch at version %d gate %s, want 2 D9", got[k].Version, got[k].Status.DepartureGate)
		}
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM flight_status_history":                       2,
			"SELECT COUNT(*) FROM flight_events":                               0,
			"SELECT COUNT(*) FROM river_job WHERE kind = '" + kindFanOut + "'": 0,
		} {
			if n := count(t, db, q); n != want {
				t.Errorf("%s = %d, want %d", q, n, want)
			}
		}
	})
}

func TestFlightEventsAreRaisedOnceWithOneFanOut(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		now := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
		b := setup(t, db, Options{Now: func() time.Time { return now }})
		ctx := t.Context()
		soon := flightKey(t, "KL1234", "2026-11-26")
		st := flightStatus(soon, now.Add(2*time.Hour))
		delay := flightEvent(soon, domain.EventDelay, 1, st, now)
		if err := b.s.SaveFlightWatch(ctx, domain.FlightWatch{Key: soon, Status: st}, []domain.FlightEvent{delay}); err != nil {
			t.Fatal(err)
		}
		// The same delay again (another instance's view) with a new gate change.
		gate := flightEvent(soon, domain.EventGateChange, 1, st, now)
		if err := b.s.SaveFlightWatch(ctx, domain.FlightWatch{Key: soon, Status: st, Version: 1}, []domain.FlightEvent{delay, gate}); err != nil {
			t.Fatal(err)
		}
		cancelled := flightKey(t, "KL1002", "2026-11-28")
		cst := flightStatus(cancelled, now.Add(50*time.Hour))
		cst.Phase = domain.PhaseCancelled
		later := flightKey(t, "KL1003", "2026-11-28")
		lst := flightStatus(later, now.Add(48*time.Hour))
		tomorrow := flightKey(t, "KL1004", "2026-11-27")
		tst := flightStatus(tomorrow, now.Add(20*time.Hour))
		for _, f := range []struct {
			k    domain.FlightKey
			st   domain.FlightStatusReport
			kind domain.FlightEventKind
		}{{cancelled, cst, domain.EventCancelled}, {later, lst, domain.EventDelay}, {tomorrow, tst, domain.EventCheckInOpen}} {
			if err := b.s.SaveFlightWatch(ctx, domain.FlightWatch{Key: f.k, Status: f.st}, []domain.FlightEvent{flightEvent(f.k, f.kind, 1, f.st, now)}); err != nil {
				t.Fatal(err)
			}
		}

		var ids []int64
		db.Gorm.Raw("SELECT id FROM flight_events ORDER BY id").Scan(&ids)
		if len(ids) != 5 {
			t.Fatalf("%d events stored, want 5: the repeated delay is skipped", len(ids))
		}
		var jobs []struct {
			Priority int
			EventID  int64
		}
		eventID := "(args->>'event_id')::bigint"
		if db.Dialect == migrations.SQLite {
			eventID = "json_extract(args, '$.event_id')" // River stores JSONB there
		}
		db.Gorm.Raw("SELECT priority, "+eventID+" AS event_id FROM river_job WHERE kind = ? AND queue = ? ORDER BY id", kindFanOut, queueNotify).Scan(&jobs)
		if len(jobs) != 5 {
			t.Fatalf("%d fan-out jobs, want one per event", len(jobs))
		}
		for i, want := range []int{2, 2, 1, 4, 3} {
			if jobs[i].Priority != want || jobs[i].EventID != ids[i] {
				t.Errorf("job %d = %+v, want priority %d for event %d", i, jobs[i], want, ids[i])
			}
		}

		ev, err := b.s.FlightEvent(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID != ids[0] || ev.Key != soon || ev.Kind != domain.EventDelay || ev.Version != 1 || !ev.SeenAt.Equal(now) ||
			!ev.Status.ScheduledDeparture.Equal(st.ScheduledDeparture) || ev.Status.DepartureGate != "D7" ||
			ev.Before.Gate != "D7" || !ev.Before.Departure.Equal(st.ScheduledDeparture) {
			t.Fatalf("event = %+v", ev)
		}
		if _, err := b.s.FlightEvent(ctx, 99999); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("unknown event: err = %v, want not found", err)
		}
		for _, tc := range []struct {
			k    domain.FlightKey
			kind domain.FlightEventKind
			want int
		}{{soon, domain.EventDelay, 1}, {soon, domain.EventGateChange, 1}, {soon, domain.EventBoarding, 0}, {later, domain.EventGateChange, 0}} {
			if v, err := b.s.LatestEventVersion(ctx, tc.k, tc.kind); err != nil || v != tc.want {
				t.Errorf("LatestEventVersion(%s, %s) = %d %v, want %d", tc.k, tc.kind, v, err, tc.want)
			}
		}
	})
}

// TestFlightWatchesAsksInChunks: a poll of more than one chunk of flights finds
// each stored one and nothing else.
func TestFlightWatchesAsksInChunks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		now := time.Now()
		stored := []domain.FlightKey{
			flightKey(t, "KL1", "2026-11-26"), flightKey(t, "KL1200", "2026-11-27"), flightKey(t, "AF1200", "2026-11-27"),
			flightKey(t, "KL0603A", "2026-11-26"),
		}
		for _, k := range stored {
			if err := b.s.SaveFlightWatch(ctx, domain.FlightWatch{Key: k, Status: flightStatus(k, now)}, nil); err != nil {
				t.Fatal(err)
			}
		}
		var keys []domain.FlightKey
		for n := 1; n <= 1300; n++ {
			for _, d := range []string{"2026-11-26", "2026-11-27"} {
				keys = append(keys, flightKey(t, fmt.Sprintf("KL%d", n), d))
			}
		}
		keys = append(keys, stored[2]) // AF1200
		got, err := b.s.FlightWatches(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		// KL603A was not asked for (KL603 without suffix was).
		if len(got) != 3 {
			t.Fatalf("%d watches, want 3: %v", len(got), got)
		}
		for _, k := range stored[:3] {
			if got[k].Key != k || got[k].Version != 1 {
				t.Errorf("watch of %s = %+v", k, got[k])
			}
		}
	})
}
