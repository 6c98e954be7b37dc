package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
)

var _ flows.Store = (*Store)(nil)

// bundle is what setup gives a test.
type bundle struct {
	s    *Store
	db   *database.DB
	key  string
	logs *logRecorder
}

func setup(t testing.TB, db *database.DB, opts Options) *bundle {
	t.Helper()
	key := domain.NewKey("k1")
	b := &bundle{db: db, key: key, logs: &logRecorder{}}
	b.s = newStore(t, db, key, b.logs, opts)
	return b
}

// newStore opens a Store on db, as a second instance or a restart would.
func newStore(t testing.TB, db *database.DB, key string, logs *logRecorder, opts Options) *Store {
	t.Helper()
	sealer, err := domain.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = 20 * time.Millisecond
	}
	s, err := New(db, sealer, slog.New(logs), opts)
	if err != nil {
		t.Fatalf("new store: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		s.Close()
	})
	return s
}

func msg(id, text string) domain.Inbound {
	return domain.Inbound{Channel: domain.WhatsApp, ChannelMessageID: id, Text: text}
}

func accept(t testing.TB, s *Store, in domain.Inbound, user string) int64 {
	t.Helper()
	id, dup, err := s.Accept(context.Background(), in, user)
	if err != nil {
		t.Fatalf("accept %s: %v", in.ChannelMessageID, err)
	}
	if dup {
		t.Fatalf("accept %s: unexpected duplicate", in.ChannelMessageID)
	}
	return id
}

// recorder counts committed turns per inbound message.
type recorder struct {
	mu    sync.Mutex
	turns map[int64]int
	texts []string
	calls int
}

func (r *recorder) committed(in domain.Inbound) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.turns == nil {
		r.turns = map[int64]int{}
	}
	r.turns[in.ID]++
	r.texts = append(r.texts, in.Text)
}

func (r *recorder) snapshot() (map[int64]int, []string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := map[int64]int{}
	for k, v := range r.turns {
		m[k] = v
	}
	return m, append([]string(nil), r.texts...), r.calls
}

// echo is a minimal engine: it answers every pending message of the conversation
// in order, reloading after a conflict, as flows' engine does.
func echo(s *Store, rec *recorder) func(ctx context.Context, conversationID int64) error {
	return func(ctx context.Context, conversationID int64) error {
		rec.mu.Lock()
		rec.calls++
		rec.mu.Unlock()
		for {
			c, err := s.Conversation(ctx, conversationID)
			if err != nil {
				return err
			}
			in, ok, err := s.NextInbound(ctx, conversationID)
			if err != nil || !ok {
				return err
			}
			err = s.CommitTurn(ctx, domain.Turn{
				Conversation: c,
				InboundID:    in.ID,
				Transitions:  []domain.Transition{{Flow: "echo", From: "idle", To: "idle", Event: "message"}},
				Outbound:     []domain.Outbound{{Kind: domain.OutText, Text: "echo " + in.Text}},
			})
			switch {
			case domain.IsCode(err, domain.Conflict):
				continue
			case err != nil:
				return err
			}
			rec.committed(in)
		}
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(t testing.TB, db *database.DB, query string, args ...any) int {
	t.Helper()
	var n int64
	if err := db.Gorm.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return int(n)
}

func pendingCount(t testing.TB, db *database.DB) int {
	return count(t, db, "SELECT COUNT(*) FROM inbound_messages WHERE processed_at IS NULL")
}

// logRecorder is a slog.Handler keeping warnings and errors for assertions.
type logRecorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logRecorder) Enabled(_ context.Context, lvl slog.Level) bool { return lvl >= slog.LevelWarn }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler             { return l }
func (l *logRecorder) WithGroup(string) slog.Handler                  { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}

// find returns the attributes of the first record at level with message msg.
func (l *logRecorder) find(level slog.Level, msg string) (map[string]string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.records {
		if r.Level != level || r.Message != msg {
			continue
		}
		attrs := map[string]string{}
		r.Attrs(func(a slog.Attr) bool {
			attrs[a.Key] = fmt.Sprint(a.Value.Any())
			return true
		})
		return attrs, true
	}
	return nil, false
}
