package flows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// FlightWatch is what Skybridge knows of one flight's status (domain.FlightWatch).
type FlightWatch = domain.FlightWatch

// WatchStore is what flight watching needs from persistence.
type WatchStore interface {
	// FlightWatches returns the stored watches of the given flights; flights never
	// seen are absent from the map.
	FlightWatches(ctx context.Context, keys []domain.FlightKey) (map[domain.FlightKey]FlightWatch, error)
	// SaveFlightWatch stores, in one transaction: the watch (status, baseline,
	// Version+1) if the stored version still equals w.Version (0: not stored yet),
	// a history row with the status, and each event with a fan-out job. An event
	// whose (flight, kind, version) exists already is skipped. When the version
	// moved, nothing is written and the error has code domain.Conflict.
	SaveFlightWatch(ctx context.Context, w FlightWatch, events []domain.FlightEvent) error
}

// Watcher turns flight statuses, polled or pushed, into flight events: it compares
// each status with what travellers were last told (domain.DetectEvents) and saves
// the change with its events in one transaction, so that every event is raised
// once however many instances see the same change.
type Watcher struct {
	store    WatchStore
	manifest domain.Manifest
	sources  []domain.FlightStatusSource
	content  func(ctx context.Context) (Content, error)
	now      func() time.Time
	log      *slog.Logger
	// Horizon is how far ahead polling looks for departures.
	Horizon time.Duration
}

// WatcherConfig wires a Watcher.
type WatcherConfig struct {
	Store    WatchStore
	Manifest domain.Manifest
	Sources  []domain.FlightStatusSource
	// Content returns the newest published content (for the notification rules).
	Content func(ctx context.Context) (Content, error)
	Now     func() time.Time
	Log     *slog.Logger
	// Horizon: how far ahead polling looks. Default 36 h (check-in opens 30 h
	// before departure).
	Horizon time.Duration
}

// NewWatcher builds a watcher.
func NewWatcher(c WatcherConfig) *Watcher {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Horizon <= 0 {
		c.Horizon = 36 * time.Hour
	}
	return &Watcher{store: c.Store, manifest: c.Manifest, sources: c.Sources, content: c.Content,
		now: c.Now, log: c.Log, Horizon: c.Horizon}
}

// IngestResult counts what one batch of statuses did.
type IngestResult struct {
	Received  int // statuses given
	Changed   int // statuses that differed from the stored one
	Events    int // events raised
	Conflicts int // flights another writer changed meanwhile (retried)
}

// Ingest compares statuses with the stored ones and saves those that changed with
// the events they raise. Pushed and polled statuses take this same path.
func (w *Watcher) Ingest(ctx context.Context, reports []domain.FlightStatusReport) (IngestResult, error) {
	res := IngestResult{Received: len(reports)}
	if len(reports) == 0 {
		return res, nil
	}
	c, err := w.content(ctx)
	if err != nil {
		return res, err
	}
	rules := c.Rules.notifyRules()
	// The last report of a flight in a batch wins.
	latest := make(map[domain.FlightKey]domain.FlightStatusReport, len(reports))
	keys := make([]domain.FlightKey, 0, len(reports))
	for _, r := range reports {
		if _, dup := latest[r.Key]; !dup {
			keys = append(keys, r.Key)
		}
		latest[r.Key] = r
	}
	watches, err := w.store.FlightWatches(ctx, keys)
	if err != nil {
		return res, err
	}
	for _, k := range keys {
		r := latest[k]
		for attempt := 0; ; attempt++ {
			old, seen := watches[k]
			if seen && (sameStatus(old.Status, r) || outranked(old, r, w.now())) {
				break
			}
			res.Changed++
			events, told := domain.DetectEvents(old.Notified, r, rules, w.now())
			if !seen && r.Phase.Operated() && r.Phase != domain.PhaseDiverted {
				// First seen when it has already left or landed (a new deployment, a
				// new carrier): that is the baseline, not news.
				events = nil
			}
			nw := FlightWatch{Key: k, Status: r, Notified: told, Version: old.Version, SeenAt: w.now()}
			err := w.store.SaveFlightWatch(ctx, nw, events)
			if err == nil {
				res.Events += len(events)
				if len(events) > 0 {
					w.log.Info("flight events raised", "flight", k.String(), "events", len(events), "kind", string(events[0].Kind))
				}
				break
			}
			if !domain.IsCode(err, domain.Conflict) || attempt >= 3 {
				return res, fmt.Errorf("ingest %s: %w", k, err)
			}
			// Another instance saved a newer status of this flight: compare with it.
			res.Conflicts++
			res.Changed--
			fresh, err := w.store.FlightWatches(ctx, []domain.FlightKey{k})
			if err != nil {
				return res, err
			}
			watches[k] = fresh[k]
		}
	}
	return res, nil
}

