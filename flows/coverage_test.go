package flows_test

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
)

// Transition coverage: every harness's database is read when its test ends, and
// the transitions the conversation tests fired are collected. After a full run of
// the package, TestMain prints per flow what was exercised and fails when a
// transition of a flow definition was never taken by any conversation test.

var covered sync.Map // "flow: from --event--> to"

func collectCoverage(t testing.TB, db *database.DB) {
	var rows []struct{ Flow, FromState, Event, ToState string }
	err := db.Gorm.Raw(`SELECT DISTINCT flow, from_state, event, to_state FROM transitions`).Scan(&rows).Error
	if err != nil {
		t.Logf("transition coverage: %v", err)
		return
	}
	for _, r := range rows {
		if strings.Contains(r.Event, ":") {
			continue // leaving, parking or resuming a flow is not a transition of its table
		}
		covered.Store(r.Flow+": "+r.FromState+" --"+r.Event+"--> "+r.ToState, true)
	}
}

// coverageReport lists, per flow, the transitions exercised and those missing.
func coverageReport() (report string, missing int) {
	var b strings.Builder
	for _, f := range flows.Flows() {
		var miss []string
		all := f.Transitions()
		for _, tr := range all {
			if _, ok := covered.Load(f.Name + ": " + tr); !ok {
				miss = append(miss, tr)
			}
		}
		fmt.Fprintf(&b, "flow %s: %d of %d transitions exercised\n", f.Name, len(all)-len(miss), len(all))
		sort.Strings(miss)
		for _, m := range miss {
			fmt.Fprintf(&b, "  not exercised: %s\n", m)
		}
		missing += len(miss)
	}
	return b.String(), missing
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	full := flag.Lookup("test.run").Value.String() == "" && !testing.Short()
	if full {
		report, missing := coverageReport()
		fmt.Print("transition coverage of the conversation tests:\n" + report)
		if p := os.Getenv("SKYBRIDGE_COVERAGE_REPORT"); p != "" {
			_ = os.WriteFile(p, []byte(report), 0o644)
		}
		if missing > 0 && code == 0 {
			fmt.Println("FAIL: every transition of every flow must be exercised by a conversation test")
			code = 1
		}
	}
	os.Exit(code)
}
