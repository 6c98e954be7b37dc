package flows

import (
	"context"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// TestDeliveryRecordsEachPartAsItGoes: a message sent in several requests has
// each accepted part recorded before the next is sent, so that a sender dying
// mid-message (no refusal, no end of attempt) does not send those parts again;
// the retry skips them.
func TestDeliveryRecordsEachPartAsItGoes(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f := newDeliveryFake(t, now.Add(-time.Hour), "reply")
	var skips []int
	dies := true
	s := senderFunc(func(ctx context.Context, _ domain.Recipient, m domain.Outbound, mode domain.SendMode) (string, error) {
		skips = append(skips, mode.SkipParts)
		for part := mode.SkipParts + 1; part < 3; part++ {
			mode.PartSent(part, 3)
			if f.pending[0].PartsSent != part {
				t.Fatalf("part %d not recorded before the next was sent: %d", part, f.pending[0].PartsSent)
			}
			if dies {
				// The instance dies here: the attempt never ends.
				return "", context.Canceled
			}
		}
		return "wamid.last", nil
	})
	d := deliverer(t, f, s, now)
	if err := d.Deliver(context.Background(), 7); err == nil {
		t.Fatal("the dying attempt succeeded")
	}
	dies = false
	if err := d.Deliver(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if len(skips) != 2 || skips[0] != 0 || skips[1] != 1 || f.sent[1] != "wamid.last" {
		t.Fatalf("skipped parts per attempt %v, sent %v; want 0 then 1 and the message sent", skips, f.sent)
	}
}

// TestTemplateIsSentWholeAfterSomeParts: a template replaces the free-form
// parts, so parts an earlier attempt sent do not make it skip anything.
func TestTemplateIsSentWholeAfterSomeParts(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f := newDeliveryFake(t, now.Add(-48*time.Hour), "flight_delay")
	f.pending[0].PartsSent = 2
	var modes []domain.SendMode
	s := senderFunc(func(_ context.Context, _ domain.Recipient, _ domain.Outbound, mode domain.SendMode) (string, error) {
		modes = append(modes, mode)
		return "wamid.tpl", nil
	})
	if err := deliverer(t, f, s, now).Deliver(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if len(modes) != 1 || modes[0].Template == nil || modes[0].SkipParts != 0 || modes[0].PartSent != nil {
		t.Fatalf("modes %+v: want the template, nothing skipped", modes)
	}
}
