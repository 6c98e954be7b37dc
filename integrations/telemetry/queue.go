package telemetry

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueStat is how many jobs of one kind are in one state, and for waiting
// (available) jobs how long the oldest has been ready to run.
type QueueStat struct {
	Kind      string
	State     string
	Jobs      int
	OldestAge time.Duration
}

// RiverQueue reads the depth of River's job table.
type RiverQueue struct {
	db    *sql.DB
	query string
}

// NewRiverQueue reads River's jobs from db: PostgreSQL when postgres is set (the
// table in schema, "" for the search path), SQLite otherwise.
func NewRiverQueue(db *sql.DB, postgres bool, schema string) *RiverQueue {
	// Completed jobs are kept by River for a day; they are history, not depth.
	const tmpl = `SELECT kind, state, COUNT(*), COALESCE(MAX(CASE WHEN state = 'available' THEN %s END), 0)
FROM %s WHERE state <> 'completed' GROUP BY kind, state`
	table := "river_job"
	if postgres && schema != "" {
		table = schema + ".river_job"
	}
	age := "(julianday('now') - julianday(scheduled_at)) * 86400.0"
	if postgres {
		age = "EXTRACT(EPOCH FROM (now() - scheduled_at))::float8"
	}
	return &RiverQueue{db: db, query: fmt.Sprintf(tmpl, age, table)}
}

// Stats returns the jobs by kind and state.
func (q *RiverQueue) Stats(ctx context.Context) ([]QueueStat, error) {
	rows, err := q.db.QueryContext(ctx, q.query)
	if err != nil {
		return nil, fmt.Errorf("read job queue: %w", err)
	}
	defer rows.Close()
	var out []QueueStat
	for rows.Next() {
		var s QueueStat
		var age float64
		if err := rows.Scan(&s.Kind, &s.State, &s.Jobs, &age); err != nil {
			return nil, fmt.Errorf("read job queue: %w", err)
		}
		s.OldestAge = time.Duration(max(age, 0) * float64(time.Second))
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read job queue: %w", err)
	}
	return out, nil
}

// QueueSource reads the job queue's depth.
type QueueSource func(ctx context.Context) ([]QueueStat, error)

// queueCollector reads the queue at scrape time, at most once per ttl, so that
// frequent or concurrent scrapes cost one query.
type queueCollector struct {
	src     QueueSource
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	errs    prometheus.Counter

	jobs   *prometheus.Desc
	oldest *prometheus.Desc

	mu    sync.Mutex
	at    time.Time
	stats []QueueStat
	// seen are the (kind, state) pairs ever read: one that empties shows 0
	// rather than vanishing, so that an alert on it resolves.
	seen map[[2]string]bool
}

// WatchQueue adds the job queue's depth (skybridge_queue_jobs{kind,state}) and
// the age of its oldest waiting job (skybridge_queue_oldest_seconds{kind}) to the
// metrics, read from src when scraped and cached for ttl.
func (m *Metrics) WatchQueue(src QueueSource, ttl time.Duration) error {
	c := &queueCollector{src: src, ttl: ttl, timeout: 2 * time.Second, now: time.Now, errs: m.scrapeErr,
		jobs: prometheus.NewDesc(namespace+"_queue_jobs",
			"Jobs in the queue by kind and state (available, scheduled, running, retryable, pending, discarded, cancelled); discarded jobs are the dead letters River still keeps.",
			[]string{"kind", "state"}, nil),
		oldest: prometheus.NewDesc(namespace+"_queue_oldest_seconds",
			"How long the oldest job of each kind has been ready to run without being picked up.",
			[]string{"kind"}, nil),
	}
	return m.reg.Register(c)
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.jobs
	ch <- c.oldest
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	stats, seen := c.read()
	now := map[[2]string]bool{}
	for _, s := range stats {
		now[[2]string{s.Kind, s.State}] = true
		ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(s.Jobs), s.Kind, s.State)
		if s.State == "available" {
			ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, s.OldestAge.Seconds(), s.Kind)
		}
	}
	for _, k := range seen {
		if !now[k] {
			ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, 0, k[0], k[1])
			if k[1] == "available" {
				ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, 0, k[0])
			}
		}
	}
}

// read returns the cached stats, refreshing them when older than ttl. A failed
// read is counted and serves the last stats seen (none at first) until the next
// refresh.
func (c *queueCollector) read() ([]QueueStat, [][2]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.at.IsZero() || now.Sub(c.at) >= c.ttl {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		defer cancel()
		stats, err := c.src(ctx)
		c.at = now // a database that is down is not asked again at every scrape
		if err != nil {
			c.errs.Inc()
		} else {
			c.stats = stats
			if c.seen == nil {
				c.seen = map[[2]string]bool{}
			}
			for _, s := range stats {
				c.seen[[2]string{s.Kind, s.State}] = true
			}
		}
	}
	seen := make([][2]string, 0, len(c.seen))
	for k := range c.seen {
		seen = append(seen, k)
	}
	return c.stats, seen
}
