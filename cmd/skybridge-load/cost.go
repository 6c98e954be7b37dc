package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Cost is what a turn costs on this machine: CPU time of the processes taking
// part and PostgreSQL transactions. The processes are read from /proc, which is
// why the load command only targets a Skybridge on its own machine.
type Cost struct {
	// CPUms is CPU milliseconds per answered turn by process: "load" (this
	// command, the fake Graph API included), "pid N" for each -cpu-pids
	// process, and "postgres" (the backends connected to the -pg database).
	CPUms map[string]float64 `json:"cpu_ms_per_turn,omitempty"`
	// Transactions is PostgreSQL transactions (commits and rollbacks of the
	// -pg database) per answered turn.
	Transactions float64 `json:"pg_transactions_per_turn,omitempty"`
}

// costMeter samples CPU times and transaction counters before and after the run.
type costMeter struct {
	pids []int
	db   *sql.DB
	name string // the database whose backends and transactions count

	cpu0   map[string]time.Duration
	pg0    map[int]time.Duration
	xacts0 int64
}

func newCostMeter(pids []int, pgURL string) (*costMeter, error) {
	m := &costMeter{pids: pids}
	if pgURL != "" {
		db, err := sql.Open("pgx", pgURL)
		if err != nil {
			return nil, fmt.Errorf("-pg: %w", err)
		}
		db.SetMaxOpenConns(1)
		m.db = db
		if err := db.QueryRow("SELECT current_database()").Scan(&m.name); err != nil {
			db.Close()
			return nil, fmt.Errorf("-pg: %w", err)
		}
	}
	return m, nil
}

func (m *costMeter) close() {
	if m.db != nil {
		m.db.Close()
	}
}

// start takes the first sample.
func (m *costMeter) start(ctx context.Context) error {
	m.cpu0 = m.processes()
	if m.db == nil {
		return nil
	}
	var err error
	if m.pg0, err = m.backends(ctx); err != nil {
		return err
	}
	m.xacts0, err = m.transactions(ctx)
	return err
}

// stop takes the second sample and divides by the turns answered.
func (m *costMeter) stop(ctx context.Context, turns int) (Cost, error) {
	c := Cost{CPUms: map[string]float64{}}
	if turns <= 0 {
		return c, nil
	}
	per := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(turns) }
	for k, v := range m.processes() {
		c.CPUms[k] = per(v - m.cpu0[k])
	}
	if m.db == nil {
		return c, nil
	}
	pg1, err := m.backends(ctx)
	if err != nil {
		return c, err
	}
	var pg time.Duration
	// Backends that ended during the run are missed: the pool keeps its
	// connections, so they are few.
	for pid, v := range pg1 {
		pg += v - m.pg0[pid]
	}
	c.CPUms["postgres"] = per(pg)
	x, err := m.transactions(ctx)
	if err != nil {
		return c, err
	}
	c.Transactions = float64(x-m.xacts0) / float64(turns)
	return c, nil
}

func (m *costMeter) processes() map[string]time.Duration {
	out := map[string]time.Duration{"load": cpuTime(os.Getpid())}
	for _, pid := range m.pids {
		out["pid "+strconv.Itoa(pid)] = cpuTime(pid)
	}
	return out
}

func (m *costMeter) backends(ctx context.Context) (map[int]time.Duration, error) {
	rows, err := m.db.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", m.name)
	if err != nil {
		return nil, fmt.Errorf("postgres backends: %w", err)
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil, fmt.Errorf("postgres backends: %w", err)
		}
		out[pid] = cpuTime(pid)
	}
	return out, rows.Err()
}

func (m *costMeter) transactions(ctx context.Context) (int64, error) {
	var n int64
	err := m.db.QueryRowContext(ctx, "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", m.name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres transactions: %w", err)
	}
	return n, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// cpuTime is the user plus system CPU time of a process, zero when it cannot be
// read (ended, or not on Linux).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count fields after its ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	// utime and stime are fields 14 and 15 of the line, 12 and 13 after ")".
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * time.Second / clockTicks
}
