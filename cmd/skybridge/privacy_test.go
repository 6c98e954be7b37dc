package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/migrations"
)

// The traveller of the privacy test: Marc Dubois on DB4LHR, writing from the
// booking's contact number, giving his passport on WhatsApp; he also wrote once
// on Messenger.
const (
	privPhone     = "33600000102"
	privMessenger = "7000000000000777"
	privPassport  = "18QX45821"
	privBirth     = "1985-03-12"
	privSurname   = "Dubois"
)

// TestEraseAfterACheckInLeavesNoTrace checks a traveller in with passport
// data over WhatsApp through the real binary, exports their data over the JSON
// API (an admin token) and finds it there in clear, erases them from the command
// line (WhatsApp number) and over the API (Messenger id), then reads every
// column of every table, opening sealed values, and finds none of their number,
// Messenger id, passport number or surname — on SQLite and on PostgreSQL.
func TestEraseAfterACheckInLeavesNoTrace(t *testing.T) {
	for _, d := range []migrations.Dialect{migrations.SQLite, migrations.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			// English only: the traveller writes English, and the test does not
			// depend on every catalogue being complete.
			extra := []string{"SKYBRIDGE_LANGUAGES=en"}
			key := domain.NewKey("p1")
			dbURL := ""
			if d == migrations.Postgres {
				base := dbtest.PostgresURL(t)
				dbURL = dbtest.WithSchema(t, base, dbtest.NewSchema(t, base))
				extra = append(extra, "SKYBRIDGE_DATABASE_URL="+dbURL, "SKYBRIDGE_DATA_KEYS="+key)
			}
			r := newChannelRig(t, extra...)
			if d == migrations.SQLite {
				dbURL = filepath.Join(r.dir, "sky.db")
				b, err := os.ReadFile(filepath.Join(r.dir, "skybridge.key"))
				if err != nil {
					t.Fatal(err)
				}
				key = strings.TrimSpace(string(b))
			}
			sealer, err := domain.NewSealer(key)
			if err != nil {
				t.Fatal(err)
			}

			wa := r.traveller("whatsapp", privPhone)
			wa.say("I want to check in", "booking reference")
			wa.say("DB4LHR "+privSurname, "Marc")
			wa.tap("pax:2", "passport")
			wa.say(privPassport, "nationality")
			wa.say("France", "issued")
			wa.tap("same", "expire")
			wa.say("01-05-2031", "date of birth")
			wa.say("12-03-1985", "dangerous goods")
			wa.tap("yes", "seat")
			wa.tap("seat:keep", "Please check")
			wa.tap("yes", "checked in")
			fb := r.traveller("messenger", privMessenger)
			fb.say("hello", "")
			// Let the fake's status callbacks for the sent messages arrive.
			time.Sleep(time.Second)

			admin := strings.TrimSpace(cli(t, r, "token", "create", "--role", "admin", "privacy-officer"))
			resp, exp := postJSON(t, r.in.URL+"/api/v1/privacy/export", admin,
				[]byte(`{"kind":"whatsapp","id":"+`+privPhone+`"}`))
			if resp.StatusCode != 200 {
				t.Fatalf("export: %d %v", resp.StatusCode, exp)
			}
			raw, _ := json.Marshal(exp)
			for _, want := range []string{privPhone, privPassport, privBirth, privSurname, "DB4LHR"} {
				if !strings.Contains(string(raw), want) {
					t.Errorf("export lacks %q:\n%.2000s", want, raw)
				}
			}
			if n := len(exp["travel_documents"].([]any)); n != 1 {
				t.Errorf("export has %d travel documents, want Marc's", n)
			}
			needles := []string{privPhone, privMessenger, privPassport, privSurname}
			if len(scanAll(t, d, dbURL, sealer, needles...)) == 0 {
				t.Fatal("the traveller's data is not in the database: the scan proves nothing")
			}

			out := cli(t, r, "privacy", "erase", "whatsapp", "+"+privPhone)
			if !strings.Contains(out, "conversations") || !strings.Contains(out, "pss_documents") {
				t.Fatalf("erase printed:\n%s", out)
			}
			resp, rep := postJSON(t, r.in.URL+"/api/v1/privacy/erase", admin,
				[]byte(`{"kind":"messenger","id":"`+privMessenger+`"}`))
			if resp.StatusCode != 200 || rep["erased"].(float64) == 0 {
				t.Fatalf("erase over the API: %d %v", resp.StatusCode, rep)
			}
			r.in.stop()

			for _, f := range scanAll(t, d, dbURL, sealer, needles...) {
				// The reservation system's record of carriage (the names on the
				// booking, its e-mail contact) is not Skybridge's to erase.
				if f.table == "pss_passengers" && (f.column == "surname" || f.column == "given") ||
					f.table == "pss_bookings" && f.column == "email_sealed" {
					continue
				}
				t.Errorf("after erasure: %s", f)
			}
			// The erasures were recorded with who asked, never with the number.
			audit := scanAll(t, d, dbURL, sealer, "cli:", "token:privacy-officer")
			if len(audit) < 2 {
				t.Errorf("audit log: %v", audit)
			}
		})
	}
}

