package flows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// deliveryFake is a hand-written store for delivery tests.
type deliveryFake struct {
	Store
	conv     domain.Conversation
	pending  []domain.Outbound
	content  []byte
	sent     map[int64]string
	final    map[int64]domain.DeliveryStatus
	reason   map[int64]string
	busy     bool
	optedOut map[domain.Category]bool
	reached  map[string]bool // travellers counted against the messaging tier
}

func (f *deliveryFake) Conversation(context.Context, int64) (domain.Conversation, error) {
	return f.conv, nil
}
func (f *deliveryFake) PendingOutbound(context.Context, int64) ([]domain.Outbound, error) {
	var out []domain.Outbound
	for _, m := range f.pending {
		if _, done := f.sent[m.ID]; done {
			continue
		}
		if _, done := f.final[m.ID]; done {
			continue
		}
		out = append(out, m)
	}
	return out, nil
}
func (f *deliveryFake) ClaimDelivery(context.Context, int64, time.Time) (bool, error) {
	if f.busy {
		return false, nil
	}
	return true, nil
}
func (f *deliveryFake) OptedOut(_ context.Context, _ domain.Channel, _ string, c domain.Category) (bool, error) {
	return f.optedOut[c], nil
}
func (f *deliveryFake) MarkPartsSent(_ context.Context, id int64, parts, total int) error {
	for i := range f.pending {
		if f.pending[i].ID == id {
			f.pending[i].PartsSent, f.pending[i].PartsTotal = parts, total
		}
	}
	return nil
}
func (f *deliveryFake) ReachOutsideWindow(_ context.Context, _ domain.Channel, user string, limit int) (bool, error) {
	if f.reached == nil {
		f.reached = map[string]bool{}
	}
	if f.reached[user] || limit <= 0 || len(f.reached) < limit {
		f.reached[user] = true
		return true, nil
	}
	return false, nil
}
func (f *deliveryFake) ReleaseDelivery(context.Context, int64) error { return nil }
func (f *deliveryFake) MarkSent(_ context.Context, id int64, ch string, _ bool) error {
	f.sent[id] = ch
	return nil
}
func (f *deliveryFake) MarkUndelivered(_ context.Context, id int64, st domain.DeliveryStatus, _ int, reason string) error {
	f.final[id], f.reason[id] = st, reason
	return nil
}
func (f *deliveryFake) Content(context.Context, int) (domain.ContentVersion, error) {
	return domain.ContentVersion{Version: 1, Body: f.content}, nil
}

// senderFunc is a Sender from a function.
type senderFunc func(ctx context.Context, to domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error)

func (f senderFunc) Send(ctx context.Context, to domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error) {
	return f(ctx, to, m, mode)
}

func newDeliveryFake(t *testing.T, lastInbound time.Time, purposes ...string) *deliveryFake {
	t.Helper()
	c, err := DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	c.Rules.Templates = []TemplateRule{{Channel: domain.WhatsApp, Purpose: "flight_delay", Lang: "en", Name: "flight_delay_v1",
		Language: "en_GB", Params: []string{"flight", "time"}, Named: true}}
	body, _ := MarshalContent(c)
	f := &deliveryFake{conv: domain.Conversation{ID: 7, Channel: domain.WhatsApp, UserID: "447700900123", Lang: "en", ContentVersion: 1, LastInboundAt: lastInbound},
		content: body, sent: map[int64]string{}, final: map[int64]domain.DeliveryStatus{}, reason: map[int64]string{}}
	for i, p := range purposes {
		f.pending = append(f.pending, domain.Outbound{ID: int64(i + 1), Seq: i + 1, Kind: domain.OutText, Text: "msg", Purpose: p,
			Params: map[string]string{"flight": "SB1501", "time": "14:40"}})
	}
	return f
}

