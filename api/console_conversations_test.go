package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/store"
)

var _ ConversationConsole = (*store.Store)(nil)

// parkedSlots are the slots of a traveller handed to a person while giving
// their passport during check-in.
const parkedSlots = `{"handoff_notices":1,"parked":{"flow":"checkin","state":"collect_documents",` +
	`"slots":{"locator":"ABC123","surname":"Jansen","docs":{"7":{"number":"X1234567","nationality":"NL","birth":"1985-03-12"}}}}}`

// handedOff stores a WhatsApp conversation waiting for a person, as the engine
// leaves it, and returns its id.
func (r *consoleRig) handedOff(user string) int64 {
	r.t.Helper()
	ctx := r.t.Context()
	id, _, err := r.store.Accept(ctx, domain.Inbound{Channel: domain.WhatsApp, ChannelMessageID: "wamid." + user,
		Text: "my passport is X1234567, can I talk to a person", ReceivedAt: r.clock.Now()}, user)
	if err != nil {
		r.t.Fatal(err)
	}
	c, err := r.store.Conversation(ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	in, _, _ := r.store.NextInbound(ctx, id)
	c.Flow, c.State, c.ContentVersion, c.Lang, c.Data = "handoff", "waiting_human", 1, "en", json.RawMessage(parkedSlots)
	err = r.store.CommitTurn(ctx, domain.Turn{Conversation: c, InboundID: in.ID, Linked: "ABC123", At: r.clock.Now(),
		LinkedNames: []domain.PersonName{{Given: "Eva", Surname: "Jansen", Title: "MRS"}},
		Transitions: []domain.Transition{{Flow: "checkin", From: "collect_documents", Event: "park:handoff"},
			{Flow: "handoff", From: "idle", To: "waiting_human", Event: "start"}},
		Outbound: []domain.Outbound{{Kind: domain.OutText, Text: "A colleague will answer you here shortly, Eva Jansen."}}})
	if err != nil {
		r.t.Fatal(err)
	}
	return id
}

// TestConsoleConversationShowsPersonalDataOnlyToAgents: an agent sees the
// traveller's name and texts, the document number only by its last three
// characters; a viewer sees the conversation's flow, state and delivery
// statuses but no personal data, and no takeover or reply form.
func TestConsoleConversationShowsPersonalDataOnlyToAgents(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	id := r.handedOff("31612345678")
	path := "/console/conversations/" + strconv.FormatInt(id, 10)

	agent := r.sessionFor(domain.RoleAgent).get(path)
	if agent.Status != http.StatusOK {
		t.Fatalf("agent: %d\n%s", agent.Status, agent.Body)
	}
	for _, want := range []string{"Jansen", "•••••567", "waiting_human", "checkin at collect_documents", "version 1", "ABC123",
		`action="` + path + `/reply"`, `<option value="ask_booking">`, "queued"} {
		if !strings.Contains(agent.Body, want) {
			t.Errorf("the agent's page lacks %q", want)
		}
	}
	if strings.Contains(agent.Body, "X1234567") {
		t.Error("the agent's page shows the whole passport number")
	}

	viewer := r.sessionFor(domain.RoleViewer).get(path)
	if viewer.Status != http.StatusOK {
		t.Fatalf("viewer: %d", viewer.Status)
	}
	for _, leak := range []string{"Jansen", "X1234567", "1985-03-12", "can I talk to a person", "/reply", "/takeover", "/handback", "ABC123"} {
		if strings.Contains(viewer.Body, leak) {
			t.Errorf("the viewer's page shows %q", leak)
		}
	}
	for _, want := range []string{"waiting_human", "personal data hidden", "queued", "•••"} {
		if !strings.Contains(viewer.Body, want) {
			t.Errorf("the viewer's page lacks %q", want)
		}
	}
	// Whether a person is a customer is personal too: only agents search by number or name.
	if st, _ := r.api(r.token(domain.RoleViewer), http.MethodPost, "/api/v1/console/conversations/search", map[string]string{"phone": "31612345678"}); st != http.StatusForbidden {
		t.Errorf("a viewer searching by phone number: %d, want 403", st)
	}
	if st, _ := r.api(r.token(domain.RoleAgent), http.MethodPost, "/api/v1/console/conversations/search", map[string]string{"phone": "31612345678"}); st != http.StatusOK {
		t.Errorf("an agent searching by phone number: %d, want 200", st)
	}
	if st := r.sessionFor(domain.RoleViewer).get("/console/conversations/999999").Status; st != http.StatusNotFound {
		t.Errorf("no such conversation: %d, want 404", st)
	}
}

// TestConsoleTakeoverReplyHandBack: an agent finds the conversation by its
// booking reference, sees it in the inbox, takes another one over with the
// form, replies and hands back at a named step over the API; each step is
// queued for the conversation and audited with the agent's name. An editor
// may not take over; a hand-back at a step that reads no answer is refused.
func TestConsoleTakeoverReplyHandBack(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newConsoleRigOn(t, db)
		ctx := t.Context()
		waiting := r.handedOff("31600000001")
		sid := strconv.FormatInt(waiting, 10)
		agent := r.sessionFor(domain.RoleAgent)

		agent.get("/console/conversations")
		found := agent.post("/console/conversations", url.Values{"by": {"reference"}, "q": {"abc123"}})
		if found.Status != http.StatusOK || !strings.Contains(found.Body, `href="/console/conversations/`+sid+`"`) {
			t.Fatalf("search by reference: %d\n%.600s", found.Status, found.Body)
		}
		inbox := agent.get("/console/inbox")
		if inbox.Status != http.StatusOK || !strings.Contains(inbox.Body, `data-conversation="`+sid+`"`) ||
			!strings.Contains(inbox.Body, `hx-get="/console/inbox/items"`) || !strings.Contains(inbox.Body, "1 waiting for a person") {
			t.Fatalf("inbox: %d\n%.800s", inbox.Status, inbox.Body)
		}

		// A conversation the assistant still has: the agent takes it over.
		busy, _, err := r.store.Accept(ctx, domain.Inbound{Channel: domain.Messenger, ChannelMessageID: "mid.1", Text: "hi"}, "psid-1")
		if err != nil {
			t.Fatal(err)
		}
		busyPath := "/console/conversations/" + strconv.FormatInt(busy, 10)
		if st := r.sessionFor(domain.RoleEditor).post(busyPath+"/takeover", nil).Status; st != http.StatusForbidden {
			t.Fatalf("an editor taking over: %d, want 403", st)
		}
		if res := agent.post(busyPath+"/reply", url.Values{"text": {"hello"}}); res.Status != http.StatusConflict {
			t.Fatalf("a reply before the takeover: %d, want 409", res.Status)
		}
		res := agent.post(busyPath+"/takeover", nil)
		if res.Status != http.StatusSeeOther || res.Location != busyPath+"?done=takeover" {
			t.Fatalf("takeover: %d %q", res.Status, res.Location)
		}
		if page := agent.get(res.Location); !strings.Contains(page.Body, "You have taken this conversation over") {
			t.Fatalf("after the takeover the page says:\n%.600s", page.Body)
		}
		next, ok, _ := r.store.NextInbound(ctx, busy)
		if !ok || next.Text != "hi" {
			t.Fatalf("the traveller's message comes first: %+v", next)
		}

		// The API: reply, then hand back at a named step.
		tok := r.token(domain.RoleAgent)
		st, body := r.api(tok, http.MethodPost, "/api/v1/console/conversations/"+sid+"/reply", map[string]string{"text": "Hello Eva, Sofie here."})
		if st != http.StatusCreated || body["purpose"] != "human" || body["seq"] != float64(2) {
			t.Fatalf("reply: %d %v", st, body)
		}
		r.clock.Add(time.Second)
		st, _ = r.api(tok, http.MethodPost, "/api/v1/console/conversations/"+sid+"/handback", map[string]string{"state": "checking_in"})
		if st != http.StatusBadRequest {
			t.Fatalf("hand back at a step that reads no answer: %d, want 400", st)
		}
		st, _ = r.api(tok, http.MethodPost, "/api/v1/console/conversations/"+sid+"/handback", map[string]string{"state": "collect_documents"})
		if st != http.StatusAccepted {
			t.Fatalf("hand back: %d", st)
		}
		st, conv := r.api(r.token(domain.RoleViewer), http.MethodGet, "/api/v1/console/conversations/"+sid, nil)
		if st != http.StatusOK {
			t.Fatalf("conversation: %d %v", st, conv)
		}
		tr := conv["transcript"].([]any)
		last := tr[len(tr)-1].(map[string]any)
		if last["system"] != true || last["payload"] != "staff:handback:collect_documents" {
			t.Errorf("last transcript entry %v, want the hand-back", last)
		}
		reply := tr[len(tr)-2].(map[string]any)
		if reply["human_agent"] != true || reply["status"] != "queued" || strings.Contains(asJSON(reply), "Sofie") {
			t.Errorf("the reply as a viewer sees it: %v", reply)
		}
		if slots := asJSON(conv["slots"]); strings.Contains(slots, "Jansen") || !strings.Contains(slots, "•••••567") {
			t.Errorf("a viewer's slots: %s", slots)
		}

		entries, _ := r.store.AuditLog(ctx, 0, 20)
		var got []string
		for _, e := range entries {
			if strings.HasPrefix(e.Subject, "conversation ") {
				got = append(got, string(e.Action)+" "+e.Subject+" "+e.Detail+" by "+strings.SplitN(e.Actor, "-", 3)[0])
			}
		}
		want := []string{
			"handback conversation " + sid + " at collect_documents by token:t",
			"agent_reply conversation " + sid + " 22 characters by token:t",
			"takeover conversation " + strconv.FormatInt(busy, 10) + "  by s",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("audit\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}

// TestConsoleResultsPageAndAPI: the dashboard answers for a chosen period and
// filters, refuses a malformed one, and counts a run seeded through a turn.
func TestConsoleResultsPageAndAPI(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	r.handedOff("31600000002")
	ctx := t.Context()
	id, _, _ := r.store.Accept(ctx, domain.Inbound{Channel: domain.WebChat, ChannelMessageID: "w1", Text: "check in"}, "s1")
	c, _ := r.store.Conversation(ctx, id)
	c.Flow, c.State, c.ContentVersion, c.Lang = "", "", 1, "en"
	now := r.clock.Now()
	if err := r.store.CommitTurn(ctx, domain.Turn{Conversation: c, At: now, Transitions: []domain.Transition{
		{Flow: "checkin", From: "idle", To: "ask_booking", Event: "start", ContentVersion: 1, Lang: "en", At: now.Add(-3 * time.Minute)},
		{Flow: "checkin", From: "checking_in", To: "checked_in", Event: "done", ContentVersion: 1, Lang: "en", At: now}}}); err != nil {
		t.Fatal(err)
	}
	viewer := r.sessionFor(domain.RoleViewer)
	page := viewer.get("/console/results")
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Median time to complete a check-in: <strong>3m0s</strong> over 1 check-ins") {
		t.Fatalf("results page: %d\n%.2000s", page.Status, page.Body)
	}
	st, body := r.api(r.token(domain.RoleViewer), http.MethodGet, "/api/v1/console/results?channel=webchat", nil)
	if st != http.StatusOK || !strings.Contains(asJSON(body["flows"]), `"completed":1`) || !strings.Contains(asJSON(body["flows"]), `"contained":1`) {
		t.Fatalf("results API: %d %v", st, body)
	}
	if st, _ := r.api(r.token(domain.RoleViewer), http.MethodGet, "/api/v1/console/results?from=yesterday", nil); st != http.StatusBadRequest {
		t.Fatalf("a malformed period: %d, want 400", st)
	}
}

func TestMaskText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text    string
		private bool
		want    string
	}{
		{"my passport is X1234567", true, "my passport is •••••567"},
		{"flight KL1234 on 12-03-1985, booking DB4LHR", true, "flight KL1234 on 12-03-1985, booking DB4LHR"},
		{"ticket 0741234567890.", true, "ticket ••••••••••890."},
		{"Claire Dubois", false, "••• (13 characters)"},
		{"", false, ""},
	} {
		if got := maskText(tc.text, tc.private); got != tc.want {
			t.Errorf("maskText(%q, %v) = %q, want %q", tc.text, tc.private, got, tc.want)
		}
	}
	if got := maskSlots(json.RawMessage(parkedSlots), true); !strings.Contains(got, `"surname": "Jansen"`) || !strings.Contains(got, `"•••••567"`) {
		t.Errorf("an agent's slots: %s", got)
	}
	if got := maskSlots(json.RawMessage(parkedSlots), false); strings.Contains(got, "Jansen") || strings.Contains(got, "1985") || strings.Contains(got, "ABC123") {
		t.Errorf("a viewer's slots: %s", got)
	}
}
