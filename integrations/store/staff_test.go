package store

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func TestStaffSessionsAndAudit(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		b := setup(t, db, Options{Now: func() time.Time { return now }})
		ctx := t.Context()
		audit := domain.AuditEntry{Actor: "cli", Action: domain.AuditStaffAdd}
		st, err := b.s.AddStaff(ctx, "  Claire.Dubois ", domain.RoleEditor, "$argon2id$fake", audit)
		if err != nil || st.Name != "claire.dubois" || st.Role != domain.RoleEditor {
			t.Fatalf("AddStaff = %+v %v", st, err)
		}
		if _, err := b.s.AddStaff(ctx, "CLAIRE.DUBOIS", domain.RoleAdmin, "$argon2id$fake", audit); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("same name again: %v, want conflict", err)
		}
		if _, err := b.s.AddStaff(ctx, "ops", domain.RoleOps, "$argon2id$fake", audit); !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("role ops for a person: %v, want invalid", err)
		}
		sess := domain.StaffSession{StaffID: st.ID, CSRF: "c", CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(12 * time.Hour)}
		if err := b.s.CreateStaffSession(ctx, "secret-session-id", sess, domain.AuditEntry{Actor: st.Name, Action: domain.AuditSignIn, Subject: st.Name}); err != nil {
			t.Fatal(err)
		}
		var stored []string
		b.s.db.Raw("SELECT id_hash FROM staff_sessions").Scan(&stored)
		if len(stored) != 1 || strings.Contains(stored[0], "secret") || len(stored[0]) != 64 {
			t.Fatalf("stored session ids %q: want one SHA-256", stored)
		}
		got, err := b.s.StaffSession(ctx, "secret-session-id", now.Add(-30*time.Minute))
		if err != nil || got.Name != "claire.dubois" || got.Role != domain.RoleEditor || got.CSRF != "c" {
			t.Fatalf("StaffSession = %+v %v", got, err)
		}
		if _, err := b.s.StaffSession(ctx, "other", now.Add(-time.Hour)); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("unknown session: %v", err)
		}
		// A role change ends the person's sessions.
		if err := b.s.ChangeStaff(ctx, "claire.dubois", domain.RolePublisher, false, domain.AuditEntry{Actor: "admin", Action: domain.AuditStaffChange}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.s.StaffSession(ctx, "secret-session-id", now.Add(-time.Hour)); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("session after a role change: %v, want it ended", err)
		}
		// Idle sessions end.
		b.s.CreateStaffSession(ctx, "s2", sess, domain.AuditEntry{Actor: st.Name, Action: domain.AuditSignIn})
		if _, err := b.s.StaffSession(ctx, "s2", now.Add(time.Minute)); !domain.IsCode(err, domain.NotFound) {
			t.Fatalf("idle session: %v, want it ended", err)
		}
		entries, err := b.s.AuditLog(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, string(e.Action))
		}
		if strings.Join(actions, ",") != "sign_in,staff_change,sign_in,staff_add" {
			t.Fatalf("audit log %v", actions)
		}
		if n, err := b.s.CountAudit(ctx, domain.AuditSignIn, st.Name, "", now.Add(-time.Minute)); err != nil || n != 1 {
			t.Fatalf("CountAudit = %d %v", n, err)
		}
		if older, _ := b.s.AuditLog(ctx, entries[1].ID, 10); len(older) != 2 {
			t.Fatalf("page before %d: %d entries", entries[1].ID, len(older))
		}
	})
}

func TestDraftIsSharedAndPublishedAtomically(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		ctx := t.Context()
		if _, err := b.s.PublishContent(ctx, []byte(`{"v":1}`), "skybridge", "first"); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := b.s.Draft(ctx); ok || err != nil {
			t.Fatalf("draft before any edit: %v %v", ok, err)
		}
		rev, err := b.s.SaveDraft(ctx, domain.ContentDraft{Body: []byte(`{"v":2}`), BaseVersion: 1, UpdatedBy: "ann"}, 0)
		if err != nil || rev != 1 {
			t.Fatalf("first save: %d %v", rev, err)
		}
		// Bob saves over a revision he never saw: refused.
		if _, err := b.s.SaveDraft(ctx, domain.ContentDraft{Body: []byte(`{"v":3}`), BaseVersion: 1, UpdatedBy: "bob"}, 0); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("stale save: %v, want conflict", err)
		}
		if rev, err = b.s.SaveDraft(ctx, domain.ContentDraft{Body: []byte(`{"v":3}`), BaseVersion: 1, UpdatedBy: "bob"}, 1); err != nil || rev != 2 {
			t.Fatalf("second save: %d %v", rev, err)
		}
		audit := domain.AuditEntry{Actor: "pat", Action: domain.AuditPublish}
		if _, err := b.s.PublishDraft(ctx, []byte(`{"v":3}`), 1, "pat", "x", audit); !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("publishing a stale revision: %v, want conflict", err)
		}
		if v, _ := b.s.LatestContentVersion(ctx); v != 1 {
			t.Fatalf("a refused publication left version %d", v)
		}
		n, err := b.s.PublishDraft(ctx, []byte(`{"v":3}`), 2, "pat", "third", audit)
		if err != nil || n != 2 {
			t.Fatalf("publish: %d %v", n, err)
		}
		if _, ok, _ := b.s.Draft(ctx); ok {
			t.Fatal("the draft outlived its publication")
		}
		if n, err = b.s.Republish(ctx, 1, "pat", "rollback to version 1", domain.AuditEntry{Actor: "pat", Action: domain.AuditRollback}); err != nil || n != 3 {
			t.Fatalf("republish: %d %v", n, err)
		}
		v3, _ := b.s.Content(ctx, 3)
		if string(v3.Body) != `{"v":1}` {
			t.Fatalf("version 3 = %s", v3.Body)
		}
		vs, err := b.s.ContentVersions(ctx)
		if err != nil || len(vs) != 3 || vs[0].Version != 3 || len(vs[0].Body) != 0 || vs[2].Comment != "first" {
			t.Fatalf("versions %+v %v", vs, err)
		}
		entries, _ := b.s.AuditLog(ctx, 0, 10)
		if len(entries) != 2 || entries[0].Subject != "content v3" || entries[1].Subject != "content v2" {
			t.Fatalf("audit %+v", entries)
		}
	})
}

// TestAuditLogHasNoUpdateOrDeletePath: nothing in the store's code updates or
// deletes audit rows.
func TestAuditLogHasNoUpdateOrDeletePath(t *testing.T) {
	t.Parallel()
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`(?i)(update|delete\s+from)\s+audit_log|&auditRow\{\}\)\.(Update|Delete)|Delete\(&auditRow`)
	checked := 0
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		src, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		checked++
		if m := bad.Find(src); m != nil {
			t.Errorf("%s changes the audit log: %q", f.Name(), m)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d files checked", checked)
	}
}
