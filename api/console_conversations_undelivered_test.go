package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// undelivered stores a WhatsApp conversation whose one reply the platform
// refused for good, and returns the conversation and the reply's seq.
func (r *consoleRig) undelivered(user string) (int64, int) {
	r.t.Helper()
	ctx := r.t.Context()
	id, _, err := r.store.Accept(ctx, domain.Inbound{Channel: domain.WhatsApp, ChannelMessageID: "wamid.u." + user, Text: "check in",
		ReceivedAt: r.clock.Now()}, user)
	if err != nil {
		r.t.Fatal(err)
	}
	c, _ := r.store.Conversation(ctx, id)
	in, _, _ := r.store.NextInbound(ctx, id)
	c.Flow, c.State, c.ContentVersion, c.Lang = "checkin", "ask_booking", 1, "en"
	if err := r.store.CommitTurn(ctx, domain.Turn{Conversation: c, InboundID: in.ID, At: r.clock.Now(),
		Outbound: []domain.Outbound{{Kind: domain.OutText, Text: "Your booking reference, please."}}}); err != nil {
		r.t.Fatal(err)
	}
	out, _ := r.store.PendingOutbound(ctx, id)
	if err := r.store.MarkUndelivered(ctx, out[0].ID, domain.StatusFailed, 131026, "Message undeliverable"); err != nil {
		r.t.Fatal(err)
	}
	return id, out[0].Seq
}

