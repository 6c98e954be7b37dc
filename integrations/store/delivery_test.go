package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// queuedTurn commits a turn with n text messages on a WhatsApp conversation.
func queuedTurn(t *testing.T, s *Store, user string, n int) (int64, []domain.Outbound) {
	t.Helper()
	ctx := context.Background()
	conv := accept(t, s, msg(user+"-m1", "hi"), user)
	c, _ := s.Conversation(ctx, conv)
	out := make([]domain.Outbound, n)
	for i := range out {
		out[i] = domain.Outbound{Kind: domain.OutText, Text: "reply", Purpose: "reply"}
	}
	if err := s.CommitTurn(ctx, domain.Turn{Conversation: c, Outbound: out}); err != nil {
		t.Fatal(err)
	}
	pending, err := s.PendingOutbound(ctx, conv)
	if err != nil || len(pending) != n {
		t.Fatalf("pending %d %v, want %d", len(pending), err, n)
	}
	return conv, pending
}

func TestStatusesOnlyMoveForward(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "u1", 3)
		for i, m := range out {
			if err := b.s.MarkSent(ctx, m.ID, "wamid."+string(rune('A'+i)), false); err != nil {
				t.Fatal(err)
			}
		}
		for _, u := range []domain.StatusUpdate{
			{ChannelMessageID: "wamid.A", Status: domain.StatusRead},
			{ChannelMessageID: "wamid.A", Status: domain.StatusDelivered}, // late: ignored
			{ChannelMessageID: "wamid.B", Status: domain.StatusDelivered},
			{ChannelMessageID: "wamid.C", Status: domain.StatusFailed, ErrorCode: 131047, ErrorTitle: "Re-engagement message"},
			{ChannelMessageID: "wamid.C", Status: domain.StatusRead}, // failed is final
			{ChannelMessageID: "wamid.unknown", Status: domain.StatusRead},
		} {
			if err := b.s.ApplyStatus(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := b.s.OutboundAfter(ctx, conv, 0, 10)
		want := []domain.DeliveryStatus{domain.StatusRead, domain.StatusDelivered, domain.StatusFailed}
		for i, m := range got {
			if m.Status != want[i] {
				t.Errorf("message %d: %s, want %s", i+1, m.Status, want[i])
			}
		}
		if !strings.Contains(got[2].Error, "Re-engagement") {
			t.Errorf("failure reason not kept: %q", got[2].Error)
		}
		if p, _ := b.s.PendingOutbound(ctx, conv); len(p) != 0 {
			t.Fatalf("%d still pending after sending", len(p))
		}
	})
}

func TestWatermarkMarksEarlierSentMessages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "psid-1", 3)
		b.s.MarkSent(ctx, out[0].ID, "m_1", false)
		b.s.MarkSent(ctx, out[1].ID, "m_2", false)
		// out[2] is still queued: a watermark cannot deliver what was never sent.
		wm := domain.StatusUpdate{Status: domain.StatusRead, At: time.Now().Add(time.Minute)}
		if err := b.s.ApplyWatermark(ctx, domain.WhatsApp, "psid-1", wm); err != nil {
			t.Fatal(err)
		}
		got, _ := b.s.OutboundAfter(ctx, conv, 0, 10)
		if got[0].Status != domain.StatusRead || got[1].Status != domain.StatusRead || got[2].Status != domain.StatusQueued {
			t.Fatalf("statuses %s %s %s", got[0].Status, got[1].Status, got[2].Status)
		}
	})
}

func TestUndeliveredIsFinalAndExplained(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "u1", 2)
		if err := b.s.MarkUndelivered(ctx, out[0].ID, domain.StatusBlocked, 0, "outside the window"); err != nil {
			t.Fatal(err)
		}
		if err := b.s.MarkUndelivered(ctx, out[1].ID, domain.StatusSent, 0, ""); err == nil {
			t.Fatal("sent is not a failure")
		}
		b.s.MarkSent(ctx, out[0].ID, "late", false) // a blocked message never becomes sent
		got, _ := b.s.OutboundAfter(ctx, conv, 0, 10)
		if got[0].Status != domain.StatusBlocked || got[0].Error != "outside the window" {
			t.Fatalf("blocked message: %s %q", got[0].Status, got[0].Error)
		}
	})
}