func deliverer(t *testing.T, f *deliveryFake, s Sender, now time.Time) *Deliverer {
	t.Helper()
	e, err := NewEngine(Config{Store: f})
	if err != nil {
		t.Fatal(err)
	}
	return NewDeliverer(f, map[domain.Channel]Sender{domain.WhatsApp: s}, e, func() time.Time { return now }, nil)
}

func TestDeliveryFollowsTheChannelPolicy(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var modes []domain.SendMode
	ok := senderFunc(func(_ context.Context, _ domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error) {
		modes = append(modes, mode)
		return "wamid." + m.Text, nil
	})
	t.Run("inside the window: free-form replies, in order", func(t *testing.T) {
		modes = nil
		f := newDeliveryFake(t, now.Add(-time.Hour), "", "", "flight_delay")
		if err := deliverer(t, f, ok, now).Deliver(context.Background(), 7); err != nil {
			t.Fatal(err)
		}
		if len(f.sent) != 3 || modes[0].Template != nil || !modes[2].Proactive || modes[0].Proactive {
			t.Fatalf("sent %v modes %+v", f.sent, modes)
		}
	})
	t.Run("outside the window: template or blocked", func(t *testing.T) {
		modes = nil
		f := newDeliveryFake(t, now.Add(-25*time.Hour), "", "flight_delay")
		if err := deliverer(t, f, ok, now).Deliver(context.Background(), 7); err != nil {
			t.Fatal(err)
		}
		if f.final[1] != domain.StatusBlocked || f.reason[1] == "" {
			t.Fatalf("reply outside the window: %s %q", f.final[1], f.reason[1])
		}
		if len(modes) != 1 || modes[0].Template == nil || modes[0].Template.Name != "flight_delay_v1" ||
			modes[0].Template.Params[1] != "14:40" || modes[0].Template.ParamNames[0] != "flight" {
			t.Fatalf("delay notice: %+v", modes)
		}
	})
	t.Run("platform says the window closed: template fallback", func(t *testing.T) {
		modes = nil
		closed := senderFunc(func(_ context.Context, _ domain.Recipient, _ domain.Outbound, mode domain.SendMode) (string, error) {
			modes = append(modes, mode)
			if mode.Template == nil {
				return "", &domain.SendError{Code: 131047, WindowClosed: true}
			}
			return "wamid.tpl", nil
		})
		f := newDeliveryFake(t, now.Add(-23*time.Hour), "flight_delay", "")
		if err := deliverer(t, f, closed, now).Deliver(context.Background(), 7); err != nil {
			t.Fatal(err)
		}
		if f.sent[1] != "wamid.tpl" || f.final[2] != domain.StatusFailed {
			t.Fatalf("sent %v final %v", f.sent, f.final)
		}
	})
	t.Run("throttled: stop, keep the order, retry later", func(t *testing.T) {
		calls := 0
		throttled := senderFunc(func(context.Context, domain.Recipient, domain.Outbound, domain.SendMode) (string, error) {
			calls++
			if calls == 2 {
				return "", &domain.SendError{Code: 130429, Retryable: true}
			}
			return "wamid.x", nil
		})
		f := newDeliveryFake(t, now.Add(-time.Minute), "", "", "")
		err := deliverer(t, f, throttled, now).Deliver(context.Background(), 7)
		if se, ok := domain.AsSendError(err); !ok || !se.Retryable {
			t.Fatalf("want the retryable error back, got %v", err)
		}
		if len(f.sent) != 1 || calls != 2 {
			t.Fatalf("message 3 must wait for message 2: sent %v after %d calls", f.sent, calls)
		}
		if err := deliverer(t, f, throttled, now).Deliver(context.Background(), 7); err != nil || len(f.sent) != 3 {
			t.Fatalf("retry: %v, sent %v", err, f.sent)
		}
	})
	t.Run("permanent refusal: recorded, the next one goes", func(t *testing.T) {
		first := true
		refuse := senderFunc(func(context.Context, domain.Recipient, domain.Outbound, domain.SendMode) (string, error) {
			if first {
				first = false
				return "", &domain.SendError{Code: 131026, Message: "undeliverable"}
			}
			return "wamid.ok", nil
		})
		f := newDeliveryFake(t, now.Add(-time.Minute), "", "")
		if err := deliverer(t, f, refuse, now).Deliver(context.Background(), 7); err != nil {
			t.Fatal(err)
		}
		if f.final[1] != domain.StatusFailed || f.sent[2] != "wamid.ok" {
			t.Fatalf("final %v sent %v", f.final, f.sent)
		}
	})
	t.Run("network error: retried", func(t *testing.T) {
		down := senderFunc(func(context.Context, domain.Recipient, domain.Outbound, domain.SendMode) (string, error) {
			return "", errors.New("connection refused")
		})
		f := newDeliveryFake(t, now.Add(-time.Minute), "")
		if err := deliverer(t, f, down, now).Deliver(context.Background(), 7); err == nil || len(f.final) != 0 {
			t.Fatalf("err %v final %v", err, f.final)
		}
	})
}

