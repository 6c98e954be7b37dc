package messenger

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/graphapi"
	"github.com/skybridge/skybridge/integrations/graphfake"
	"github.com/skybridge/skybridge/integrations/store"
)

// TestEchoOfAnEarlyPartSparesItOnRetry: over real sockets and a real store, a
// long reply goes out in three parts; the sender dies after the platform took
// part 1 (nothing of the attempt is recorded), and only the echo of part 1,
// applied as the inbox applies webhooks, says so. The delivery that takes over
// sends parts 2 and 3 only, and the traveller gets each part once.
func TestEchoOfAnEarlyPartSparesItOnRetry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		const psid = "7000000000000077"
		ctx := t.Context()
		r := newEchoRig(t, db, graphfake.DefaultAppID, graphfake.DefaultAppID)
		conv, m := r.queueReply(t, psid, longText())

		// The first attempt: part 1 is accepted, then the sender dies before
		// part 2 (its context ends) and before it records anything.
		dying, die := context.WithCancel(ctx)
		client := r.client()
		_, err := client.Send(dying, domain.Recipient{UserID: psid, Lang: "en"}, m, domain.SendMode{PartSent: func(int, int) { die() }})
		if err == nil {
			t.Fatal("the dying attempt sent the whole message")
		}
		r.waitEchoes(t, 1)
		pending, err := r.st.PendingOutbound(ctx, conv)
		if err != nil || len(pending) != 1 || pending[0].PartsSent != 1 {
			t.Fatalf("after the echo of part 1: %+v %v; want the message queued with 1 part sent", pending, err)
		}

		// The delivery that takes over.
		d := flows.NewDeliverer(r.st, map[domain.Channel]flows.Sender{domain.Messenger: client}, r.engine, nil, nil)
		if err := d.Deliver(ctx, conv); err != nil {
			t.Fatalf("deliver: %v", err)
		}
		var refs []string
		for _, q := range r.fake.RequestsTo(psid) {
			msg, _ := q.Body["message"].(map[string]any)
			md, _ := msg["metadata"].(string)
			refs = append(refs, md)
		}
		if want := []string{graphapi.Reference(m.ID, 1, 3), graphapi.Reference(m.ID, 2, 3), graphapi.Reference(m.ID, 3, 3)}; strings.Join(refs, " ") != strings.Join(want, " ") {
			t.Fatalf("parts received %v; want each of the 3 once, in order", refs)
		}
		r.waitEchoes(t, 3)
		got, err := r.st.OutboundAfter(ctx, conv, 0, 10)
		if err != nil || len(got) != 1 || got[0].Status != domain.StatusSent {
			t.Fatalf("outbound: %+v %v; want the message sent", got, err)
		}
	})
}

// TestEchoOfAnEarlyPartCountsOnlyForTheTraveller: the echo of part 1 of 3 moves
// the traveller's own queued message on that channel, never another's, never
// backwards, and never marks it sent; the reference without a part, of a
// message queued before parts were named, still marks it sent.
func TestEchoOfAnEarlyPartCountsOnlyForTheTraveller(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		r := newEchoRig(t, db, graphfake.DefaultAppID, graphfake.DefaultAppID)
		conv, m := r.queueReply(t, "7000000000000078", longText())
		r.queueReply(t, "7000000000000079", longText())
		inbox := flows.NewInbox(r.st, map[domain.Channel]flows.Parser{domain.Messenger: Parser{AppID: ourApp}.Parse}, nil, nil)
		apply := func(recipient, metadata string) {
			t.Helper()
			body := `{"object":"page","entry":[{"id":"PAGE","messaging":[{"sender":{"id":"PAGE"},"recipient":{"id":"` + recipient +
				`"},"timestamp":1767000031000,"message":{"is_echo":true,"app_id":` + ourApp + `,"metadata":"` + metadata + `","mid":"m_` + metadata + `"}}]}]}`
			if err := inbox.Apply(ctx, domain.Messenger, []byte(body)); err != nil {
				t.Fatal(err)
			}
		}
		partsSent := func() (int, domain.DeliveryStatus) {
			t.Helper()
			got, err := r.st.OutboundAfter(ctx, conv, 0, 10)
			if err != nil || len(got) != 1 {
				t.Fatalf("outbound: %+v %v", got, err)
			}
			pending, err := r.st.PendingOutbound(ctx, conv)
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) == 0 {
				return -1, got[0].Status
			}
			return pending[0].PartsSent, got[0].Status
		}
		apply("7000000000000079", graphapi.Reference(m.ID, 2, 3)) // another traveller
		if n, st := partsSent(); n != 0 || st != domain.StatusQueued {
			t.Fatalf("another traveller's echo: %d parts, %s", n, st)
		}
		apply("7000000000000078", graphapi.Reference(m.ID, 2, 3))
		apply("7000000000000078", graphapi.Reference(m.ID, 1, 3)) // late: never backwards
		if n, st := partsSent(); n != 2 || st != domain.StatusQueued {
			t.Fatalf("echoes of parts 2 and 1: %d parts sent, %s; want 2, still queued", n, st)
		}
		apply("7000000000000078", "skybridge:"+strconv.FormatInt(m.ID, 10)) // the form before parts were named
		if _, st := partsSent(); st != domain.StatusSent {
			t.Fatalf("echo of the whole message: %s, want sent", st)
		}
	})
}

