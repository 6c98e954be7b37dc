package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/telemetry"
)

func TestMetricsAreScrapedWithTheirLabels(t *testing.T) {
	t.Parallel()
	m := telemetry.New()
	m.InboundEvent(domain.WhatsApp, "message")
	m.InboundEvent(domain.WhatsApp, "message")
	m.InboundEvent(domain.WhatsApp, "status")
	m.Acknowledged(domain.WhatsApp, 200, 3*time.Millisecond)
	m.TurnDone("checkin", "continued", 20*time.Millisecond)
	m.TurnDone("", "continued", 2*time.Millisecond)
	m.Delivery(domain.WhatsApp, "sent", 0)
	m.Delivery(domain.WhatsApp, "failed", 131026)
	m.PushSent(domain.Messenger, "delay", 4*time.Second)
	m.JobFailed("deliver_conversation", false)
	m.JobFailed("deliver_conversation", false)
	m.JobFailed("process_conversation", true)
	m.ObserveCall("payments", "create_link", 120*time.Millisecond, nil)
	m.ObserveCall("payments", "create_link", 2*time.Second, fmt.Errorf("create link: %w", context.DeadlineExceeded))
	m.ObserveCall("booking", "find_booking", time.Millisecond, domain.Errorf(domain.NotFound, "find booking", "no such booking"))
	m.ObserveCall("booking", "check_in", time.Millisecond, errors.New("connection reset"))

	_, body := scrape(t, serve(t, m, ""), "")
	for _, c := range []struct{ series, want string }{
		{`skybridge_inbound_events_total{channel="whatsapp",kind="message"}`, "2"},
		{`skybridge_inbound_events_total{channel="whatsapp",kind="status"}`, "1"},
		{`skybridge_webhook_ack_seconds_count{channel="whatsapp",code="200"}`, "1"},
		{`skybridge_webhook_ack_seconds_bucket{channel="whatsapp",code="200",le="0.0025"}`, "0"},
		{`skybridge_webhook_ack_seconds_bucket{channel="whatsapp",code="200",le="0.005"}`, "1"},
		{`skybridge_turns_total{flow="checkin",outcome="continued"}`, "1"},
		{`skybridge_turns_total{flow="none",outcome="continued"}`, "1"},
		{`skybridge_turn_seconds_count{flow="checkin"}`, "1"},
		{`skybridge_outbound_deliveries_total{channel="whatsapp",code="0",result="sent"}`, "1"},
		{`skybridge_outbound_deliveries_total{channel="whatsapp",code="131026",result="failed"}`, "1"},
		{`skybridge_push_lag_seconds_bucket{channel="messenger",kind="delay",le="5"}`, "1"},
		{`skybridge_push_lag_seconds_bucket{channel="messenger",kind="delay",le="2"}`, "0"},
		{`skybridge_job_retries_total{kind="deliver_conversation"}`, "2"},
		{`skybridge_job_dead_letters_total{kind="process_conversation"}`, "1"},
		{`skybridge_call_seconds_count{op="create_link",system="payments"}`, "2"},
		{`skybridge_call_errors_total{code="timeout",op="create_link",system="payments"}`, "1"},
		{`skybridge_call_errors_total{code="not_found",op="find_booking",system="booking"}`, "1"},
		{`skybridge_call_errors_total{code="internal",op="check_in",system="booking"}`, "1"},
	} {
		expectSample(t, body, c.series, c.want)
	}
	if _, ok := sample(body, `go_goroutines`); !ok {
		t.Error("the Go runtime's metrics are missing")
	}
}

func TestBreakerStateShowsOnlyTheCurrentState(t *testing.T) {
	t.Parallel()
	m := telemetry.New()
	url := serve(t, m, "")
	for _, step := range []struct {
		state              string
		closed, half, open string
	}{
		{"closed", "1", "0", "0"},
		{"open", "0", "0", "1"},
		{"half-open", "0", "1", "0"},
		{"closed", "1", "0", "0"},
	} {
		m.BreakerState("pss-rest", step.state)
		_, body := scrape(t, url, "")
		expectSample(t, body, `skybridge_breaker_state{name="pss-rest",state="closed"}`, step.closed)
		expectSample(t, body, `skybridge_breaker_state{name="pss-rest",state="half-open"}`, step.half)
		expectSample(t, body, `skybridge_breaker_state{name="pss-rest",state="open"}`, step.open)
	}
}

