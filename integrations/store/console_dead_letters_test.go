package store

import (
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func deliverJobs(t *testing.T, db *database.DB, state string) int {
	t.Helper()
	return count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ? AND state = ?", kindDeliver, state)
}

// TestRetryAnUndeliveredMessageOnce: a message the platform refused for good is
// queued again with its error cleared and a delivery job, once; the retry and
// its audit entry commit together; a second retry, a retry of a message that
// went out and a retry of a message that does not exist are refused.
func TestRetryAnUndeliveredMessageOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "31600000011", 2)
		if err := b.s.MarkUndelivered(ctx, out[0].ID, domain.StatusFailed, 131026, "Message undeliverable"); err != nil {
			t.Fatal(err)
		}
		if err := b.s.MarkSent(ctx, out[1].ID, "wamid.ok", false); err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec("DELETE FROM river_job").Error; err != nil {
			t.Fatal(err)
		}
		items, _ := b.s.Inbox(ctx, time.Now().Add(-time.Hour), 50)
		if len(items) != 1 || items[0].Seq != out[0].Seq || items[0].Retried || items[0].Code != 131026 {
			t.Fatalf("inbox before the retry: %+v", items)
		}

		audit := domain.AuditEntry{Actor: "sofie", Action: domain.AuditRetryMessage}
		if err := b.s.RetryMessage(ctx, conv, out[0].Seq, audit); err != nil {
			t.Fatal(err)
		}
		pending, _ := b.s.PendingOutbound(ctx, conv)
		if len(pending) != 1 || pending[0].ID != out[0].ID || pending[0].Status != domain.StatusQueued {
			t.Fatalf("pending after the retry: %+v", pending)
		}
		tr, _ := b.s.Transcript(ctx, conv, 10)
		for _, e := range tr {
			if e.Seq == out[0].Seq && (e.ErrorCode != 0 || e.Error != "") {
				t.Errorf("the retried message still shows its old error: %+v", e)
			}
		}
		if n := deliverJobs(t, db, "available"); n != 1 {
			t.Fatalf("%d delivery jobs after the retry, want 1", n)
		}
		entries, _ := b.s.AuditLog(ctx, 0, 5)
		if len(entries) == 0 || entries[0].Action != domain.AuditRetryMessage || entries[0].Actor != "sofie" ||
			entries[0].Subject != domain.MessageSubject(conv, out[0].Seq) || entries[0].Detail != "was failed 131026" {
			t.Fatalf("audit %+v", entries)
		}

		// It fails again: it is back in the inbox, marked as retried, and is not
		// retried a second time.
		if err := b.s.MarkUndelivered(ctx, out[0].ID, domain.StatusFailed, 131026, "Message undeliverable"); err != nil {
			t.Fatal(err)
		}
		items, _ = b.s.Inbox(ctx, time.Now().Add(-time.Hour), 50)
		if len(items) != 1 || !items[0].Retried {
			t.Fatalf("inbox after a failed retry: %+v", items)
		}
		for name, tc := range map[string]struct {
			seq  int
			code domain.Code
		}{
			"a second retry":      {out[0].Seq, domain.Conflict},
			"a message that went": {out[1].Seq, domain.Conflict},
			"no such message":     {99, domain.NotFound},
		} {
			if err := b.s.RetryMessage(ctx, conv, tc.seq, audit); !domain.IsCode(err, tc.code) {
				t.Errorf("%s: %v, want %s", name, err, tc.code)
			}
		}
		if n := count(t, db, "SELECT COUNT(*) FROM audit_log WHERE action = ?", string(domain.AuditRetryMessage)); n != 1 {
			t.Errorf("%d retry audit entries, want 1 (refusals write none)", n)
		}
	})
}

