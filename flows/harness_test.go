package flows_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/nlu"
	"github.com/skybridge/skybridge/integrations/pss"
	"github.com/skybridge/skybridge/integrations/store"
)

// The conversation tests run the real engine on the real store, the demo booking
// system and the built-in classifier, against a fake clock. The demo airline is
// loaded relative to that clock, so its flights sit where the README says.
var testNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

var (
	classifierOnce sync.Once
	classifier     *nlu.Classifier
	classifierErr  error
)

func sharedClassifier(t testing.TB) *nlu.Classifier {
	classifierOnce.Do(func() { classifier, classifierErr = nlu.New(domain.Languages) })
	if classifierErr != nil {
		t.Fatal(classifierErr)
	}
	return classifier
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t      testing.TB
	db     *database.DB
	store  *store.Store
	engine *flows.Engine
	clock  *clock
	sealer *domain.Sealer
}

func newHarness(t testing.TB, db *database.DB) *harness {
	t.Helper()
	ctx := context.Background()
	sealer, err := domain.NewSealer(domain.NewKey("test"))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: testNow}
	if _, err := pss.LoadDemoIfEmpty(ctx, db, sealer, clk.Now()); err != nil {
		t.Fatal(err)
	}
	st, err := store.New(db, sealer, nil, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	c, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := flows.MarshalContent(c)
	if _, err := st.PublishContent(ctx, body, "test", "default"); err != nil {
		t.Fatal(err)
	}
	e, err := flows.NewEngine(flows.Config{Store: st, NLU: sharedClassifier(t),
		Bookings: pss.NewDemo(db, sealer, clk.Now), Now: clk.Now, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { collectCoverage(t, db) }) // runs before the store and database close
	return &harness{t: t, db: db, store: st, engine: e, clock: clk, sealer: sealer}
}

// traveller is one web chat user of a harness.
type traveller struct {
	h       *harness
	user    string
	n       int
	lastSeq int
	conv    int64
	last    []domain.Outbound
}

func (h *harness) traveller(name string) *traveller {
	return &traveller{h: h, user: fmt.Sprintf("%s-%d", name, time.Now().UnixNano())}
}

// send delivers a message (free text, or a tapped choice when payload is set) and
// returns what the bot answered.
func (tr *traveller) send(text, payload string) []domain.Outbound {
	tr.h.t.Helper()
	ctx := context.Background()
	tr.n++
	in := domain.Inbound{Channel: domain.WebChat, ChannelMessageID: fmt.Sprintf("%s:%d", tr.user, tr.n),
		Text: text, Payload: payload, ReceivedAt: tr.h.clock.Now()}
	id, dup, err := tr.h.store.Accept(ctx, in, tr.user)
	if err != nil || dup {
		tr.h.t.Fatalf("accept %q: dup=%v err=%v", text, dup, err)
	}
	tr.conv = id
	if err := tr.h.engine.Process(ctx, id); err != nil {
		tr.h.t.Fatalf("process %q: %v", text, err)
	}
	out, err := tr.h.store.OutboundAfter(ctx, id, tr.lastSeq, 100)
	if err != nil {
		tr.h.t.Fatal(err)
	}
	if len(out) > 0 {
		tr.lastSeq = out[len(out)-1].Seq
	}
	tr.last = out
	return out
}

func (tr *traveller) say(text string) []domain.Outbound { return tr.send(text, "") }

// tap taps the choice of the last reply whose id has the given prefix.
func (tr *traveller) tap(idPrefix string) []domain.Outbound {
	tr.h.t.Helper()
	for _, o := range tr.last {
		for _, c := range o.Choices {
			if strings.HasPrefix(c.ID, idPrefix) {
				return tr.send(c.Title, c.ID)
			}
		}
	}
	tr.h.t.Fatalf("no choice %q in the last reply:\n%s", idPrefix, transcript(tr.last))
	return nil
}

func (tr *traveller) state() domain.Conversation {
	c, err := tr.h.store.Conversation(context.Background(), tr.conv)
	if err != nil {
		tr.h.t.Fatal(err)
	}
	return c
}

func transcript(out []domain.Outbound) string {
	var b strings.Builder
	for _, o := range out {
		fmt.Fprintf(&b, "  [%s] %s", o.Kind, o.Text)
		for _, c := range o.Choices {
			fmt.Fprintf(&b, " <%s|%s>", c.ID, c.Title)
		}
		if o.Attachment != nil {
			fmt.Fprintf(&b, " {%s %s}", o.Attachment.MIME, o.Attachment.URL)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// expect fails unless some message of the reply contains every fragment
// (case-insensitive).
func expect(t testing.TB, out []domain.Outbound, fragments ...string) {
	t.Helper()
	all := strings.ToLower(transcript(out))
	for _, f := range fragments {
		if !strings.Contains(all, strings.ToLower(f)) {
			t.Fatalf("reply lacks %q:\n%s", f, transcript(out))
		}
	}
}

func expectNot(t testing.TB, out []domain.Outbound, fragments ...string) {
	t.Helper()
	all := strings.ToLower(transcript(out))
	for _, f := range fragments {
		if strings.Contains(all, strings.ToLower(f)) {
			t.Fatalf("reply should not contain %q:\n%s", f, transcript(out))
		}
	}
}

func passes(out []domain.Outbound, kind domain.OutboundKind) []string {
	var urls []string
	for _, o := range out {
		if o.Kind == kind && o.Attachment != nil {
			urls = append(urls, o.Attachment.URL)
		}
	}
	return urls
}

func sqlite(t *testing.T) *harness { return newHarness(t, dbtest.SQLite(t)) }

// testLogger writes the engine's log into the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tlogWriter struct{ t testing.TB }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (h *harness) bookings() domain.BookingSystem { return pss.NewDemo(h.db, h.sealer, h.clock.Now) }
