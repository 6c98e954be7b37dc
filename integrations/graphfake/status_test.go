package graphfake

import (
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
)

const appSecret = "status-test-secret"

// receiver is a stand-in for Skybridge's webhook endpoint: it checks the
// signature the way channels.md §2 says and keeps the verified bodies.
type receiver struct {
	mu     sync.Mutex
	bodies []map[string]any
	bad    int
	got    chan struct{}
}

func newReceiver(t *testing.T) (*receiver, *httptest.Server) {
	r := &receiver{got: make(chan struct{}, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		raw, _ := io.ReadAll(req.Body)
		sig, ok := strings.CutPrefix(req.Header.Get("X-Hub-Signature-256"), "sha256=")
		mac := hmac.New(sha256.New, []byte(appSecret))
		mac.Write(raw)
		want := mac.Sum(nil)
		got, err := hex.DecodeString(sig)
		r.mu.Lock()
		defer r.mu.Unlock()
		if !ok || err != nil || !hmac.Equal(got, want) {
			r.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			r.bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.bodies = append(r.bodies, body)
		r.got <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return r, srv
}

func (r *receiver) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	for range n {
		select {
		case <-r.got:
		case <-time.After(5 * time.Second):
			t.Fatalf("status webhooks: fewer than %d arrived", n)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bad > 0 {
		t.Fatalf("%d callbacks failed signature verification", r.bad)
	}
	return append([]map[string]any(nil), r.bodies...)
}

// path walks a decoded JSON document: path(doc, "entry", 0, "id").
func path(v any, keys ...any) any {
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

func TestWhatsAppStatusWebhooks(t *testing.T) {
	t.Parallel()
	rcv, srv := newReceiver(t)
	s := start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: WhatsApp, URL: srv.URL, AppSecret: appSecret, Delay: time.Millisecond}}})
	msg := waText("+447700900123", "Your boarding pass")
	msg["biz_opaque_callback_data"] = "sb:42"
	a := sendWA(t, s, msg)
	wamid := path(a.body, "messages", 0, "id")
	bodies := rcv.wait(t, 3)
	for i, want := range []string{"sent", "delivered", "read"} {
		b := bodies[i]
		value := path(b, "entry", 0, "changes", 0, "value")
		st := path(value, "statuses", 0)
		if b["object"] != "whatsapp_business_account" || path(b, "entry", 0, "id") != DefaultWABAID ||
			path(b, "entry", 0, "changes", 0, "field") != "messages" ||
			path(value, "messaging_product") != "whatsapp" ||
			path(value, "metadata", "phone_number_id") != DefaultPhoneNumberID ||
			path(value, "metadata", "display_phone_number") != DefaultDisplayNumber {
			t.Fatalf("envelope %d: %v", i, b)
		}
		if path(st, "id") != wamid || path(st, "status") != want || path(st, "recipient_id") != "447700900123" ||
			path(st, "biz_opaque_callback_data") != "sb:42" {
			t.Fatalf("status %d: %v, want %s of %v", i, st, want, wamid)
		}
		if ts, _ := path(st, "timestamp").(string); len(ts) != 10 {
			t.Errorf("timestamp %q is not unix seconds as a string", ts)
		}
		if (path(st, "pricing") != nil) != (i == 0) {
			t.Errorf("pricing on status %s: %v", want, path(st, "pricing"))
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Callbacks()) < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if cbs := s.Callbacks(); len(cbs) != 3 || cbs[2].HTTPStatus != 200 || cbs[2].Status != "read" {
		t.Fatalf("callbacks %+v", cbs)
	}
}

func TestWhatsAppAsyncWindowClosedReportsFailed(t *testing.T) {
	t.Parallel()
	rcv, srv := newReceiver(t)
	s := start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: WhatsApp, URL: srv.URL, AppSecret: appSecret, Delay: time.Millisecond}}})
	_ = s.SetFaults(Faults{WindowClosed: Fault{Next: 1, Async: true}})
	a := sendWA(t, s, waText("+447700900123", "late"))
	if a.status != 200 {
		t.Fatalf("async closed window refused synchronously: %v", a.body)
	}
	st := path(rcv.wait(t, 1)[0], "entry", 0, "changes", 0, "value", "statuses", 0)
	if path(st, "status") != "failed" || path(st, "errors", 0, "code") != float64(131047) ||
		path(st, "errors", 0, "error_data", "details") == nil {
		t.Fatalf("failed status %v", st)
	}
}