// TestConsoleRetryAndDismissUndeliveredMessages: the inbox links an undelivered
// message to its conversation, where an agent sends it again (once) with a
// form; over the API a second retry is refused, and the message, failed again,
// is set aside with a reason and leaves the inbox. Editors may do neither;
// viewers see no forms and are told why the texts are hidden. Every action is
// audited with the agent's name.
func TestConsoleRetryAndDismissUndeliveredMessages(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newConsoleRigOn(t, db)
		ctx := t.Context()
		id, seq := r.undelivered("31600000031")
		sid, sseq := strconv.FormatInt(id, 10), strconv.Itoa(seq)
		path := "/console/conversations/" + sid
		agent := r.sessionFor(domain.RoleAgent)

		inbox := agent.get("/console/inbox/items")
		if !strings.Contains(inbox.Body, `href="/console/conversations/`+sid+`#undelivered">Retry or dismiss`) {
			t.Fatalf("inbox:\n%.1500s", inbox.Body)
		}
		page := agent.get(path)
		for _, want := range []string{`id="undelivered"`, `action="` + path + `/messages/` + sseq + `/retry"`, `action="` + path + `/messages/` + sseq + `/dismiss"`,
			"Your booking reference, please.", "131026"} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the agent's page lacks %q", want)
			}
		}
		viewer := r.sessionFor(domain.RoleViewer).get(path)
		if strings.Contains(viewer.Body, "/retry") || strings.Contains(viewer.Body, "Your booking reference") ||
			!strings.Contains(viewer.Body, `id="masked-note"`) || !strings.Contains(viewer.Body, "only agents and admins see") {
			t.Errorf("the viewer's page:\n%.3000s", viewer.Body)
		}
		if vi := r.sessionFor(domain.RoleViewer).get("/console/inbox/items"); !strings.Contains(vi.Body, `data-conversation="`+sid+`"`) ||
			strings.Contains(vi.Body, "Retry or dismiss") {
			t.Errorf("the viewer's inbox:\n%.1500s", vi.Body)
		}
		if st := r.sessionFor(domain.RoleEditor).post(path+"/messages/"+sseq+"/retry", nil).Status; st != http.StatusForbidden {
			t.Fatalf("an editor retrying: %d, want 403", st)
		}

		res := agent.post(path+"/messages/"+sseq+"/retry", nil)
		if res.Status != http.StatusSeeOther || res.Location != path+"?done=retry" {
			t.Fatalf("retry: %d %q", res.Status, res.Location)
		}
		if p := agent.get(res.Location); !strings.Contains(p.Body, "The message is queued again") || strings.Contains(p.Body, `id="undelivered"`) {
			t.Fatalf("after the retry:\n%.2000s", p.Body)
		}
		pending, _ := r.store.PendingOutbound(ctx, id)
		if len(pending) != 1 || pending[0].Seq != seq {
			t.Fatalf("pending after the retry: %+v", pending)
		}

		// It fails again: the API refuses a second retry; it is set aside.
		if err := r.store.MarkUndelivered(ctx, pending[0].ID, domain.StatusFailed, 131026, "Message undeliverable"); err != nil {
			t.Fatal(err)
		}
		tok := r.token(domain.RoleAgent)
		st, items := r.api(tok, http.MethodGet, "/api/v1/console/inbox", nil)
		if st != http.StatusOK || !strings.Contains(asJSON(items["items"]), `"retried":true,"seq":`+sseq) {
			t.Fatalf("inbox API: %d %v", st, items)
		}
		base := "/api/v1/console/conversations/" + sid + "/messages/" + sseq
		if st, b := r.api(tok, http.MethodPost, base+"/retry", nil); st != http.StatusConflict {
			t.Fatalf("a second retry: %d %v, want 409", st, b)
		}
		if st, _ := r.api(tok, http.MethodPost, base+"/dismiss", map[string]string{}); st != http.StatusBadRequest {
			t.Fatalf("dismiss without a reason: %d, want 400", st)
		}
		if st, _ := r.api(tok, http.MethodPost, "/api/v1/console/conversations/"+sid+"/messages/99/dismiss", map[string]string{"reason": "x"}); st != http.StatusNotFound {
			t.Fatalf("dismiss a message that does not exist: %d, want 404", st)
		}
		if st, b := r.api(tok, http.MethodPost, base+"/dismiss", map[string]string{"reason": "number no longer on WhatsApp; called instead"}); st != http.StatusOK || b["dismissed"] != true {
			t.Fatalf("dismiss: %d %v", st, b)
		}
		if _, items := r.api(tok, http.MethodGet, "/api/v1/console/inbox", nil); strings.Contains(asJSON(items["items"]), `"undelivered"`) {
			t.Fatalf("a dismissed message is still in the inbox: %v", items)
		}
		st, conv := r.api(tok, http.MethodGet, "/api/v1/console/conversations/"+sid, nil)
		if st != http.StatusOK || !strings.Contains(asJSON(conv["transcript"]), `"dismissed":true`) {
			t.Fatalf("conversation after dismissal: %d %v", st, conv["transcript"])
		}

		entries, _ := r.store.AuditLog(ctx, 0, 10)
		var got []string
		for _, e := range entries {
			if e.Subject == domain.MessageSubject(id, seq) {
				got = append(got, string(e.Action)+" "+e.Detail+" by "+strings.SplitN(e.Actor, "-", 2)[0])
			}
		}
		want := "dismiss_message number no longer on WhatsApp; called instead by token:t|retry_message was failed 131026 by s"
		if strings.Join(got, "|") != want {
			t.Fatalf("audit\n%s\nwant\n%s", strings.Join(got, "|"), want)
		}
	})
}

// TestConsoleFindsATravellerByNameWithoutABookingSystem: the rig has no
// booking system at all; a conversation that proved a booking is found by the
// passenger's name, as an agent types it, through the name indexes its turn
// stored.
func TestConsoleFindsATravellerByNameWithoutABookingSystem(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	id := r.handedOff("31600000032")
	for _, name := range []string{"Eva Jansen", "JANSEN/EVA MRS", "jansen"} {
		st, body := r.api(r.token(domain.RoleAgent), http.MethodGet, "/api/v1/console/conversations?name="+url.QueryEscape(name), nil)
		if st != http.StatusOK || !strings.Contains(asJSON(body["conversations"]), `"id":`+strconv.FormatInt(id, 10)) {
			t.Errorf("search %q: %d %v", name, st, body)
		}
	}
	page := r.sessionFor(domain.RoleAgent).get("/console/conversations?by=name&q=" + url.QueryEscape("Eva Jansen"))
	if !strings.Contains(page.Body, `href="/console/conversations/`+strconv.FormatInt(id, 10)+`"`) {
		t.Fatalf("search page:\n%.1500s", page.Body)
	}
	if st, _ := r.api(r.token(domain.RoleAgent), http.MethodGet, "/api/v1/console/conversations?name=Sofie+Peeters", nil); st != http.StatusOK {
		t.Fatalf("a name nobody has: %d", st)
	}
}
