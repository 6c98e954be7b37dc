package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/store"
)

// storePrivacy serves privacy requests from the store, as the binary does.
type storePrivacy struct{ s *store.Store }

var _ Privacy = storePrivacy{}

func (p storePrivacy) ExportSubject(ctx context.Context, subj domain.DataSubject, actor string) (any, error) {
	return p.s.Export(ctx, subj, actor)
}

func (p storePrivacy) EraseSubject(ctx context.Context, subj domain.DataSubject, actor string) (map[string]int64, error) {
	return p.s.Erase(ctx, subj, actor)
}

func (p storePrivacy) FindSubject(ctx context.Context, subj domain.DataSubject) (domain.SubjectSummary, error) {
	return p.s.FindSubject(ctx, subj)
}

// withoutExportTime drops the one field two exports of the same data differ in.
func withoutExportTime(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("export is not JSON: %v\n%.300s", err, body)
	}
	delete(m, "exported_at")
	return m
}

// TestConsolePrivacyFindExportErase: an admin finds a traveller by their
// WhatsApp number as they write it, sees what is held, downloads the same JSON
// the privacy API produces, and erases them only after typing the number again
// (a wrong number or a form without the session's CSRF token erases nothing).
// The audit log names the traveller by a blind index only; other roles may not
// use the pages.
func TestConsolePrivacyFindExportErase(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newConsoleRigOn(t, db)
		ctx := t.Context()
		const phone = "31611112222"
		id := r.handedOff(phone)
		subject := url.Values{"kind": {"whatsapp"}, "id": {"+31 6 1111 2222"}}
		with := func(extra map[string]string) url.Values {
			v := url.Values{}
			for k, vs := range subject {
				v[k] = vs
			}
			for k, x := range extra {
				v.Set(k, x)
			}
			return v
		}
		admin := r.sessionFor(domain.RoleAdmin)

		page := admin.get("/console/privacy")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, `action="/console/privacy/find"`) || !strings.Contains(page.Body, `href="/console/privacy"`) {
			t.Fatalf("privacy page: %d\n%.600s", page.Status, page.Body)
		}
		found := admin.post("/console/privacy/find", with(nil))
		if found.Status != http.StatusOK || !strings.Contains(found.Body, `href="/console/conversations/`+strconv.FormatInt(id, 10)+`"`) ||
			!strings.Contains(found.Body, `<th scope="row">messages</th><td>2</td>`) || !strings.Contains(found.Body, `action="/console/privacy/erase"`) {
			t.Fatalf("find: %d\n%.3000s", found.Status, found.Body)
		}
		if res := admin.post("/console/privacy/find", url.Values{"kind": {"booking"}, "id": {"ABC123"}}); res.Status != http.StatusBadRequest ||
			!strings.Contains(res.Body, "surname") {
			t.Errorf("a booking without a surname: %d", res.Status)
		}

		// The export is the API's document, as a download.
		exp := admin.post("/console/privacy/export", with(nil))
		if exp.Status != http.StatusOK || !strings.HasPrefix(exp.Header.Get("Content-Disposition"), `attachment; filename="skybridge-export-whatsapp-`) ||
			exp.Header.Get("Cache-Control") != "no-store" || !strings.Contains(exp.Body, "my passport is X1234567") {
			t.Fatalf("export: %d %v\n%.300s", exp.Status, exp.Header, exp.Body)
		}
		apiRes := r.browser().do(http.MethodPost, "/api/v1/privacy/export", strings.NewReader(`{"kind":"whatsapp","id":"+31 6 1111 2222"}`),
			map[string]string{"Authorization": "Bearer " + r.token(domain.RoleAdmin), "Content-Type": "application/json"})
		if apiRes.Status != http.StatusOK || asJSON(withoutExportTime(t, apiRes.Body)) != asJSON(withoutExportTime(t, exp.Body)) {
			t.Fatalf("the console's export differs from the API's:\n%.500s\n%.500s", exp.Body, apiRes.Body)
		}

		// Erasure: the number must be typed again, with the session's token.
		wrong := admin.post("/console/privacy/erase", with(map[string]string{"confirm": "31611112223"}))
		if wrong.Status != http.StatusUnprocessableEntity || !strings.Contains(wrong.Body, "Nothing was erased") {
			t.Fatalf("erase with the wrong number: %d\n%.600s", wrong.Status, wrong.Body)
		}
		forged := admin.post("/console/privacy/erase", with(map[string]string{"confirm": phone, "csrf": "forged"}))
		if forged.Status != http.StatusForbidden {
			t.Fatalf("erase without the session's CSRF token: %d", forged.Status)
		}
		if _, err := r.store.Conversation(ctx, id); err != nil {
			t.Fatalf("a refused erasure erased: %v", err)
		}
		if st := r.sessionFor(domain.RoleAgent).post("/console/privacy/erase", with(map[string]string{"confirm": phone})).Status; st != http.StatusForbidden {
			t.Fatalf("an agent erasing: %d, want 403", st)
		}
		done := admin.post("/console/privacy/erase", with(map[string]string{"confirm": "+31 (6) 1111-2222"}))
		if done.Status != http.StatusOK || !strings.Contains(done.Body, "Erased ") || !strings.Contains(done.Body, `id="privacy-erased"`) {
			t.Fatalf("erase: %d\n%.1500s", done.Status, done.Body)
		}
		if _, err := r.store.Conversation(ctx, id); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("after erasure the conversation: %v", err)
		}
		again := admin.post("/console/privacy/find", with(nil))
		if again.Status != http.StatusOK || !strings.Contains(again.Body, `id="privacy-nothing"`) {
			t.Fatalf("find after erasure: %d\n%.1500s", again.Status, again.Body)
		}

		entries, _ := r.store.AuditLog(ctx, 0, 20)
		var got []string
		for _, e := range entries {
			if e.Action != domain.AuditPrivacyExport && e.Action != domain.AuditPrivacyErase {
				continue
			}
			if strings.Contains(e.Subject+e.Detail, "1111") || !strings.HasPrefix(e.Subject, "whatsapp:bi1:") {
				t.Errorf("audit entry names the traveller: %+v", e)
			}
			got = append(got, string(e.Action)+" by "+e.Actor)
		}
		if strings.Join(got, ",") != "privacy_erase by s-admin,privacy_export by s-admin" {
			t.Fatalf("audit %v", got)
		}
		reqs, _ := r.store.PrivacyRequests(ctx, 10)
		if len(reqs) < 3 || reqs[0].Action != "erase" || reqs[0].Actor != "s-admin" {
			t.Fatalf("privacy requests %+v", reqs)
		}
	})
}