func TestTokenProtectsTheMetrics(t *testing.T) {
	t.Parallel()
	m := telemetry.New()
	m.InboundEvent(domain.WebChat, "message")
	const token = "s3cret-metrics-token-0123"
	url := serve(t, m, token)
	for _, c := range []struct {
		name  string
		token string
		want  int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"wrong token", "s3cret-metrics-token-0124", http.StatusUnauthorized},
		{"prefix of the token", "s3cret", http.StatusUnauthorized},
		{"right token", token, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, body := scrape(t, url, c.token)
			if st != c.want {
				t.Fatalf("status %d, want %d", st, c.want)
			}
			_, leaked := sample(body, `skybridge_inbound_events_total{channel="webchat",kind="message"}`)
			if leaked != (c.want == http.StatusOK) {
				t.Fatalf("metrics shown: %v, with status %d", leaked, st)
			}
		})
	}
	// Without a token the metrics are open.
	if st, _ := scrape(t, serve(t, m, ""), ""); st != http.StatusOK {
		t.Fatalf("open metrics: status %d", st)
	}
}

// bookings is a hand-written fake booking system.
type bookings struct {
	FindBookingFunc func(ctx context.Context, loc domain.RecordLocator) (domain.Booking, error)
}

func (b bookings) FindBooking(ctx context.Context, loc domain.RecordLocator) (domain.Booking, error) {
	return b.FindBookingFunc(ctx, loc)
}
func (bookings) CheckInPolicy(context.Context, domain.CarrierCode) (domain.CheckInPolicy, error) {
	return domain.CheckInPolicy{}, nil
}
func (bookings) SeatMap(context.Context, int64) (domain.SeatMap, error) {
	return domain.SeatMap{}, domain.Errorf(domain.Unavailable, "seat map", "down")
}
func (bookings) CheckIn(context.Context, domain.CheckInRequest) ([]domain.CheckIn, error) {
	return nil, nil
}

func TestBookingSystemCallsAreMeasured(t *testing.T) {
	t.Parallel()
	m := telemetry.New()
	bs := m.Bookings(bookings{FindBookingFunc: func(_ context.Context, loc domain.RecordLocator) (domain.Booking, error) {
		if loc == "JN7KQP" {
			time.Sleep(15 * time.Millisecond)
			return domain.Booking{Locator: loc}, nil
		}
		return domain.Booking{}, domain.Errorf(domain.NotFound, "find booking", "no booking %s", loc)
	}})
	ctx := context.Background()
	if b, err := bs.FindBooking(ctx, "JN7KQP"); err != nil || b.Locator != "JN7KQP" {
		t.Fatalf("the decorator changed the answer: %+v %v", b, err)
	}
	if _, err := bs.FindBooking(ctx, "XXXXXX"); !domain.IsCode(err, domain.NotFound) {
		t.Fatalf("the decorator changed the error: %v", err)
	}
	if _, err := bs.SeatMap(ctx, 1); !domain.IsCode(err, domain.Unavailable) {
		t.Fatalf("seat map error: %v", err)
	}
	bs.CheckInPolicy(ctx, "SB")
	bs.CheckIn(ctx, domain.CheckInRequest{})

	_, body := scrape(t, serve(t, m, ""), "")
	expectSample(t, body, `skybridge_call_seconds_count{op="find_booking",system="booking"}`, "2")
	expectSample(t, body, `skybridge_call_seconds_bucket{op="find_booking",system="booking",le="0.01"}`, "1")
	expectSample(t, body, `skybridge_call_errors_total{code="not_found",op="find_booking",system="booking"}`, "1")
	expectSample(t, body, `skybridge_call_errors_total{code="unavailable",op="seat_map",system="booking"}`, "1")
	expectSample(t, body, `skybridge_call_seconds_count{op="checkin_policy",system="booking"}`, "1")
	expectSample(t, body, `skybridge_call_seconds_count{op="check_in",system="booking"}`, "1")
	if _, ok := sample(body, `skybridge_call_errors_total{code="internal",op="check_in",system="booking"}`); ok {
		t.Error("a successful check-in counted as an error")
	}
}