func TestMessengerWatermarks(t *testing.T) {
	t.Parallel()
	rcv, srv := newReceiver(t)
	s := start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: Messenger, URL: srv.URL, AppSecret: appSecret, Delay: time.Millisecond}}})
	a := sendMS(t, s, msText("7000000000000001", "hello"))
	mid := a.body["message_id"]
	bodies := rcv.wait(t, 3)
	if echo := path(bodies[0], "entry", 0, "messaging", 0); path(echo, "message", "is_echo") != true {
		t.Fatalf("first callback is not the echo: %v", bodies[0])
	}
	bodies = bodies[1:]
	for i, b := range bodies {
		ev := path(b, "entry", 0, "messaging", 0)
		if b["object"] != "page" || path(b, "entry", 0, "id") != DefaultPageID || path(b, "entry", 0, "time") == nil ||
			path(ev, "sender", "id") != "7000000000000001" || path(ev, "recipient", "id") != DefaultPageID {
			t.Fatalf("envelope %d: %v", i, b)
		}
	}
	dlv := path(bodies[0], "entry", 0, "messaging", 0, "delivery")
	if path(dlv, "mids", 0) != mid || path(dlv, "watermark") == nil {
		t.Fatalf("delivery %v", dlv)
	}
	read := path(bodies[1], "entry", 0, "messaging", 0, "read")
	w1, _ := path(dlv, "watermark").(float64)
	w2, _ := path(read, "watermark").(float64)
	if w2 < w1 || w1 < 1e12 {
		t.Fatalf("watermarks %v then %v: want milliseconds, not decreasing", w1, w2)
	}
}

func TestNoStatusWebhookForRefusedSends(t *testing.T) {
	t.Parallel()
	rcv, srv := newReceiver(t)
	s := start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: WhatsApp, URL: srv.URL, AppSecret: appSecret, Delay: time.Millisecond}}})
	_ = s.SetFaults(Faults{Throttle: Fault{Next: 1}})
	sendWA(t, s, waText("+447700900123", "hi"))
	sendWA(t, s, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"})
	time.Sleep(50 * time.Millisecond)
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bodies) != 0 {
		t.Fatalf("status webhooks for refused sends: %v", rcv.bodies)
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	// The value from `printf '{}' | openssl dgst -sha256 -hmac secret`.
	if got := Sign("secret", []byte("{}")); got != "sha256=77325902caca812dc259733aacd046b73817372c777b8d95b402647474516e13" {
		t.Fatalf("Sign = %s", got)
	}
}

// TestStatusWebhookIsRedeliveredUntilAcknowledged: a receiver that answers 503
// (its database restarting) or is not listening gets the callback again, as
// Meta redelivers, until it answers 200.
func TestStatusWebhookIsRedeliveredUntilAcknowledged(t *testing.T) {
	t.Parallel()
	rcv, ok := newReceiver(t)
	var mu sync.Mutex
	refusals := 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		refuse := refusals > 0
		refusals--
		mu.Unlock()
		if refuse {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		proxy := httptest.NewRequest(req.Method, ok.URL, req.Body)
		proxy.Header = req.Header
		ok.Config.Handler.ServeHTTP(w, proxy)
	}))
	t.Cleanup(srv.Close)
	s := start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: WhatsApp, URL: srv.URL, AppSecret: appSecret,
		Delay: time.Millisecond, Statuses: []string{"sent"}}}})
	if a := sendWA(t, s, waText("+447700900123", "hi")); a.status != 200 {
		t.Fatalf("send: %d %v", a.status, a.body)
	}
	if got := rcv.wait(t, 1); len(got) != 1 {
		t.Fatalf("received %d callbacks", len(got))
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(s.Callbacks()) < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if cbs := s.Callbacks(); len(cbs) != 1 || cbs[0].HTTPStatus != 200 || cbs[0].Attempts != 3 {
		t.Fatalf("callbacks %+v: want one, answered 200 at the third attempt", cbs)
	}

	// Nobody listening and no retries wanted: given up at once.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	s = start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: WhatsApp, URL: dead.URL, AppSecret: appSecret,
		Delay: time.Millisecond, Statuses: []string{"sent"}, RetryFor: -1}}})
	sendWA(t, s, waText("+447700900123", "hi"))
	deadline = time.Now().Add(5 * time.Second)
	for len(s.Callbacks()) < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if cbs := s.Callbacks(); len(cbs) != 1 || cbs[0].Err == "" || cbs[0].Attempts != 1 {
		t.Fatalf("callbacks %+v", cbs)
	}
}

