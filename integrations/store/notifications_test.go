package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// raise stores a delay of a flight leaving in two hours and returns its event id.
func raise(t testing.TB, s *Store, number string) int64 {
	t.Helper()
	ctx := context.Background()
	k := flightKey(t, number, "2026-11-26")
	st := flightStatus(k, time.Now().Add(2*time.Hour))
	if err := s.SaveFlightWatch(ctx, domain.FlightWatch{Key: k, Status: st}, []domain.FlightEvent{flightEvent(k, domain.EventDelay, 1, st, time.Now())}); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := s.db.Raw("SELECT MAX(id) FROM flight_events").Scan(&id).Error; err != nil || id == 0 {
		t.Fatalf("event id %d: %v", id, err)
	}
	return id
}

func notice(key string, pax int64, st domain.NotificationStatus) domain.PassengerNotice {
	return domain.PassengerNotice{Key: key, PassengerID: pax, Locator: "ABC123", Status: st}
}

func delayMessage(text string) domain.Outbound {
	return domain.Outbound{Kind: domain.OutText, Text: text, Purpose: "flight_delay", Params: map[string]string{"flight": "KL1234"}}
}

func TestQueueNotificationsTwiceQueuesOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		ev := raise(t, b.s, "KL1234")
		web, _, err := b.s.Accept(ctx, domain.Inbound{Channel: domain.WebChat, ChannelMessageID: "w1", Text: "hi"}, "session-1")
		if err != nil {
			t.Fatal(err)
		}
		c, _ := b.s.Conversation(ctx, web)
		if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, Outbound: []domain.Outbound{{Kind: domain.OutText, Text: "Hello!"}}}); err != nil {
			t.Fatal(err)
		}
		woken, cancel := b.s.Subscribe(web)
		defer cancel()

		batch := domain.NotificationBatch{EventID: ev, Priority: 2,
			Sends: []domain.NotificationSend{
				{Channel: domain.WhatsApp, UserID: "31612345678", Lang: "nl",
					Passengers: []domain.PassengerNotice{notice("pax:1", 1, domain.NoticeQueued), notice("pax:2", 2, domain.NoticeQueued)},
					Messages:   []domain.Outbound{delayMessage("KL1234 vertrekt later")}},
				{ConversationID: web, Channel: domain.WebChat, UserID: "session-1", Lang: "en",
					Passengers: []domain.PassengerNotice{notice("pax:3", 3, "")},
					Messages:   []domain.Outbound{delayMessage("KL1234 leaves later")}},
			},
			Skipped: []domain.PassengerNotice{notice("pax:4", 4, domain.NoticeOptedOut)},
		}
		for range 2 {
			if err := b.s.QueueNotifications(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}

		wa, ok, err := b.s.ConversationByUser(ctx, domain.WhatsApp, "31612345678")
		if err != nil || !ok || wa.Lang != "nl" {
			t.Fatalf("WhatsApp conversation = %+v %v %v, want one created in Dutch", wa, ok, err)
		}
		// The number is stored as a blind index (privacy_blind.go), so the
		// traveller's conversations are counted by channel.
		if n := count(t, db, "SELECT COUNT(*) FROM conversations WHERE channel = ?", "whatsapp"); n != 1 {
			t.Fatalf("%d conversations for the traveller, want 1", n)
		}
		out, _ := b.s.OutboundAfter(ctx, wa.ID, 0, 10)
		if len(out) != 1 || out[0].Seq != 1 || out[0].Text != "KL1234 vertrekt later" || out[0].Purpose != "flight_delay" ||
			out[0].Status != domain.StatusQueued || out[0].Params["flight"] != "KL1234" {
			t.Fatalf("WhatsApp outbound = %+v, want the delay once", out)
		}
		out, _ = b.s.OutboundAfter(ctx, web, 0, 10)
		if len(out) != 2 || out[1].Seq != 2 || out[1].Text != "KL1234 leaves later" {
			t.Fatalf("web chat outbound = %+v, want the reply then the delay once", out)
		}
		select {
		case <-woken:
		case <-time.After(5 * time.Second):
			t.Fatal("the web chat stream was not woken")
		}

		for _, c := range []struct {
			q    string
			args []any
			want int
		}{
			{"SELECT COUNT(*) FROM notifications", nil, 4},
			{"SELECT COUNT(*) FROM notifications WHERE status = 'queued'", nil, 3},
			{"SELECT COUNT(*) FROM notifications WHERE status = 'opted_out' AND conversation_id IS NULL", nil, 1},
			{"SELECT COUNT(*) FROM notifications WHERE key = 'pax:3' AND conversation_id = ?", []any{web}, 1},
			// Web chat streams its messages: only WhatsApp gets a delivery job.
			{"SELECT COUNT(*) FROM river_job WHERE kind = ?", []any{kindDeliver}, 1},
			{"SELECT COUNT(*) FROM river_job WHERE kind = ? AND priority = 2", []any{kindDeliver}, 1},
		} {
			if n := count(t, db, c.q, c.args...); n != c.want {
				t.Errorf("%s = %d, want %d", c.q, n, c.want)
			}
		}

		sum, err := b.s.NotificationSummary(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.ByStatus["queued"] != 3 || sum.ByStatus["opted_out"] != 1 || sum.Waiting != 2 || sum.OldestWaiting < 0 {
			t.Fatalf("summary = %+v, want 3 queued, 1 opted out, 2 messages waiting", sum)
		}
	})
}