func TestWebhookBodiesAreStoredSealedAndApplied(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		var mu sync.Mutex
		var applied []string
		fail := true
		b.s.SetHandlers(Handlers{Webhook: func(_ context.Context, ch domain.Channel, body []byte) error {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				fail = false
				return errors.New("transient")
			}
			applied = append(applied, string(ch)+":"+string(body))
			return nil
		}})
		body := `{"object":"whatsapp_business_account","from":"447700900123"}`
		if err := b.s.AcceptWebhook(ctx, domain.WhatsApp, []byte(body)); err != nil {
			t.Fatal(err)
		}
		var raw string
		db.Gorm.Raw("SELECT body FROM webhook_events").Scan(&raw)
		if strings.Contains(raw, "447700900123") {
			t.Fatal("webhook body stored in clear")
		}
		if err := b.s.Start(ctx, func(context.Context, int64) error { return nil }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "webhook applied after a retry", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(applied) == 1
		})
		if applied[0] != "whatsapp:"+body {
			t.Fatalf("applied %q", applied[0])
		}
		// The event is marked processed right after the handler returns.
		waitFor(t, "webhook event marked processed", func() bool {
			var left int64
			db.Gorm.Raw("SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NULL").Scan(&left)
			return left == 0
		})
	})
}

func TestPreferencesKeepTheNewest(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		now := time.Now()
		set := func(out bool, at time.Time) {
			if err := b.s.SetPreference(ctx, domain.WhatsApp, "u1", domain.PreferenceUpdate{Category: domain.CategoryOffers, OptedOut: out, At: at}); err != nil {
				t.Fatal(err)
			}
		}
		set(true, now)
		set(false, now.Add(-time.Hour)) // older, arrives late: ignored
		if out, _ := b.s.OptedOut(ctx, domain.WhatsApp, "u1", domain.CategoryOffers); !out {
			t.Fatal("a late, older resume overrode the stop")
		}
		set(false, now.Add(time.Hour))
		if out, _ := b.s.OptedOut(ctx, domain.WhatsApp, "u1", domain.CategoryOffers); out {
			t.Fatal("resume not recorded")
		}
		if out, _ := b.s.OptedOut(ctx, domain.WhatsApp, "u1", domain.CategoryFlightUpdates); out {
			t.Fatal("categories are separate")
		}
	})
}

func TestAcceptOpensTheServiceWindow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		at := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		in := msg("w1", "hello")
		in.ReceivedAt = at
		conv, _, err := b.s.AcceptEvent(ctx, domain.ChannelEvent{Kind: domain.EventMessage, UserID: "447700900123", AltUserID: "NL.1234", ProfileName: "Ana", Inbound: in})
		if err != nil {
			t.Fatal(err)
		}
		older := msg("w0", "earlier, delivered late")
		older.ReceivedAt = at.Add(-time.Hour)
		b.s.AcceptEvent(ctx, domain.ChannelEvent{Kind: domain.EventMessage, UserID: "447700900123", Inbound: older})
		c, _ := b.s.Conversation(ctx, conv)
		if !c.LastInboundAt.Equal(at) || c.AltUserID != "NL.1234" {
			t.Fatalf("window %v alt %q", c.LastInboundAt, c.AltUserID)
		}
	})
}

func TestPassTokensAreStoredHashed(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := accept(t, b.s, msg("p1", "hi"), "u1")
		c, _ := b.s.Conversation(ctx, conv)
		bp := domain.BoardingPass{Token: "tok-" + strings.Repeat("x", 40), Locator: "JN7KQP", PassengerID: 1, SegmentID: 1,
			Name: domain.PersonName{Given: "Eva", Surname: "Jansen"}, BCBP: "M1JANSEN/EVA", Valid: true}
		if err := b.s.CommitTurn(ctx, domain.Turn{Conversation: c, Passes: []domain.BoardingPass{bp}}); err != nil {
			t.Fatal(err)
		}
		var raw string
		db.Gorm.Raw("SELECT token FROM boarding_passes").Scan(&raw)
		if raw == bp.Token || strings.Contains(raw, "tok-") {
			t.Fatal("the link token is stored as is")
		}
		got, err := b.s.Pass(ctx, bp.Token)
		if err != nil || got.Token != bp.Token || got.Name.Surname != "Jansen" {
			t.Fatalf("Pass(token) = %+v, %v", got, err)
		}
		if found, ok, _ := b.s.FindPass(ctx, "JN7KQP", 1, 1); !ok || found.Token != bp.Token {
			t.Fatal("FindPass must give the token back, to send the same link again")
		}
	})
}

// TestSweepRescuesRepliesWhoseDeliveryJobGaveUp: a reply still queued after its
// delivery job was discarded is delivered again by the sweep.
func TestSweepRescuesRepliesWhoseDeliveryJobGaveUp(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, _ := queuedTurn(t, b.s, "u1", 1)
		db.Gorm.Exec("UPDATE inbound_messages SET processed_at = ?", time.Now())
		if err := db.Gorm.Exec("DELETE FROM river_job").Error; err != nil {
			t.Fatal(err)
		}
		db.Gorm.Exec("UPDATE outbound_messages SET created_at = ?", time.Now().Add(-10*time.Minute))
		var mu sync.Mutex
		var delivered []int64
		b.s.SetHandlers(Handlers{Deliver: func(_ context.Context, id int64) error {
			mu.Lock()
			defer mu.Unlock()
			delivered = append(delivered, id)
			return nil
		}})
		n, err := b.s.sweep(ctx)
		if err != nil || n != 1 {
			t.Fatalf("sweep = %d, %v; want one delivery job", n, err)
		}
		if err := b.s.Start(ctx, func(context.Context, int64) error { return nil }); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "stranded reply delivered", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(delivered) > 0 && delivered[0] == conv
		})
	})
}