// echoRig is a real store, a fake Graph API whose echoes reach a signed webhook
// endpoint that applies them through the inbox, and an engine for delivery.
// fakeApp is the app id the fake puts in its echoes; ourApp the one the parser
// takes for ours (SKYBRIDGE_MESSENGER_APP_ID, "" for none).
type echoRig struct {
	st     *store.Store
	engine *flows.Engine
	fake   *graphfake.Server
	echoes chan error
	seen   int // echoes applied so far
}

func newEchoRig(t *testing.T, db *database.DB, fakeApp, ourApp string) *echoRig {
	t.Helper()
	const secret = "echo-parts-secret"
	sealer, err := domain.NewSealer(domain.NewKey("echo-parts"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(db, sealer, nil, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	c, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := flows.MarshalContent(c)
	if _, err := st.PublishContent(t.Context(), body, "test", "default"); err != nil {
		t.Fatal(err)
	}
	engine, err := flows.NewEngine(flows.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	r := &echoRig{st: st, engine: engine, echoes: make(chan error, 16)}
	inbox := flows.NewInbox(st, map[domain.Channel]flows.Parser{domain.Messenger: Parser{AppID: ourApp}.Parse},
		map[domain.Channel]string{domain.Messenger: graphfake.DefaultPageID}, nil)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if !api.ValidSignature(secret, body, req.Header.Get("X-Hub-Signature-256")) {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		if strings.Contains(string(body), `"is_echo":true`) {
			r.echoes <- inbox.Apply(context.Background(), domain.Messenger, body)
		}
		_, _ = io.WriteString(w, "EVENT_RECEIVED")
	}))
	t.Cleanup(hook.Close)
	r.fake = graphfake.New(graphfake.Config{AppID: fakeApp, PageToken: "page-token",
		StatusWebhooks: []graphfake.StatusWebhook{{Channel: graphfake.Messenger, URL: hook.URL, AppSecret: secret, RetryFor: -1, Delay: time.Millisecond}}})
	if err := r.fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.fake.Close)
	return r
}

func (r *echoRig) client() *Client {
	return New(Config{BaseURL: r.fake.URL(), PageID: graphfake.DefaultPageID, PageToken: "page-token", PublicBaseURL: testBase})
}

// queueReply queues a reply to a traveller who just wrote, as a committed turn.
func (r *echoRig) queueReply(t *testing.T, psid, text string) (int64, domain.Outbound) {
	t.Helper()
	ctx := t.Context()
	conv, _, err := r.st.AcceptEvent(ctx, domain.ChannelEvent{Kind: domain.EventMessage, UserID: psid,
		Inbound: domain.Inbound{Channel: domain.Messenger, ChannelMessageID: "m_in_" + psid, Text: "hello", ReceivedAt: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	cv, err := r.st.Conversation(ctx, conv)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.st.CommitTurn(ctx, domain.Turn{Conversation: cv,
		Outbound: []domain.Outbound{{Kind: domain.OutText, Text: text, Purpose: "reply"}}}); err != nil {
		t.Fatal(err)
	}
	pending, err := r.st.PendingOutbound(ctx, conv)
	if err != nil || len(pending) != 1 || pending[0].ID <= 0 {
		t.Fatalf("queued: %+v %v", pending, err)
	}
	return conv, pending[0]
}

// waitEchoes waits until n echoes in all have been applied.
func (r *echoRig) waitEchoes(t *testing.T, n int) {
	t.Helper()
	for ; r.seen < n; r.seen++ {
		select {
		case err := <-r.echoes:
			if err != nil {
				t.Fatalf("apply echo: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%d echoes applied, want %d", r.seen, n)
		}
	}
}
