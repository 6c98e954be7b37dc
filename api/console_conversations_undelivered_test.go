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
	return r.undeliveredOn(domain.WhatsApp, "wamid.u."+user, user, 131026, "Message undeliverable")
}

// undeliveredOn stores a conversation of user on ch whose one reply is
// recorded as failed with code and reason.
func (r *consoleRig) undeliveredOn(ch domain.Channel, inboundID, user string, code int, reason string) (int64, int) {
	r.t.Helper()
	ctx := r.t.Context()
	id, _, err := r.store.Accept(ctx, domain.Inbound{Channel: ch, ChannelMessageID: inboundID, Text: "check in",
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
	if len(out) != 1 {
		r.t.Fatalf("pending replies: %+v", out)
	}
	if err := r.store.MarkUndelivered(ctx, out[0].ID, domain.StatusFailed, code, reason); err != nil {
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
		want := "dismiss_message 44 characters, sealed with the message by token:t|retry_message was failed 131026 by s"
		if strings.Join(got, "|") != want {
			t.Fatalf("audit\n%s\nwant\n%s", strings.Join(got, "|"), want)
		}
	})
}

// webChatUndelivered stores a web chat conversation whose one reply is
// recorded as failed, and returns the conversation and the reply's seq.
func (r *consoleRig) webChatUndelivered(session string) (int64, int) {
	return r.undeliveredOn(domain.WebChat, "w.u."+session, session, 0, "rendering failed")
}

// TestConsoleWebChatDeadLettersOfferNoSendAgain: a web chat message that did
// not go out is listed with its dismiss form but without "Send again" (the
// traveller's browser reads its own queue), with a short explanation instead;
// a retry posted anyway, by the form or the API, is refused with a message
// that says why, and the message stays as it was. A WhatsApp dead letter on
// the same page layout keeps its button.
func TestConsoleWebChatDeadLettersOfferNoSendAgain(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newConsoleRigOn(t, db)
		id, seq := r.webChatUndelivered("web-session-1")
		sid, sseq := strconv.FormatInt(id, 10), strconv.Itoa(seq)
		path := "/console/conversations/" + sid
		agent := r.sessionFor(domain.RoleAgent)

		inbox := agent.get("/console/inbox/items")
		if !strings.Contains(inbox.Body, `href="/console/conversations/`+sid+`#undelivered">Dismiss…`) {
			t.Errorf("the inbox does not offer the web chat message for dismissal only:\n%.1500s", inbox.Body)
		}
		page := agent.get(path)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `id="undelivered"`) {
			t.Fatalf("the web chat conversation lists no undelivered message: %d\n%.3000s", page.Status, page.Body)
		}
		for _, want := range []string{`id="no-retry-webchat"`, "Web chat messages cannot be sent again", `action="` + path + `/messages/` + sseq + `/dismiss"`} {
			if !strings.Contains(page.Body, want) {
				t.Errorf("the web chat page lacks %q", want)
			}
		}
		for _, leak := range []string{"/retry", "Send again"} {
			if strings.Contains(page.Body, leak) {
				t.Errorf("the web chat page offers %q", leak)
			}
		}

		res := agent.post(path+"/messages/"+sseq+"/retry", nil)
		if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, "web chat messages are read by the traveller&#39;s browser") {
			t.Errorf("a retry posted by the form: %d\n%.2000s", res.Status, res.Body)
		}
		st, body := r.api(r.token(domain.RoleAgent), http.MethodPost, "/api/v1/console/conversations/"+sid+"/messages/"+sseq+"/retry", nil)
		if st != http.StatusBadRequest || !strings.Contains(asJSON(body), "read by the traveller's browser") {
			t.Errorf("a retry over the API: %d %v, want 400 saying why", st, body)
		}
		if p, _ := r.store.PendingOutbound(t.Context(), id); len(p) != 0 {
			t.Errorf("the refused retry queued the message: %+v", p)
		}
		if again := agent.get(path); !strings.Contains(again.Body, `data-seq="`+sseq+`"`) {
			t.Errorf("after the refused retry the message is no longer listed:\n%.3000s", again.Body)
		}

		wid, wseq := r.undelivered("31600000033")
		wpath := "/console/conversations/" + strconv.FormatInt(wid, 10)
		if wp := agent.get(wpath); !strings.Contains(wp.Body, `action="`+wpath+`/messages/`+strconv.Itoa(wseq)+`/retry"`) ||
			strings.Contains(wp.Body, `id="no-retry-webchat"`) {
			t.Errorf("the WhatsApp page lost its send-again button:\n%.3000s", wp.Body)
		}
	})
}

