package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

var checkinFinals = map[string][]string{"checkin": {"checked_in", "not_eligible", "refused", "cancelled", "failed"}}

// TestResultsFromTheTransitionLog seeds check-ins through committed turns, as
// the engine writes them, and reads the dashboard: runs started and completed,
// where the abandoned ones stopped, containment, the median time to check in,
// and what became of the flight updates, per content version, language and
// channel, on both databases.
func TestResultsFromTheTransitionLog(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		start := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		clk := &clock{t: start.Add(-2 * time.Hour)}
		b := setup(t, db, Options{Now: clk.Now})
		ctx := t.Context()
		at := func(d time.Duration) time.Time { return start.Add(d) }
		n := 0
		conv := func(ch domain.Channel) int64 {
			n++
			return onChannel(t, b.s, ch, fmt.Sprintf("user-%d", n), fmt.Sprintf("m-%d", n), clk.Now())
		}

		// Before the period: not counted.
		early := conv(domain.WhatsApp)
		commitStep(t, b.s, early, at(-time.Hour), step{flow: "checkin", state: "ask_booking", version: 1, lang: "en",
			tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start")}})

		// 1: checked in within 4 minutes, no person involved.
		c1 := conv(domain.WhatsApp)
		commitStep(t, b.s, c1, at(0), step{flow: "checkin", state: "ask_booking", version: 1, lang: "en",
			tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start")}})
		commitStep(t, b.s, c1, at(2*time.Minute), step{flow: "checkin", state: "confirm",
			tr: []domain.Transition{tr("checkin", "ask_booking", "looking_up", "lookup"), tr("checkin", "looking_up", "confirm", "found")}})
		commitStep(t, b.s, c1, at(4*time.Minute), step{
			tr: []domain.Transition{tr("checkin", "confirm", "checking_in", "yes"), tr("checkin", "checking_in", "checked_in", "done")}})

		// 2: asks for a person at the documents, is handed back, checks in after 10 minutes.
		c2 := conv(domain.WhatsApp)
		commitStep(t, b.s, c2, at(time.Minute), step{flow: "checkin", state: "collect_documents", version: 1, lang: "en",
			tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start"), tr("checkin", "ask_booking", "collect_documents", "found")}})
		commitStep(t, b.s, c2, at(3*time.Minute), step{flow: "handoff", state: "waiting_human",
			tr: []domain.Transition{tr("checkin", "collect_documents", "", "park:handoff"), tr("handoff", "idle", "waiting_human", "start")}})
		commitStep(t, b.s, c2, at(8*time.Minute), step{flow: "checkin", state: "collect_documents",
			tr: []domain.Transition{tr("handoff", "waiting_human", "resumed", "bot_resumes"), tr("checkin", "", "collect_documents", "resume:handback")}})
		commitStep(t, b.s, c2, at(11*time.Minute), step{
			tr: []domain.Transition{tr("checkin", "collect_documents", "checked_in", "done")}})

		// 3: web chat in French, gives up at the seat map (expiry).
		c3 := conv(domain.WebChat)
		commitStep(t, b.s, c3, at(5*time.Minute), step{flow: "checkin", state: "choose_seat", version: 1, lang: "fr",
			tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start"), tr("checkin", "ask_booking", "choose_seat", "found")}})
		commitStep(t, b.s, c3, at(40*time.Minute), step{tr: []domain.Transition{tr("checkin", "choose_seat", "", "abandon:expired")}})

		// 4: version 2, starts again half-way (the first run is abandoned where it
		// was), the second run still open.
		c4 := conv(domain.WebChat)
		commitStep(t, b.s, c4, at(6*time.Minute), step{flow: "checkin", state: "choose_passengers", version: 2, lang: "fr",
			tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start"), tr("checkin", "ask_booking", "choose_passengers", "found")}})
		commitStep(t, b.s, c4, at(7*time.Minute), step{flow: "checkin", state: "ask_booking",
			tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start")}})

		// Flight updates to conversation 1: the first is read and its button
		// tapped; the second is delivered and answered by typing only; a third
		// to conversation 3 fails.
		push := func(c int64, when time.Time, kind string) domain.Outbound {
			clk.Add(when.Sub(clk.Now()))
			commitStep(t, b.s, c, when, step{flow: "", state: "", out: []domain.Outbound{{Kind: domain.OutChoices, Text: "Your flight is delayed",
				Purpose: "flight_" + kind, Choices: []domain.Choice{{ID: "intent:disruption", Title: "Rebook"}}}}})
			p, _ := b.s.PendingOutbound(ctx, c)
			return p[len(p)-1]
		}
		p1 := push(c1, at(20*time.Minute), "delay")
		must(t, b.s.MarkSent(ctx, p1.ID, "wamid.p1", false))
		must(t, db.Gorm.Exec("UPDATE outbound_messages SET status = 'read' WHERE id = ?", p1.ID).Error)
		tap(t, b.s, c1, "tap-1", "intent:disruption", at(21*time.Minute))
		p2 := push(c1, at(30*time.Minute), "delay")
		must(t, b.s.MarkSent(ctx, p2.ID, "wamid.p2", false))
		must(t, b.s.MarkDelivered(ctx, c1, p2.Seq))
		tap(t, b.s, c1, "typed-1", "", at(31*time.Minute))
		// A staff action after the push is not the traveller acting on it.
		if _, err := b.s.AcceptSystem(ctx, domain.Inbound{ConversationID: c1, Channel: domain.WhatsApp, ChannelMessageID: "staff:x",
			Payload: "staff:takeover", ReceivedAt: at(32 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		p3 := push(c3, at(33*time.Minute), "gate_change")
		must(t, b.s.MarkUndelivered(ctx, p3.ID, domain.StatusFailed, 131026, "undeliverable"))

		res, err := b.s.Results(ctx, domain.ResultsQuery{From: start, To: start.Add(24 * time.Hour), Finals: checkinFinals,
			Goals: map[string]string{"checkin": "checked_in"}})
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			Flow                                                                 string
			Version                                                              int
			Lang                                                                 domain.Lang
			Channel                                                              domain.Channel
			Started, Completed, Succeeded, Contained, HandedOff, Abandoned, Open int
		}
		var got []row
		for _, f := range res.Flows {
			got = append(got, row{f.Flow, f.ContentVersion, f.Lang, f.Channel, f.Started, f.Completed, f.Succeeded, f.Contained, f.HandedOff, f.Abandoned, f.Open})
		}
		want := []row{
			{"checkin", 2, "fr", domain.WebChat, 2, 0, 0, 0, 0, 1, 1},
			{"checkin", 1, "en", domain.WhatsApp, 2, 2, 2, 1, 1, 0, 0},
			{"checkin", 1, "fr", domain.WebChat, 1, 0, 0, 0, 0, 1, 0},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("flows\n got %v\nwant %v", got, want)
		}
		if d := res.Flows[0].DropOff; len(d) != 1 || d[0] != (domain.DropOff{State: "choose_passengers", Reason: "restarted", Count: 1}) {
			t.Errorf("drop-off of version 2: %+v", d)
		}
		if d := res.Flows[2].DropOff; len(d) != 1 || d[0] != (domain.DropOff{State: "choose_seat", Reason: "expired", Count: 1}) {
			t.Errorf("drop-off in French: %+v", d)
		}
		if res.GoalMedian["checkin"] != 7*time.Minute || res.GoalRuns["checkin"] != 2 || res.Flows[1].GoalMedian != 7*time.Minute {
			t.Errorf("median check-in %v over %d runs, want 7m over 2", res.GoalMedian["checkin"], res.GoalRuns["checkin"])
		}
		wantPushes := []domain.PushResult{
			{Kind: "delay", ContentVersion: 1, Lang: "en", Channel: domain.WhatsApp, Sent: 2, Delivered: 2, Read: 1, ActedOn: 1},
			{Kind: "gate_change", ContentVersion: 1, Lang: "fr", Channel: domain.WebChat, Failed: 1},
		}
		if fmt.Sprintf("%+v", res.Pushes) != fmt.Sprintf("%+v", wantPushes) {
			t.Errorf("pushes\n got %+v\nwant %+v", res.Pushes, wantPushes)
		}

		// Filters: one channel, one version, one language.
		for name, q := range map[string]domain.ResultsQuery{
			"web chat":  {Channel: domain.WebChat},
			"version 2": {ContentVersion: 2},
			"french":    {Lang: "fr"},
		} {
			q.From, q.To, q.Finals = start, start.Add(24*time.Hour), checkinFinals
			r, err := b.s.Results(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			started := 0
			for _, f := range r.Flows {
				started += f.Started
			}
			if want := map[string]int{"web chat": 3, "version 2": 2, "french": 3}[name]; started != want {
				t.Errorf("%s: %d runs, want %d", name, started, want)
			}
		}
		if _, err := b.s.Results(ctx, domain.ResultsQuery{From: start, To: start}); !domain.IsCode(err, domain.Invalid) {
			t.Errorf("empty period: %v, want invalid", err)
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tap stores a traveller's message (a button's payload, or typed text when
// payload is empty) in conversation c.
func tap(t testing.TB, s *Store, c int64, id, payload string, at time.Time) {
	t.Helper()
	cv, err := s.Conversation(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Accept(context.Background(), domain.Inbound{Channel: cv.Channel, ChannelMessageID: id, Text: "x", Payload: payload, ReceivedAt: at}, cv.UserID)
	if err != nil || got != c {
		t.Fatalf("tap in %d: landed in %d, %v", c, got, err)
	}
}
