package main

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest/fake"
)

// With SKYBRIDGE_PSS=rest, flight updates learn who is on a flight from the
// external booking system, not from the built-in one.
func TestRESTManifestIsWired(t *testing.T) {
	f := fake.New("key", nil)
	srv := httptest.NewServer(f)
	defer srv.Close()
	bs, err := newBookingSystem(PSSConfig{Kind: "rest", URL: srv.URL, APIKey: "key", Timeout: 2 * time.Second}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cs, err := bs.manifest.Carriers(t.Context()); err != nil || !slices.Equal(cs, []domain.CarrierCode{"SB"}) {
		t.Fatalf("carriers = %v, %v", cs, err)
	}
	b, err := bs.bookings.FindBooking(t.Context(), "FK1LHR")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := bs.manifest.Travellers(t.Context(), domain.KeyOf(b.Segments[0].Flight), 0, 10)
	if err != nil || len(gs) != 1 || gs[0].Locator != "FK1LHR" {
		t.Fatalf("travellers = %+v, %v", gs, err)
	}
}
