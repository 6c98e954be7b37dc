package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/graphfake"
)

// The channel tests run the real binary with WhatsApp and Messenger enabled, its
// Graph API pointed at the fake, and play travellers by posting webhooks shaped
// and signed exactly as Meta sends them.

const (
	waSecret = "wa-app-secret"
	fbSecret = "fb-app-secret"
)

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type channelRig struct {
	t    *testing.T
	fake *graphfake.Server
	in   *instance
	env  []string
	dir  string
}

// newChannelRig starts the fake Graph API (posting signed status callbacks back to
// Skybridge) and the binary with both channels enabled.
func newChannelRig(t *testing.T, extra ...string) *channelRig {
	t.Helper()
	addr := freeAddr(t)
	fake := graphfake.New(graphfake.Config{
		WhatsAppToken: "wa-token", PageToken: "page-token",
		StatusWebhooks: []graphfake.StatusWebhook{
			{Channel: graphfake.WhatsApp, URL: "http://" + addr + "/webhooks/whatsapp", AppSecret: waSecret},
			{Channel: graphfake.Messenger, URL: "http://" + addr + "/webhooks/messenger", AppSecret: fbSecret},
		},
	})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	dir := t.TempDir()
	r := &channelRig{t: t, fake: fake, dir: dir}
	r.env = append([]string{
		"SKYBRIDGE_DATABASE_URL=" + filepath.Join(dir, "sky.db"),
		"SKYBRIDGE_PUBLIC_URL=http://" + addr,
		"SKYBRIDGE_GRAPH_URL=" + fake.URL(),
		"SKYBRIDGE_WHATSAPP_APP_SECRET=" + waSecret, "SKYBRIDGE_WHATSAPP_VERIFY_TOKEN=wa-verify",
		"SKYBRIDGE_WHATSAPP_ACCESS_TOKEN=wa-token", "SKYBRIDGE_WHATSAPP_PHONE_NUMBER_ID=" + graphfake.DefaultPhoneNumberID,
		"SKYBRIDGE_MESSENGER_APP_SECRET=" + fbSecret, "SKYBRIDGE_MESSENGER_VERIFY_TOKEN=fb-verify",
		"SKYBRIDGE_MESSENGER_PAGE_ID=" + graphfake.DefaultPageID, "SKYBRIDGE_MESSENGER_PAGE_TOKEN=page-token",
		"SKYBRIDGE_MESSENGER_APP_ID=" + graphfake.DefaultAppID,
	}, extra...)
	r.in = startB(t, append([]string{"SKYBRIDGE_ADDR=" + addr}, r.env...)...)
	return r
}

var msgSeq atomic.Int64

// channelTraveller is one WhatsApp or Messenger user.
type channelTraveller struct {
	r    *channelRig
	ch   string // "whatsapp" or "messenger"
	id   string // wa_id or PSID
	seen int
	last []graphfake.Request
	sent []string // bodies posted, for redelivery
}

func (r *channelRig) traveller(ch, id string) *channelTraveller {
	return &channelTraveller{r: r, ch: ch, id: id}
}

func (c *channelTraveller) webhook(event map[string]any) []byte {
	now := time.Now()
	n := msgSeq.Add(1)
	if c.ch == "whatsapp" {
		m := map[string]any{"from": c.id, "id": fmt.Sprintf("wamid.IN%d", n), "timestamp": fmt.Sprint(now.Unix())}
		for k, v := range event {
			m[k] = v
		}
		body, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
			"id": "WABA", "changes": []any{map[string]any{"field": "messages", "value": map[string]any{
				"messaging_product": "whatsapp",
				"metadata":          map[string]any{"display_phone_number": "15550001111", "phone_number_id": graphfake.DefaultPhoneNumberID},
				"contacts":          []any{map[string]any{"profile": map[string]any{"name": "Eva"}, "wa_id": c.id}},
				"messages":          []any{m},
			}}}}}})
		return body
	}
	ev := map[string]any{"sender": map[string]any{"id": c.id}, "recipient": map[string]any{"id": graphfake.DefaultPageID}, "timestamp": now.UnixMilli()}
	for k, v := range event {
		ev[k] = v
	}
	if msg, ok := ev["message"].(map[string]any); ok {
		msg["mid"] = fmt.Sprintf("m_IN%d", n)
	}
	if pb, ok := ev["postback"].(map[string]any); ok {
		pb["mid"] = fmt.Sprintf("m_PB%d", n)
	}
	body, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{
		"id": graphfake.DefaultPageID, "time": now.UnixMilli(), "messaging": []any{ev}}}})
	return body
}

