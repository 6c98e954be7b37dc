package messenger

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/graphfake"
	"github.com/skybridge/skybridge/integrations/store"
)

const (
	ourApp   = "400000000000004"
	otherApp = "263902037430900" // e.g. the Page inbox, or a CRM on the same Page
)

// echoBody is a message_echoes webhook for our reference 42; appID is the raw
// JSON of message.app_id, or "" for none.
func echoBody(appID string) []byte {
	app := ""
	if appID != "" {
		app = `"app_id":` + appID + `,`
	}
	return []byte(fmt.Sprintf(`{"object":"page","entry":[{"id":"PAGE","time":1767000031000,"messaging":[{"sender":{"id":"PAGE"},
		"recipient":{"id":"PSID"},"timestamp":1767000031000,"message":{"is_echo":true,%s"metadata":"skybridge:42","mid":"m_X","text":"Your seat is 14C."}}]}]}`, app))
}

// With our app id configured, an echo carrying our reference is ours only when it
// also carries our app id; without it, any echo with our reference is, as before.
func TestEchoIsOursOnlyWithOurAppID(t *testing.T) {
	t.Parallel()
	sent := domain.StatusUpdate{ChannelMessageID: "m_X", OutboundID: 42, Status: domain.StatusSent, At: msTime(1767000031000)}
	for _, c := range []struct {
		name   string
		parser Parser
		app    string // raw JSON, "" for none
		ours   bool
		note   string
	}{
		{"our app id as a number", Parser{AppID: ourApp}, ourApp, true, ""},
		{"our app id as a string", Parser{AppID: ourApp}, `"` + ourApp + `"`, true, ""},
		{"another app's copy of our reference", Parser{AppID: ourApp}, otherApp, false, `echo of another app's message (app_id "` + otherApp + `")`},
		{"an echo without app id", Parser{AppID: ourApp}, "", false, "echo without app_id"},
		{"a prefix of our app id", Parser{AppID: ourApp}, ourApp[:len(ourApp)-1], false, `echo of another app's message (app_id "` + ourApp[:len(ourApp)-1] + `")`},
		{"app id not configured, another app", Parser{}, otherApp, true, ""},
		{"app id not configured, no app id", Parser{}, "", true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			evs, err := c.parser.Parse(echoBody(c.app))
			if err != nil || len(evs) != 1 {
				t.Fatalf("parse: %v %+v", err, evs)
			}
			ev := evs[0]
			if c.ours {
				if ev.Kind != domain.EventStatus || ev.UserID != "PSID" || ev.Status != sent {
					t.Fatalf("echo parsed as %+v, want the sent status %+v", ev, sent)
				}
				return
			}
			if ev.Kind != domain.EventIgnored || ev.Status.OutboundID != 0 || ev.Note != c.note {
				t.Fatalf("echo parsed as %+v, want ignored with note %q", ev, c.note)
			}
			// The note is logged: it names the app, never the traveller or the text.
			if strings.Contains(ev.Note, "PSID") || strings.Contains(ev.Note, "14C") {
				t.Fatalf("note %q carries personal data", ev.Note)
			}
		})
	}
	// The package Parse is the unattributed parser: today's behaviour.
	evs, err := Parse(echoBody(otherApp))
	if err != nil || len(evs) != 1 || evs[0].Kind != domain.EventStatus || evs[0].Status != sent {
		t.Fatalf("Parse without app id: %v %+v", err, evs)
	}
}

// Over real sockets: the client sends a queued message through the fake Graph
// API, whose message_echoes webhook (signed, carrying the fake's app id) reaches a
// webhook endpoint that applies it to a real store, as the inbox job does. Only an
// echo from our own app marks the queued message sent; with no app id
// configured, any echo with our reference does, as before.
func TestEchoMarksQueuedMessageSentOnlyFromOurApp(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		fakeApp  string // the app id Meta puts in the echo
		ourAppID string // SKYBRIDGE_MESSENGER_APP_ID
		sent     bool
	}{
		{"echo from our app", graphfake.DefaultAppID, graphfake.DefaultAppID, true},
		{"echo from another app", otherApp, graphfake.DefaultAppID, false},
		{"app id not configured", otherApp, "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dbtest.Each(t, func(t *testing.T, db *database.DB) {
				echoReachesStore(t, db, c.fakeApp, c.ourAppID, c.sent)
			})
		})
	}
}

