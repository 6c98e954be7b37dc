package store

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// TestAnalyticsOutliveTranscripts seeds check-ins over three days through
// committed turns, folds the whole days into the daily aggregates (twice: the
// second fold changes nothing), then lets retention delete the transcripts:
// the raw log of the old days is gone, their counts remain and name nobody;
// aggregates older than the analytics retention go in turn. Both databases.
func TestAnalyticsOutliveTranscripts(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		day1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		clk := &clock{t: day1}
		b := setup(t, db, Options{Now: clk.Now})
		ctx := t.Context()
		set := func(at time.Time) { clk.Add(at.Sub(clk.Now())) }
		n := 0
		users := []string{}
		// run starts a check-in at `at` in a new conversation and applies more
		// transitions; every write happens at `at` on the store's clock too.
		run := func(ch domain.Channel, lang domain.Lang, at time.Time, more ...domain.Transition) int64 {
			n++
			set(at)
			user := fmt.Sprintf("user-secret-%d", n)
			users = append(users, user)
			c := onChannel(t, b.s, ch, user, fmt.Sprintf("m-%d", n), at)
			commitStep(t, b.s, c, at, step{flow: "checkin", state: "ask_booking", version: 1, lang: lang,
				tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start")}})
			if len(more) > 0 {
				commitStep(t, b.s, c, at.Add(time.Minute), step{tr: more})
			}
			return c
		}
		// Day 1: a check-in in English on WhatsApp that reaches the seat map,
		// with a flight update; two in French on web chat abandoned there.
		c1 := run(domain.WhatsApp, "en", day1.Add(9*time.Hour), tr("checkin", "ask_booking", "choose_seat", "found"))
		commitStep(t, b.s, c1, day1.Add(10*time.Hour), step{out: []domain.Outbound{{Kind: domain.OutText,
			Text: "Your flight is delayed, Mr Secret", Purpose: "flight_delay"}}})
		for range 2 {
			run(domain.WebChat, "fr", day1.Add(11*time.Hour), tr("checkin", "ask_booking", "", "abandon:expired"))
		}
		// Day 2 just before midnight, day 3 at noon.
		run(domain.WhatsApp, "en", day1.Add(47*time.Hour+50*time.Minute))
		run(domain.WhatsApp, "en", day1.Add(60*time.Hour))

		// On day 3 at 13:00 days 1 and 2 are whole.
		set(day1.Add(61 * time.Hour))
		folded, err := b.s.AggregateAnalytics(ctx, clk.Now())
		if err != nil || folded != 2 {
			t.Fatalf("folded %d days, want 2: %v", folded, err)
		}
		got, err := b.s.AnalyticsDaily(ctx, day1, day1.Add(5*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ch := func(c domain.Channel) string { return string(c) }
		wantTransitions := []TransitionCount{
			{"2026-01-01", "checkin", "ask_booking", "choose_seat", "found", 1, "en", ch(domain.WhatsApp), 1},
			{"2026-01-01", "checkin", "idle", "ask_booking", "start", 1, "en", ch(domain.WhatsApp), 1},
			{"2026-01-01", "checkin", "ask_booking", "", "abandon:expired", 1, "fr", ch(domain.WebChat), 2},
			{"2026-01-01", "checkin", "idle", "ask_booking", "start", 1, "fr", ch(domain.WebChat), 2},
			{"2026-01-02", "checkin", "idle", "ask_booking", "start", 1, "en", ch(domain.WhatsApp), 1},
		}
		if !reflect.DeepEqual(got.Transitions, wantTransitions) {
			t.Errorf("transition aggregates:\n got %v\nwant %v", got.Transitions, wantTransitions)
		}
		var push *OutboundCount
		for i, o := range got.Outbound {
			if o.Purpose == "flight_delay" {
				push = &got.Outbound[i]
			}
		}
		if push == nil || push.Day != "2026-01-01" || push.Channel != ch(domain.WhatsApp) ||
			push.Status != string(domain.StatusQueued) || push.Messages != 1 {
			t.Errorf("the flight update is not counted on day 1: %+v", got.Outbound)
		}

		// A second fold leaves the folded days as they are.
		again, err := b.s.AggregateAnalytics(ctx, clk.Now())
		if err != nil || again != 0 {
			t.Errorf("second fold folded %d days: %v", again, err)
		}
		if same, _ := b.s.AnalyticsDaily(ctx, day1, day1.Add(5*24*time.Hour)); !reflect.DeepEqual(same, got) {
			t.Errorf("a second fold changed the aggregates:\n got %v\nwant %v", same, got)
		}

		// 91 days after day 1 (day 2 23:50 is still within 90 days), retention
		// deletes day 1's transcripts; their counts stay, and day 3 is folded
		// on the way.
		set(day1.Add(91*24*time.Hour + 13*time.Hour))
		rep, err := b.s.EnforceRetention(ctx, DefaultRetention)
		if err != nil || rep["conversations"] != 3 {
			t.Fatalf("retention deleted %v, want day 1's three conversations: %v", rep, err)
		}
		var raw []struct{ At string }
		must(t, db.Gorm.Raw(`SELECT at FROM transitions WHERE at < ?`, day1.Add(24*time.Hour)).Scan(&raw).Error)
		if len(raw) != 0 {
			t.Errorf("day 1's transitions outlived retention: %v", raw)
		}
		after, err := b.s.AnalyticsDaily(ctx, day1, day1.Add(5*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want3 := TransitionCount{"2026-01-03", "checkin", "idle", "ask_booking", "start", 1, "en", ch(domain.WhatsApp), 1}
		if !reflect.DeepEqual(after.Transitions, append(wantTransitions, want3)) {
			t.Errorf("aggregates after retention:\n got %v\nwant %v", after.Transitions, append(wantTransitions, want3))
		}

		// No conversation id, user, or text anywhere in the aggregates.
		for _, table := range []string{"analytics_daily", "analytics_outbound_daily"} {
			var rows []map[string]any
			must(t, db.Gorm.Raw(`SELECT * FROM `+table).Scan(&rows).Error)
			for _, r := range rows {
				for col, v := range r {
					if strings.Contains(col, "id") {
						t.Errorf("%s has an identifier column %s", table, col)
					}
					s := fmt.Sprint(v)
					for _, u := range users {
						if strings.Contains(s, u) {
							t.Errorf("%s.%s names a traveller: %q", table, col, s)
						}
					}
					if strings.Contains(s, "Secret") || strings.Contains(s, "hello") {
						t.Errorf("%s.%s holds message text: %q", table, col, s)
					}
				}
			}
		}

		// With the analytics kept 90 days, day 1's aggregates go (its end is
		// more than 90 days ago), days 2 and 3 stay; day 1 is not folded again.
		rep, err = b.s.EnforceRetention(ctx, Retention{Transcripts: 90 * 24 * time.Hour, Analytics: 90 * 24 * time.Hour})
		if err != nil || rep["analytics_daily"] != 4 || rep["analytics_outbound_daily"] == 0 {
			t.Fatalf("analytics retention deleted %v: %v", rep, err)
		}
		left, err := b.s.AnalyticsDaily(ctx, day1, day1.Add(5*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := []TransitionCount{wantTransitions[4], want3}; !reflect.DeepEqual(left.Transitions, want) {
			t.Errorf("aggregates after analytics retention:\n got %v\nwant %v", left.Transitions, want)
		}
		for _, o := range left.Outbound {
			if o.Day < "2026-01-02" {
				t.Errorf("day 1's outbound aggregates outlived their retention: %+v", o)
			}
		}
	})
}

// TestRetentionKeepsTransitionsUntilFolded: with transcripts kept only an hour,
// a transition of today stays until its day is whole and folded; yesterday's
// goes, counted.
func TestRetentionKeepsTransitionsUntilFolded(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		day1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		clk := &clock{t: day1.Add(23 * time.Hour)}
		b := setup(t, db, Options{Now: clk.Now})
		ctx := t.Context()
		set := func(at time.Time) { clk.Add(at.Sub(clk.Now())) }
		for i, at := range []time.Time{day1.Add(23 * time.Hour), day1.Add(24*time.Hour + 10*time.Minute)} {
			set(at)
			c := onChannel(t, b.s, domain.WhatsApp, fmt.Sprint("u", i), fmt.Sprint("m", i), at)
			commitStep(t, b.s, c, at, step{flow: "checkin", state: "ask_booking", version: 1, lang: "en",
				tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start")}})
		}
		// 02:00 on day 2: both transitions are over an hour old; day 1 is
		// whole and folded, day 2 is not.
		set(day1.Add(26 * time.Hour))
		if _, err := b.s.EnforceRetention(ctx, Retention{Transcripts: time.Hour}); err != nil {
			t.Fatal(err)
		}
		var left int64
		must(t, db.Gorm.Raw(`SELECT COUNT(*) FROM transitions`).Scan(&left).Error)
		if left != 1 {
			t.Errorf("%d transitions left, want day 2's one", left)
		}
		a, err := b.s.AnalyticsDaily(ctx, day1, day1.Add(48*time.Hour))
		if err != nil || len(a.Transitions) != 1 || a.Transitions[0].Day != "2026-01-01" || a.Transitions[0].Transitions != 1 {
			t.Errorf("day 1 is not counted: %+v %v", a.Transitions, err)
		}
		// The next day at 01:00, day 2 is folded and its transition goes.
		set(day1.Add(49 * time.Hour))
		if _, err := b.s.EnforceRetention(ctx, Retention{Transcripts: time.Hour}); err != nil {
			t.Fatal(err)
		}
		must(t, db.Gorm.Raw(`SELECT COUNT(*) FROM transitions`).Scan(&left).Error)
		a, err = b.s.AnalyticsDaily(ctx, day1, day1.Add(48*time.Hour))
		if left != 0 || err != nil || len(a.Transitions) != 2 {
			t.Errorf("after day 2 was folded: %d transitions left, aggregates %+v %v", left, a.Transitions, err)
		}
	})
}
