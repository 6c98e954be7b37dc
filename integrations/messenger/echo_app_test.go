package messenger

import (
	"fmt"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/graphfake"
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
	const psid = "7000000000000042"
	// A traveller wrote; the reply is queued, with our outbound id. Echoes
	// reach our webhook endpoint, signature first, and are applied like
	// stored webhook bodies.
	r := newEchoRig(t, db, fakeApp, ourAppID)
	conv, queued := r.queueReply(t, psid, "Your seat is 14C.")
	mid, err := r.client().Send(ctx, domain.Recipient{UserID: psid, Lang: "en"}, queued, domain.SendMode{})
	if err != nil || mid == "" {
		t.Fatalf("send: %q %v", mid, err)
	}
	r.waitEchoes(t, 1)

	// Delivery never recorded the send (as if the instance died): only the echo
	// can have marked it.
	got, err := r.st.OutboundAfter(ctx, conv, 0, 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("outbound: %+v %v", got, err)
	}
	if wantSent {
		if got[0].Status != domain.StatusSent || got[0].ChannelMessageID != mid {
			t.Fatalf("our echo: message is %s with mid %q, want sent with %q", got[0].Status, got[0].ChannelMessageID, mid)
		}
		return
	}
	if still, err := r.st.PendingOutbound(ctx, conv); err != nil || len(still) != 1 || still[0].ID != queued.ID {
		t.Fatalf("another app's echo: %d queued (%v), status %s: it marked our message", len(still), err, got[0].Status)
	}
	if got[0].ChannelMessageID != "" {
		t.Fatalf("another app's echo recorded mid %q on our message", got[0].ChannelMessageID)
	}
}