// pushPrecedence is how long a status pushed by the airline's operations system
// outranks what polled providers say: the airline knows its own flights first,
// and a provider that has not caught up must not undo what travellers were told.
const pushPrecedence = 30 * time.Minute

// outranked reports whether a new report must not replace the stored one: it is
// older than it, or a poll within pushPrecedence of an operations push.
func outranked(old FlightWatch, r domain.FlightStatusReport, now time.Time) bool {
	if !r.UpdatedAt.IsZero() && !old.Status.UpdatedAt.IsZero() && r.UpdatedAt.Before(old.Status.UpdatedAt) {
		return true
	}
	pushed := strings.HasPrefix(old.Status.Source, "push:")
	return pushed && !strings.HasPrefix(r.Source, "push:") && now.Sub(old.SeenAt) < pushPrecedence
}

// sameStatus reports whether two reports say the same (the source and its clock
// aside): an unchanged flight costs no write.
func sameStatus(a, b domain.FlightStatusReport) bool {
	a.Source, b.Source = "", ""
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	eq := func(x, y time.Time) bool { return x.Equal(y) }
	return a.Key == b.Key && a.Phase == b.Phase && a.Origin == b.Origin && a.Destination == b.Destination &&
		eq(a.ScheduledDeparture, b.ScheduledDeparture) && eq(a.EstimatedDeparture, b.EstimatedDeparture) &&
		eq(a.ActualDeparture, b.ActualDeparture) && eq(a.ScheduledArrival, b.ScheduledArrival) &&
		eq(a.EstimatedArrival, b.EstimatedArrival) && eq(a.ActualArrival, b.ActualArrival) &&
		a.DepartureTerminal == b.DepartureTerminal && a.DepartureGate == b.DepartureGate &&
		a.ArrivalTerminal == b.ArrivalTerminal && a.ArrivalGate == b.ArrivalGate &&
		a.BaggageBelt == b.BaggageBelt && a.DivertedTo == b.DivertedTo && a.Reason == b.Reason
}

