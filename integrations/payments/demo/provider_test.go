package demopay_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	demopay "github.com/skybridge/skybridge/integrations/payments/demo"
)

var _ domain.Payments = (*demopay.Provider)(nil)

// sink records events; fail makes the next deliveries fail.
type sink struct {
	mu     sync.Mutex
	events []domain.PaymentEvent
	fail   bool
}

func (s *sink) RecordPaymentEvent(_ context.Context, ev domain.PaymentEvent) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return false, errors.New("database away")
	}
	for _, e := range s.events {
		if e.ID == ev.ID {
			return false, nil
		}
	}
	s.events = append(s.events, ev)
	return true, nil
}

func (s *sink) got() []domain.PaymentEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]domain.PaymentEvent(nil), s.events...)
}

type bundle struct {
	p    *demopay.Provider
	sink *sink
	url  string
	now  *time.Time
}

func setup(t *testing.T, db *database.DB) *bundle {
	t.Helper()
	now := time.Now().UTC()
	b := &bundle{sink: &sink{}, now: &now}
	srv := httptest.NewUnstartedServer(nil)
	b.url = "http://" + srv.Listener.Addr().String()
	b.p = demopay.New(demopay.Config{DB: db, PageURL: b.url + "/pay", Secret: []byte("s3cret"), Sink: b.sink,
		Now: func() time.Time { return *b.now }})
	srv.Config.Handler = b.p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return b
}

func (b *bundle) link(t *testing.T, key string, in time.Duration) domain.PaymentLink {
	t.Helper()
	l, err := b.p.CreateLink(t.Context(), domain.PaymentRequest{IdempotencyKey: key, Reference: "ref-" + key,
		Description: "Seat 14C, SB1234", Amount: domain.NewMoney(1850, "EUR"), Lang: "de", ExpiresAt: b.now.Add(in)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func press(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestDemoLinkIsIdempotentAndShowsWhatIsPaidFor(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db)
		first := b.link(t, "k1", time.Hour)
		if again := b.link(t, "k1", time.Hour); again != first {
			t.Fatalf("retry gave %+v, first %+v", again, first)
		}
		_, err := b.p.CreateLink(t.Context(), domain.PaymentRequest{IdempotencyKey: "k1", Reference: "ref-k1",
			Amount: domain.NewMoney(1, "EUR"), ExpiresAt: b.now.Add(time.Hour)})
		if !domain.IsCode(err, domain.Conflict) {
			t.Fatalf("same key, other amount: %v, want conflict", err)
		}
		if !strings.HasPrefix(first.URL, b.url+"/pay/demo_cs_") {
			t.Fatalf("link %q", first.URL)
		}
		st, page := get(t, first.URL)
		for _, want := range []string{"Seat 14C, SB1234", "EUR 18.50", ">Bezahlen<", ">Ablehnen<", `lang="de"`} {
			if st != http.StatusOK || !strings.Contains(page, want) {
				t.Fatalf("page (%d) lacks %q:\n%s", st, want, page)
			}
		}
		if strings.Contains(strings.ToLower(page), "card number") || strings.Contains(page, "<input") {
			t.Fatal("the demo page asks for card data")
		}
		if st, _ := get(t, b.url+"/pay/demo_cs_nope"); st != http.StatusNotFound {
			t.Fatalf("unknown checkout: %d", st)
		}
	})
}

func TestDemoPayAndDeclineRacingSettleOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db)
		l := b.link(t, "race", time.Hour)
		var wg sync.WaitGroup
		for i := range 6 {
			action := "/pay"
			if i%2 == 1 {
				action = "/decline"
			}
			wg.Go(func() {
				// The client follows the 303 to the page.
				if st := press(t, l.URL+action); st != http.StatusOK {
					t.Errorf("press %s: %d", action, st)
				}
			})
		}
		wg.Wait()
		evs := b.sink.got()
		if len(evs) != 1 || evs[0].Reference != "ref-race" || evs[0].ProviderRef != l.ProviderRef {
			t.Fatalf("events %+v, want one outcome", evs)
		}
		if evs[0].Status == domain.PaymentPaid && (evs[0].PaymentID == "" || evs[0].Amount != domain.NewMoney(1850, "EUR")) {
			t.Fatalf("paid event %+v", evs[0])
		}
		if evs[0].Status != domain.PaymentPaid && evs[0].Status != domain.PaymentFailed {
			t.Fatalf("status %s", evs[0].Status)
		}
	})
}