// TestRefusalOvertakingTheSendStillGetsTheTemplate: WhatsApp's refusal of a
// free-form message outside the window (131047) may be applied, and the
// message queued again for a template, before the sender records that it sent
// the free-form one; that late record must not mark the message sent, or the
// template never goes.
func TestRefusalOvertakingTheSendStillGetsTheTemplate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "u9", 1)
		// The status webhook finds the message by our reference before the
		// sender recorded the wamid.
		if err := b.s.ApplyStatus(ctx, domain.StatusUpdate{ChannelMessageID: "wamid.F", OutboundID: out[0].ID,
			Status: domain.StatusFailed, ErrorCode: 131047, Channel: domain.WhatsApp, UserID: "u9"}); err != nil {
			t.Fatal(err)
		}
		if ok, err := b.s.RequeueForTemplate(ctx, "wamid.F"); err != nil || !ok {
			t.Fatalf("requeue: %v %v", ok, err)
		}
		if err := b.s.MarkSent(ctx, out[0].ID, "wamid.F", false); err != nil {
			t.Fatal(err)
		}
		// Nor does a late status of that send, out of order.
		if err := b.s.ApplyStatus(ctx, domain.StatusUpdate{ChannelMessageID: "wamid.F", OutboundID: out[0].ID,
			Status: domain.StatusSent, Channel: domain.WhatsApp, UserID: "u9"}); err != nil {
			t.Fatal(err)
		}
		if p, _ := b.s.PendingOutbound(ctx, conv); len(p) != 1 {
			t.Fatalf("a late status of the refused send marked the message: %+v", p)
		}
		// The template's own status, by its reference, finds it even before
		// the sender records the template's wamid.
		if err := b.s.ApplyStatus(ctx, domain.StatusUpdate{ChannelMessageID: "wamid.T", OutboundID: out[0].ID, Template: true,
			Status: domain.StatusSent, Channel: domain.WhatsApp, UserID: "u9"}); err != nil {
			t.Fatal(err)
		}
		if p, _ := b.s.PendingOutbound(ctx, conv); len(p) != 0 {
			t.Fatalf("the template's status did not find its message: %+v", p)
		}
		// The sender's record of the template comes after and keeps its wamid.
		if err := b.s.MarkSent(ctx, out[0].ID, "wamid.T", true); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Status, ChannelMessageID string
		}
		if err := db.Gorm.Raw("SELECT status, channel_message_id FROM outbound_messages WHERE id = ?", out[0].ID).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.Status != string(domain.StatusSent) || got.ChannelMessageID != "wamid.T" {
			t.Fatalf("the template is recorded as %+v", got)
		}
	})
}

func TestRequeueForTemplateOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "u1", 1)
		b.s.MarkSent(ctx, out[0].ID, "wamid.W", false)
		b.s.ApplyStatus(ctx, domain.StatusUpdate{ChannelMessageID: "wamid.W", Status: domain.StatusFailed, ErrorCode: 131047})
		if ok, err := b.s.RequeueForTemplate(ctx, "wamid.W"); err != nil || !ok {
			t.Fatalf("requeue: %v %v", ok, err)
		}
		p, _ := b.s.PendingOutbound(ctx, conv)
		if len(p) != 1 || !p[0].TemplateOnly {
			t.Fatalf("pending %+v", p)
		}
		b.s.MarkSent(ctx, p[0].ID, "wamid.T", true)
		b.s.ApplyStatus(ctx, domain.StatusUpdate{ChannelMessageID: "wamid.T", Status: domain.StatusFailed, ErrorCode: 131047})
		if ok, _ := b.s.RequeueForTemplate(ctx, "wamid.T"); ok {
			t.Fatal("a template refused again must not loop")
		}
	})
}

// TestTravellerFoundByEitherWhatsAppID: the same person writing with their phone
// number and later with only their business-scoped id stays in one conversation.
func TestTravellerFoundByEitherWhatsAppID(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		first, _, err := b.s.AcceptEvent(ctx, domain.ChannelEvent{Kind: domain.EventMessage, UserID: "447700900123", AltUserID: "GB.99",
			Inbound: msg("b1", "hi")})
		if err != nil {
			t.Fatal(err)
		}
		again, _, _ := b.s.AcceptEvent(ctx, domain.ChannelEvent{Kind: domain.EventMessage, UserID: "GB.99", Inbound: msg("b2", "hi again")})
		named, _, _ := b.s.AcceptEvent(ctx, domain.ChannelEvent{Kind: domain.EventMessage, UserID: "447700900123", ProfileName: "Ana",
			Inbound: msg("b3", "still me")})
		if again != first || named != first {
			t.Fatalf("conversations %d, %d, %d: want one", first, again, named)
		}
		c, _ := b.s.Conversation(ctx, first)
		if c.AltUserID != "GB.99" {
			t.Fatalf("the business-scoped id was forgotten: %q", c.AltUserID)
		}
	})
}

