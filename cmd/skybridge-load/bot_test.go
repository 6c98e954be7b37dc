package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// bot is a tiny stand-in for Skybridge: it verifies each webhook's signature and
// shape, answers 200 at once and, after a delay, sends its reply to the fake
// Graph API the way Skybridge would, walking a three-step check-in.
type bot struct {
	t      *testing.T
	secret string
	delay  time.Duration
	silent bool // never reply
	double bool // send every reply twice
	refs   bool // put a reference of its own in each WhatsApp send, as Skybridge does
	dedup  bool // ignore redelivered message ids, as Skybridge's inbox does
	refuse int  // answer this many signed webhooks 503 without reading them, as Skybridge does while its database is down

	mu       sync.Mutex
	graph    string
	webhooks int
	badSig   int
	badShape []string
	ids      map[string]bool
	offered  map[string]bool // ids of sent messages that offered choices
	replies  int
	wg       sync.WaitGroup
}

func newBot(t *testing.T, secret string) (*bot, *httptest.Server) {
	b := &bot{t: t, secret: secret, delay: 20 * time.Millisecond, ids: map[string]bool{}, offered: map[string]bool{}}
	srv := httptest.NewServer(b)
	t.Cleanup(func() { srv.Close(); b.wg.Wait() })
	return b, srv
}

func (b *bot) setGraph(s *graphfake.Server) {
	b.mu.Lock()
	b.graph = s.URL()
	b.mu.Unlock()
}

