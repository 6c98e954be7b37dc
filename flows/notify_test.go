package flows_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

// updates is a harness's proactive side: the watcher and the notifier on the real
// store and the demo booking system.
type updates struct {
	h        *harness
	manifest *pss.Demo
	watcher  *flows.Watcher
	notifier *flows.Notifier
}

func (h *harness) updates(channels ...domain.Channel) *updates {
	m := pss.NewDemo(h.db, h.sealer, h.clock.Now)
	return &updates{
		h: h, manifest: m,
		watcher: flows.NewWatcher(flows.WatcherConfig{Store: h.store, Manifest: m, Now: h.clock.Now, Log: testLogger(h.t),
			Content: func(ctx context.Context) (flows.Content, error) { return h.engine.Content(ctx, 0) }}),
		notifier: flows.NewNotifier(h.store, m, h.engine, channels, h.clock.Now, testLogger(h.t)),
	}
}

// flightOf returns the first active flight of a demo booking and its status as
// scheduled.
func (u *updates) flightOf(loc string) (domain.Flight, domain.FlightStatusReport) {
	u.h.t.Helper()
	b, err := u.h.bookings().FindBooking(context.Background(), domain.RecordLocator(loc))
	if err != nil {
		u.h.t.Fatal(err)
	}
	for _, s := range b.Segments {
		if s.Status == domain.SegmentConfirmed {
			f := s.Flight
			return f, domain.FlightStatusReport{Key: domain.KeyOf(f), Phase: domain.PhaseScheduled,
				Origin: f.Origin.Code, Destination: f.Destination.Code,
				ScheduledDeparture: f.Departure.UTC(), ScheduledArrival: f.Arrival.UTC(), DepartureGate: "D7", Source: "test"}
		}
	}
	u.h.t.Fatalf("%s has no active segment", loc)
	return domain.Flight{}, domain.FlightStatusReport{}
}

func (u *updates) ingest(r ...domain.FlightStatusReport) flows.IngestResult {
	u.h.t.Helper()
	res, err := u.watcher.Ingest(context.Background(), r)
	if err != nil {
		u.h.t.Fatal(err)
	}
	return res
}

// events returns the ids of the flight's events of a kind, oldest first.
func (u *updates) events(key domain.FlightKey, kind domain.FlightEventKind) []int64 {
	var ids []int64
	u.eventColumn(key, kind, "id", &ids)
	return ids
}

// eventColumn reads one column of the flight's events of a kind, oldest first.
func (u *updates) eventColumn(key domain.FlightKey, kind domain.FlightEventKind, column string, dest any) {
	u.h.t.Helper()
	err := u.h.db.Gorm.Raw(`SELECT `+column+` FROM flight_events WHERE carrier = ? AND number = ? AND flight_date = ? AND kind = ? ORDER BY version`,
		string(key.Flight.Carrier), key.Flight.Number, key.Date, string(kind)).Scan(dest).Error
	if err != nil {
		u.h.t.Fatal(err)
	}
}

func (u *updates) fanOut(id int64) flows.FanOutResult {
	u.h.t.Helper()
	res, err := u.notifier.FanOut(context.Background(), id)
	if err != nil {
		u.h.t.Fatal(err)
	}
	return res
}

