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

// TestRetentionDeletesOldDataAndKeepsRecent drives a fake clock: a traveller
// who chatted long ago and flew loses transcript, documents and passes; one
// who chatted yesterday for a flight next week keeps everything; applied
// webhook bodies and notifications go after their own periods.
func TestRetentionDeletesOldDataAndKeepsRecent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		clk := &clock{t: start}
		b := setup(t, db, Options{Now: clk.Now})
		ctx := t.Context()
		old, recent := newTravellers()
		// The old traveller's flight lands four days after they chatted.
		seedBooking(t, b, old, start.Add(4*24*time.Hour))
		chat(t, b, old, start)
		markWebhooksApplied(t, b)
		addNotification(t, b, old, start)

		// 100 days later the other traveller chats, for a flight next week.
		clk.Add(100 * 24 * time.Hour)
		seedBooking(t, b, recent, clk.Now().Add(7*24*time.Hour))
		chat(t, b, recent, clk.Now().Add(-24*time.Hour))
		markWebhooksApplied(t, b)
		addNotification(t, b, recent, clk.Now())

		// Small batches: the run must loop to delete everything.
		rep, err := b.s.EnforceRetention(ctx, Retention{Transcripts: 90 * 24 * time.Hour, Documents: 72 * time.Hour,
			Deliveries: 30 * 24 * time.Hour, WebhookEvents: 7 * 24 * time.Hour, Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"conversations", "pss_documents", "boarding_passes", "webhook_events", "notifications", "lookup_failures"} {
			if rep[table] == 0 {
				t.Errorf("nothing deleted from %s: %v", table, rep)
			}
		}
		if _, ok, _ := b.s.ConversationByUser(ctx, domain.WhatsApp, old.phone); ok {
			t.Error("the old conversation is still there")
		}
		c, ok, err := b.s.ConversationByUser(ctx, domain.WhatsApp, recent.phone)
		if err != nil || !ok {
			t.Fatalf("the recent conversation is gone: %v", err)
		}
		if out, _ := b.s.PendingOutbound(ctx, c.ID); len(out) != 1 {
			t.Errorf("recent reply gone: %v", out)
		}
		sealer := mustSealer(t, b.key)
		for _, f := range scanDatabase(t, db, sealer, old.phone, old.passport, old.bsuid) {
			// The booking's contact is the reservation system's record, not
			// Skybridge's to expire.
			if f.table != "pss_bookings" {
				t.Errorf("the old traveller's data outlived retention: %s", f)
			}
		}
		if left := scanDatabase(t, db, sealer, recent.passport); len(left) < 3 {
			t.Errorf("the recent traveller's passport number should still be in the document, slots and message: %v", left)
		}
		var passes, docs int64
		db.Gorm.Model(&passRow{}).Count(&passes)
		db.Gorm.Table("pss_documents").Count(&docs)
		if passes != 1 || docs != 1 {
			t.Errorf("%d passes and %d documents left, want the recent traveller's one each", passes, docs)
		}

		// A second run finds nothing more; the next day the recent flight has
		// not landed yet and its documents stay.
		again, err := b.s.EnforceRetention(ctx, DefaultRetention)
		if err != nil || again.Total() != 0 {
			t.Errorf("second run deleted %v %v", again, err)
		}
		// Eleven days on, the recent flight landed more than 72 hours ago: its
		// document and pass go, the conversation (eleven days idle) stays.
		clk.Add(11 * 24 * time.Hour)
		rep, err = b.s.EnforceRetention(ctx, DefaultRetention)
		if err != nil || rep["pss_documents"] != 1 || rep["boarding_passes"] != 1 || rep["conversations"] != 0 {
			t.Errorf("after the recent flight landed: %v %v", rep, err)
		}
	})
}

func markWebhooksApplied(t *testing.T, b *bundle) {
	t.Helper()
	if err := b.db.Gorm.Exec(`UPDATE webhook_events SET processed_at = received_at WHERE processed_at IS NULL`).Error; err != nil {
		t.Fatal(err)
	}
}

func addNotification(t *testing.T, b *bundle, tr *traveller, at time.Time) {
	t.Helper()
	ctx := context.Background()
	var eventID int64
	err := b.db.Gorm.Raw(`INSERT INTO flight_events (carrier, number, flight_date, kind, version, body, seen_at)
		VALUES ('SB', 1, ?, 'delay', 1, '{}', ?) RETURNING id`, tr.locator, at).Scan(&eventID).Error
	if err != nil {
		t.Fatal(err)
	}
	err = b.db.Gorm.WithContext(ctx).Exec(`INSERT INTO notifications (key, event_id, passenger_id, locator, conversation_id, status, created_at)
		VALUES (?, ?, ?, ?, ?, 'queued', ?)`, fmt.Sprint("n", eventID), eventID, tr.passengerID, tr.locator, tr.conversation, at).Error
	if err != nil {
		t.Fatal(err)
	}
}
