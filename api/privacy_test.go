package api_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// fakePrivacy records the requests that reach it.
type fakePrivacy struct {
	mu  sync.Mutex
	got []string // "export|erase actor kind id surname"

	ExportFunc func(ctx context.Context, subj domain.DataSubject, actor string) (any, error)
	EraseFunc  func(ctx context.Context, subj domain.DataSubject, actor string) (map[string]int64, error)
	FindFunc   func(ctx context.Context, subj domain.DataSubject) (domain.SubjectSummary, error)
}

func (f *fakePrivacy) record(action string, subj domain.DataSubject, actor string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := subj.UserID
	if subj.Locator != "" {
		id = string(subj.Locator)
	}
	f.got = append(f.got, action+" "+actor+" "+subj.Kind()+" "+id+" "+subj.Surname)
}

func (f *fakePrivacy) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.got...)
}

func (f *fakePrivacy) ExportSubject(ctx context.Context, subj domain.DataSubject, actor string) (any, error) {
	f.record("export", subj, actor)
	return f.ExportFunc(ctx, subj, actor)
}

func (f *fakePrivacy) EraseSubject(ctx context.Context, subj domain.DataSubject, actor string) (map[string]int64, error) {
	f.record("erase", subj, actor)
	return f.EraseFunc(ctx, subj, actor)
}

func (f *fakePrivacy) FindSubject(ctx context.Context, subj domain.DataSubject) (domain.SubjectSummary, error) {
	f.record("find", subj, "")
	if f.FindFunc == nil {
		return domain.SubjectSummary{}, domain.Errorf(domain.NotFound, "find", "nothing")
	}
	return f.FindFunc(ctx, subj)
}

func TestPrivacyRequestsNeedAnAdminToken(t *testing.T) {
	t.Parallel()
	p := &fakePrivacy{
		ExportFunc: func(_ context.Context, subj domain.DataSubject, _ string) (any, error) {
			if subj.Locator == "NOPE00" {
				return nil, domain.Errorf(domain.NotFound, "export", "no booking NOPE00 with that surname")
			}
			return map[string]any{"conversations": []any{map[string]any{"user_id": subj.UserID}}}, nil
		},
		EraseFunc: func(context.Context, domain.DataSubject, string) (map[string]int64, error) {
			return map[string]int64{"conversations": 1, "inbound_messages": 7}, nil
		},
	}
	c := flightStatusConfig(&fakeIngest{})
	c.Privacy = p
	base := flightStatusServer(t, c).URL + "/api/v1/privacy/"
	wa := mustJSON(t, map[string]string{"kind": "whatsapp", "id": "+31 6 1111 2222"})
	for _, tc := range []struct {
		name, path, auth string
		body             []byte
		status           int
		want             string // a top-level key of the answer
	}{
		{"no token", "export", "", wa, http.StatusUnauthorized, "error"},
		{"bad token", "export", "Bearer nope", wa, http.StatusUnauthorized, "error"},
		{"ops may not", "export", "Bearer " + opsToken, wa, http.StatusForbidden, "error"},
		{"agent may not erase", "erase", "Bearer " + agentToken, wa, http.StatusForbidden, "error"},
		{"revoked admin-like token", "erase", "Bearer " + revokedToken, wa, http.StatusUnauthorized, "error"},
		{"admin exports", "export", "Bearer " + adminToken, wa, http.StatusOK, "conversations"},
		{"admin erases", "erase", "Bearer " + adminToken, wa, http.StatusOK, "rows"},
		{"booking needs a surname", "erase", "Bearer " + adminToken, mustJSON(t, map[string]string{"kind": "booking", "id": "DB4LHR"}), http.StatusBadRequest, "error"},
		{"unknown kind", "export", "Bearer " + adminToken, mustJSON(t, map[string]string{"kind": "email", "id": "a@b.c"}), http.StatusBadRequest, "error"},
		{"not JSON", "export", "Bearer " + adminToken, []byte("whatsapp=1"), http.StatusBadRequest, "error"},
		{"wrong surname is not found", "export", "Bearer " + adminToken, mustJSON(t, map[string]string{"kind": "booking", "id": "nope00", "surname": "X"}), http.StatusNotFound, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, out := pushRaw(t, base+tc.path, tc.auth, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s: %d %v, want %d", tc.path, resp.StatusCode, out, tc.status)
			}
			if _, ok := out[tc.want]; !ok {
				t.Fatalf("answer %v lacks %q", out, tc.want)
			}
			if tc.status == http.StatusOK && tc.path == "export" && resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("an export may be cached: Cache-Control %q", resp.Header.Get("Cache-Control"))
			}
			if tc.path == "erase" && tc.status == http.StatusOK && out["erased"] != float64(8) {
				t.Errorf("erase answered %v, want 8 rows erased", out)
			}
		})
	}
	// Only the admin's requests reached the store, with the number normalised and
	// the token's name recorded as the actor.
	want := map[string]bool{
		"export token:admin whatsapp 31611112222 ": true,
		"erase token:admin whatsapp 31611112222 ":  true,
		"export token:admin booking NOPE00 X":      true,
	}
	got := p.calls()
	if len(got) != len(want) {
		t.Fatalf("store saw %q", got)
	}
	for _, g := range got {
		if !want[g] {
			t.Errorf("unexpected request reached the store: %q", g)
		}
	}
}

func TestPrivacyRoutesAbsentWithoutAStore(t *testing.T) {
	t.Parallel()
	base := flightStatusServer(t, flightStatusConfig(&fakeIngest{})).URL
	resp, _ := pushRaw(t, base+"/api/v1/privacy/export", "Bearer "+adminToken, []byte(`{"kind":"whatsapp","id":"1"}`))
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("privacy route without a privacy store: %d", resp.StatusCode)
	}
}