// TestDismissAnUndeliveredMessage: a dismissed message leaves the inbox and the
// dead-letter list with its reason audited; a reason is required; a message
// stuck in the queue is blocked so that it does not go out later after all.
func TestDismissAnUndeliveredMessage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "31600000012", 2)
		if err := b.s.MarkUndelivered(ctx, out[0].ID, domain.StatusBlocked, 0, "outside the window"); err != nil {
			t.Fatal(err)
		}
		db.Gorm.Exec("UPDATE outbound_messages SET created_at = ? WHERE id = ?", time.Now().Add(-time.Hour), out[1].ID)
		if dl, _ := b.s.DeadLetters(ctx, stuckAfter, 10); len(dl) != 2 {
			t.Fatalf("dead letters before: %+v", dl)
		}
		audit := domain.AuditEntry{Actor: "sofie", Action: domain.AuditDismissMessage}
		if err := b.s.DismissMessage(ctx, conv, out[0].Seq, "  ", audit); !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("no reason: %v, want invalid", err)
		}
		if err := b.s.DismissMessage(ctx, conv, out[0].Seq, strings.Repeat("x", maxDismissReason+1), audit); !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("a long reason: %v, want invalid", err)
		}
		if err := b.s.DismissMessage(ctx, conv, out[0].Seq, "traveller called the desk", audit); err != nil {
			t.Fatal(err)
		}
		if err := b.s.DismissMessage(ctx, conv, out[1].Seq, "sent by e-mail instead", audit); err != nil {
			t.Fatal(err)
		}
		if dl, _ := b.s.DeadLetters(ctx, stuckAfter, 10); len(dl) != 0 {
			t.Fatalf("dead letters after dismissal: %+v", dl)
		}
		if items, _ := b.s.Inbox(ctx, time.Now().Add(-2*time.Hour), 50); len(items) != 0 {
			t.Fatalf("inbox after dismissal: %+v", items)
		}
		if p, _ := b.s.PendingOutbound(ctx, conv); len(p) != 0 {
			t.Fatalf("a dismissed message is still queued: %+v", p)
		}
		if err := b.s.RetryMessage(ctx, conv, out[0].Seq, domain.AuditEntry{Actor: "sofie", Action: domain.AuditRetryMessage}); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("retry after dismissal: %v, want conflict", err)
		}
		entries, _ := b.s.AuditLog(ctx, 0, 5)
		if len(entries) != 2 || entries[1].Detail != "25 characters, sealed with the message" || entries[0].Subject != domain.MessageSubject(conv, out[1].Seq) {
			t.Fatalf("audit %+v", entries)
		}
	})
}

// TestDismissReasonIsSealedAndResealed: a reason typed with a passport and a
// phone number in it is stored sealed (the raw column holds neither, the audit
// entry only its length), the transcript opens it for staff, and a reseal
// moves it to the new key, after which the old key may go.
func TestDismissReasonIsSealedAndResealed(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "31600000014", 1)
		if err := b.s.MarkUndelivered(ctx, out[0].ID, domain.StatusFailed, 131026, "Message undeliverable"); err != nil {
			t.Fatal(err)
		}
		const reason = "passport NW1234567 given by phone on +31 6 1234 5678; checked in at the desk"
		if err := b.s.DismissMessage(ctx, conv, out[0].Seq, reason, domain.AuditEntry{Actor: "sofie", Action: domain.AuditDismissMessage}); err != nil {
			t.Fatal(err)
		}
		raw := func() string {
			t.Helper()
			var v string
			if err := db.Gorm.Raw("SELECT dismiss_reason FROM outbound_messages WHERE id = ?", out[0].ID).Scan(&v).Error; err != nil {
				t.Fatal(err)
			}
			return v
		}
		if v := raw(); !strings.HasPrefix(v, "v1:k1:") || strings.Contains(v, "NW1234567") || strings.Contains(v, "5678") {
			t.Fatalf("the stored reason is %q, want it sealed under k1", v)
		}
		var details []string
		if err := db.Gorm.Raw("SELECT detail FROM audit_log").Scan(&details).Error; err != nil {
			t.Fatal(err)
		}
		for _, d := range details {
			if strings.Contains(d, "NW1234567") || strings.Contains(d, "5678") {
				t.Errorf("the audit log holds the reason: %q", d)
			}
		}
		shown := func(s *Store) string {
			t.Helper()
			tr, err := s.Transcript(ctx, conv, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tr {
				if e.Seq == out[0].Seq {
					return e.DismissReason
				}
			}
			return ""
		}
		if got := shown(b.s); got != reason {
			t.Fatalf("the transcript shows %q, want %q", got, reason)
		}

		k2 := domain.NewKey("k2")
		rep, err := storeWithKeys(t, db, k2, b.key).Reseal(ctx, 0)
		if err != nil || rep.Resealed["outbound_messages.dismiss_reason"] != 1 {
			t.Fatalf("reseal: %v\n%s", err, rep)
		}
		if v := raw(); !strings.HasPrefix(v, "v1:k2:") {
			t.Fatalf("after the reseal the reason is %q, want it under k2", v)
		}
		if got := shown(storeWithKeys(t, db, k2)); got != reason {
			t.Fatalf("with k1 gone the transcript shows %q", got)
		}
	})
}