// TestConsoleDismissReasonIsSealed: an agent sets a message aside with a
// reason holding a passport number and a phone number; the raw column holds
// neither (it is sealed), nor does the audit log; the conversation page and
// the API show the reason to agents as texts are shown (the document number
// by its last three characters), and nothing of it to a viewer.
func TestConsoleDismissReasonIsSealed(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newConsoleRigOn(t, db)
		id, seq := r.undelivered("31600000034")
		sid, sseq := strconv.FormatInt(id, 10), strconv.Itoa(seq)
		path := "/console/conversations/" + sid
		agent := r.sessionFor(domain.RoleAgent)
		agent.get(path)
		const reason = "traveller read passport NW1234567 out on the phone; checked in at the desk"
		res := agent.post(path+"/messages/"+sseq+"/dismiss", url.Values{"reason": {reason}})
		if res.Status != http.StatusSeeOther || res.Location != path+"?done=dismiss" {
			t.Fatalf("dismiss: %d %q\n%.1500s", res.Status, res.Location, res.Body)
		}

		var stored string
		if err := db.Gorm.Raw("SELECT dismiss_reason FROM outbound_messages WHERE conversation_id = ? AND seq = ?", id, seq).Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, "NW1234567") || strings.Contains(stored, "passport") {
			t.Fatalf("the stored reason is readable: %q", stored)
		}
		var details []string
		if err := db.Gorm.Raw("SELECT detail FROM audit_log WHERE action = ?", string(domain.AuditDismissMessage)).Scan(&details).Error; err != nil {
			t.Fatal(err)
		}
		if len(details) != 1 || strings.Contains(details[0], "NW1234567") || strings.Contains(details[0], "passport") {
			t.Fatalf("the audit log holds the reason: %q", details)
		}

		const shown = "traveller read passport ••••••567 out on the phone; checked in at the desk"
		if p := agent.get(res.Location); !strings.Contains(p.Body, shown) || strings.Contains(p.Body, "NW1234567") {
			t.Errorf("the agent's page does not show the reason as %q:\n%.4000s", shown, p.Body)
		}
		st, conv := r.api(r.token(domain.RoleAgent), http.MethodGet, "/api/v1/console/conversations/"+sid, nil)
		if st != http.StatusOK || !strings.Contains(asJSON(conv["transcript"]), `"dismiss_reason":"`+shown+`"`) {
			t.Errorf("the API shows the agent: %d %v", st, conv["transcript"])
		}
		if v := r.sessionFor(domain.RoleViewer).get(path); strings.Contains(v.Body, "passport") || strings.Contains(v.Body, "567") ||
			!strings.Contains(v.Body, "dismissed by staff") {
			t.Errorf("the viewer's page:\n%.4000s", v.Body)
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
		st, body := r.api(r.token(domain.RoleAgent), http.MethodPost, "/api/v1/console/conversations/search", map[string]string{"name": name})
		if st != http.StatusOK || !strings.Contains(asJSON(body["conversations"]), `"id":`+strconv.FormatInt(id, 10)) {
			t.Errorf("search %q: %d %v", name, st, body)
		}
	}
	page := r.sessionFor(domain.RoleAgent).post("/console/conversations", url.Values{"by": {"name"}, "q": {"Eva Jansen"}})
	if !strings.Contains(page.Body, `href="/console/conversations/`+strconv.FormatInt(id, 10)+`"`) {
		t.Fatalf("search page:\n%.1500s", page.Body)
	}
	if st, _ := r.api(r.token(domain.RoleAgent), http.MethodPost, "/api/v1/console/conversations/search", map[string]string{"name": "Sofie Peeters"}); st != http.StatusOK {
		t.Fatalf("a name nobody has: %d", st)
	}
}