// TestConsolePrivacyFindOverTheAPI: the find step answers counts and
// conversations, never the data; bad subjects are refused with 400 or 404.
func TestConsolePrivacyFindOverTheAPI(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	id := r.handedOff("31611113333")
	tok := r.token(domain.RoleAdmin)
	st, body := r.api(tok, http.MethodPost, "/api/v1/console/privacy/find", map[string]string{"kind": "whatsapp", "id": "+31611113333"})
	convs, _ := body["conversations"].([]any)
	if st != http.StatusOK || len(convs) != 1 || convs[0].(map[string]any)["id"] != float64(id) ||
		!strings.Contains(asJSON(body["counts"]), `"messages":2`) || strings.Contains(asJSON(body), "X1234567") {
		t.Fatalf("find: %d %v", st, body)
	}
	for _, tc := range []struct {
		body map[string]string
		want int
	}{
		{map[string]string{"kind": "email", "id": "a@b.c"}, http.StatusBadRequest},
		{map[string]string{"kind": "booking", "id": "ABC123"}, http.StatusBadRequest},
		{map[string]string{"kind": "booking", "id": "ABC123", "surname": "Nobody"}, http.StatusNotFound},
	} {
		if st, b := r.api(tok, http.MethodPost, "/api/v1/console/privacy/find", tc.body); st != tc.want {
			t.Errorf("find %v: %d %v, want %d", tc.body, st, b, tc.want)
		}
	}
	if st, _ := r.api(r.token(domain.RoleAgent), http.MethodPost, "/api/v1/console/privacy/find", map[string]string{"kind": "whatsapp", "id": "1"}); st != http.StatusForbidden {
		t.Errorf("an agent's token: %d, want 403", st)
	}
}

func TestErasureConfirmationNeedsTheIdentifier(t *testing.T) {
	t.Parallel()
	wa, _ := domain.ParseDataSubject("whatsapp", "+31 6 1111 2222", "")
	ms, _ := domain.ParseDataSubject("messenger", "7100000000000042", "")
	bk, _ := domain.ParseDataSubject("booking", "db4lhr", "Dubois")
	for _, tc := range []struct {
		subj  domain.DataSubject
		typed string
		want  bool
	}{
		{wa, "31611112222", true},
		{wa, "+31 (6) 1111-2222", true},
		{wa, "3161111222", false},
		{wa, "", false},
		{ms, " 7100000000000042 ", true},
		{ms, "710000000000004", false},
		{bk, "DB4LHR", true},
		{bk, "db4lhr", true},
		{bk, "Dubois", false},
		{bk, "DB4LHX", false},
	} {
		if got := confirms(tc.subj, tc.typed); got != tc.want {
			t.Errorf("confirms(%s %q) = %v, want %v", tc.subj.Kind(), tc.typed, got, tc.want)
		}
	}
}