// TestRetryOnTheWebChatIsRefused: the browser reads the web chat's queue
// itself; there is nothing to send again.
func TestRetryOnTheWebChatIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t, dbtest.SQLite(t), Options{})
	ctx := t.Context()
	conv := onChannel(t, b.s, domain.WebChat, "session-3", "web-3", time.Now())
	commitStep(t, b.s, conv, time.Now(), step{flow: "checkin", state: "ask_booking", out: []domain.Outbound{{Kind: domain.OutText, Text: "x"}}})
	p, _ := b.s.PendingOutbound(ctx, conv)
	if err := b.s.MarkUndelivered(ctx, p[0].ID, domain.StatusBlocked, 0, "test"); err != nil {
		t.Fatal(err)
	}
	if err := b.s.RetryMessage(ctx, conv, p[0].Seq, domain.AuditEntry{Actor: "a", Action: domain.AuditRetryMessage}); !domain.IsCode(err, domain.Invalid) {
		t.Fatalf("web chat retry: %v, want invalid", err)
	}
}

// TestDismissRefusedWhileTheMessageIsBeingSent: a message stuck in the queue is
// not set aside while a worker holds the conversation's delivery lease (it may
// be sending it at that moment, and would record it sent); once the lease is
// given back it is.
func TestDismissRefusedWhileTheMessageIsBeingSent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "31600000013", 1)
		if err := db.Gorm.Exec("UPDATE outbound_messages SET created_at = ? WHERE id = ?", time.Now().Add(-time.Hour), out[0].ID).Error; err != nil {
			t.Fatal(err)
		}
		if ok, err := b.s.ClaimDelivery(ctx, conv, time.Now().Add(time.Minute)); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		audit := domain.AuditEntry{Actor: "sofie", Action: domain.AuditDismissMessage}
		if err := b.s.DismissMessage(ctx, conv, out[0].Seq, "sent by e-mail instead", audit); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("dismiss during a delivery: %v, want conflict", err)
		}
		if p, _ := b.s.PendingOutbound(ctx, conv); len(p) != 1 {
			t.Fatalf("the refused dismissal changed the queue: %+v", p)
		}
		if err := b.s.ReleaseDelivery(ctx, conv); err != nil {
			t.Fatal(err)
		}
		if err := b.s.DismissMessage(ctx, conv, out[0].Seq, "sent by e-mail instead", audit); err != nil {
			t.Fatalf("dismiss after the delivery: %v", err)
		}
		if p, _ := b.s.PendingOutbound(ctx, conv); len(p) != 0 {
			t.Fatalf("a dismissed message is still queued: %+v", p)
		}
	})
}

// TestARetriedMessageIsNotStuckAtOnce: a message written an hour ago that
// failed and is sent again is queued since the retry: the inbox does not list
// it as stuck in the queue until the retry itself is ten minutes old.
func TestARetriedMessageIsNotStuckAtOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "31600000014", 1)
		if err := db.Gorm.Exec("UPDATE outbound_messages SET created_at = ? WHERE id = ?", time.Now().Add(-time.Hour), out[0].ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := b.s.MarkUndelivered(ctx, out[0].ID, domain.StatusFailed, 131026, "Message undeliverable"); err != nil {
			t.Fatal(err)
		}
		if err := b.s.RetryMessage(ctx, conv, out[0].Seq, domain.AuditEntry{Actor: "sofie", Action: domain.AuditRetryMessage}); err != nil {
			t.Fatal(err)
		}
		if dl, err := b.s.DeadLetters(ctx, stuckAfter, 10); err != nil || len(dl) != 0 {
			t.Fatalf("dead letters right after the retry: %+v %v, want none", dl, err)
		}
		if err := db.Gorm.Exec("UPDATE outbound_messages SET retried_at = ? WHERE id = ?", time.Now().Add(-stuckAfter-time.Minute), out[0].ID).Error; err != nil {
			t.Fatal(err)
		}
		dl, err := b.s.DeadLetters(ctx, stuckAfter, 10)
		if err != nil || len(dl) != 1 || dl[0].Seq != out[0].Seq || !dl[0].Retried || dl[0].Status != domain.StatusQueued {
			t.Fatalf("dead letters once the retry is stuck too: %+v %v", dl, err)
		}
	})
}
