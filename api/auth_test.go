package api_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// fakeTokens authenticates with AuthenticateFunc; tokensOf builds one from a
// table of known tokens.
type fakeTokens struct {
	AuthenticateFunc func(ctx context.Context, token string) (domain.APIToken, error)
}

func (f fakeTokens) Authenticate(ctx context.Context, token string) (domain.APIToken, error) {
	return f.AuthenticateFunc(ctx, token)
}

func tokensOf(known map[string]domain.APIToken) fakeTokens {
	return fakeTokens{AuthenticateFunc: func(_ context.Context, token string) (domain.APIToken, error) {
		t, ok := known[token]
		if !ok || !t.RevokedAt.IsZero() {
			return domain.APIToken{}, domain.Errorf(domain.Forbidden, "authenticate", "unknown or revoked token")
		}
		return t, nil
	}}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestOnlyOpsAndAdminTokensMayPushFlightStatus: the ops system gets in, a missing
// or bad token is told to authenticate (401 with a Bearer challenge), a valid
// token of another role is told it may not (403), and nothing refused reaches the
// watcher.
func TestOnlyOpsAndAdminTokensMayPushFlightStatus(t *testing.T) {
	t.Parallel()
	ingest := &fakeIngest{}
	url := flightStatusServer(t, flightStatusConfig(ingest)).URL + "/api/v1/flight-status"
	body := mustJSON(t, validFlight())
	for _, tc := range []struct {
		name, auth string
		status     int
	}{
		{"no header", "", 401},
		{"basic auth", "Basic b3BzOnNlY3JldA==", 401},
		{"bearer without token", "Bearer ", 401},
		{"token without scheme", opsToken, 401},
		{"unknown token", "Bearer not-a-token", 401},
		{"revoked token", "Bearer " + revokedToken, 401},
		{"overlong token", "Bearer " + strings.Repeat("x", 600), 401},
		{"agent token", "Bearer " + agentToken, 403},
		{"viewer token", "Bearer " + viewerToken, 403},
		{"ops token", "Bearer " + opsToken, 200},
		{"admin token", "Bearer " + adminToken, 200},
		{"scheme in lower case", "bearer " + opsToken, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := ingest.calls()
			resp, out := pushRaw(t, url, tc.auth, body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tc.status, out)
			}
			challenge := resp.Header.Get("WWW-Authenticate")
			if tc.status == 401 && !strings.HasPrefix(challenge, "Bearer") {
				t.Fatalf("401 without a Bearer challenge: %q", challenge)
			}
			if tc.status != 200 {
				if out["error"] == nil || out["error"] == "" {
					t.Fatalf("refusal without a JSON error: %v", out)
				}
				if ingest.calls() != before {
					t.Fatal("a refused push reached the watcher")
				}
			}
		})
	}
}

// TestTokenStoreFailuresAreNotAuthFailures: a store that cannot answer is a 503
// (the ops system retries) or a 500, never a 401 that would make someone rotate
// a good token; and the token never reaches the log, whatever the error says.
func TestTokenStoreFailuresAreNotAuthFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
	}{
		{"database down", domain.Errorf(domain.Unavailable, "authenticate", "token store unavailable"), 503},
		{"unexpected", errors.New("query token " + opsToken + ": driver: bad connection"), 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &syncBuffer{}
			ingest := &fakeIngest{}
			c := flightStatusConfig(ingest)
			c.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c.Tokens = fakeTokens{AuthenticateFunc: func(context.Context, string) (domain.APIToken, error) {
				return domain.APIToken{}, tc.err
			}}
			url := flightStatusServer(t, c).URL + "/api/v1/flight-status"
			resp, out := pushRaw(t, url, "Bearer "+opsToken, mustJSON(t, validFlight()))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == 500 && out["error"] != "internal error" {
				t.Fatalf("500 with details: %v", out)
			}
			if strings.Contains(logs.String(), opsToken) {
				t.Fatalf("token logged: %s", logs.String())
			}
			if tc.status == 500 && !strings.Contains(logs.String(), "[redacted]") {
				t.Fatalf("internal error not logged: %q", logs.String())
			}
			if ingest.calls() != 0 {
				t.Fatal("unauthenticated push reached the watcher")
			}
		})
	}
}

// TestAcceptedPushDoesNotLogTheToken: the client is named by its token's name.
func TestAcceptedPushDoesNotLogTheToken(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	c := flightStatusConfig(&fakeIngest{})
	c.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	url := flightStatusServer(t, c).URL + "/api/v1/flight-status"
	bad := validFlight()
	bad["status"] = "teleported"
	for _, b := range []map[string]any{validFlight(), bad} {
		pushRaw(t, url, "Bearer "+opsToken, mustJSON(t, b))
	}
	got := logs.String()
	if strings.Contains(got, opsToken) || !strings.Contains(got, "ops-system") {
		t.Fatalf("logs must name the client, never show its token:\n%s", got)
	}
}
