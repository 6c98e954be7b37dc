package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/api"
	"github.com/skybridge/skybridge/domain"
)

// fakeStore accepts everything and remembers it.
type fakeStore struct {
	accepted []domain.Inbound
}

func (f *fakeStore) Accept(_ context.Context, in domain.Inbound, _ string) (int64, bool, error) {
	f.accepted = append(f.accepted, in)
	return 1, false, nil
}
func (f *fakeStore) ConversationByUser(context.Context, domain.Channel, string) (domain.Conversation, bool, error) {
	return domain.Conversation{}, false, nil
}
func (f *fakeStore) OutboundAfter(context.Context, int64, int, int) ([]domain.Outbound, error) {
	return nil, nil
}
func (f *fakeStore) MarkDelivered(context.Context, int64, int) error { return nil }
func (f *fakeStore) Subscribe(int64) (<-chan struct{}, func())       { return nil, func() {} }
func (f *fakeStore) Pass(context.Context, string) (domain.BoardingPass, error) {
	return domain.BoardingPass{}, domain.Errorf(domain.NotFound, "pass", "no such pass")
}

func post(t *testing.T, url, body string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]string{}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestSessionsAreMintedByTheServer: only tokens the server signed are accepted, so
// that look-up limits per session cannot be dodged with invented sessions, and one
// address cannot open sessions without bound.
func TestSessionsAreMintedByTheServer(t *testing.T) {
	st := &fakeStore{}
	srv := httptest.NewServer(api.New(api.Config{Store: st, SessionKeys: [][]byte{[]byte("k1")}, SessionsPerHour: 3}))
	defer srv.Close()
	code, s := post(t, srv.URL+"/chat/api/session", "")
	if code != http.StatusCreated || len(s["session"]) != 43 {
		t.Fatalf("session: %d %v", code, s)
	}
	ok := `{"session":"` + s["session"] + `","id":"a1","text":"check in"}`
	if code, _ := post(t, srv.URL+"/chat/api/messages", ok); code != http.StatusAccepted {
		t.Fatalf("minted session refused: %d", code)
	}
	forged := s["session"][:20] + strings.Repeat("A", 23)
	for _, bad := range []string{forged, strings.Repeat("A", 43), strings.Repeat("A", 32), ""} {
		code, e := post(t, srv.URL+"/chat/api/messages", `{"session":"`+bad+`","id":"a2","text":"x"}`)
		if code != http.StatusBadRequest || e["error"] == "" {
			t.Fatalf("session %q: %d %v", bad, code, e)
		}
	}
	if len(st.accepted) != 1 {
		t.Fatalf("%d messages stored, want only the one from the minted session", len(st.accepted))
	}
	// Signed with another key (another deployment): refused.
	other := httptest.NewServer(api.New(api.Config{Store: st, SessionKeys: [][]byte{[]byte("k2")}}))
	defer other.Close()
	_, s2 := post(t, other.URL+"/chat/api/session", "")
	if code, _ := post(t, srv.URL+"/chat/api/messages", `{"session":"`+s2["session"]+`","id":"a3","text":"x"}`); code != http.StatusBadRequest {
		t.Fatalf("foreign session: %d", code)
	}
	// Rotation: a server that knows the old key as its second still accepts it.
	rotated := httptest.NewServer(api.New(api.Config{Store: st, SessionKeys: [][]byte{[]byte("k3"), []byte("k1")}}))
	defer rotated.Close()
	if code, _ := post(t, rotated.URL+"/chat/api/messages", `{"session":"`+s["session"]+`","id":"a4","text":"x"}`); code != http.StatusAccepted {
		t.Fatalf("session after key rotation: %d", code)
	}
	post(t, srv.URL+"/chat/api/session", "")
	post(t, srv.URL+"/chat/api/session", "")
	if code, _ := post(t, srv.URL+"/chat/api/session", ""); code != http.StatusTooManyRequests {
		t.Fatalf("fourth session in an hour from one address: %d", code)
	}
}

// TestForwardedForIsBelievedOnlyFromTrustedProxies: the per-address session limit
// cannot be dodged by inventing X-Forwarded-For, and behind a configured load
// balancer each client counts on its own.
func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	newSession := func(url, xff string) int {
		req, _ := http.NewRequest(http.MethodPost, url+"/chat/api/session", nil)
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	direct := httptest.NewServer(api.New(api.Config{Store: &fakeStore{}, SessionsPerHour: 2}))
	defer direct.Close()
	for i, want := range []int{http.StatusCreated, http.StatusCreated, http.StatusTooManyRequests} {
		if got := newSession(direct.URL, "203.0.113."+string(rune('1'+i))); got != want {
			t.Fatalf("untrusted peer, session %d with a new forwarded address: %d, want %d", i+1, got, want)
		}
	}
	behind := httptest.NewServer(api.New(api.Config{Store: &fakeStore{}, SessionsPerHour: 2, TrustedProxies: []string{"127.0.0.1"}}))
	defer behind.Close()
	for i := range 3 {
		if got := newSession(behind.URL, "203.0.113."+string(rune('1'+i))); got != http.StatusCreated {
			t.Fatalf("behind a trusted proxy, client %d: %d", i+1, got)
		}
	}
	if got := newSession(behind.URL, "203.0.113.1"); got != http.StatusCreated {
		t.Fatalf("second session of a client: %d", got)
	}
	if got := newSession(behind.URL, "203.0.113.1"); got != http.StatusTooManyRequests {
		t.Fatalf("third session of a client: %d", got)
	}
}
