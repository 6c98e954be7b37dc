package store

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/migrations"
)

// BenchmarkResults measures the results dashboard over a month of check-ins
// written straight into the transition log: per run 2 to 7 transitions, 70 %
// checked in, 20 % abandoned (expiry) at a step, 10 % handed to a person and
// back. One iteration is one dashboard read of the whole month, all flows.
//
//	go test ./integrations/store -run X -bench Results -benchtime 5x
func BenchmarkResults(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		for _, runs := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/runs=%d", dialect, runs), func(b *testing.B) {
				db := dbtest.Postgres
				if dialect == "sqlite" {
					db = dbtest.SQLite
				}
				benchResults(b, db(b), runs)
			})
		}
	}
}

func benchResults(b *testing.B, db *database.DB, runs int) {
	s := setup(b, db, Options{}).s
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	seedRuns(b, db, start, runs)
	q := domain.ResultsQuery{From: start, To: start.AddDate(0, 1, 0), Finals: checkinFinals,
		Goals: map[string]string{"checkin": "checked_in"}}
	var res domain.Results
	cpu0, n := processCPU(), 0
	for b.Loop() {
		var err error
		if res, err = s.Results(b.Context(), q); err != nil {
			b.Fatal(err)
		}
		n++
	}
	// The machine may be shared: the process's own CPU time (all of SQLite's
	// work, only the client's on PostgreSQL) is steadier than wall time.
	b.ReportMetric(float64((processCPU()-cpu0).Milliseconds())/float64(n), "cpu-ms/op")
	started := 0
	for _, f := range res.Flows {
		started += f.Started
	}
	if started != runs {
		b.Fatalf("dashboard counted %d runs, seeded %d", started, runs)
	}
}

// seedRuns writes n conversations, one check-in run each, spread over 30 days.
func seedRuns(b *testing.B, db *database.DB, start time.Time, n int) {
	b.Helper()
	const batch = 500
	steps := [][3]string{{"idle", "ask_booking", "start"}, {"ask_booking", "looking_up", "lookup"},
		{"looking_up", "choose_passengers", "found"}, {"choose_passengers", "collect_documents", "chosen"},
		{"collect_documents", "confirm", "documents_ok"}, {"confirm", "checking_in", "yes"}, {"checking_in", "checked_in", "done"}}
	channels := []string{"whatsapp", "messenger", "webchat"}
	langs := []string{"en", "fr", "nl", "de", "es"}
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		var conv strings.Builder
		var cargs []any
		conv.WriteString("INSERT INTO conversations (id, channel, user_id, lang, flow, state, data, content_version, version, created_at, updated_at) VALUES ")
		for i := lo; i < hi; i++ {
			if i > lo {
				conv.WriteString(",")
			}
			at := start.Add(time.Duration(float64(i) / float64(n) * float64(30*24*time.Hour)))
			conv.WriteString("(?,?,?,?,'','','',1,1,?,?)")
			cargs = append(cargs, int64(i+1), channels[i%3], fmt.Sprintf("seed-%d", i), langs[i%5], at, at)
		}
		if err := db.Gorm.Exec(conv.String(), cargs...).Error; err != nil {
			b.Fatal(err)
		}
		var tr strings.Builder
		var targs []any
		tr.WriteString("INSERT INTO transitions (conversation_id, flow, from_state, to_state, event, content_version, lang, at) VALUES ")
		first := true
		add := func(conv int64, flow, from, to, ev, lang string, at time.Time) {
			if !first {
				tr.WriteString(",")
			}
			first = false
			tr.WriteString("(?,?,?,?,?,1,?,?)")
			targs = append(targs, conv, flow, from, to, ev, lang, at)
		}
		for i := lo; i < hi; i++ {
			c, lang := int64(i+1), langs[i%5]
			at := start.Add(time.Duration(float64(i) / float64(n) * float64(30*24*time.Hour)))
			switch r := i % 10; {
			case r < 7: // checked in
				for k, st := range steps {
					add(c, "checkin", st[0], st[1], st[2], lang, at.Add(time.Duration(k)*40*time.Second))
				}
			case r < 9: // gave up at a step
				stop := 2 + i%4
				for k, st := range steps[:stop] {
					add(c, "checkin", st[0], st[1], st[2], lang, at.Add(time.Duration(k)*40*time.Second))
				}
				add(c, "checkin", steps[stop-1][1], "", "abandon:expired", lang, at.Add(time.Hour))
			default: // a person helps at the documents, then the bot finishes
				for k, st := range steps[:4] {
					add(c, "checkin", st[0], st[1], st[2], lang, at.Add(time.Duration(k)*40*time.Second))
				}
				add(c, "checkin", "collect_documents", "", "park:handoff", lang, at.Add(3*time.Minute))
				add(c, "handoff", "idle", "waiting_human", "start", lang, at.Add(3*time.Minute))
				add(c, "handoff", "waiting_human", "resumed", "bot_resumes", lang, at.Add(8*time.Minute))
				add(c, "checkin", "", "collect_documents", "resume:handback", lang, at.Add(8*time.Minute))
				for k, st := range steps[4:] {
					add(c, "checkin", st[0], st[1], st[2], lang, at.Add(9*time.Minute+time.Duration(k)*40*time.Second))
				}
			}
		}
		if err := db.Gorm.Exec(tr.String(), targs...).Error; err != nil {
			b.Fatal(err)
		}
	}
	if db.Dialect == migrations.Postgres {
		for _, q := range []string{"SELECT setval('conversations_id_seq', (SELECT MAX(id) FROM conversations))",
			"ANALYZE conversations", "ANALYZE transitions"} {
			if err := db.Gorm.Exec(q).Error; err != nil {
				b.Fatal(err)
			}
		}
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