// Poll asks every source for the flights departing between now and the horizon
// and ingests what they report. One source failing does not stop the others.
func (w *Watcher) Poll(ctx context.Context) (IngestResult, error) {
	var total IngestResult
	carriers, err := w.manifest.Carriers(ctx)
	if err != nil {
		return total, err
	}
	from := w.now().Add(-6 * time.Hour) // late flights still matter
	to := w.now().Add(w.Horizon)
	var errs []error
	for _, src := range w.sources {
		for _, c := range carriers {
			reports, err := src.Departing(ctx, c, from, to)
			if err != nil {
				errs = append(errs, fmt.Errorf("poll %s: %w", c, err))
				continue
			}
			valid := reports[:0]
			for _, r := range reports {
				if err := r.Validate(); err != nil {
					w.log.Warn("flight status ignored", "flight", r.Key.String(), "err", err)
					continue
				}
				valid = append(valid, r)
			}
			res, err := w.Ingest(ctx, valid)
			total.Received += res.Received
			total.Changed += res.Changed
			total.Events += res.Events
			total.Conflicts += res.Conflicts
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	return total, errors.Join(errs...)
}

// boardingLookback is how late a "go to the gate" reminder may still be raised
// after boarding time (the service was down, the tick was missed).
const boardingLookback = 30 * time.Minute

// Timers raises the events that come from the clock rather than from a status
// source, and returns how many it raised:
//   - check-in open, for every flight whose online check-in window opened in the
//     last lookback and is still open;
//   - boarding ("time to go to the gate"), at boarding time before the best known
//     departure, for flights whose status source has not said boarding yet.
//
// The timers are the flights' rows and the events' unique versions, not process
// memory: a restart or a second instance loses and doubles nothing.
func (w *Watcher) Timers(ctx context.Context, policy func(domain.CarrierCode) domain.CheckInPolicy, lookback time.Duration) (int, error) {
	c, err := w.content(ctx)
	if err != nil {
		return 0, err
	}
	rules := c.Rules.notifyRules()
	checkIn, boarding := rules.Rule(domain.EventCheckInOpen).Enabled, rules.Rule(domain.EventBoarding).Enabled
	if !checkIn && !boarding {
		return 0, nil
	}
	now := w.now()
	// Windows open at most a few days ahead; late flights still board.
	flights, err := w.manifest.FlightsDeparting(ctx, now.Add(-6*time.Hour), now.Add(72*time.Hour))
	if err != nil {
		return 0, err
	}
	var cands []domain.Flight
	var keys []domain.FlightKey
	for _, f := range flights {
		if f.Status == domain.FlightCancelled {
			continue
		}
		cands = append(cands, f)
		keys = append(keys, domain.KeyOf(f))
	}
	if len(cands) == 0 {
		return 0, nil
	}
	watches, err := w.store.FlightWatches(ctx, keys)
	if err != nil {
		return 0, err
	}
	raised := 0
	for i, f := range cands {
		k := keys[i]
		for attempt := 0; ; attempt++ {
			old, seen := watches[k]
			st := old.Status
			if !seen {
				st = scheduledStatus(f)
			}
			kind, due := timerDue(f, old, st, policy, now, lookback, checkIn, boarding)
			if !due {
				break
			}
			told := old.Notified
			versions := map[domain.FlightEventKind]int{}
			for k, v := range told.Versions {
				versions[k] = v
			}
			versions[kind]++
			told.Versions = versions
			if kind == domain.EventBoarding {
				told.Phase = domain.PhaseBoarding
			}
			ev := domain.FlightEvent{Key: k, Kind: kind, Version: versions[kind], Status: st, Before: old.Notified, SeenAt: now}
			err := w.store.SaveFlightWatch(ctx, FlightWatch{Key: k, Status: st, Notified: told, Version: old.Version, SeenAt: now}, []domain.FlightEvent{ev})
			if err == nil {
				raised++
				if seen {
					old.Notified, old.Version = told, old.Version+1
				} else {
					old = FlightWatch{Key: k, Status: st, Notified: told, Version: 1}
				}
				watches[k] = old
				continue // both timers may be due for the same flight
			}
			if !domain.IsCode(err, domain.Conflict) || attempt >= 3 {
				return raised, fmt.Errorf("timers %s: %w", k, err)
			}
			fresh, err := w.store.FlightWatches(ctx, []domain.FlightKey{k})
			if err != nil {
				return raised, err
			}
			watches[k] = fresh[k]
		}
	}
	return raised, nil
}

// timerDue tells which clock event of a flight is due now, if any.
func timerDue(f domain.Flight, old FlightWatch, st domain.FlightStatusReport, policy func(domain.CarrierCode) domain.CheckInPolicy,
	now time.Time, lookback time.Duration, checkIn, boarding bool) (domain.FlightEventKind, bool) {
	phase := old.Notified.Phase
	if phase == domain.PhaseCancelled || phase.Operated() || st.Phase == domain.PhaseCancelled || st.Phase.Operated() {
		return "", false
	}
	if checkIn && old.Notified.Versions[domain.EventCheckInOpen] == 0 {
		opens, closes := policy(f.Number.Carrier).Window(f)
		if !opens.After(now) && opens.After(now.Add(-lookback)) && closes.After(now) {
			return domain.EventCheckInOpen, true
		}
	}
	if boarding && old.Notified.Versions[domain.EventBoarding] == 0 && (phase == "" || phase == domain.PhaseScheduled) {
		dep := st.Departure()
		if dep.IsZero() {
			dep = f.Departure
		}
		board := dep.Add(-time.Duration(max(f.BoardingMin, 1)) * time.Minute)
		if f.BoardingMin <= 0 {
			board = f.BoardingTime().Add(dep.Sub(f.Departure))
		}
		if !board.After(now) && board.After(now.Add(-boardingLookback)) && dep.After(now) {
			return domain.EventBoarding, true
		}
	}
	return "", false
}

// scheduledStatus is the status of a flight nobody has reported on: as scheduled.
func scheduledStatus(f domain.Flight) domain.FlightStatusReport {
	return domain.FlightStatusReport{
		Key: domain.KeyOf(f), Phase: domain.PhaseScheduled,
		Origin: f.Origin.Code, Destination: f.Destination.Code,
		ScheduledDeparture: f.Departure.UTC(), ScheduledArrival: f.Arrival.UTC(),
		DepartureGate: f.Gate, DepartureTerminal: f.Terminal, Source: "schedule",
	}
}
