package pssrest_test

import (
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/pssrest"
	"github.com/skybridge/skybridge/integrations/pssrest/fake"
)

var (
	_ domain.BookingSystem = (*pssrest.Client)(nil)
	_ domain.Changes       = (*pssrest.Client)(nil)
	_ domain.Ancillaries   = (*pssrest.Client)(nil)
)

const apiKey = "test-key"

// env is a client talking to the fake over a real socket, every exchange checked
// against openapi.yaml.
type env struct {
	fake   *fake.Server
	check  *checked
	client *pssrest.Client
	states *stateLog
}

type stateLog struct {
	mu     sync.Mutex
	states []string
}

func (l *stateLog) add(_, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.states = append(l.states, s)
}

func (l *stateLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.states, ",")
}

func newEnv(t testing.TB, cfg pssrest.Config) *env {
	t.Helper()
	f := fake.New(apiKey, nil)
	ch := newChecked(loadSpec(t), f)
	srv := httptest.NewServer(ch)
	t.Cleanup(srv.Close)
	log := &stateLog{}
	cfg.BaseURL, cfg.APIKey, cfg.OnStateChange = srv.URL, apiKey, log.add
	c, err := pssrest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{fake: f, check: ch, client: c, states: log}
}

func ids(b domain.Booking) []int64 {
	var out []int64
	for _, s := range b.Segments {
		if s.Status == domain.SegmentConfirmed {
			out = append(out, s.ID)
		}
	}
	return out
}

