package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// TestResealThenRetireTheOldKey: data written under key 1 is still read with
// keys "2,1"; after a reseal nothing anywhere is left under key 1, and with key
// 1 removed every value — messages, slots, passes, documents, contact numbers
// and their blind indexes — still reads.
func TestResealThenRetireTheOldKey(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		k1, k2 := domain.NewKey("k1"), domain.NewKey("k2")
		b := &bundle{db: db, key: k1, logs: &logRecorder{}}
		b.s = newStore(t, db, k1, b.logs, Options{})
		eva, _ := newTravellers()
		seedBooking(t, b, eva, time.Now().Add(48*time.Hour))
		chat(t, b, eva, time.Now().UTC())

		both := storeWithKeys(t, db, k2, k1)
		if _, ok, err := both.ConversationByUser(t.Context(), domain.WhatsApp, eva.phone); err != nil || !ok {
			t.Fatalf("with keys 2,1 the traveller is not found: %v %v", ok, err)
		}
		rep, err := both.Reseal(t.Context(), 3) // small batches: several per column
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range []string{"conversations.data", "conversations.user_sealed", "inbound_messages.text", "outbound_messages.body",
			"boarding_passes.body", "webhook_events.body", "pss_documents.number_sealed", "pss_bookings.whatsapp_sealed", "blind_keys.sealed"} {
			if rep.Resealed[col] == 0 {
				t.Errorf("%s not resealed:\n%s", col, rep)
			}
		}
		if old := scanDatabase(t, db, mustSealer(t, k2), "v1:k1:"); len(old) > 0 {
			t.Errorf("values left under key 1 (add the column to SealedColumns): %v", old)
		}
		again, err := both.Reseal(t.Context(), 3)
		if err != nil || again.Total() != 0 {
			t.Errorf("second reseal: %v %v, want nothing to do", again, err)
		}

		only2 := storeWithKeys(t, db, k2)
		c, ok, err := only2.ConversationByUser(t.Context(), domain.WhatsApp, eva.phone)
		if err != nil || !ok || c.UserID != eva.phone || c.AltUserID != eva.bsuid || !strings.Contains(string(c.Data), eva.passport) {
			t.Fatalf("with key 1 gone: %+v %v %v", c, ok, err)
		}
		if out, err := only2.PendingOutbound(t.Context(), c.ID); err != nil {
			t.Fatal(err)
		} else if len(out) != 1 || !strings.Contains(out[0].Text, eva.surname) {
			t.Fatalf("outbound with key 1 gone: %+v", out)
		}
		subj, _ := domain.ParseDataSubject("whatsapp", eva.phone, "")
		exp, err := only2.Export(t.Context(), subj, "test")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(exp)
		for _, want := range []string{eva.passport, eva.birth, "+" + eva.phone, "my passport is", eva.bsuid} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("export with key 1 gone lacks %q", want)
			}
		}
		// A new message finds the same conversation: the blind index survived.
		id, _, err := only2.AcceptEvent(t.Context(), domain.ChannelEvent{UserID: eva.phone, Inbound: domain.Inbound{
			Channel: domain.WhatsApp, ChannelMessageID: "wamid.after-rotation", Text: "hi"}})
		if err != nil || id != c.ID {
			t.Fatalf("message after rotation went to conversation %d (%v), want %d", id, err, c.ID)
		}
	})
}

// TestResealIndexesClearContactNumbers: rows written before blind indexes
// existed hold the number in clear; they are found all the same, and a reseal
// moves them to index + sealed value.
func TestResealIndexesClearContactNumbers(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		now := time.Now().UTC()
		err := db.Gorm.Exec(`INSERT INTO conversations (channel, user_id, alt_user_id, created_at, updated_at) VALUES ('whatsapp', '31655556666', 'NL.111', ?, ?)`, now, now).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`INSERT INTO preferences (channel, user_id, category, opted_out, updated_at) VALUES ('whatsapp', '31655556666', 'offers', TRUE, ?)`,
			`INSERT INTO tier_reach (channel, user_id, reached_at) VALUES ('whatsapp', '31655556666', ?)`,
			`INSERT INTO lookup_failures (key, at) VALUES ('whatsapp:31655556666', ?)`,
		} {
			if err := db.Gorm.Exec(q, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		check := func(when string) {
			t.Helper()
			c, ok, err := b.s.ConversationByUser(t.Context(), domain.WhatsApp, "31655556666")
			if err != nil || !ok || c.UserID != "31655556666" || c.AltUserID != "NL.111" {
				t.Fatalf("%s: conversation %+v %v %v", when, c, ok, err)
			}
			if out, err := b.s.OptedOut(t.Context(), domain.WhatsApp, "31655556666", domain.CategoryOffers); err != nil || !out {
				t.Fatalf("%s: opt-out forgotten: %v %v", when, out, err)
			}
			if n, err := b.s.LookupFailures(t.Context(), "whatsapp:31655556666", now.Add(-time.Minute)); err != nil || n != 1 {
				t.Fatalf("%s: %d failed look-ups %v, want 1", when, n, err)
			}
		}
		check("before reseal")
		rep, err := b.s.Reseal(t.Context(), 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, col := range []string{"conversations.user_id", "conversations.alt_user_id", "preferences.user_id", "tier_reach.user_id", "lookup_failures.key"} {
			if rep.Indexed[col] != 1 {
				t.Errorf("%s indexed %d, want 1:\n%s", col, rep.Indexed[col], rep)
			}
		}
		// Only the sealed columns, opened by the scan, still give the identifiers.
		found := scanDatabase(t, db, mustSealer(t, b.key), "31655556666", "NL.111")
		for _, f := range found {
			if !strings.HasSuffix(f.column, "_sealed") {
				t.Errorf("after reseal an identifier is in clear: %s", f)
			}
		}
		if len(found) != 2 {
			t.Errorf("want the number and the id in their sealed columns, found %v", found)
		}
		check("after reseal")
	})
}

// storeWithKeys opens a Store on db as an instance configured with keys would.
func storeWithKeys(t *testing.T, db *database.DB, keys ...string) *Store {
	t.Helper()
	s, err := New(db, mustSealer(t, keys...), nil, Options{PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("new store: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func mustSealer(t *testing.T, keys ...string) *domain.Sealer {
	t.Helper()
	s, err := domain.NewSealer(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