func (b *bot) shape(format string, args ...any) {
	b.mu.Lock()
	b.badShape = append(b.badShape, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

// inbound is what the bot read from a webhook.
type inbound struct {
	user, id, text, choice, context string
}

func (b *bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		q := r.URL.Query()
		if q.Get("hub.mode") == "subscribe" && q.Get("hub.verify_token") == "load-verify-token" {
			io.WriteString(w, q.Get("hub.challenge"))
			return
		}
		w.WriteHeader(http.StatusForbidden)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	mac := hmac.New(sha256.New, []byte(b.secret))
	mac.Write(raw)
	got, err := hex.DecodeString(strings.TrimPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256="))
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		b.mu.Lock()
		b.badSig++
		b.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	b.mu.Lock()
	if b.refuse > 0 {
		b.refuse--
		b.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	b.mu.Unlock()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.shape("not JSON")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var in inbound
	ch := graphfake.WhatsApp
	if r.URL.Path == "/webhooks/messenger" {
		ch = graphfake.Messenger
		in = b.parseMessenger(doc)
	} else {
		in = b.parseWhatsApp(doc)
	}
	b.mu.Lock()
	b.webhooks++
	repeated := b.ids[in.id]
	b.ids[in.id] = true
	if in.context != "" && !b.offered[in.context] {
		b.badShape = append(b.badShape, "a tap refers to "+in.context+", which offered nothing")
	}
	b.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	if b.silent || (b.dedup && repeated) {
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		time.Sleep(b.delay)
		n := 1
		if b.double {
			n = 2
		}
		ref := ""
		if b.refs {
			ref = "skybridge:" + in.id
		}
		for range n {
			b.reply(ch, in, ref)
		}
	}()
}

func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func str(v any) string { s, _ := v.(string); return s }

func (b *bot) parseWhatsApp(doc map[string]any) inbound {
	value := get(doc, "entry", 0, "changes", 0, "value")
	msg := get(value, "messages", 0)
	in := inbound{user: str(get(msg, "from")), id: str(get(msg, "id"))}
	if doc["object"] != "whatsapp_business_account" || get(doc, "entry", 0, "changes", 0, "field") != "messages" ||
		get(value, "messaging_product") != "whatsapp" || get(value, "metadata", "phone_number_id") != graphfake.DefaultPhoneNumberID ||
		get(value, "contacts", 0, "wa_id") != in.user || str(get(value, "contacts", 0, "profile", "name")) == "" ||
		!strings.HasPrefix(in.id, "wamid.") || len(str(get(msg, "timestamp"))) != 10 {
		b.shape("whatsapp envelope %v", doc)
	}
	switch get(msg, "type") {
	case "text":
		in.text = str(get(msg, "text", "body"))
	case "interactive":
		kind := str(get(msg, "interactive", "type"))
		in.choice = str(get(msg, "interactive", kind, "id"))
		in.context = str(get(msg, "context", "id"))
		if (kind != "button_reply" && kind != "list_reply") || str(get(msg, "interactive", kind, "title")) == "" ||
			get(msg, "context", "from") != graphfake.DefaultDisplayNumber {
			b.shape("whatsapp interactive %v", msg)
		}
	default:
		b.shape("whatsapp message type %v", get(msg, "type"))
	}
	return in
}

func (b *bot) parseMessenger(doc map[string]any) inbound {
	ev := get(doc, "entry", 0, "messaging", 0)
	in := inbound{user: str(get(ev, "sender", "id"))}
	if doc["object"] != "page" || get(doc, "entry", 0, "id") != graphfake.DefaultPageID ||
		get(ev, "recipient", "id") != graphfake.DefaultPageID || get(ev, "timestamp") == nil || in.user == "" {
		b.shape("messenger envelope %v", doc)
	}
	switch {
	case get(ev, "postback") != nil:
		in.id, in.choice = str(get(ev, "postback", "mid")), str(get(ev, "postback", "payload"))
		if str(get(ev, "postback", "title")) == "" {
			b.shape("postback without title")
		}
	case get(ev, "message", "quick_reply") != nil:
		in.id, in.choice = str(get(ev, "message", "mid")), str(get(ev, "message", "quick_reply", "payload"))
		if str(get(ev, "message", "text")) == "" {
			b.shape("quick reply without the title as text")
		}
	default:
		in.id, in.text = str(get(ev, "message", "mid")), str(get(ev, "message", "text"))
	}
	if !strings.HasPrefix(in.id, "m_") {
		b.shape("messenger mid %q", in.id)
	}
	return in
}

// reply walks: check in → booking → "Shall I check in?" (Yes/No) → dangerous
// goods (I confirm / I carry some) → done, with no choices.
func (b *bot) reply(ch graphfake.Channel, in inbound, ref string) {
	type opt struct{ id, title string }
	var text string
	var choices []opt
	switch {
	case strings.Contains(strings.ToLower(in.text), "check in"):
		text = "Let's check you in. What is your booking reference and surname?"
	case strings.Contains(in.text, "JN7KQP"):
		text, choices = "Shall I check in Jansen?", []opt{{"no", "No"}, {"yes", "Yes"}}
	case in.choice == "yes":
		text, choices = "Please confirm no dangerous goods.", []opt{{"dg_no", "I carry some"}, {"dg_yes", "I confirm"}}
	case in.choice == "dg_yes":
		text = "You're checked in! Here is your boarding pass."
	default:
		text = "Sorry, I didn't get that."
	}
	var body map[string]any
	var url string
	b.mu.Lock()
	graph := b.graph
	b.mu.Unlock()
	if ch == graphfake.WhatsApp {
		url = graph + "/v23.0/" + graphfake.DefaultPhoneNumberID + "/messages"
		body = map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+" + in.user, "type": "text", "text": map[string]any{"body": text}}
		if ref != "" {
			body["biz_opaque_callback_data"] = ref
		}
		if len(choices) > 0 && in.choice == "" {
			var buttons []any
			for _, c := range choices {
				buttons = append(buttons, map[string]any{"type": "reply", "reply": map[string]any{"id": c.id, "title": c.title}})
			}
			body["type"], body["interactive"] = "interactive", map[string]any{"type": "button", "body": map[string]any{"text": text}, "action": map[string]any{"buttons": buttons}}
			delete(body, "text")
		} else if len(choices) > 0 {
			var rows []any
			for _, c := range choices {
				rows = append(rows, map[string]any{"id": c.id, "title": c.title})
			}
			body["type"], body["interactive"] = "interactive", map[string]any{"type": "list", "body": map[string]any{"text": text},
				"action": map[string]any{"button": "Choose", "sections": []any{map[string]any{"title": "Answer", "rows": rows}}}}
			delete(body, "text")
		}
	} else {
		url = graph + "/v23.0/" + graphfake.DefaultPageID + "/messages?access_token=page-token"
		msg := map[string]any{"text": text}
		if len(choices) > 0 && in.choice == "" {
			var qr []any
			for _, c := range choices {
				qr = append(qr, map[string]any{"content_type": "text", "title": c.title, "payload": c.id})
			}
			msg["quick_replies"] = qr
		} else if len(choices) > 0 {
			var buttons []any
			for _, c := range choices {
				buttons = append(buttons, map[string]any{"type": "postback", "title": c.title, "payload": c.id})
			}
			msg = map[string]any{"attachment": map[string]any{"type": "template", "payload": map[string]any{"template_type": "button", "text": text, "buttons": buttons}}}
		}
		if ref != "" {
			msg["metadata"] = ref
		}
		body = map[string]any{"recipient": map[string]any{"id": in.user}, "messaging_type": "RESPONSE", "message": msg}
	}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer wa-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.shape("graph: %v", err)
		return
	}
	defer resp.Body.Close()
	var ans map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&ans)
	if resp.StatusCode != 200 {
		b.shape("graph refused the bot's reply: %v", ans)
		return
	}
	id := str(get(ans, "messages", 0, "id"))
	if ch == graphfake.Messenger {
		id = str(ans["message_id"])
	}
	b.mu.Lock()
	b.replies++
	if len(choices) > 0 {
		b.offered[id] = true
	}
	b.mu.Unlock()
}
