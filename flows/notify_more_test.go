package flows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// scalar runs a query that returns one integer (a COUNT, a version).
func (h *harness) scalar(query string, args ...any) int64 {
	h.t.Helper()
	var n int64
	if err := h.db.Gorm.Raw(query, args...).Scan(&n).Error; err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// eventVersions returns the versions raised of a kind on a flight, oldest first.
func (u *updates) eventVersions(key domain.FlightKey, kind domain.FlightEventKind) []int {
	var v []int
	u.eventColumn(key, kind, "version", &v)
	return v
}

// secondWatcher is another instance's watcher on the same store: its own
// content cache, its own clock reading, nothing shared in memory with u.watcher.
func (u *updates) secondWatcher() *flows.Watcher {
	h := u.h
	return flows.NewWatcher(flows.WatcherConfig{Store: h.store, Manifest: u.manifest, Now: h.clock.Now, Log: testLogger(h.t),
		Content: func(ctx context.Context) (flows.Content, error) { return h.engine.Content(ctx, 0) }})
}

// TestOverlappingTicksRaiseEachChangeOnce: two watchers (two instances' status
// polls, or a poll and a push) ingest the same status at the same moment, from
// several goroutines at once, twenty times over with different timings. Every
// change is saved once, raises exactly one event with one fan-out job, and no
// caller sees an error: the version conflicts are retried inside Ingest.
func TestOverlappingTicksRaiseEachChangeOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHarness(t, db)
		u := h.updates(domain.WhatsApp)
		watchers := []*flows.Watcher{u.watcher, u.secondWatcher()}
		f, st := u.flightOf("DB4LHR")
		const goroutines = 6

		// race ingests r from every goroutine at once, each after its own small
		// delay, and returns the events raised in total and the conflicts met.
		race := func(round int, r domain.FlightStatusReport) (events, conflicts int) {
			t.Helper()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var errs []error
			startLine := make(chan struct{})
			for g := range goroutines {
				w := watchers[g%len(watchers)]
				// Different delays every round: 0–1.6 ms, in a different order.
				delay := time.Duration((g*7+round*3)%9) * 200 * time.Microsecond
				wg.Go(func() {
					<-startLine
					time.Sleep(delay)
					res, err := w.Ingest(context.Background(), []domain.FlightStatusReport{r})
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs = append(errs, err)
					}
					events += res.Events
					conflicts += res.Conflicts
				})
			}
			close(startLine)
			wg.Wait()
			for _, err := range errs {
				t.Errorf("round %d: Ingest failed (conflicts must be retried inside it): %v", round, err)
			}
			if len(errs) > 0 {
				t.FailNow()
			}
			return events, conflicts
		}

		// The first sighting, by everyone at once: stored once, nothing to tell.
		if ev, _ := race(0, st); ev != 0 {
			t.Fatalf("first sighting raised %d events", ev)
		}
		cur := st
		totalConflicts := 0
		const rounds = 20
		delays, gates := 0, 0
		for i := 1; i <= rounds; i++ {
			next := cur
			if i%2 == 0 {
				delays++
				next.EstimatedDeparture = f.Departure.Add(time.Duration(20*delays) * time.Minute).UTC()
			} else {
				gates++
				next.DepartureGate = fmt.Sprintf("E%d", gates)
			}
			ev, conflicts := race(i, next)
			totalConflicts += conflicts
			if ev != 1 {
				t.Fatalf("round %d: %d events raised by %d overlapping ingests of one change, want 1", i, ev, goroutines)
			}
			if n := h.scalar(`SELECT COUNT(*) FROM flight_events`); n != int64(i) {
				t.Fatalf("round %d: %d flight_events rows, want %d (one per change)", i, n, i)
			}
			cur = next
		}
		t.Logf("%d version conflicts retried over %d rounds", totalConflicts, rounds)

		key := st.Key
		want := func(kind domain.FlightEventKind, n int) {
			t.Helper()
			v := u.eventVersions(key, kind)
			if len(v) != n {
				t.Fatalf("%s: versions %v, want 1…%d", kind, v, n)
			}
			for i, x := range v {
				if x != i+1 {
					t.Fatalf("%s: versions %v, want 1…%d without gaps", kind, v, n)
				}
			}
		}
		want(domain.EventGateChange, gates)
		want(domain.EventDelay, delays)
		if n := h.scalar(`SELECT COUNT(*) FROM river_job WHERE kind = 'fan_out'`); n != rounds {
			t.Fatalf("%d fan-out jobs for %d events", n, rounds)
		}
		// One write per distinct status: the first sighting and each change.
		if n := h.scalar(`SELECT COUNT(*) FROM flight_status_history`); n != rounds+1 {
			t.Fatalf("%d status history rows, want %d", n, rounds+1)
		}
		if n := h.scalar(`SELECT version FROM flight_watches WHERE carrier = ? AND number = ? AND flight_date = ?`,
			string(key.Flight.Carrier), key.Flight.Number, key.Date); n != rounds+1 {
			t.Fatalf("watch at version %d, want %d", n, rounds+1)
		}
		// Once more, after the storm: the same status says nothing new.
		if res := u.ingest(cur, cur); res.Events != 0 || res.Changed != 0 {
			t.Fatalf("repeat: %+v", res)
		}
	})
}