// TestConcurrentQueueNotificationsQueueOnce: two instances fanning out the same
// event at once (a retried job beside a rescued one) still queue one message.
func TestConcurrentQueueNotificationsQueueOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		ev := raise(t, b.s, "KL1234")
		batch := domain.NotificationBatch{EventID: ev, Priority: 1,
			Sends: []domain.NotificationSend{{Channel: domain.WhatsApp, UserID: "31612345678", Lang: "en",
				Passengers: []domain.PassengerNotice{notice("pax:1", 1, domain.NoticeQueued), notice("pax:2", 2, domain.NoticeQueued)},
				Messages:   []domain.Outbound{delayMessage("first"), delayMessage("second")}}},
			Skipped: []domain.PassengerNotice{notice("pax:3", 3, domain.NoticeUnreachable)},
		}
		const racers = 4
		var wg sync.WaitGroup
		errs := make([]error, racers)
		for i := range racers {
			wg.Go(func() { errs[i] = b.s.QueueNotifications(ctx, batch) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("racer %d: %v", i, err)
			}
		}
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM conversations":                                1,
			"SELECT COUNT(*) FROM outbound_messages":                            2,
			"SELECT COUNT(*) FROM outbound_messages WHERE seq IN (1, 2)":        2,
			"SELECT COUNT(*) FROM notifications":                                3,
			"SELECT COUNT(*) FROM river_job WHERE kind = '" + kindDeliver + "'": 1,
		} {
			if n := count(t, db, q); n != want {
				t.Errorf("%s = %d, want %d", q, n, want)
			}
		}
	})
}

func TestLinkedConversationsAfterCommitTurn(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		link := func(conv int64, loc domain.RecordLocator) {
			t.Helper()
			c, _ := b.s.Conversation(ctx, conv)
			if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, Linked: loc}); err != nil {
				t.Fatal(err)
			}
		}
		first := accept(t, b.s, msg("a", "ABC123 Jansen"), "u1")
		second := accept(t, b.s, msg("b", "ABC123 Jansen"), "u2")
		other := accept(t, b.s, msg("c", "XYZ789 Smit"), "u3")
		link(first, "ABC123")
		link(second, "ABC123")
		link(first, "ABC123") // proved again: one link
		link(other, "XYZ789")

		got, err := b.s.LinkedConversations(ctx, []domain.RecordLocator{"ABC123", "ABC123", "NOPE00"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || len(got["ABC123"]) != 2 || got["ABC123"][0].ID != first || got["ABC123"][1].ID != second ||
			got["ABC123"][0].UserID != "u1" || got["ABC123"][0].Version != 2 {
			t.Fatalf("linked = %+v, want ABC123 in the first two conversations only", got)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM conversation_bookings"); n != 3 {
			t.Fatalf("%d links, want 3", n)
		}
	})
}

// TestUrgentNotificationRaisesTheWaitingDeliveryJob: a cancellation queued for a
// conversation whose delivery job already waits at a low priority moves that job
// up, so the cancellation is not sent behind every less urgent message.
func TestUrgentNotificationRaisesTheWaitingDeliveryJob(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		send := func(ev int64, prio int, key string) {
			batch := domain.NotificationBatch{EventID: ev, Priority: prio, Sends: []domain.NotificationSend{
				{Channel: domain.WhatsApp, UserID: "31612345678", Lang: "en",
					Passengers: []domain.PassengerNotice{notice(key, 1, domain.NoticeQueued)},
					Messages:   []domain.Outbound{delayMessage("update " + key)}}}}
			if err := b.s.QueueNotifications(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		send(raise(t, b.s, "KL1234"), 4, "pax:1/far")
		if p := count(t, db, "SELECT MIN(priority) FROM river_job WHERE kind = 'deliver_conversation'"); p != 4 {
			t.Fatalf("first job priority %d, want 4", p)
		}
		send(raise(t, b.s, "KL1235"), 1, "pax:1/urgent")
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = 'deliver_conversation'"); n != 1 {
			t.Fatalf("%d delivery jobs, want the one waiting", n)
		}
		if p := count(t, db, "SELECT MIN(priority) FROM river_job WHERE kind = 'deliver_conversation'"); p != 1 {
			t.Fatalf("waiting job priority %d, want raised to 1", p)
		}
	})
}