func (c *channelTraveller) post(body []byte) {
	c.r.t.Helper()
	secret := waSecret
	if c.ch == "messenger" {
		secret = fbSecret
	}
	req, _ := http.NewRequest(http.MethodPost, c.r.in.URL+"/webhooks/"+c.ch, bytes.NewReader(body))
	req.Header.Set("X-Hub-Signature-256", api.Sign(secret, body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.r.t.Fatalf("webhook answered %d", resp.StatusCode)
	}
	c.sent = append(c.sent, string(body))
}

// replies waits until the bot has sent something and then stays quiet briefly.
func (c *channelTraveller) replies(want string) []graphfake.Request {
	c.r.t.Helper()
	return c.repliesWithin(want, 20*time.Second)
}

func (c *channelTraveller) repliesWithin(want string, wait time.Duration) []graphfake.Request {
	c.r.t.Helper()
	deadline := time.Now().Add(wait)
	var got []graphfake.Request
	for time.Now().Before(deadline) {
		all := messagesOnly(c.r.fake.RequestsTo(c.id))
		if len(all) > c.seen {
			time.Sleep(300 * time.Millisecond)
			all = messagesOnly(c.r.fake.RequestsTo(c.id))
			got = all[c.seen:]
			if want == "" || strings.Contains(texts(got), want) {
				c.seen = len(all)
				c.last = got
				return got
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.r.t.Fatalf("%s %s: no reply containing %q; got:\n%s", c.ch, c.id, want, texts(got))
	return nil
}

func messagesOnly(rs []graphfake.Request) []graphfake.Request {
	var out []graphfake.Request
	for _, r := range rs {
		if r.IsMessage() {
			out = append(out, r)
		}
	}
	return out
}

func texts(rs []graphfake.Request) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "[%s] %s", r.Kind, r.Text)
		for _, ch := range r.Choices {
			fmt.Fprintf(&b, " <%s|%s>", ch.ID, ch.Title)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (c *channelTraveller) say(text, want string) []graphfake.Request {
	c.r.t.Helper()
	if c.ch == "whatsapp" {
		c.post(c.webhook(map[string]any{"type": "text", "text": map[string]any{"body": text}}))
	} else {
		c.post(c.webhook(map[string]any{"message": map[string]any{"text": text}}))
	}
	return c.replies(want)
}

// tap answers the last offered choice whose id starts with prefix, the way the
// platform reports a tap on that kind of choice.
func (c *channelTraveller) tap(prefix, want string) []graphfake.Request {
	c.r.t.Helper()
	for _, r := range c.last {
		for _, ch := range r.Choices {
			if !strings.HasPrefix(ch.ID, prefix) {
				continue
			}
			var ev map[string]any
			switch ch.Kind {
			case "button_reply", "list_reply":
				ev = map[string]any{"type": "interactive", "context": map[string]any{"from": "15550001111", "id": r.MessageID},
					"interactive": map[string]any{"type": ch.Kind, ch.Kind: map[string]any{"id": ch.ID, "title": ch.Title}}}
			case "quick_reply":
				ev = map[string]any{"message": map[string]any{"text": ch.Title, "quick_reply": map[string]any{"payload": ch.ID}}}
			case "postback":
				ev = map[string]any{"postback": map[string]any{"title": ch.Title, "payload": ch.ID}}
			default:
				c.r.t.Fatalf("cannot tap a %s", ch.Kind)
			}
			c.post(c.webhook(ev))
			return c.replies(want)
		}
	}
	c.r.t.Fatalf("no choice %q in:\n%s", prefix, texts(c.last))
	return nil
}

// checkIn walks a full check-in of a booking (the traveller picks "all" when there
// are several passengers and keeps every seat) and returns the boarding-pass
// requests.
func (c *channelTraveller) checkIn(booking, name string, seats int) []graphfake.Request {
	c.r.t.Helper()
	c.say("I want to check in", "booking reference")
	c.say(booking, name)
	if seats > 1 {
		c.tap("pax:all", "dangerous goods")
	} else {
		c.tap("pax:", "dangerous goods")
	}
	c.tap("yes", "seat")
	for i := 1; i < seats; i++ {
		c.tap("seat:keep", "seat")
	}
	c.tap("seat:keep", "Please check")
	out := c.tap("yes", "checked in")
	var passes []graphfake.Request
	for _, r := range out {
		if r.Kind == "image" || r.Kind == "document" || r.Kind == "file" || strings.Contains(r.Kind, "generic") {
			passes = append(passes, r)
		}
	}
	return passes
}

func TestCheckInOverWhatsAppAndMessenger(t *testing.T) {
	r := newChannelRig(t)
	for _, tc := range []struct {
		ch, id, booking, name string
		pax                   int
	}{
		{"whatsapp", "31600000001", "JN7KQP Jansen", "Eva Jansen", 1},
		{"messenger", "7000000000000001", "MU3ACC Müller", "Lefèvre", 3},
	} {
		t.Run(tc.ch, func(t *testing.T) {
			tr := r.traveller(tc.ch, tc.id)
			passes := tr.checkIn(tc.booking, tc.name, tc.pax)
			if len(passes) != 2*tc.pax {
				t.Fatalf("boarding pass not sent as image and document:\n%s", texts(tr.last))
			}
			for _, p := range passes {
				link := findLink(p.Body)
				if !strings.HasPrefix(link, "http://") || !strings.Contains(link, "/passes/") {
					t.Fatalf("attachment link %q", link)
				}
				resp, body := get(t, r.in.URL+link[strings.Index(link, "/passes/"):])
				if resp.StatusCode != 200 || len(body) < 100 {
					t.Fatalf("boarding pass download %s: %d", link, resp.StatusCode)
				}
			}
		})
	}
	// Status callbacks from the fake moved every sent message forward.
	time.Sleep(500 * time.Millisecond)
	r.in.stop()
	db, err := database.Open(context.Background(), filepath.Join(r.dir, "sky.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var counts []struct {
		Status string
		N      int
	}
	db.Gorm.Raw("SELECT status, COUNT(*) AS n FROM outbound_messages GROUP BY status").Scan(&counts)
	for _, c := range counts {
		if c.Status != "read" && c.Status != "delivered" {
			t.Errorf("%d messages %s, want all delivered or read after the status webhooks", c.N, c.Status)
		}
	}
}

func findLink(body map[string]any) string {
	var walk func(v any) string
	walk = func(v any) string {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if s, ok := y.(string); ok && (k == "link" || k == "url" || k == "image_url") {
					return s
				}
				if s := walk(y); s != "" {
					return s
				}
			}
		case []any:
			for _, y := range x {
				if s := walk(y); s != "" {
					return s
				}
			}
		}
		return ""
	}
	return walk(body)
}

// TestRedeliveredWebhooksAreAnsweredOnce: Meta redelivers; a message id seen
// before produces no second reply.
func TestRedeliveredWebhooksAreAnsweredOnce(t *testing.T) {
	r := newChannelRig(t)
	for _, tc := range []struct{ ch, id string }{{"whatsapp", "31600000002"}, {"messenger", "7000000000000002"}} {
		tr := r.traveller(tc.ch, tc.id)
		tr.say("check in", "booking reference")
		for i := 0; i < 3; i++ {
			tr.post([]byte(tr.sent[0]))
		}
		time.Sleep(time.Second)
		if n := len(messagesOnly(r.fake.RequestsTo(tc.id))); n != 1 {
			t.Fatalf("%s: %d replies to one message delivered four times", tc.ch, n)
		}
	}
}

// TestThrottlingAndServerErrorsAreRetried: the fake refuses sends with throttling
// and 500s; every reply still arrives, once, in order.
func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	r := newChannelRig(t)
	if err := r.fake.SetFaults(graphfake.Faults{
		Throttle:    graphfake.Fault{Next: 1},
		ServerError: graphfake.Fault{Next: 1},
	}); err != nil {
		t.Fatal(err)
	}
	tr := r.traveller("whatsapp", "31600000003")
	tr.say("check in", "booking reference")
	tr.say("JN7KQP Jansen", "Eva Jansen")
	var refused int
	for _, q := range r.fake.RequestsTo("31600000003") {
		if !q.Accepted() {
			refused++
		}
	}
	if refused != 2 {
		t.Fatalf("%d refusals, want the 2 injected", refused)
	}
	got := messagesOnly(r.fake.RequestsTo("31600000003"))
	if len(got) != 3 || !strings.Contains(got[0].Text, "booking reference") || !strings.Contains(got[1].Text, "found booking") {
		t.Fatalf("replies after retries:\n%s", texts(got))
	}
}

// TestMediaIsAnsweredPolitely: a photo or a location gets an explanation, not
// silence and not a crash.
func TestMediaIsAnsweredPolitely(t *testing.T) {
	r := newChannelRig(t)
	tr := r.traveller("whatsapp", "31600000004")
	tr.post(tr.webhook(map[string]any{"type": "image", "image": map[string]any{"id": "MEDIA1", "mime_type": "image/jpeg"}}))
	tr.replies("only read text")
	tr.post(tr.webhook(map[string]any{"type": "location", "location": map[string]any{"latitude": 52.3, "longitude": 4.76}}))
	tr.replies("only read text")
}

// TestSIGKILLDuringChannelTrafficLosesAndDoublesNothing kills the service while
// webhooks are being answered, restarts it, and checks that every acknowledged
// message got exactly one answer.
func TestSIGKILLDuringChannelTrafficLosesAndDoublesNothing(t *testing.T) {
	// A delivery the killed instance was in the middle of waits for its lease
	// (job timeout + 45 s): a short job timeout keeps the test short.
	r := newChannelRig(t, "SKYBRIDGE_JOB_TIMEOUT=10s")
	const n = 20
	var travellers []*channelTraveller
	for i := 0; i < n; i++ {
		ch, id := "whatsapp", fmt.Sprintf("3161000%04d", i)
		if i%2 == 1 {
			ch, id = "messenger", fmt.Sprintf("71000000000%04d", i)
		}
		tr := r.traveller(ch, id)
		if ch == "whatsapp" {
			tr.post(tr.webhook(map[string]any{"type": "text", "text": map[string]any{"body": "I want to check in"}}))
		} else {
			tr.post(tr.webhook(map[string]any{"message": map[string]any{"text": "I want to check in"}}))
		}
		travellers = append(travellers, tr)
	}
	r.in.kill()
	r.in = startB(t, append([]string{"SKYBRIDGE_ADDR=" + strings.TrimPrefix(r.in.URL, "http://")}, r.env...)...)
	for _, tr := range travellers {
		tr.repliesWithin("booking reference", 90*time.Second)
	}
	time.Sleep(time.Second)
	for _, tr := range travellers {
		// A message the Graph API accepted in the instant before the kill is
		// recognised as sent when the platform reports it — WhatsApp by our
		// reference in biz_opaque_callback_data, Messenger by our reference in the
		// echo's metadata — so the instance that takes over never sends it again.
		if got := messagesOnly(r.fake.RequestsTo(tr.id)); len(got) != 1 {
			t.Errorf("%s %s: %d replies, want exactly 1:\n%s", tr.ch, tr.id, len(got), texts(got))
		}
	}
}

// TestSlowGraphAPIKeepsRepliesOnceAndInOrder: while one worker is still sending a
// conversation's replies to a slow Graph API, the next turn's replies must wait
// for it, not go out beside it.
func TestSlowGraphAPIKeepsRepliesOnceAndInOrder(t *testing.T) {
	r := newChannelRig(t)
	if err := r.fake.SetFaults(graphfake.Faults{Delay: graphfake.Duration(time.Second)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ ch, id string }{{"whatsapp", "31600000005"}, {"messenger", "7000000000000005"}} {
		tr := r.traveller(tc.ch, tc.id)
		for _, text := range []string{"help", "help"} {
			if tc.ch == "whatsapp" {
				tr.post(tr.webhook(map[string]any{"type": "text", "text": map[string]any{"body": text}}))
			} else {
				tr.post(tr.webhook(map[string]any{"message": map[string]any{"text": text}}))
			}
		}
		deadline := time.Now().Add(30 * time.Second)
		var got []graphfake.Request
		for time.Now().Before(deadline) {
			got = messagesOnly(r.fake.RequestsTo(tc.id))
			if len(got) >= 4 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(2 * time.Second) // anything sent twice would arrive by now
		got = messagesOnly(r.fake.RequestsTo(tc.id))
		if len(got) != 4 || !strings.Contains(got[0].Text, "I can check you in") || !strings.Contains(got[2].Text, "I can check you in") {
			t.Fatalf("%s: want help, menu, help, menu — once each, in order; got:\n%s", tc.ch, texts(got))
		}
	}
}

// TestDeadLettersCommandShowsWhatWasNotSent: an operator sees a message the
// platform refused, with its code and reason.
func TestDeadLettersCommandShowsWhatWasNotSent(t *testing.T) {
	r := newChannelRig(t)
	if err := r.fake.SetFaults(graphfake.Faults{WindowClosed: graphfake.Fault{Next: 5}}); err != nil {
		t.Fatal(err)
	}
	tr := r.traveller("whatsapp", "31600000009")
	tr.post(tr.webhook(map[string]any{"type": "text", "text": map[string]any{"body": "check in"}}))
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && len(r.fake.RequestsTo("31600000009")) == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	r.in.stop()
	cmd := exec.Command(binary(t), "deadletters")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, r.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("deadletters: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "131047") || !strings.Contains(string(out), "whatsapp") || strings.Contains(string(out), "booking reference") {
		t.Fatalf("dead letters should show the refusal and its code, not the text:\n%s", out)
	}
}