// choiceIDs lists the choice ids of a message.
func choiceIDs(m domain.Outbound) []string {
	var ids []string
	for _, c := range m.Choices {
		ids = append(ids, c.ID)
	}
	return ids
}

func hasChoice(m domain.Outbound, id, title string) bool {
	for _, c := range m.Choices {
		if c.ID == id && (title == "" || c.Title == title) {
			return true
		}
	}
	return false
}

// TestCancellationThenReinstatement: a cancellation pushed through Ingest raises
// cancelled/1 and the flight operating after all raises reinstated/1 (and no
// delay or gate change beside it: the reinstatement tells the new time and gate).
// The cancellation's fan-out offers a person; the reinstatement's says the flight
// operates, with its new time and gate.
func TestCancellationThenReinstatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHarness(t, db)
		u := h.updates(domain.WhatsApp)
		tr := h.traveller("reinstated")
		tr.say("check in")
		expect(t, tr.say("DB4LHR Dubois"), "DB4LHR")

		f, st := u.flightOf("DB4LHR")
		u.ingest(st)
		cancelled := st
		cancelled.Phase = domain.PhaseCancelled
		cancelled.Reason = "crew shortage"
		if res := u.ingest(cancelled); res.Events != 1 {
			t.Fatalf("cancellation: %+v", res)
		}
		if v := u.eventVersions(st.Key, domain.EventCancelled); len(v) != 1 || v[0] != 1 {
			t.Fatalf("cancelled versions %v, want [1]", v)
		}
		// Polled again while cancelled: nothing new.
		if res := u.ingest(cancelled); res.Events != 0 {
			t.Fatalf("repeat cancellation: %+v", res)
		}

		res := u.fanOut(u.events(st.Key, domain.EventCancelled)[0])
		if res.Queued != 2 || res.Messages != 2 {
			t.Fatalf("cancellation fan-out: %+v", res)
		}
		web := h.pushes(tr.conv)
		if len(web) != 1 || web[0].Purpose != "flight_cancelled" || web[0].Kind != domain.OutChoices {
			t.Fatalf("web chat cancellation:\n%s", transcript(web))
		}
		expect(t, web, "cancelled", "DB4LHR", "crew shortage")
		if !hasChoice(web[0], "intent:human", "Talk to a person") {
			t.Fatalf("cancellation without a person to talk to: %v", choiceIDs(web[0]))
		}
		// The booking's WhatsApp contact (French) is told in French, with the same offer.
		wa, ok := h.conversationOf(domain.WhatsApp, "33600000102")
		if !ok {
			t.Fatal("no WhatsApp conversation for the booking's contact")
		}
		wap := h.pushes(wa.ID)
		if len(wap) != 1 || !hasChoice(wap[0], "intent:human", "Parler à quelqu'un") || !strings.Contains(wap[0].Text, "annulé") {
			t.Fatalf("WhatsApp cancellation:\n%s", transcript(wap))
		}

		// The flight operates after all, 45 minutes late from another gate.
		back := st
		back.Phase = domain.PhaseScheduled
		back.EstimatedDeparture = f.Departure.Add(45 * time.Minute).UTC()
		back.DepartureGate = "D9"
		if res := u.ingest(back); res.Events != 1 {
			t.Fatalf("reinstatement: %+v", res)
		}
		if v := u.eventVersions(st.Key, domain.EventReinstated); len(v) != 1 || v[0] != 1 {
			t.Fatalf("reinstated versions %v, want [1]", v)
		}
		for _, k := range []domain.FlightEventKind{domain.EventDelay, domain.EventGateChange} {
			if v := u.eventVersions(st.Key, k); len(v) != 0 {
				t.Fatalf("%s raised beside the reinstatement: %v", k, v)
			}
		}
		if res := u.fanOut(u.events(st.Key, domain.EventReinstated)[0]); res.Messages != 2 {
			t.Fatalf("reinstatement fan-out: %+v", res)
		}
		web = h.pushes(tr.conv)
		if len(web) != 2 || web[1].Purpose != "flight_reinstated" {
			t.Fatalf("web chat after the reinstatement:\n%s", transcript(web))
		}
		newTime := f.Departure.Add(45 * time.Minute).In(f.Origin.Location).Format("15:04")
		expect(t, web[1:], "will operate after all", newTime, "gate D9")
		if hasChoice(web[1], "intent:human", "") {
			t.Fatalf("a reinstated flight offers a person as if cancelled: %v", choiceIDs(web[1]))
		}
		if wap = h.pushes(wa.ID); len(wap) != 2 || !strings.Contains(wap[1].Text, "maintenu") || !strings.Contains(wap[1].Text, newTime) {
			t.Fatalf("WhatsApp reinstatement:\n%s", transcript(wap))
		}
		// Fanning both out again (a retry) doubles nothing.
		u.fanOut(u.events(st.Key, domain.EventCancelled)[0])
		u.fanOut(u.events(st.Key, domain.EventReinstated)[0])
		if n := len(h.pushes(tr.conv)); n != 2 {
			t.Fatalf("web chat got %d pushes after retries, want 2", n)
		}
		// Cancelled a second time: a new version, told again.
		if res := u.ingest(cancelled); res.Events != 1 {
			t.Fatalf("second cancellation: %+v", res)
		}
		if v := u.eventVersions(st.Key, domain.EventCancelled); len(v) != 2 || v[1] != 2 {
			t.Fatalf("cancelled versions %v, want [1 2]", v)
		}
	})
}

