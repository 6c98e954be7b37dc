package pss_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/pss"
)

var _ domain.BookingSystem = (*pss.Demo)(nil)

// summerNow is a fixed clock in summer time: Amsterdam is UTC+2, London UTC+1, while
// demo.json is written in winter time. The demo data is loaded relative to 09:00 UTC.
var summerNow = time.Date(2026, 7, 1, 9, 17, 0, 0, time.UTC)

type bundle struct {
	db     *database.DB
	sealer *domain.Sealer
	demo   *pss.Demo
	now    time.Time
}

func newSealer(t testing.TB) *domain.Sealer {
	t.Helper()
	s, err := domain.NewSealer(domain.NewKey("k1"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// setup loads the demo data into db at now and returns the demo booking system.
func setup(t *testing.T, db *database.DB, now time.Time) bundle {
	t.Helper()
	s := newSealer(t)
	rep, err := pss.Import(t.Context(), db, s, bytes.NewReader(pss.DemoJSON()), now)
	if err != nil {
		t.Fatalf("import demo.json: %v\n%s", err, rep)
	}
	return bundle{db: db, sealer: s, demo: pss.NewDemo(db, s, func() time.Time { return now }), now: now}
}

func (b bundle) booking(t *testing.T, loc string) domain.Booking {
	t.Helper()
	bk, err := b.demo.FindBooking(t.Context(), domain.RecordLocator(loc))
	if err != nil {
		t.Fatalf("FindBooking(%s): %v", loc, err)
	}
	return bk
}