func echoReachesStore(t *testing.T, db *database.DB, fakeApp, ourAppID string, wantSent bool) {
	ctx := t.Context()
	const (
		secret = "echo-app-secret"
		psid   = "7000000000000042"
	)
	sealer, err := domain.NewSealer(domain.NewKey("echo-test"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(db, sealer, nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)

	// A traveller wrote; the reply is queued, with our outbound id.
	conv, _, err := st.AcceptEvent(ctx, domain.ChannelEvent{Kind: domain.EventMessage, UserID: psid,
		Inbound: domain.Inbound{Channel: domain.Messenger, ChannelMessageID: "m_in_1", Text: "my seat?", ReceivedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	cv, err := st.Conversation(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CommitTurn(ctx, domain.Turn{Conversation: cv,
		Outbound: []domain.Outbound{{Kind: domain.OutText, Text: "Your seat is 14C.", Purpose: "reply"}}}); err != nil {
		t.Fatal(err)
	}
	pending, err := st.PendingOutbound(ctx, conv)
	if err != nil || len(pending) != 1 || pending[0].ID <= 0 {
		t.Fatalf("queued: %+v %v", pending, err)
	}

	// Our webhook endpoint: signature first, then the echo is applied like a
	// stored webhook body.
	parse := Parser{AppID: ourAppID}.Parse
	inbox := flows.NewInbox(st, map[domain.Channel]flows.Parser{domain.Messenger: parse},
		map[domain.Channel]string{domain.Messenger: graphfake.DefaultPageID}, nil)
	applied := make(chan error, 8)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !api.ValidSignature(secret, body, r.Header.Get("X-Hub-Signature-256")) {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		if strings.Contains(string(body), `"is_echo":true`) {
			applied <- inbox.Apply(context.Background(), domain.Messenger, body)
		}
		_, _ = io.WriteString(w, "EVENT_RECEIVED")
	}))
	t.Cleanup(hook.Close)

	fake := graphfake.New(graphfake.Config{AppID: fakeApp, PageToken: "page-token",
		StatusWebhooks: []graphfake.StatusWebhook{{Channel: graphfake.Messenger, URL: hook.URL, AppSecret: secret, RetryFor: -1}}})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)

	client := New(Config{BaseURL: fake.URL(), PageID: graphfake.DefaultPageID, PageToken: "page-token", PublicBaseURL: testBase})
	mid, err := client.Send(ctx, domain.Recipient{UserID: psid, Lang: "en"}, pending[0], domain.SendMode{})
	if err != nil || mid == "" {
		t.Fatalf("send: %q %v", mid, err)
	}
	select {
	case err := <-applied:
		if err != nil {
			t.Fatalf("apply echo: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no echo reached the webhook")
	}

	// Delivery never recorded the send (as if the instance died): only the echo
	// can have marked it.
	got, err := st.OutboundAfter(ctx, conv, 0, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("outbound: %+v %v", got, err)
	}
	if wantSent {
		if got[0].Status != domain.StatusSent || got[0].ChannelMessageID != mid {
			t.Fatalf("our echo: message is %s with mid %q, want sent with %q", got[0].Status, got[0].ChannelMessageID, mid)
		}
		return
	}
	if still, err := st.PendingOutbound(ctx, conv); err != nil || len(still) != 1 || still[0].ID != pending[0].ID {
		t.Fatalf("another app's echo: %d queued (%v), status %s: it marked our message", len(still), err, got[0].Status)
	}
	if got[0].ChannelMessageID != "" {
		t.Fatalf("another app's echo recorded mid %q on our message", got[0].ChannelMessageID)
	}
}