// TestEveryOperationKeepsTheContract drives every operation of the contract
// through the client against the fake; each request and answer, errors included,
// is checked against openapi.yaml.
func TestEveryOperationKeepsTheContract(t *testing.T) {
	e := newEnv(t, pssrest.Config{})
	ctx := t.Context()
	c := e.client

	bk, err := c.FindBooking(ctx, "fk1lhr")
	if err != nil {
		t.Fatal(err)
	}
	seg := bk.Segments[0]
	if bk.Passengers[0].Name.Surname != "Lovelace" || seg.Flight.Origin.Location.String() != "Europe/Amsterdam" ||
		seg.Flight.Departure.Location().String() != "Europe/Amsterdam" || seg.Flight.Arrival.Location().String() != "Europe/London" {
		t.Errorf("booking = %+v, flight times in %s and %s", bk.Passengers, seg.Flight.Departure.Location(), seg.Flight.Arrival.Location())
	}
	if _, err := c.FindBooking(ctx, "NOPE99"); !domain.IsCode(err, domain.NotFound) {
		t.Errorf("unknown booking: %v, want NotFound", err)
	}
	if p, err := c.CheckInPolicy(ctx, "SB"); err != nil || p != domain.DefaultCheckInPolicy {
		t.Errorf("policy = %+v, %v", p, err)
	}
	m, err := c.SeatMap(ctx, seg.Flight.ID)
	if err != nil || len(m.Seats) != 120 {
		t.Fatalf("seat map: %d seats, %v", len(m.Seats), err)
	}
	free := m.FreeIn(domain.Economy)[0].Code
	cis, err := c.CheckIn(ctx, domain.CheckInRequest{IdempotencyKey: "ci-1", Locator: bk.Locator, SegmentID: seg.ID,
		Passengers: []domain.PassengerCheckIn{{PassengerID: bk.Passengers[0].ID, Seat: free, DangerousGoodsAck: true,
			Document: &domain.TravelDocument{Type: "P", Number: "X1234567", Nationality: "GBR", IssuingCountry: "GBR", Expiry: time.Now().AddDate(3, 0, 0), BirthDate: time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC)}}}})
	if err != nil || len(cis) != 1 || cis[0].Seat != free {
		t.Fatalf("check-in = %+v, %v; want seat %s", cis, err, free)
	}
	if _, err := c.CheckIn(ctx, domain.CheckInRequest{Locator: bk.Locator, SegmentID: seg.ID}); !domain.IsCode(err, domain.Invalid) {
		t.Errorf("check-in without a key: %v, want Invalid", err)
	}

	r, err := c.ChangeRules(ctx, bk.Locator, ids(bk))
	if err != nil || !r.Changeable || r.Fee != domain.NewMoney(6000, "EUR") {
		t.Errorf("rules = %+v, %v", r, err)
	}
	alts, err := c.Alternatives(ctx, domain.AlternativesQuery{Locator: bk.Locator, SegmentIDs: ids(bk), From: time.Now(), To: time.Now().Add(96 * time.Hour)})
	if err != nil || len(alts) == 0 {
		t.Fatalf("alternatives: %d, %v", len(alts), err)
	}
	if !sort.SliceIsSorted(alts, func(i, j int) bool {
		return alts[i].FareDifference.Minor+alts[i].ChangeFee.Minor < alts[j].FareDifference.Minor+alts[j].ChangeFee.Minor
	}) {
		t.Error("alternatives not cheapest first")
	}
	light, _ := c.FindBooking(ctx, "FK2LGT")
	if _, err := c.Alternatives(ctx, domain.AlternativesQuery{Locator: light.Locator, SegmentIDs: ids(light), From: time.Now(), To: time.Now().Add(96 * time.Hour)}); !domain.IsCode(err, domain.Forbidden) {
		t.Errorf("Light fare alternatives: %v, want Forbidden", err)
	}

	o, err := c.AncillaryOffer(ctx, bk.Locator)
	if err != nil || len(o.Items) != 2 {
		t.Fatalf("offer: %+v, %v", o, err)
	}
	basket := []domain.BasketItem{{Code: "0CC", PassengerID: bk.Passengers[0].ID, SegmentID: seg.ID, Quantity: 1}}
	q, err := c.PriceBasket(ctx, o.ID, basket)
	if err != nil || q.Total != domain.NewMoney(3500, "EUR") {
		t.Errorf("quote = %+v, %v", q, err)
	}
	if _, err := c.PriceBasket(ctx, o.ID, []domain.BasketItem{{Code: "XXX", PassengerID: 1, SegmentID: 1, Quantity: 1}}); !domain.IsCode(err, domain.Invalid) {
		t.Errorf("item not in offer: %v, want Invalid", err)
	}
	fr := domain.FulfilRequest{IdempotencyKey: "order-1", Locator: bk.Locator, OfferID: o.ID, Items: basket, PaymentID: "pay_1"}
	emds, err := c.FulfilAncillaries(ctx, fr)
	if err != nil || len(emds) != 1 || len(emds[0].Number) != 13 {
		t.Fatalf("emds = %+v, %v", emds, err)
	}
	again, err := c.FulfilAncillaries(ctx, fr)
	if err != nil || again[0].Number != emds[0].Number {
		t.Errorf("retried fulfilment = %+v, %v; want %s again", again, err, emds[0].Number)
	}

	req := domain.ReissueRequest{IdempotencyKey: "chg-1", Locator: bk.Locator, SegmentIDs: ids(bk), AlternativeID: alts[0].ID, PaymentID: "pay_2"}
	res, err := c.Reissue(ctx, req)
	if err != nil || len(res.NewSegmentIDs) != 1 || len(res.VoidedCheckIns) != 1 || len(res.CarriedOver) != 1 {
		t.Fatalf("reissue = %+v, %v", res, err)
	}
	if res.Booking.Passengers[0].TicketNumber == bk.Passengers[0].TicketNumber {
		t.Error("no new ticket number after reissue")
	}
	if r := res.Replacements; len(r) != 1 || r[0].OldSegmentID != ids(bk)[0] || !slices.Equal(r[0].NewSegmentIDs, res.NewSegmentIDs) {
		t.Errorf("replacements %+v, want segment %d replaced by %v", r, ids(bk)[0], res.NewSegmentIDs)
	}
	again2, err := c.Reissue(ctx, req)
	if err != nil || again2.NewSegmentIDs[0] != res.NewSegmentIDs[0] {
		t.Errorf("retried reissue = %v, %v", again2.NewSegmentIDs, err)
	}
	req.AlternativeID = alts[len(alts)-1].ID
	if _, err := c.Reissue(ctx, req); !domain.IsCode(err, domain.Conflict) {
		t.Errorf("key reused for another alternative: %v, want Conflict", err)
	}
	cx, err := c.CancelSegments(ctx, domain.CancelRequest{IdempotencyKey: "cx-1", Locator: bk.Locator, SegmentIDs: res.NewSegmentIDs})
	if err != nil || cx.Reference == "" || !cx.Refund.IsZero() {
		t.Errorf("cancellation of a Standard fare = %+v, %v; want a reference and no refund", cx, err)
	}

	if len(e.check.problems) > 0 {
		t.Errorf("exchanges that break openapi.yaml:\n%s", strings.Join(e.check.problems, "\n"))
	}
	var missing []string
	for _, op := range []string{"findBooking", "checkInPolicy", "seatMap", "checkIn", "changeRules", "alternatives", "reissue",
		"cancelSegments", "ancillaryOffer", "priceBasket", "fulfilAncillaries"} {
		if !e.check.seen[op] {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		t.Errorf("operations not exercised: %v", missing)
	}
}