// pushes returns the flight updates queued for a conversation.
func (h *harness) pushes(conv int64) []domain.Outbound {
	h.t.Helper()
	out, err := h.store.OutboundAfter(context.Background(), conv, 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var p []domain.Outbound
	for _, o := range out {
		if strings.HasPrefix(o.Purpose, "flight_") {
			p = append(p, o)
		}
	}
	return p
}

func (h *harness) conversationOf(ch domain.Channel, user string) (domain.Conversation, bool) {
	h.t.Helper()
	c, ok, err := h.store.ConversationByUser(context.Background(), ch, user)
	if err != nil {
		h.t.Fatal(err)
	}
	return c, ok
}

func TestFlightUpdatesReachEveryTravellerOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHarness(t, db)
		u := h.updates(domain.WhatsApp)
		// A traveller is half-way through checking in DB4LHR in the web chat.
		tr := h.traveller("dubois")
		tr.say("check in")
		expect(t, tr.say("DB4LHR Dubois"), "DB4LHR")
		stateBefore := tr.state().State

		f, st := u.flightOf("DB4LHR")
		if res := u.ingest(st); res.Events != 0 || res.Changed != 1 {
			t.Fatalf("first sighting as scheduled: %+v", res)
		}
		late := st
		late.EstimatedDeparture = f.Departure.Add(40 * time.Minute).UTC()
		late.Reason = "late inbound aircraft"
		if res := u.ingest(late); res.Events != 1 {
			t.Fatalf("delay: %+v", res)
		}
		// The same status pushed again, polled again: nothing new.
		if res := u.ingest(late, late); res.Events != 0 || res.Changed != 0 {
			t.Fatalf("repeat: %+v", res)
		}
		ids := u.events(st.Key, domain.EventDelay)
		if len(ids) != 1 {
			t.Fatalf("delay events %v", ids)
		}
		res := u.fanOut(ids[0])
		// Two passengers; one message to the web chat, one to the booking's
		// WhatsApp number.
		if res.Queued != 2 || res.Messages != 2 || res.Unreachable != 0 {
			t.Fatalf("fan-out: %+v", res)
		}
		// Run again (a retry, a second instance): nothing doubles.
		u.fanOut(ids[0])
		u.fanOut(ids[0])
		web := h.pushes(tr.conv)
		if len(web) != 1 {
			t.Fatalf("web chat got %d pushes:\n%s", len(web), transcript(web))
		}
		want := f.Departure.Add(40 * time.Minute).In(f.Origin.Location).Format("15:04")
		expect(t, web, "SB", "delayed", want, "late inbound aircraft", "intent:resume")
		wa, ok := h.conversationOf(domain.WhatsApp, "33600000102")
		if !ok {
			t.Fatal("no WhatsApp conversation for the booking's contact")
		}
		if p := h.pushes(wa.ID); len(p) != 1 || p[0].Params["time"] != want || p[0].Purpose != "flight_delay" {
			t.Fatalf("WhatsApp push: %+v", p)
		}
		var rows int64
		db.Gorm.Raw(`SELECT COUNT(*) FROM notifications WHERE status = 'queued'`).Scan(&rows)
		if rows != 2 {
			t.Fatalf("%d queued notifications, want one per passenger (2)", rows)
		}
		// "Continue where I was" brings the traveller back to the question.
		tr.last = web
		back := tr.tap("intent:resume")
		if c := tr.state(); c.Flow != "checkin" || c.State != stateBefore || len(back) == 0 {
			t.Fatalf("resume: flow %s state %s (was %s):\n%s", c.Flow, c.State, stateBefore, transcript(back))
		}
	})
}

func TestNewerEventsSupersedeOlderOnes(t *testing.T) {
	h := sqlite(t)
	u := h.updates(domain.WhatsApp)
	f, st := u.flightOf("DB4LHR")
	u.ingest(st)
	for _, d := range []time.Duration{30, 60} {
		late := st
		late.EstimatedDeparture = f.Departure.Add(d * time.Minute).UTC()
		u.ingest(late)
	}
	ids := u.events(st.Key, domain.EventDelay)
	if len(ids) != 2 {
		t.Fatalf("events %v", ids)
	}
	if res := u.fanOut(ids[0]); res.Skipped == "" || res.Messages != 0 {
		t.Fatalf("old delay sent: %+v", res)
	}
	if res := u.fanOut(ids[1]); res.Messages != 1 {
		t.Fatalf("new delay: %+v", res)
	}
}

