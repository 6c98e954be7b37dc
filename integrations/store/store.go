package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/migrations"
)

// Options tune a Store. The zero value is usable.
type Options struct {
	// Workers is how many conversations the inbox queue processes at once on this
	// instance. Default 10.
	Workers int
	// Now is the clock; default time.Now. Every timestamp is written in UTC.
	Now func() time.Time
	// PollInterval is how often idle workers look for new jobs. PostgreSQL through
	// database/sql has no LISTEN, so this bounds the latency of a reply. Default
	// 200ms.
	PollInterval time.Duration
	// MaxAttempts is how often a failing processing job runs before River discards
	// it (the sweep enqueues the conversation again later). Default 10: with the
	// backoff below that is about a quarter of an hour.
	MaxAttempts int
	// MaxBackoff caps the exponential backoff between attempts. Default 5 minutes.
	MaxBackoff time.Duration
	// JobTimeout bounds one processing run. Default 2 minutes.
	JobTimeout time.Duration
	// SweepInterval is how often the periodic sweep (run once per cluster, by
	// River's leader) looks for stranded messages. Default one minute.
	SweepInterval time.Duration
	// StrandedAfter is how long an unprocessed message waits before the sweep
	// enqueues its conversation again. Default one minute.
	StrandedAfter time.Duration
	// JobFailed, when set, is told of every failed job: its kind and whether it
	// was the last attempt (the job is discarded, a dead letter). For metrics.
	JobFailed func(kind string, final bool)
}

func (o Options) withDefaults() Options {
	if o.Workers <= 0 {
		o.Workers = 10
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 200 * time.Millisecond
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 10
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Minute
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 2 * time.Minute
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = time.Minute
	}
	if o.StrandedAfter <= 0 {
		o.StrandedAfter = time.Minute
	}
	return o
}

// Store is the gorm-backed persistence of conversations, inbox, outbox, flight
// updates and jobs. It implements flows.Store, flows.DeliveryStore,
// flows.WatchStore and flows.NotifyStore. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect migrations.Dialect
	schema  string // PostgreSQL schema of the River tables, "" for the search path
	sealer  *domain.Sealer
	log     *slog.Logger
	opts    Options
	// blindKey keys the blind indexes of contact identifiers (privacy_blind.go).
	blindKey []byte

	river *river.Client[*sql.Tx]

	mu       sync.Mutex // guards started; held across River start and stop
	hmu      sync.RWMutex
	listener *pgxpool.Pool // guards the handlers; never held while River stops
	process  func(ctx context.Context, conversationID int64) error
	deliver  func(ctx context.Context, conversationID int64) error
	webhook  func(ctx context.Context, channel domain.Channel, body []byte) error
	tick     func(ctx context.Context, task string, at time.Time) error
	fanOut   func(ctx context.Context, eventID int64) error
	started  bool

	wake notifier
}

// New returns a Store over an open, migrated database and applies River's own
// migrations to the same schema. Jobs can be inserted at once; call Start to work
// them.
func New(db *database.DB, sealer *domain.Sealer, log *slog.Logger, opts Options) (*Store, error) {
	if db == nil || sealer == nil {
		return nil, errors.New("new store: database and sealer are required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sqlDB, err := db.Gorm.DB()
	if err != nil {
		return nil, fmt.Errorf("new store: %w", err)
	}
	s := &Store{
		db:      db.Gorm,
		sqlDB:   sqlDB,
		dialect: db.Dialect,
		sealer:  sealer,
		log:     log,
		opts:    opts.withDefaults(),
		wake:    notifier{subs: map[int64]map[*subscription]struct{}{}},
	}
	var driver riverdriver.Driver[*sql.Tx]
	switch db.Dialect {
	case migrations.Postgres:
		// A small pgx pool of its own lets River LISTEN for new jobs, so that a
		// worker picks a message up at once instead of at its next poll.
		listener, err := pgxpool.New(context.Background(), listenerURL(db.URL))
		if err != nil {
			return nil, fmt.Errorf("new store: listener pool: %w", err)
		}
		s.listener = listener
		driver = riverdatabasesql.NewWithPgxListener(sqlDB, listener)
		s.schema = db.Schema
	case migrations.SQLite:
		driver = riversqlite.New(sqlDB)
	default:
		return nil, fmt.Errorf("new store: unsupported dialect %q", db.Dialect)
	}
	if err := migrateRiver(context.Background(), driver, s.schema, log); err != nil {
		return nil, err
	}
	if s.blindKey, err = loadBlindKey(context.Background(), s.db, sealer, blindPurposeContact, s.now()); err != nil {
		return nil, fmt.Errorf("new store: %w", err)
	}
	if s.river, err = s.newRiverClient(driver); err != nil {
		return nil, fmt.Errorf("new store: %w", err)
	}
	return s, nil
}

// listenerURL bounds the listener pool: it holds one LISTEN connection.
func listenerURL(u string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "pool_max_conns=2"
}

// Close releases the store's own connections (the LISTEN pool); call it after Stop.
func (s *Store) Close() {
	if s.listener != nil {
		s.listener.Close()
	}
}

// migrateRiver applies River's migrations (its job, leader and queue tables) in
// the schema the application tables live in.
func migrateRiver(ctx context.Context, driver riverdriver.Driver[*sql.Tx], schema string, log *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: schema, Logger: slog.New(atLeast{min: slog.LevelWarn, h: log.Handler()})})
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// inTx runs fn in one transaction. fn receives the gorm transaction and its *sql.Tx
// for River's InsertTx. On SQLite the pool has a single connection: fn must use tx
// only, never s.db, or it would wait for itself.
func (s *Store) inTx(ctx context.Context, fn func(tx *gorm.DB, sqlTx *sql.Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
		if !ok {
			return fmt.Errorf("transaction is a %T, not *sql.Tx", tx.Statement.ConnPool)
		}
		return fn(tx, sqlTx)
	})
}