type jobRow struct {
	ID       int64
	Kind     string
	Priority int
}

// jobsAfter returns the River jobs inserted after id, by kind.
func (h *harness) jobsAfter(id int64) map[string][]jobRow {
	h.t.Helper()
	var rows []jobRow
	if err := h.db.Gorm.Raw(`SELECT id, kind, priority FROM river_job WHERE id > ? ORDER BY id`, id).Scan(&rows).Error; err != nil {
		h.t.Fatal(err)
	}
	out := map[string][]jobRow{}
	for _, r := range rows {
		out[r.Kind] = append(out[r.Kind], r)
	}
	return out
}

func (h *harness) lastJob() int64 { return h.scalar(`SELECT COALESCE(MAX(id), 0) FROM river_job`) }

// TestUrgentUpdatesGoFirst: a cancellation's fan-out job and the delivery jobs it
// queues get River priority 1 (first); a gate change of a flight leaving within
// 24 hours 3; a delay of a flight leaving in more than 24 hours 4 (last).
func TestUrgentUpdatesGoFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHarness(t, db)
		u := h.updates(domain.WhatsApp)
		check := func(name string, before int64, want int) {
			t.Helper()
			jobs := h.jobsAfter(before)
			fan, del := jobs["fan_out"], jobs["deliver_conversation"]
			if len(fan) != 1 || len(del) == 0 {
				t.Fatalf("%s: %d fan-out jobs and %d delivery jobs: %+v", name, len(fan), len(del), jobs)
			}
			for _, j := range append(fan, del...) {
				if j.Priority != want {
					t.Fatalf("%s: %s job %d at priority %d, want %d", name, j.Kind, j.ID, j.Priority, want)
				}
			}
		}
		run := func(name, loc string, change func(f domain.Flight, r *domain.FlightStatusReport), kind domain.FlightEventKind) int64 {
			t.Helper()
			f, st := u.flightOf(loc)
			u.ingest(st)
			before := h.lastJob()
			next := st
			change(f, &next)
			if res := u.ingest(next); res.Events != 1 {
				t.Fatalf("%s: %+v", name, res)
			}
			ids := u.events(st.Key, kind)
			if len(ids) != 1 {
				t.Fatalf("%s: events %v", name, ids)
			}
			if res := u.fanOut(ids[0]); res.Messages == 0 {
				t.Fatalf("%s: nothing queued: %+v", name, res)
			}
			return before
		}

		before := run("cancellation", "DB4LHR", func(_ domain.Flight, r *domain.FlightStatusReport) {
			r.Phase = domain.PhaseCancelled
		}, domain.EventCancelled)
		check("cancellation", before, 1)

		f, _ := u.flightOf("JN7KQP")
		if until := f.Departure.Sub(h.clock.Now()); until < 3*time.Hour || until >= 24*time.Hour {
			t.Fatalf("JN7KQP leaves in %s: the test needs 3–24 h", until)
		}
		before = run("gate change within 24 h", "JN7KQP", func(_ domain.Flight, r *domain.FlightStatusReport) {
			r.DepartureGate = "E19"
		}, domain.EventGateChange)
		check("gate change within 24 h", before, 3)

		f, _ = u.flightOf("OK5CDG")
		if until := f.Departure.Sub(h.clock.Now()); until <= 24*time.Hour {
			t.Fatalf("OK5CDG leaves in %s: the test needs more than 24 h", until)
		}
		before = run("delay beyond 24 h", "OK5CDG", func(f domain.Flight, r *domain.FlightStatusReport) {
			r.EstimatedDeparture = f.Departure.Add(40 * time.Minute).UTC()
		}, domain.EventDelay)
		check("delay beyond 24 h", before, 4)
	})
}

