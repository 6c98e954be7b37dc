package main

import (
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The CPU time of the processes taking part and, with -pg, the database's
// transactions are reported per answered turn.
func TestCostPerTurnIsReported(t *testing.T) {
	t.Parallel()
	b, srv := newBot(t, "load-secret")
	args := []string{"-channel", "both", "-cpu-pids", strconv.Itoa(os.Getpid())}
	pg := os.Getenv("TEST_DATABASE_URL")
	if pg != "" {
		args = append(args, "-pg", pg)
	}
	r := runLoad(t, b, testConfig(t, srv.URL, args...))
	if r.Replies.Turns == 0 || r.Cost == nil {
		t.Fatalf("turns %d, cost %+v", r.Replies.Turns, r.Cost)
	}
	// The bot answering the webhooks runs in this process: both entries are it.
	self := "pid " + strconv.Itoa(os.Getpid())
	if r.Cost.CPUms["load"] <= 0 || r.Cost.CPUms[self] <= 0 {
		t.Fatalf("CPU per turn %v: want this process's time under load and %s", r.Cost.CPUms, self)
	}
	if _, ok := r.Cost.CPUms["postgres"]; ok != (pg != "") {
		t.Fatalf("postgres CPU reported %v with -pg %q", ok, pg)
	}
	var out strings.Builder
	if err := r.print(&out, false); err != nil || !strings.Contains(out.String(), "cost per turn answered") ||
		!strings.Contains(out.String(), "CPU "+self) {
		t.Fatalf("report without the cost section (%v):\n%s", err, out.String())
	}
}

func TestCPUTimeOfAProcess(t *testing.T) {
	t.Parallel()
	before := cpuTime(os.Getpid())
	if before <= 0 {
		t.Fatal("no CPU time read for this process")
	}
	// Busy until the clock ticks (10 ms), at most two seconds.
	after := before
	for end := time.Now().Add(2 * time.Second); after == before && time.Now().Before(end); {
		after = cpuTime(os.Getpid())
	}
	if after <= before {
		t.Fatalf("CPU time of this process did not advance while busy: %v → %v", before, after)
	}
	if got := cpuTime(-1); got != 0 {
		t.Fatalf("CPU time of no process = %v, want 0", got)
	}
}

func TestCPUPidsMustBeProcessIDs(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"abc", "0", "-3", "12,x"} {
		if _, err := parseFlags([]string{"-cpu-pids", bad}, io.Discard); err == nil || !strings.Contains(err.Error(), "-cpu-pids") {
			t.Errorf("-cpu-pids %q: %v, want an error naming the flag", bad, err)
		}
	}
	c, err := parseFlags([]string{"-cpu-pids", " 12, 34 "}, io.Discard)
	if err != nil || len(c.CPUPids) != 2 || c.CPUPids[0] != 12 || c.CPUPids[1] != 34 {
		t.Fatalf("-cpu-pids ' 12, 34 ' = %v, %v", c.CPUPids, err)
	}
}