func TestDemoOutcomeIsRedeliveredAfterAFailedDelivery(t *testing.T) {
	t.Parallel()
	b := setup(t, dbtest.SQLite(t))
	l := b.link(t, "k", time.Hour)
	b.sink.fail = true
	press(t, l.URL+"/pay")
	if n := len(b.sink.got()); n != 0 {
		t.Fatalf("%d events with the sink down", n)
	}
	b.sink.mu.Lock()
	b.sink.fail = false
	b.sink.mu.Unlock()
	// The traveller reloads the page (or ExpireDue runs): the outcome goes out.
	if st, page := get(t, l.URL); st != http.StatusOK || !strings.Contains(page, "Zahlung erhalten") {
		t.Fatalf("page after paying: %d %s", st, page)
	}
	if n, err := b.p.ExpireDue(t.Context()); err != nil || n != 0 {
		t.Fatalf("ExpireDue = %d %v, nothing left to deliver", n, err)
	}
	if evs := b.sink.got(); len(evs) != 1 || evs[0].Status != domain.PaymentPaid {
		t.Fatalf("events %+v, want one paid", evs)
	}
}

func TestDemoExpiredLinkSaysSo(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db)
		l := b.link(t, "late", 10*time.Minute)
		other := b.link(t, "other", 10*time.Minute)
		*b.now = b.now.Add(11 * time.Minute)
		st, page := get(t, l.URL)
		if st != http.StatusGone || !strings.Contains(page, "Dieser Zahlungslink ist abgelaufen") || strings.Contains(page, `id="pay"`) {
			t.Fatalf("expired page: %d\n%s", st, page)
		}
		press(t, l.URL+"/pay")
		if n, err := b.p.ExpireDue(t.Context()); err != nil || n != 1 {
			t.Fatalf("ExpireDue = %d %v, want the other link expired", n, err)
		}
		evs := b.sink.got()
		if len(evs) != 2 || evs[0].Status != domain.PaymentExpired || evs[1].Status != domain.PaymentExpired ||
			evs[1].ProviderRef != other.ProviderRef {
			t.Fatalf("events %+v, want two expiries and no payment", evs)
		}
	})
}

func TestDemoRefundIsIdempotent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db)
		l := b.link(t, "k", time.Hour)
		press(t, l.URL+"/pay")
		paid := b.sink.got()[0]
		req := domain.RefundRequest{IdempotencyKey: "refund:k", PaymentID: paid.PaymentID, Reason: "offer expired"}
		r1, err := b.p.Refund(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := b.p.Refund(t.Context(), req)
		if err != nil || r2 != r1 || r1.Amount != domain.NewMoney(1850, "EUR") {
			t.Fatalf("refunds %+v %+v %v", r1, r2, err)
		}
		if _, err := b.p.Refund(t.Context(), domain.RefundRequest{IdempotencyKey: "again", PaymentID: paid.PaymentID}); !domain.IsCode(err, domain.Invalid) {
			t.Fatalf("refund beyond the amount: %v, want invalid", err)
		}
		evs := b.sink.got()
		if len(evs) != 2 || evs[1].Status != domain.PaymentRefunded || evs[1].PaymentID != paid.PaymentID {
			t.Fatalf("events %+v, want paid then one refund", evs)
		}
	})
}

func TestDemoParseEventVerifiesTheSignature(t *testing.T) {
	t.Parallel()
	b := setup(t, dbtest.SQLite(t))
	ev := domain.PaymentEvent{ID: "demo_evt_1", Reference: "r", Status: domain.PaymentPaid, Amount: domain.NewMoney(5, "EUR"), At: time.Unix(1700000000, 0).UTC()}
	body, h := b.p.Sign(ev)
	got, ok, err := b.p.ParseEvent(body, h)
	if err != nil || !ok || got != ev {
		t.Fatalf("round trip: %+v %v %v", got, ok, err)
	}
	if _, _, err := b.p.ParseEvent(append(body, ' '), h); !domain.IsCode(err, domain.Forbidden) {
		t.Fatalf("changed body: %v", err)
	}
	*b.now = b.now.Add(6 * time.Minute)
	if _, _, err := b.p.ParseEvent(body, h); !domain.IsCode(err, domain.Forbidden) {
		t.Fatalf("stale signature: %v", err)
	}
	if _, _, err := b.p.ParseEvent(body, http.Header{}); !domain.IsCode(err, domain.Forbidden) {
		t.Fatalf("unsigned: %v", err)
	}
}