// waSay accepts and processes a WhatsApp message from user at the harness's
// clock and returns the conversation.
func (h *harness) waSay(user, text string) int64 {
	h.t.Helper()
	ctx := context.Background()
	in := domain.Inbound{Channel: domain.WhatsApp, ChannelMessageID: fmt.Sprintf("wamid.%s.%d", user, time.Now().UnixNano()),
		Text: text, ReceivedAt: h.clock.Now()}
	id, dup, err := h.store.Accept(ctx, in, user)
	if err != nil || dup {
		h.t.Fatalf("accept %q: dup=%v err=%v", text, dup, err)
	}
	if err := h.engine.Process(ctx, id); err != nil {
		h.t.Fatalf("process %q: %v", text, err)
	}
	return id
}

type sent struct {
	to   domain.Recipient
	m    domain.Outbound
	mode domain.SendMode
}

// recordingSender is a flows.Sender that accepts everything and remembers it.
type recordingSender struct {
	mu   sync.Mutex
	sent []sent
}

func (s *recordingSender) Send(_ context.Context, to domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sent{to, m, mode})
	return fmt.Sprintf("wamid.OUT%d", len(s.sent)), nil
}

func (s *recordingSender) to(user, purpose string) []sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sent
	for _, x := range s.sent {
		if x.to.UserID == user && x.m.Purpose == purpose {
			out = append(out, x)
		}
	}
	return out
}

// publishedTemplate reads the approved template named in flows/content/rules.json
// for a channel, purpose and language.
func publishedTemplate(t *testing.T, ch, purpose, lang string) (name, language string) {
	t.Helper()
	b, err := os.ReadFile("content/rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Templates []struct {
			Channel, Purpose, Lang, Name, Language string
		} `json:"templates"`
	}
	if err := json.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	for _, r := range rules.Templates {
		if r.Channel == ch && r.Purpose == purpose && r.Lang == lang {
			return r.Name, r.Language
		}
	}
	t.Fatalf("rules.json has no %s template for %s in %s", ch, purpose, lang)
	return "", ""
}

