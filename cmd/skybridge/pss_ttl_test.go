package main

import (
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/pss"
)

func TestOfferLifetimesConfig(t *testing.T) {
	tests := []struct {
		name          string
		env           map[string]string
		offer, change time.Duration
		problem       string
	}{
		{"defaults", nil, time.Hour, 30 * time.Minute, ""},
		{"set", map[string]string{"SKYBRIDGE_OFFER_TTL": "2h", "SKYBRIDGE_CHANGE_OFFER_TTL": " 45m "}, 2 * time.Hour, 45 * time.Minute, ""},
		{"not a duration", map[string]string{"SKYBRIDGE_OFFER_TTL": "an hour"}, time.Hour, 30 * time.Minute,
			`SKYBRIDGE_OFFER_TTL: "an hour" is not a duration from 1m to 24h`},
		{"too short", map[string]string{"SKYBRIDGE_CHANGE_OFFER_TTL": "30s"}, time.Hour, 30 * time.Minute,
			`SKYBRIDGE_CHANGE_OFFER_TTL: "30s" is not a duration from 1m to 24h`},
		{"longer than a payment link", map[string]string{"SKYBRIDGE_CHANGE_OFFER_TTL": "48h"}, time.Hour, 30 * time.Minute,
			"SKYBRIDGE_CHANGE_OFFER_TTL"},
		{"negative", map[string]string{"SKYBRIDGE_OFFER_TTL": "-1h"}, time.Hour, 30 * time.Minute, "SKYBRIDGE_OFFER_TTL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, problems := loadPSS(env(tt.env))
			if p.OfferTTL != tt.offer || p.ChangeOfferTTL != tt.change {
				t.Errorf("lifetimes %v and %v, want %v and %v", p.OfferTTL, p.ChangeOfferTTL, tt.offer, tt.change)
			}
			got := strings.Join(problems, "\n")
			if tt.problem == "" && got != "" || !strings.Contains(got, tt.problem) {
				t.Errorf("problems %q, want one about %q", got, tt.problem)
			}
		})
	}
	_, err := LoadConfig(env(map[string]string{"SKYBRIDGE_OFFER_TTL": "soon"}))
	if err == nil || !strings.Contains(err.Error(), "SKYBRIDGE_OFFER_TTL") {
		t.Fatalf("LoadConfig accepted a bad offer lifetime: %v", err)
	}
	c, err := LoadConfig(env(map[string]string{"SKYBRIDGE_CHANGE_OFFER_TTL": "20m"}))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.String(); !strings.Contains(s, "SKYBRIDGE_OFFER_TTL=1h0m0s") || !strings.Contains(s, "SKYBRIDGE_CHANGE_OFFER_TTL=20m0s") {
		t.Errorf("printed configuration lacks the offer lifetimes:\n%s", s)
	}
}

// The demo booking system's offers and priced changes last as configured.
func TestDemoOffersLastAsConfigured(t *testing.T) {
	db := dbtest.SQLite(t)
	sealer, err := domain.NewSealer(domain.NewKey("test"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	if _, err := pss.LoadDemoIfEmpty(t.Context(), db, sealer, now); err != nil {
		t.Fatal(err)
	}
	p, problems := loadPSS(env(map[string]string{"SKYBRIDGE_OFFER_TTL": "2h", "SKYBRIDGE_CHANGE_OFFER_TTL": "10m"}))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	bs, err := newBookingSystem(p, pss.NewDemo(db, sealer, clock), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := bs.extras.AncillaryOffer(t.Context(), "JN7KQP")
	if err != nil {
		t.Fatal(err)
	}
	if got := o.ExpiresAt.Sub(now); got != 2*time.Hour {
		t.Errorf("offer of extras lasts %v, want 2h", got)
	}
	b, err := bs.bookings.FindBooking(t.Context(), "FX5LHR")
	if err != nil {
		t.Fatal(err)
	}
	dep := b.Segments[0].Flight.Departure
	alts, err := bs.changes.Alternatives(t.Context(), domain.AlternativesQuery{Locator: b.Locator,
		SegmentIDs: []int64{b.Segments[0].ID}, From: dep.Add(-24 * time.Hour), To: dep.Add(48 * time.Hour)})
	if err != nil || len(alts) == 0 {
		t.Fatalf("alternatives: %d, %v", len(alts), err)
	}
	if got := alts[0].ExpiresAt.Sub(now); got != 10*time.Minute {
		t.Errorf("priced change lasts %v, want 10m", got)
	}
}