// postJSON posts body with a bearer token and decodes the JSON answer.
func postJSON(t *testing.T, url, token string, body []byte) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp, out
}

// cli runs the binary with the rig's configuration and returns its output.
func cli(t *testing.T, r *channelRig, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, r.env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skybridge %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// scanFinding is a value found where it should not be.
type scanFinding struct{ table, column, value string }

func (f scanFinding) String() string { return f.table + "." + f.column + ": " + f.value }

// scanAll reads every column of every table and reports values containing a
// needle (ignoring case), in clear or inside a sealed value.
func scanAll(t *testing.T, d migrations.Dialect, url string, sealer *domain.Sealer, needles ...string) []scanFinding {
	t.Helper()
	db, err := database.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type col struct{ table, column string }
	var cols []col
	if d == migrations.Postgres {
		var rows []struct{ TableName, ColumnName string }
		if err := db.Gorm.Raw(`SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			cols = append(cols, col{r.TableName, r.ColumnName})
		}
	} else {
		var tables []string
		if err := db.Gorm.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables).Error; err != nil {
			t.Fatal(err)
		}
		for _, tb := range tables {
			var info []struct{ Name string }
			if err := db.Gorm.Raw(`SELECT name FROM pragma_table_info(?)`, tb).Scan(&info).Error; err != nil {
				t.Fatal(err)
			}
			for _, c := range info {
				cols = append(cols, col{tb, c.Name})
			}
		}
	}
	if len(cols) < 50 {
		t.Fatalf("only %d columns found: the scan would prove nothing", len(cols))
	}
	var out []scanFinding
	for _, c := range cols {
		expr := `"` + c.column + `"`
		if d == migrations.Postgres {
			expr = `CAST("` + c.column + `" AS TEXT)`
		}
		rows, err := db.Gorm.Raw(`SELECT ` + expr + ` FROM "` + c.table + `" WHERE "` + c.column + `" IS NOT NULL`).Rows()
		if err != nil {
			t.Fatalf("scan %s.%s: %v", c.table, c.column, err)
		}
		for rows.Next() {
			var v any
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			var s string
			switch x := v.(type) {
			case []byte:
				s = string(x)
			case string:
				s = x
			default:
				continue
			}
			texts := []string{s}
			if strings.HasPrefix(s, "v1:") {
				if plain, err := sealer.Open(s); err == nil {
					texts = append(texts, plain)
				}
			}
			for _, txt := range texts {
				for _, n := range needles {
					if strings.Contains(strings.ToLower(txt), strings.ToLower(n)) {
						out = append(out, scanFinding{c.table, c.column, txt})
					}
				}
			}
		}
		rows.Close()
	}
	return out
}

func TestRetentionConfiguration(t *testing.T) {
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	r := retention(c)
	if r.Transcripts != 90*24*time.Hour || r.Documents != 72*time.Hour || r.Deliveries != 30*24*time.Hour || r.WebhookEvents != 7*24*time.Hour {
		t.Fatalf("default retention %+v", r)
	}
	for _, tc := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"180d", 180 * 24 * time.Hour, true}, {"36h", 36 * time.Hour, true}, {"off", 0, true},
		{"30m", 0, false}, {"0d", 0, false}, {"forever", 0, false}, {"-3d", 0, false},
	} {
		c, err := LoadConfig(env(map[string]string{"SKYBRIDGE_RETAIN_TRANSCRIPTS": tc.value}))
		if (err == nil) != tc.ok || (tc.ok && c.Retention.Transcripts != tc.want) {
			t.Errorf("SKYBRIDGE_RETAIN_TRANSCRIPTS=%s: %v %v", tc.value, c.Retention.Transcripts, err)
		}
		if tc.ok && !strings.Contains(c.String(), "SKYBRIDGE_RETAIN_TRANSCRIPTS="+tc.value) {
			t.Errorf("config prints %s differently:\n%s", tc.value, c.String())
		}
	}
}
