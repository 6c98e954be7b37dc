package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// step commits one turn of a conversation, as the engine does: the conversation
// moves to flow and state, with the transitions and messages of the turn, at
// the clock's time.
type step struct {
	flow, state string
	version     int
	lang        domain.Lang
	tr          []domain.Transition
	out         []domain.Outbound
	linked      domain.RecordLocator
	names       []domain.PersonName
}

func commitStep(t testing.TB, s *Store, conv int64, at time.Time, st step) {
	t.Helper()
	c, err := s.Conversation(context.Background(), conv)
	if err != nil {
		t.Fatal(err)
	}
	c.Flow, c.State = st.flow, st.state
	if st.version > 0 {
		c.ContentVersion = st.version
	}
	if st.lang != "" {
		c.Lang = st.lang
	}
	for i := range st.tr {
		st.tr[i].ContentVersion, st.tr[i].Lang = c.ContentVersion, c.Lang
	}
	if err := s.CommitTurn(context.Background(), domain.Turn{Conversation: c, Transitions: st.tr, Outbound: st.out,
		Linked: st.linked, LinkedNames: st.names, At: at}); err != nil {
		t.Fatalf("commit turn of conversation %d: %v", conv, err)
	}
}

func tr(flow, from, to, event string) domain.Transition {
	return domain.Transition{Flow: flow, From: from, To: to, Event: event}
}

func onChannel(t testing.TB, s *Store, ch domain.Channel, user, msgID string, at time.Time) int64 {
	t.Helper()
	id, _, err := s.Accept(context.Background(), domain.Inbound{Channel: ch, ChannelMessageID: msgID, Text: "hello", ReceivedAt: at}, user)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func ids(cs []domain.ConversationSummary) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// TestFindConversationsByReferencePhoneMessengerIDAndName: staff find a
// traveller's conversation by what the traveller tells them, however they
// write it; identifiers are matched through their blind index.
func TestFindConversationsByReferencePhoneMessengerIDAndName(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		now := time.Now().UTC()
		wa := onChannel(t, b.s, domain.WhatsApp, "31612345678", "wamid.1", now)
		ms := onChannel(t, b.s, domain.Messenger, "psid-77", "mid.1", now)
		web := onChannel(t, b.s, domain.WebChat, "session-1", "web-1", now)
		commitStep(t, b.s, wa, now, step{flow: "checkin", state: "choose_passengers", version: 1, linked: "ABC123",
			tr: []domain.Transition{tr("checkin", "idle", "ask_booking", "start")}})
		commitStep(t, b.s, web, now, step{flow: "checkin", state: "choose_passengers", version: 1, linked: "XYZ789"})
		var bookingID int64
		if err := db.Gorm.Raw(`INSERT INTO pss_bookings (locator, created_at, updated_at) VALUES ('ABC123', ?, ?) RETURNING id`, now, now).
			Scan(&bookingID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Gorm.Exec(`INSERT INTO pss_passengers (booking_id, pos, given, surname, pax_type) VALUES (?, 1, 'Eva', 'Jansen', 'ADT')`,
			bookingID).Error; err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, "SELECT COUNT(*) FROM conversations WHERE user_id = '31612345678'"); n != 0 {
			t.Fatal("the phone number is stored in clear")
		}
		for _, tc := range []struct {
			name string
			q    domain.ConversationQuery
			want []int64
		}{
			{"reference", domain.ConversationQuery{Locator: "abc123 "}, []int64{wa}},
			{"phone as typed", domain.ConversationQuery{Phone: "+31 6 1234 5678"}, []int64{wa}},
			{"messenger id", domain.ConversationQuery{PSID: "psid-77"}, []int64{ms}},
			{"surname", domain.ConversationQuery{Name: "jansen"}, []int64{wa}},
			{"full name", domain.ConversationQuery{Name: "Eva  JANSEN"}, []int64{wa}},
			{"unknown name", domain.ConversationQuery{Name: "Dubois"}, []int64{}},
			{"a phone is not a messenger id", domain.ConversationQuery{PSID: "31612345678"}, []int64{}},
		} {
			got, err := b.s.FindConversations(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("%s: found %v, want %v", tc.name, ids(got), tc.want)
			}
		}
		got, _ := b.s.FindConversations(ctx, domain.ConversationQuery{Locator: "ABC123"})
		if len(got) != 1 || got[0].Flow != "checkin" || got[0].State != "choose_passengers" || !slices.Equal(got[0].Locators, []domain.RecordLocator{"ABC123"}) {
			t.Fatalf("summary %+v", got)
		}
		if _, err := b.s.FindConversations(ctx, domain.ConversationQuery{}); !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("empty query: %v, want invalid", err)
		}
	})
}