func TestOptedOutAndUnreachableTravellersAreCounted(t *testing.T) {
	h := sqlite(t)
	// Without WhatsApp enabled, the booking's number reaches nobody.
	u := h.updates()
	_, st := u.flightOf("DB4LHR")
	u.ingest(st)
	cancelled := st
	cancelled.Phase = domain.PhaseCancelled
	u.ingest(cancelled)
	ids := u.events(st.Key, domain.EventCancelled)
	if res := u.fanOut(ids[0]); res.Unreachable != 2 || res.Queued != 0 {
		t.Fatalf("unreachable: %+v", res)
	}

	// With WhatsApp, a traveller who said STOP is skipped and counted.
	h2 := sqlite(t)
	u2 := h2.updates(domain.WhatsApp)
	wa := &traveller{h: h2, user: "33600000102"}
	ctx := context.Background()
	in := domain.Inbound{Channel: domain.WhatsApp, ChannelMessageID: "wamid.stop", Text: "STOP", ReceivedAt: h2.clock.Now()}
	id, _, err := h2.store.Accept(ctx, in, wa.user)
	if err != nil {
		t.Fatal(err)
	}
	if err := h2.engine.Process(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, st2 := u2.flightOf("DB4LHR")
	u2.ingest(st2)
	c2 := st2
	c2.Phase = domain.PhaseCancelled
	u2.ingest(c2)
	res := u2.fanOut(u2.events(st2.Key, domain.EventCancelled)[0])
	if res.OptedOut != 2 || res.Messages != 0 {
		t.Fatalf("opted out: %+v", res)
	}
	if p := h2.pushes(id); len(p) != 0 {
		t.Fatalf("opted-out traveller got %d pushes", len(p))
	}
}

func TestAConversationWithAPersonIsLeftToThem(t *testing.T) {
	h := sqlite(t)
	u := h.updates()
	tr := h.traveller("x")
	tr.say("check in")
	tr.say("DB4LHR Dubois")
	expect(t, tr.say("I want to talk to a person"), "colleague")
	_, st := u.flightOf("DB4LHR")
	u.ingest(st)
	c := st
	c.Phase = domain.PhaseCancelled
	u.ingest(c)
	res := u.fanOut(u.events(st.Key, domain.EventCancelled)[0])
	if res.Agent != 2 || res.Messages != 0 {
		t.Fatalf("handoff: %+v", res)
	}
}

func TestCheckInOpenIsHeldDuringQuietHoursAndRaisedOnce(t *testing.T) {
	h := sqlite(t)
	u := h.updates(domain.WhatsApp)
	// OK5CDG leaves in about two days: its window opens 30 h before departure.
	f, _ := u.flightOf("OK5CDG")
	opens := f.Departure.Add(-30 * time.Hour)
	h.clock.Advance(opens.Sub(h.clock.Now()) + time.Minute)
	policy := func(domain.CarrierCode) domain.CheckInPolicy { return domain.DefaultCheckInPolicy }
	n, err := u.watcher.Timers(context.Background(), policy, 3*time.Hour)
	if err != nil || n < 1 {
		t.Fatalf("raised %d: %v", n, err)
	}
	if n, err := u.watcher.Timers(context.Background(), policy, 3*time.Hour); err != nil || n != 0 {
		t.Fatalf("raised again %d: %v", n, err)
	}
	ids := u.events(domain.KeyOf(f), domain.EventCheckInOpen)
	if len(ids) != 1 {
		t.Fatalf("events %v", ids)
	}
	local := h.clock.Now().In(f.Origin.Location)
	res, err := u.notifier.FanOut(context.Background(), ids[0])
	quiet := local.Hour() >= 22 || local.Hour() < 7
	var snooze *domain.Snooze
	switch {
	case quiet && (!errors.As(err, &snooze) || snooze.At.In(f.Origin.Location).Hour() != 7):
		t.Fatalf("at %s local: want a snooze until 07:00, got %+v %v", local.Format("15:04"), res, err)
	case !quiet && (err != nil || res.Messages != 1):
		t.Fatalf("at %s local: %+v %v", local.Format("15:04"), res, err)
	}
	// Whatever the hour, at 03:00 local it is held and at 09:00 it goes.
	day := time.Date(local.Year(), local.Month(), local.Day(), 3, 0, 0, 0, f.Origin.Location)
	h.clock.Advance(day.Add(24 * time.Hour).Sub(h.clock.Now()))
	if _, err := u.notifier.FanOut(context.Background(), ids[0]); !errors.As(err, &snooze) {
		t.Fatalf("03:00: %v", err)
	}
}

func TestConcurrentFanOutsQueueOneMessageEach(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHarness(t, db)
		u := h.updates(domain.WhatsApp)
		f, st := u.flightOf("VR2FAM")
		u.ingest(st)
		gate := st
		gate.DepartureGate = "E19"
		u.ingest(gate)
		ids := u.events(st.Key, domain.EventGateChange)
		if len(ids) != 1 {
			t.Fatalf("events %v", ids)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := u.notifier.FanOut(context.Background(), ids[0])
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil && !domain.IsCode(err, domain.Conflict) {
				t.Fatal(err)
			}
		}
		u.fanOut(ids[0]) // whatever lost a race, a retry completes it
		groups, err := u.manifest.Travellers(context.Background(), st.Key, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		numbers, pax := map[string]bool{}, 0
		for _, g := range groups {
			numbers[g.Contact.WhatsApp.Reveal()] = true
			pax += len(g.Passengers)
		}
		var msgs, notes int64
		db.Gorm.Raw(`SELECT COUNT(*) FROM outbound_messages WHERE purpose = 'flight_gate_change'`).Scan(&msgs)
		db.Gorm.Raw(`SELECT COUNT(*) FROM notifications`).Scan(&notes)
		if pax < 4 || int(msgs) != len(numbers) || int(notes) != pax {
			t.Fatalf("%s: %d messages (want one per number: %d), %d notifications (want one per passenger: %d)",
				f.Number, msgs, len(numbers), notes, pax)
		}
	})
}