// TestMessengerEchoCarriesMetadata: like Meta, the fake echoes every accepted
// Messenger message first, from the page to the traveller, with the metadata it
// was sent with; a Page not subscribed to echoes gets none.
func TestMessengerEchoCarriesMetadata(t *testing.T) {
	t.Parallel()
	rcv, srv := newReceiver(t)
	s := start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: Messenger, URL: srv.URL, AppSecret: appSecret, Delay: time.Millisecond}}})
	body := msText("7000000000000001", "hello")
	body["message"].(map[string]any)["metadata"] = "skybridge:42"
	a := sendMS(t, s, body)
	echo := path(rcv.wait(t, 3)[0], "entry", 0, "messaging", 0)
	if path(echo, "sender", "id") != DefaultPageID || path(echo, "recipient", "id") != "7000000000000001" || path(echo, "timestamp") == nil {
		t.Fatalf("echo addressing %v", echo)
	}
	msg := path(echo, "message")
	if path(msg, "is_echo") != true || path(msg, "metadata") != "skybridge:42" || path(msg, "mid") != a.body["message_id"] ||
		path(msg, "text") != "hello" || path(msg, "app_id") != float64(400000000000004) {
		t.Fatalf("echo message %v", msg)
	}

	rcv2, srv2 := newReceiver(t)
	s2 := start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: Messenger, URL: srv2.URL, AppSecret: appSecret, Delay: time.Millisecond, NoEchoes: true}}})
	sendMS(t, s2, msText("7000000000000001", "hello"))
	if got := rcv2.wait(t, 2); path(got[0], "entry", 0, "messaging", 0, "delivery") == nil {
		t.Fatalf("without echoes the delivery comes first: %v", got[0])
	}
}

// TestMessengerEchoesEveryPart: a message sent in several requests is echoed
// request by request, each with the metadata that request carried, as Meta
// does; the echo of an early part is how a part sent just before a crash is
// known to have gone out.
func TestMessengerEchoesEveryPart(t *testing.T) {
	t.Parallel()
	rcv, srv := newReceiver(t)
	s := start(t, Config{StatusWebhooks: []StatusWebhook{{Channel: Messenger, URL: srv.URL, AppSecret: appSecret, Delay: time.Millisecond}}})
	mids := map[string]any{}
	for k := 1; k <= 3; k++ {
		body := msText("7000000000000001", fmt.Sprintf("part %d", k))
		md := fmt.Sprintf("skybridge:42:%d/3", k)
		body["message"].(map[string]any)["metadata"] = md
		mids[md] = sendMS(t, s, body).body["message_id"]
	}
	echoed := map[string]any{}
	for _, cb := range rcv.wait(t, 9) { // an echo, a delivery and a read per request
		msg := path(cb, "entry", 0, "messaging", 0, "message")
		if path(msg, "is_echo") == true {
			echoed[path(msg, "metadata").(string)] = path(msg, "mid")
		}
	}
	if fmt.Sprint(echoed) != fmt.Sprint(mids) {
		t.Fatalf("echoes (metadata: mid) %v, want one per request %v", echoed, mids)
	}
}

// TestMessengerEchoCarriesConfiguredAppID: the echo names the app that sent the
// message, as a number like Meta's, so that Skybridge can tell its own sends from
// those of another app on the Page.
func TestMessengerEchoCarriesConfiguredAppID(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		app  string
		want any
	}{
		{"", float64(400000000000004)}, // DefaultAppID
		{"263902037430900", float64(263902037430900)},
		{"app-under-test", "app-under-test"}, // not a number: sent as given
	} {
		rcv, srv := newReceiver(t)
		s := start(t, Config{AppID: c.app, StatusWebhooks: []StatusWebhook{{Channel: Messenger, URL: srv.URL, AppSecret: appSecret, Delay: time.Millisecond}}})
		sendMS(t, s, msText("7000000000000001", "hello"))
		if got := path(rcv.wait(t, 3)[0], "entry", 0, "messaging", 0, "message", "app_id"); got != c.want {
			t.Errorf("AppID %q: echo app_id %v (%T), want %v", c.app, got, got, c.want)
		}
	}
}