func TestPartsSentAreRemembered(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "u1", 1)
		if err := b.s.MarkPartsSent(ctx, out[0].ID, 2, 3); err != nil {
			t.Fatal(err)
		}
		b.s.MarkPartsSent(ctx, out[0].ID, 1, 3) // never goes back
		p, _ := b.s.PendingOutbound(ctx, conv)
		if len(p) != 1 || p[0].PartsSent != 2 || p[0].PartsTotal != 3 {
			t.Fatalf("pending %+v", p)
		}
		// Rendered otherwise (a new release splits it in two): the old count
		// means nothing for it and is replaced.
		b.s.MarkPartsSent(ctx, out[0].ID, 1, 2)
		if p, _ := b.s.PendingOutbound(ctx, conv); len(p) != 1 || p[0].PartsSent != 1 || p[0].PartsTotal != 2 {
			t.Fatalf("after another rendering: %+v", p)
		}
		// Once the message is out the count goes: a retry by staff of a
		// message refused after its last part sends it whole.
		if err := b.s.MarkSent(ctx, out[0].ID, "wamid.L", false); err != nil {
			t.Fatal(err)
		}
		if err := b.s.ApplyStatus(ctx, domain.StatusUpdate{ChannelMessageID: "wamid.L", Status: domain.StatusFailed, ErrorCode: 131026}); err != nil {
			t.Fatal(err)
		}
		if err := b.s.RetryMessage(ctx, conv, out[0].Seq, domain.AuditEntry{Actor: "sofie", Action: domain.AuditRetryMessage}); err != nil {
			t.Fatal(err)
		}
		if p, _ := b.s.PendingOutbound(ctx, conv); len(p) != 1 || p[0].PartsSent != 0 || p[0].PartsTotal != 0 {
			t.Fatalf("the retried message would skip parts: %+v", p)
		}
	})
}

func TestDeadLettersListWhatWasNotDelivered(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		_, out := queuedTurn(t, b.s, "u1", 3)
		b.s.MarkUndelivered(ctx, out[0].ID, domain.StatusBlocked, 0, "outside the window")
		b.s.MarkSent(ctx, out[1].ID, "wamid.ok", false)
		db.Gorm.Exec("UPDATE outbound_messages SET created_at = ? WHERE id = ?", time.Now().Add(-time.Hour), out[2].ID)
		dl, err := b.s.DeadLetters(ctx, 10*time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(dl) != 2 || dl[0].Channel != domain.WhatsApp {
			t.Fatalf("dead letters %+v: want the blocked one and the one stuck in the queue", dl)
		}
	})
}

// TestLateRedeliveryIsProcessedInTheTravellersOrder: of two waiting messages, the
// one the traveller sent first comes first, even when Meta delivered it second.
func TestLateRedeliveryIsProcessedInTheTravellersOrder(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		now := time.Now().UTC()
		later, earlier := msg("r2", "JN7KQP Jansen"), msg("r1", "check in")
		later.ReceivedAt, earlier.ReceivedAt = now, now.Add(-5*time.Second)
		conv := accept(t, b.s, later, "u1")
		accept(t, b.s, earlier, "u1")
		in, ok, err := b.s.NextInbound(ctx, conv)
		if err != nil || !ok || in.Text != "check in" {
			t.Fatalf("next = %q %v %v, want the earlier message", in.Text, ok, err)
		}
	})
}

// TestStatusThatOvertakesTheSendIsKept: Meta's "delivered" can arrive before our
// own record of the send; our id echoed in the status finds the message.
func TestStatusThatOvertakesTheSendIsKept(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, out := queuedTurn(t, b.s, "u1", 1)
		if err := b.s.ApplyStatus(ctx, domain.StatusUpdate{ChannelMessageID: "wamid.E", OutboundID: out[0].ID, Status: domain.StatusDelivered}); err != nil {
			t.Fatal(err)
		}
		b.s.MarkSent(ctx, out[0].ID, "wamid.E", false)
		got, _ := b.s.OutboundAfter(ctx, conv, 0, 10)
		if got[0].Status != domain.StatusDelivered || got[0].ChannelMessageID != "wamid.E" {
			t.Fatalf("status %s id %q", got[0].Status, got[0].ChannelMessageID)
		}
	})
}