// TestPushInsideTheWindowIsRichOutsideItATemplate: two WhatsApp conversations get
// the same delay. The traveller who wrote an hour ago gets the full message with
// its buttons; the one who wrote 30 hours ago (outside the customer-service
// window) gets the approved template rules.json names for flight_delay in their
// language, filled with the new time.
func TestPushInsideTheWindowIsRichOutsideItATemplate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		h := newHarness(t, db)
		u := h.updates(domain.WhatsApp)
		const lateUser, recentUser = "33600000102", "447700900555" // the booking's contact; a traveller who identified it
		h.clock.Advance(-30 * time.Hour)
		late := h.waSay(lateUser, "je voudrais m'enregistrer")
		h.clock.Advance(29 * time.Hour)
		recent := h.waSay(recentUser, "check in")
		h.waSay(recentUser, "DB4LHR Dubois")
		h.clock.Advance(time.Hour)
		lc, err := h.store.Conversation(context.Background(), late)
		if err != nil {
			t.Fatal(err)
		}
		if lc.Lang != "fr" || h.clock.Now().Sub(lc.LastInboundAt) < 29*time.Hour {
			t.Fatalf("late traveller: lang %q, last wrote %s ago", lc.Lang, h.clock.Now().Sub(lc.LastInboundAt))
		}

		f, st := u.flightOf("DB4LHR")
		u.ingest(st)
		delayed := st
		delayed.EstimatedDeparture = f.Departure.Add(200 * time.Minute).UTC() // long enough to offer rebooking
		u.ingest(delayed)
		if res := u.fanOut(u.events(st.Key, domain.EventDelay)[0]); res.Messages != 2 {
			t.Fatalf("fan-out: %+v", res)
		}

		rec := &recordingSender{}
		d := flows.NewDeliverer(h.store, map[domain.Channel]flows.Sender{domain.WhatsApp: rec}, h.engine, h.clock.Now, testLogger(t))
		for _, id := range []int64{recent, late} {
			if err := d.Deliver(context.Background(), id); err != nil {
				t.Fatalf("deliver %d: %v", id, err)
			}
		}
		newTime := f.Departure.Add(200 * time.Minute).In(f.Origin.Location).Format("15:04")

		rich := rec.to(recentUser, "flight_delay")
		if len(rich) != 1 {
			t.Fatalf("recent traveller got %d delay notices", len(rich))
		}
		if r := rich[0]; r.mode.Template != nil || !r.mode.Proactive || r.m.Kind != domain.OutChoices ||
			!hasChoice(r.m, "intent:human", "") || !hasChoice(r.m, "intent:thanks", "") || !strings.Contains(r.m.Text, newTime) {
			t.Fatalf("inside the window, want the free-form message with its choices: mode %+v, %s %q %v",
				r.mode, r.m.Kind, r.m.Text, choiceIDs(r.m))
		}

		tpl := rec.to(lateUser, "flight_delay")
		if len(tpl) != 1 {
			t.Fatalf("late traveller got %d delay notices", len(tpl))
		}
		name, language := publishedTemplate(t, "whatsapp", "flight_delay", "fr")
		ref := tpl[0].mode.Template
		if ref == nil || ref.Name != name || ref.Language != language {
			t.Fatalf("outside the window, want template %s/%s, got %+v", name, language, ref)
		}
		params := map[string]string{}
		for i, n := range ref.ParamNames {
			params[n] = ref.Params[i]
		}
		if params["time"] != newTime || params["flight"] != f.Number.String() {
			t.Fatalf("template parameters %v, want time %s and flight %s", params, newTime, f.Number)
		}
		// Nothing else reached the late traveller: the reply to their message of
		// 30 hours ago may not go out any more, and is recorded as blocked.
		for _, x := range rec.sent {
			if x.to.UserID == lateUser && x.m.Purpose != "flight_delay" {
				t.Fatalf("sent to %s outside the window: %+v", lateUser, x)
			}
		}
		for _, id := range []int64{recent, late} {
			if p, err := h.store.PendingOutbound(context.Background(), id); err != nil || len(p) != 0 {
				t.Fatalf("conversation %d: still pending %+v (%v)", id, p, err)
			}
		}
	})
}

// TestPushesSpeakTheTravellersLanguage: the same delay is told in French to a
// traveller whose web chat is in French and to the booking's French WhatsApp
// contact, and in English to one chatting in English.
func TestPushesSpeakTheTravellersLanguage(t *testing.T) {
	h := sqlite(t)
	u := h.updates(domain.WhatsApp)
	fr := h.traveller("claire")
	fr.say("je voudrais m'enregistrer")
	expect(t, fr.say("DB4LHR Dubois"), "DB4LHR")
	if l := fr.state().Lang; l != "fr" {
		t.Fatalf("French traveller's conversation is in %q", l)
	}
	en := h.traveller("pierre")
	en.say("check in")
	en.say("DB4LHR Dubois")

	f, st := u.flightOf("DB4LHR")
	u.ingest(st)
	late := st
	late.EstimatedDeparture = f.Departure.Add(40 * time.Minute).UTC()
	u.ingest(late)
	if res := u.fanOut(u.events(st.Key, domain.EventDelay)[0]); res.Messages != 3 {
		t.Fatalf("fan-out: %+v", res)
	}
	newTime := f.Departure.Add(40 * time.Minute).In(f.Origin.Location).Format("15:04")

	frp := h.pushes(fr.conv)
	if len(frp) != 1 {
		t.Fatalf("French traveller got %d pushes", len(frp))
	}
	expect(t, frp, "est retardé", "Nouvelle heure de départ", newTime, "Reprendre")
	expectNot(t, frp, "delayed")

	wa, ok := h.conversationOf(domain.WhatsApp, "33600000102")
	if !ok {
		t.Fatal("no WhatsApp conversation for the booking's contact")
	}
	if wa.Lang != "fr" {
		t.Fatalf("contact conversation created in %q, want the booking's language fr", wa.Lang)
	}
	expect(t, h.pushes(wa.ID), "est retardé", newTime)

	enp := h.pushes(en.conv)
	expect(t, enp, "is delayed", "New departure time", newTime, "Continue where I was")
	expectNot(t, enp, "retardé")
}
