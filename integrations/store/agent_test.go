package store

import (
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// TestAgentReplyNeedsATakeoverAndQueuesAHumanMessage: while the assistant has
// the conversation a reply is refused and nothing is written; once an agent
// took it over, the reply is queued after the conversation's messages as a
// person's message with purpose "human", with its delivery job and the audit
// entries of takeover and reply, in one go.
func TestAgentReplyNeedsATakeoverAndQueuesAHumanMessage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv, _ := queuedTurn(t, b.s, "31600000010", 2)
		entry := func(a domain.AuditAction) domain.AuditEntry {
			return domain.AuditEntry{Actor: "sofie", Action: a, Subject: domain.ConversationSubject(conv), Address: "127.0.0.1"}
		}
		jobs := func() int { return count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kindDeliver) }

		_, err := b.s.AgentReply(ctx, conv, "sofie", "Hello, Sofie here.", entry(domain.AuditAgentReply))
		if !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("reply before a takeover: %v, want conflict", err)
		}
		if err := b.s.StaffAction(ctx, conv, "staff:handback", entry(domain.AuditHandBack)); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("hand-back of a conversation nobody took: %v, want conflict", err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM outbound_messages WHERE conversation_id = ?", conv); n != 2 {
			t.Fatalf("a refused reply left %d messages", n)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM audit_log"); n != 0 {
			t.Fatalf("refusals were audited: %d entries", n)
		}

		if err := b.s.StaffAction(ctx, conv, "staff:takeover", entry(domain.AuditTakeover)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM inbound_messages WHERE conversation_id = ? AND processed_at IS NULL AND channel_message_id LIKE 'staff:takeover:%'", conv); n != 1 {
			t.Fatalf("%d pending takeover messages, want 1", n)
		}
		// The turn's delivery job ran; the reply needs one of its own.
		if err := db.Gorm.Exec("DELETE FROM river_job WHERE kind = ?", kindDeliver).Error; err != nil {
			t.Fatal(err)
		}
		m, err := b.s.AgentReply(ctx, conv, "sofie", "  Hello, Sofie here. Your seat is 12A.  ", entry(domain.AuditAgentReply))
		if err != nil {
			t.Fatal(err)
		}
		if m.Seq != 3 || m.Text != "Hello, Sofie here. Your seat is 12A." {
			t.Fatalf("queued %+v, want seq 3 with the trimmed text", m)
		}
		pending, _ := b.s.PendingOutbound(ctx, conv)
		last := pending[len(pending)-1]
		if last.Purpose != PurposeHuman || !last.HumanAgent || last.Status != domain.StatusQueued || last.Text != m.Text {
			t.Fatalf("stored reply %+v", last)
		}
		if n := jobs(); n != 1 {
			t.Fatalf("%d delivery jobs, want one for the reply", n)
		}
		log, _ := b.s.AuditLog(ctx, 0, 10)
		var actions []string
		for _, e := range log {
			actions = append(actions, string(e.Action)+" "+e.Actor+" "+e.Subject)
		}
		want := []string{"agent_reply sofie " + domain.ConversationSubject(conv), "takeover sofie " + domain.ConversationSubject(conv)}
		if !slices.Equal(actions, want) {
			t.Fatalf("audit %v, want %v", actions, want)
		}

		for name, text := range map[string]string{"empty": "   ", "too long": string(make([]byte, maxReply+1))} {
			if _, err := b.s.AgentReply(ctx, conv, "sofie", text, entry(domain.AuditAgentReply)); !domain.IsCode(err, domain.Invalid) {
				t.Errorf("%s reply: %v, want invalid", name, err)
			}
		}
		if _, err := b.s.AgentReply(ctx, 999999, "sofie", "hi", entry(domain.AuditAgentReply)); !domain.IsCode(err, domain.NotFound) {
			t.Errorf("reply to no conversation: %v, want not found", err)
		}
	})
}

// TestAgentReplyOnTheWebChatWakesItsStream: the web chat has no delivery job;
// its open streams are woken to read the reply.
func TestAgentReplyOnTheWebChatWakesItsStream(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		conv := onChannel(t, b.s, domain.WebChat, "session-agent", "web-a", time.Now())
		commitStep(t, b.s, conv, time.Now(), step{flow: "handoff", state: "waiting_human",
			tr: []domain.Transition{tr("handoff", "idle", "waiting_human", "start")}})
		woken, cancel := b.s.Subscribe(conv)
		defer cancel()
		if _, err := b.s.AgentReply(ctx, conv, "sofie", "Hi, this is Sofie.", domain.AuditEntry{Actor: "sofie", Action: domain.AuditAgentReply}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-woken:
		case <-time.After(5 * time.Second):
			t.Fatal("the web chat stream was not woken")
		}
		out, _ := b.s.OutboundAfter(ctx, conv, 0, 10)
		if len(out) != 1 || out[0].Text != "Hi, this is Sofie." || !out[0].HumanAgent {
			t.Fatalf("web chat outbox %+v", out)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM river_job WHERE kind = ?", kindDeliver); n != 0 {
			t.Fatalf("%d delivery jobs for the web chat", n)
		}
	})
}
