package api_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
)

// fakeWebhooks records what the server stored.
type fakeWebhooks struct {
	mu     sync.Mutex
	stored [][]byte
	events []domain.ChannelEvent
	err    error
}

func (f *fakeWebhooks) AcceptWebhook(_ context.Context, _ domain.Channel, body []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.stored = append(f.stored, body)
	return nil
}

func (f *fakeWebhooks) AcceptEvent(_ context.Context, ev domain.ChannelEvent) (int64, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, false, f.err
	}
	f.events = append(f.events, ev)
	return 1, false, nil
}

func (f *fakeWebhooks) count() int { f.mu.Lock(); defer f.mu.Unlock(); return len(f.stored) }

const secret = "app-secret"

func webhookServer(t *testing.T, hooks *fakeWebhooks) *httptest.Server {
	t.Helper()
	parse := func(body []byte) ([]domain.ChannelEvent, error) {
		if !bytes.Contains(body, []byte(`"object":"whatsapp_business_account"`)) {
			return nil, errors.New("not a whatsapp envelope")
		}
		var evs []domain.ChannelEvent
		if bytes.Contains(body, []byte(`"messages"`)) {
			evs = append(evs, domain.ChannelEvent{Kind: domain.EventMessage, UserID: "31600000001",
				Inbound: domain.Inbound{Channel: domain.WhatsApp, ChannelMessageID: "wamid.1", Text: "hi"}})
		}
		if bytes.Contains(body, []byte(`"statuses"`)) {
			evs = append(evs, domain.ChannelEvent{Kind: domain.EventStatus})
		}
		return evs, nil
	}
	h := api.New(api.Config{Webhooks: hooks, Channels: map[domain.Channel]api.Channel{
		domain.WhatsApp:  {AppSecret: secret, VerifyToken: "verify-me", Parse: parse},
		domain.Messenger: {}, // not configured: disabled
	}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestWebhookVerificationHandshake(t *testing.T) {
	srv := webhookServer(t, &fakeWebhooks{})
	for _, tc := range []struct {
		name, path string
		status     int
		body       string
	}{
		{"right token", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444", 200, "1158201444"},
		{"wrong token", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1", 403, ""},
		{"wrong mode", "/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=verify-me&hub.challenge=1", 403, ""},
		{"disabled channel", "/webhooks/messenger?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1", 404, ""},
		{"unknown channel", "/webhooks/telegram?hub.mode=subscribe", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || (tc.body != "" && string(b) != tc.body) {
				t.Fatalf("status %d body %q, want %d %q", resp.StatusCode, b, tc.status, tc.body)
			}
		})
	}
}

func TestWebhookSignatureIsCheckedBeforeAnythingIsStored(t *testing.T) {
	hooks := &fakeWebhooks{}
	srv := webhookServer(t, hooks)
	body := []byte(`{"object":"whatsapp_business_account","entry":[],"statuses":[]}`)
	post := func(path string, b []byte, sig string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(b))
		if sig != "" {
			req.Header.Set("X-Hub-Signature-256", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name   string
		body   []byte
		sig    string
		status int
	}{
		{"missing signature", body, "", 401},
		{"wrong secret", body, api.Sign("other", body), 401},
		{"sha1 style header", body, "sha1=" + strings.Repeat("0", 40), 401},
		{"garbage", body, "sha256=zz", 401},
		{"signed other bytes", body, api.Sign(secret, append(body, ' ')), 401},
		{"signed but not an envelope: acknowledged, not stored", []byte(`{"object":"page"}`), api.Sign(secret, []byte(`{"object":"page"}`)), 200},
		{"too large", bytes.Repeat([]byte("x"), 3<<20+1), api.Sign(secret, bytes.Repeat([]byte("x"), 3<<20+1)), 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := post("/webhooks/whatsapp", tc.body, tc.sig); got != tc.status {
				t.Fatalf("status %d, want %d", got, tc.status)
			}
			if hooks.count() != 0 {
				t.Fatal("a refused webhook was stored")
			}
		})
	}
	if got := post("/webhooks/whatsapp", body, api.Sign(secret, body)); got != 200 {
		t.Fatalf("valid webhook: %d", got)
	}
	if hooks.count() != 1 || !bytes.Equal(hooks.stored[0], body) {
		t.Fatalf("stored %q, want the raw body once", hooks.stored)
	}
	// A message is stored as an inbound message before the answer, not left to a job.
	msg := []byte(`{"object":"whatsapp_business_account","messages":[]}`)
	if got := post("/webhooks/whatsapp", msg, api.Sign(secret, msg)); got != 200 || len(hooks.events) != 1 || hooks.count() != 1 {
		t.Fatalf("message webhook: %d, %d events, %d bodies", got, len(hooks.events), hooks.count())
	}
	if got := post("/webhooks/messenger", body, api.Sign(secret, body)); got != 404 {
		t.Fatalf("disabled channel: %d", got)
	}
	hooks.err = errors.New("database down")
	if got := post("/webhooks/whatsapp", body, api.Sign(secret, body)); got != 500 {
		t.Fatalf("store failure must not be acknowledged: %d", got)
	}
}

func FuzzValidSignature(f *testing.F) {
	f.Add([]byte(`{"object":"page"}`), "sha256=00")
	f.Add([]byte{}, api.Sign(secret, nil))
	f.Add([]byte("äöå"), api.Sign(secret, []byte("äöå")))
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		// Hex digits may come in either case; the prefix is exact.
		rest, ok := strings.CutPrefix(header, "sha256=")
		want := ok && strings.EqualFold(rest, strings.TrimPrefix(api.Sign(secret, body), "sha256="))
		if got := api.ValidSignature(secret, body, header); got != want {
			t.Fatalf("ValidSignature(%q, %q) = %v, want %v", body, header, got, want)
		}
	})
}

func TestEventsForAnotherNumberAreNotOurs(t *testing.T) {
	evs := []domain.ChannelEvent{{Account: "100"}, {Account: "200"}, {Account: ""}}
	if got := api.ForAccount(evs, "100"); len(got) != 2 || got[0].Account != "100" || got[1].Account != "" {
		t.Fatalf("ForAccount = %+v", got)
	}
	if got := api.ForAccount(evs, ""); len(got) != 3 {
		t.Fatalf("no account configured: keep everything, got %d", len(got))
	}
}