func TestDeliveryWaitsForTheLeaseHolder(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f := newDeliveryFake(t, now.Add(-time.Minute), "")
	f.busy = true
	sent := false
	s := senderFunc(func(context.Context, domain.Recipient, domain.Outbound, domain.SendMode) (string, error) {
		sent = true
		return "x", nil
	})
	if err := deliverer(t, f, s, now).Deliver(context.Background(), 7); !errors.Is(err, domain.ErrBusy) || sent {
		t.Fatalf("err %v sent %v: a second worker must not send beside the lease holder", err, sent)
	}
}

func TestOptedOutTravellersGetNoProactiveMessages(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f := newDeliveryFake(t, now.Add(-time.Minute), "flight_delay", "", "offer_bag")
	f.optedOut = map[domain.Category]bool{domain.CategoryFlightUpdates: true}
	s := senderFunc(func(_ context.Context, _ domain.Recipient, m domain.Outbound, _ domain.SendMode) (string, error) {
		return "wamid", nil
	})
	if err := deliverer(t, f, s, now).Deliver(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if f.final[1] != domain.StatusBlocked || f.sent[2] == "" || f.sent[3] == "" {
		t.Fatalf("final %v sent %v: the delay notice is blocked, the reply and the other category go", f.final, f.sent)
	}
}

func TestRefusedForTheWindowGoesAgainOnlyAsTemplate(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var modes []domain.SendMode
	s := senderFunc(func(_ context.Context, _ domain.Recipient, _ domain.Outbound, mode domain.SendMode) (string, error) {
		modes = append(modes, mode)
		return "wamid", nil
	})
	f := newDeliveryFake(t, now.Add(-time.Hour), "flight_delay", "")
	f.pending[0].TemplateOnly, f.pending[1].TemplateOnly = true, true
	if err := deliverer(t, f, s, now).Deliver(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if len(modes) != 1 || modes[0].Template == nil || f.final[2] != domain.StatusBlocked {
		t.Fatalf("modes %+v final %v: the delay notice goes as its template, the reply (no template) is blocked", modes, f.final)
	}
}

// inboxFake records what the inbox applies.
type inboxFake struct {
	statuses []domain.StatusUpdate
	requeued []string
}

func (f *inboxFake) AcceptEvent(context.Context, domain.ChannelEvent) (int64, bool, error) {
	return 1, false, nil
}
func (f *inboxFake) ApplyStatus(_ context.Context, u domain.StatusUpdate) error {
	f.statuses = append(f.statuses, u)
	return nil
}
func (f *inboxFake) ApplyWatermark(context.Context, domain.Channel, string, domain.StatusUpdate) error {
	return nil
}
func (f *inboxFake) SetPreference(context.Context, domain.Channel, string, domain.PreferenceUpdate) error {
	return nil
}
func (f *inboxFake) RequeueForTemplate(_ context.Context, id string) (bool, error) {
	f.requeued = append(f.requeued, id)
	return true, nil
}

func TestLateWindowRefusalIsRequeuedAsTemplate(t *testing.T) {
	f := &inboxFake{}
	parse := func([]byte) ([]domain.ChannelEvent, error) {
		return []domain.ChannelEvent{
			{Kind: domain.EventStatus, Status: domain.StatusUpdate{ChannelMessageID: "wamid.A", Status: domain.StatusFailed, ErrorCode: 131047}},
			{Kind: domain.EventStatus, Status: domain.StatusUpdate{ChannelMessageID: "wamid.B", Status: domain.StatusFailed, ErrorCode: 131026}},
			{Kind: domain.EventStatus, Account: "999", Status: domain.StatusUpdate{ChannelMessageID: "wamid.C", Status: domain.StatusRead}},
		}, nil
	}
	in := NewInbox(f, map[domain.Channel]Parser{domain.WhatsApp: parse}, map[domain.Channel]string{domain.WhatsApp: "100"}, nil)
	if err := in.Apply(context.Background(), domain.WhatsApp, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.statuses) != 2 || len(f.requeued) != 1 || f.requeued[0] != "wamid.A" {
		t.Fatalf("statuses %v requeued %v", f.statuses, f.requeued)
	}
}

func TestRetryDoesNotRepeatPartsAlreadySent(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	var skips []int
	calls := 0
	s := senderFunc(func(_ context.Context, _ domain.Recipient, _ domain.Outbound, mode domain.SendMode) (string, error) {
		calls++
		skips = append(skips, mode.SkipParts)
		if calls == 1 {
			return "", &domain.PartialSend{Sent: 1, Err: &domain.SendError{Code: 131056, Retryable: true}}
		}
		return "wamid", nil
	})
	f := newDeliveryFake(t, now.Add(-time.Minute), "")
	if err := deliverer(t, f, s, now).Deliver(context.Background(), 7); err == nil {
		t.Fatal("a throttled part must be retried later")
	}
	if err := deliverer(t, f, s, now).Deliver(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if len(skips) != 2 || skips[0] != 0 || skips[1] != 1 {
		t.Fatalf("skips %v: the retry must skip the part already sent", skips)
	}
}

func TestWhatsAppTierHoldsTemplatesBeyondTheLimit(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	sends := 0
	ok := senderFunc(func(context.Context, domain.Recipient, domain.Outbound, domain.SendMode) (string, error) {
		sends++
		return "wamid.x", nil
	})
	// Outside the window, the tier of 2 already used by two other travellers.
	f := newDeliveryFake(t, now.Add(-30*time.Hour), "flight_delay")
	f.reached = map[string]bool{"31600000001": true, "31600000002": true}
	d := deliverer(t, f, ok, now)
	d.WhatsAppTier = 2
	err := d.Deliver(context.Background(), 7)
	var snooze *domain.Snooze
	if !errors.As(err, &snooze) || !snooze.At.Equal(now.Add(tierRetry)) {
		t.Fatalf("err = %v, want a snooze until %v", err, now.Add(tierRetry))
	}
	if sends != 0 || len(f.final) != 0 {
		t.Fatalf("the message must wait, queued: sends %d final %v", sends, f.final)
	}
	// Inside the window the tier does not apply.
	f.conv.LastInboundAt = now.Add(-time.Hour)
	if err := d.Deliver(context.Background(), 7); err != nil || sends != 1 {
		t.Fatalf("inside the window: err %v sends %d", err, sends)
	}
	// A traveller already counted in the last 24 h is reached again.
	f2 := newDeliveryFake(t, now.Add(-30*time.Hour), "flight_delay")
	f2.reached = map[string]bool{"31600000001": true, f2.conv.UserID: true}
	d2 := deliverer(t, f2, ok, now)
	d2.WhatsAppTier = 2
	if err := d2.Deliver(context.Background(), 7); err != nil || sends != 2 {
		t.Fatalf("counted traveller: err %v sends %d", err, sends)
	}
}