// TestTranscriptShowsBothDirectionsWithDeliveryStatuses: the traveller's
// messages and the replies in order, texts opened, each reply with its status
// and the platform's error code; staff actions are marked as system messages.
func TestTranscriptShowsBothDirectionsWithDeliveryStatuses(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		clk := &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
		b := setup(t, db, Options{Now: clk.Now})
		ctx := t.Context()
		conv := onChannel(t, b.s, domain.WhatsApp, "31600000001", "wamid.a", clk.Now())
		clk.Add(time.Second)
		commitStep(t, b.s, conv, clk.Now(), step{flow: "checkin", state: "ask_booking", out: []domain.Outbound{
			{Kind: domain.OutText, Text: "Your booking reference, please."},
			{Kind: domain.OutChoices, Text: "Or choose", Choices: []domain.Choice{{ID: "x", Title: "Start over"}}},
		}})
		pending, _ := b.s.PendingOutbound(ctx, conv)
		if err := b.s.MarkSent(ctx, pending[0].ID, "wamid.out1", false); err != nil {
			t.Fatal(err)
		}
		if err := b.s.MarkDelivered(ctx, conv, pending[0].Seq); err != nil {
			t.Fatal(err)
		}
		if err := b.s.MarkUndelivered(ctx, pending[1].ID, domain.StatusFailed, 131047, "Re-engagement message"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		if err := b.s.StaffAction(ctx, conv, "staff:takeover", domain.AuditEntry{Actor: "sofie", Action: domain.AuditTakeover,
			Subject: domain.ConversationSubject(conv)}); err != nil {
			t.Fatal(err)
		}
		got, err := b.s.Transcript(ctx, conv, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 4 {
			t.Fatalf("%d entries, want 4: %+v", len(got), got)
		}
		if !got[0].Inbound || got[0].Text != "hello" || got[0].System {
			t.Errorf("first entry %+v, want the traveller's hello", got[0])
		}
		if got[1].Inbound || got[1].Text != "Your booking reference, please." || got[1].Status != domain.StatusDelivered {
			t.Errorf("second entry %+v, want the delivered question", got[1])
		}
		if got[2].Status != domain.StatusFailed || got[2].ErrorCode != 131047 || got[2].Error != "Re-engagement message" || len(got[2].Choices) != 1 {
			t.Errorf("third entry %+v, want the failed choices with code 131047", got[2])
		}
		if !got[3].Inbound || !got[3].System || got[3].Payload != "staff:takeover" {
			t.Errorf("last entry %+v, want the staff takeover as a system message", got[3])
		}
		if last, _ := b.s.Transcript(ctx, conv, 2); len(last) != 2 || last[1].Payload != "staff:takeover" {
			t.Fatalf("the last two entries: %+v", last)
		}
	})
}

// TestInboxListsHandoffsFailuresAndUndeliveredNewestFirst: conversations
// waiting for a person, turns that ended on an error and messages that did not
// go out are listed newest first; a traveller's own choice to start over is
// not; a takeover shows who has the conversation until it is handed back.
func TestInboxListsHandoffsFailuresAndUndeliveredNewestFirst(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		clk := &clock{t: time.Now().UTC().Add(-time.Hour).Truncate(time.Second)}
		b := setup(t, db, Options{Now: clk.Now})
		ctx := t.Context()
		since := clk.Now().Add(-time.Minute)

		failed := onChannel(t, b.s, domain.WhatsApp, "31600000002", "wamid.f", clk.Now())
		commitStep(t, b.s, failed, clk.Now(), step{flow: "", state: "",
			tr: []domain.Transition{tr("checkin", "checking_in", "", "abandon:effect_failed")}})
		clk.Add(time.Minute)
		chose := onChannel(t, b.s, domain.WhatsApp, "31600000003", "wamid.c", clk.Now())
		commitStep(t, b.s, chose, clk.Now(), step{tr: []domain.Transition{tr("checkin", "choose_seat", "", "abandon:start_over")}})
		clk.Add(time.Minute)
		blocked, out := queuedTurn(t, b.s, "31600000004", 1)
		if err := b.s.MarkUndelivered(ctx, out[0].ID, domain.StatusBlocked, 0, "outside the whatsapp customer-service window"); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
		waiting := onChannel(t, b.s, domain.WebChat, "session-9", "web-9", clk.Now())
		commitStep(t, b.s, waiting, clk.Now(), step{flow: "handoff", state: "waiting_human", tr: []domain.Transition{
			tr("checkin", "collect_documents", "", "park:handoff"), tr("handoff", "idle", "waiting_human", "start")}})

		items, err := b.s.Inbox(ctx, since, 50)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range items {
			got = append(got, string(it.Kind))
		}
		want := []string{"handoff", "undelivered", "failed_turn"}
		if !slices.Equal(got, want) {
			t.Fatalf("inbox %v, want %v (%+v)", got, want, items)
		}
		if items[0].ConversationID != waiting || items[0].TakenBy != "" {
			t.Errorf("handoff %+v", items[0])
		}
		if items[1].ConversationID != blocked || items[1].Status != domain.StatusBlocked || items[1].Reason == "" {
			t.Errorf("undelivered %+v", items[1])
		}
		if items[2].ConversationID != failed || items[2].Reason != "effect_failed" || items[2].State != "checking_in" {
			t.Errorf("failed turn %+v", items[2])
		}

		audit := func(a domain.AuditAction) domain.AuditEntry {
			return domain.AuditEntry{Actor: "sofie", Action: a, Subject: domain.ConversationSubject(waiting)}
		}
		if err := b.s.StaffAction(ctx, waiting, "staff:takeover", audit(domain.AuditTakeover)); err != nil {
			t.Fatal(err)
		}
		items, _ = b.s.Inbox(ctx, since, 50)
		if items[0].TakenBy != "sofie" {
			t.Fatalf("after the takeover: %+v", items[0])
		}
		if err := b.s.StaffAction(ctx, waiting, "staff:handback:collect_documents", audit(domain.AuditHandBack)); err != nil {
			t.Fatal(err)
		}
		items, _ = b.s.Inbox(ctx, since, 50)
		if items[0].TakenBy != "" {
			t.Fatalf("after the hand-back: %+v", items[0])
		}
		// Failures older than the inbox's horizon are left out; handoffs never are.
		items, _ = b.s.Inbox(ctx, clk.Now().Add(time.Second), 50)
		if len(items) != 1 || items[0].Kind != domain.InboxHandoff {
			t.Fatalf("with a later horizon: %+v", items)
		}
	})
}