func TestGoToTheGateReminderComesFromTheClockOnce(t *testing.T) {
	h := sqlite(t)
	u := h.updates(domain.WhatsApp)
	f, st := u.flightOf("DB4LHR")
	u.ingest(st)
	policy := func(domain.CarrierCode) domain.CheckInPolicy { return domain.DefaultCheckInPolicy }
	// Before boarding time nothing is due (check-in opened too long ago to be told).
	h.clock.Advance(f.BoardingTime().Add(-10 * time.Minute).Sub(h.clock.Now()))
	if _, err := u.watcher.Timers(context.Background(), policy, time.Hour); err != nil {
		t.Fatal(err)
	}
	if ids := u.events(st.Key, domain.EventBoarding); len(ids) != 0 {
		t.Fatalf("boarding raised early: %v", ids)
	}
	h.clock.Advance(11 * time.Minute)
	for range 2 {
		if _, err := u.watcher.Timers(context.Background(), policy, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	ids := u.events(st.Key, domain.EventBoarding)
	if len(ids) != 1 {
		t.Fatalf("boarding events %v, want one", ids)
	}
	// The status source saying boarding afterwards tells nothing new.
	b := st
	b.Phase = domain.PhaseBoarding
	if res := u.ingest(b); res.Events != 0 {
		t.Fatalf("source's boarding raised %d events", res.Events)
	}
	if res := u.fanOut(ids[0]); res.Messages != 1 {
		t.Fatalf("fan-out: %+v", res)
	}
	expect(t, h.pushes(mustConv(t, h, "33600000102")), "embarquement", "D7")
}

func mustConv(t *testing.T, h *harness, waID string) int64 {
	t.Helper()
	c, ok := h.conversationOf(domain.WhatsApp, waID)
	if !ok {
		t.Fatalf("no conversation for %s", waID)
	}
	return c.ID
}

func TestPushedStatusOutranksLaggingPolls(t *testing.T) {
	h := sqlite(t)
	u := h.updates()
	f, st := u.flightOf("DB4LHR")
	st.Source = "poll:rest"
	u.ingest(st)
	pushed := st
	pushed.Source = "push:ops"
	pushed.EstimatedDeparture = f.Departure.Add(30 * time.Minute).UTC()
	if res := u.ingest(pushed); res.Events != 1 {
		t.Fatalf("push: %+v", res)
	}
	// The provider has not caught up: it still says on time. Nothing is told.
	if res := u.ingest(st); res.Changed != 0 || res.Events != 0 {
		t.Fatalf("lagging poll: %+v", res)
	}
	// After the push's precedence the provider is believed again.
	h.clock.Advance(31 * time.Minute)
	if res := u.ingest(st); res.Events != 1 {
		t.Fatalf("poll after precedence: %+v", res)
	}
	if ids := u.events(st.Key, domain.EventEarlier); len(ids) != 1 {
		t.Fatalf("earlier events %v", ids)
	}
}

func TestAFlightFirstSeenAfterLandingIsNoNews(t *testing.T) {
	h := sqlite(t)
	u := h.updates()
	_, st := u.flightOf("DB4LHR")
	landed := st
	landed.Phase = domain.PhaseArrived
	landed.BaggageBelt = "7"
	if res := u.ingest(landed); res.Events != 0 || res.Changed != 1 {
		t.Fatalf("first sighting, landed: %+v", res)
	}
}
