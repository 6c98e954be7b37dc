package flows

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// paymentPayload prefixes the system messages the payment webhook puts into a
// conversation's inbox: "payment:<status>:<reference>". They are processed in order
// with the traveller's own messages, exactly once.
const paymentPayload = "payment:"

// PaymentRecord is a payment Skybridge asked a provider for.
type PaymentRecord struct {
	Reference      string
	Kind           string // "order" or "change"
	ConversationID int64
	ProviderRef    string
	Amount         domain.Money
	ExpiresAt      time.Time
	Status         domain.PaymentStatus
	// PaymentID is the provider's id of the captured payment, set once paid.
	PaymentID string
}

// PaymentLedger records payments so that the provider's webhook finds the
// conversation and the captured payment.
type PaymentLedger interface {
	// RecordPayment stores a new pending payment; recording the same reference
	// again is a no-op.
	RecordPayment(ctx context.Context, p PaymentRecord) error
	// PaymentByReference returns a recorded payment.
	PaymentByReference(ctx context.Context, reference string) (PaymentRecord, bool, error)
}

// OpenOrder is something the traveller was asked to pay for: extras or a flight
// change. It outlives the flow that created it.
type OpenOrder struct {
	Kind     string              `json:"kind"` // "order" or "change"
	Locator  string              `json:"loc"`
	OfferID  string              `json:"offer,omitempty"`
	Items    []domain.BasketItem `json:"items,omitempty"`
	Lines    []string            `json:"lines,omitempty"` // what was bought, as shown
	AltID    string              `json:"alt,omitempty"`
	Alt      *AltSlot            `json:"alt_slot,omitempty"`
	Segments []int64             `json:"segs,omitempty"`
	Amount   domain.Money        `json:"amount"`
	// ExpiresAt is when the offer or the alternative stops being valid: a payment
	// arriving later is refunded.
	ExpiresAt time.Time `json:"exp"`
	URL       string    `json:"url"`
}

// pruneOrders forgets unpaid orders long after their link expired (a late "paid"
// event still finds the ledger's record and is refunded).
func (t *Turn) pruneOrders() {
	for ref, o := range t.Slots.Orders {
		if t.Now.After(o.ExpiresAt.Add(48 * time.Hour)) {
			delete(t.Slots.Orders, ref)
		}
	}
}

// orderReference is stable for the turn that creates a payment: a retried turn
// asks the provider again with the same idempotency key and gets the same link.
func orderReference(t *Turn, kind string) string {
	return fmt.Sprintf("%s-%d-%d", kind, t.Conv.ID, t.In.ID)
}

// createLink asks the provider for a hosted page and records the payment. The
// order is kept in the conversation until the provider reports back; the flow's
// last state names it by its reference (SaleSlots.Link) to show the link.
func (e *Engine) createLink(ctx context.Context, t *Turn, o *OpenOrder, description string) error {
	if e.payments == nil || e.ledger == nil {
		return domain.Errorf(domain.Unavailable, "create payment link", "no payment provider configured")
	}
	ref := orderReference(t, o.Kind)
	exp := o.ExpiresAt
	if max := t.Now.Add(24 * time.Hour); exp.After(max) {
		exp = max
	}
	link, err := e.payments.CreateLink(ctx, domain.PaymentRequest{
		IdempotencyKey: "link:" + ref, Reference: ref, Description: description,
		Amount: o.Amount, Lang: t.Lang, ExpiresAt: exp,
	})
	if err != nil {
		return err
	}
	if err := e.ledger.RecordPayment(ctx, PaymentRecord{Reference: ref, Kind: o.Kind, ConversationID: t.Conv.ID,
		ProviderRef: link.ProviderRef, Amount: o.Amount, ExpiresAt: exp, Status: domain.PaymentPending}); err != nil {
		return err
	}
	o.URL = link.URL
	if t.Slots.Orders == nil {
		t.Slots.Orders = map[string]*OpenOrder{}
	}
	t.Slots.Orders[ref] = o
	t.sale().Link = ref
	return nil
}

// enterLinkSent shows the payment link of the order the flow just created.
func enterLinkSent(t *Turn) {
	o := t.Slots.Orders[t.sale().Link]
	if o == nil {
		t.Say("pay.unavailable")
		return
	}
	t.Say("pay.link", "url", o.URL, "total", t.money(o.Amount), "until", t.FormatTime(o.ExpiresAt, nil))
}

// paymentEvent settles an order when the provider reports on its payment: paid
// extras are issued, a paid change is reissued, a payment that arrives after the
// offer expired (or that the booking system refuses) is refunded. A booking system
// that cannot be reached leaves the event waiting: the turn fails and is retried.
func (e *Engine) paymentEvent(ctx context.Context, t *Turn) {
	rest := strings.TrimPrefix(t.In.Payload, paymentPayload)
	status, ref, _ := strings.Cut(rest, ":")
	o := t.Slots.Orders[ref]
	switch domain.PaymentStatus(status) {
	case domain.PaymentPaid:
		rec, ok, err := e.ledger.PaymentByReference(ctx, ref)
		if err != nil {
			t.retry = fmt.Errorf("payment %s: %w", ref, err)
			return
		}
		if !ok {
			e.log.Error("paid event for an unknown payment", "conversation", t.Conv.ID, "reference", ref)
			return
		}
		if rec.Status != domain.PaymentPaid {
			// Refunded (or disputed) before this report was processed: nothing to issue.
			e.log.Info("paid report for a payment no longer paid", "conversation", t.Conv.ID, "reference", ref, "status", rec.Status)
			return
		}
		if o == nil && t.settled(ref) {
			e.log.Info("payment already settled", "conversation", t.Conv.ID, "reference", ref)
			return
		}
		if o == nil {
			// Paid, but nothing here waits for it (forgotten long after the link
			// expired): the money goes back.
			e.refundAndTell(ctx, t, rec, "order no longer open", "pay.refunded_unknown")
		} else {
			// The booking system decides whether the offer still holds: a retried
			// turn replays its stored result under the same key, so goods issued once
			// are never refunded because the clock moved on meanwhile.
			switch o.Kind {
			case "order":
				e.fulfilOrder(ctx, t, ref, o, rec)
			case "change":
				e.reissuePaid(ctx, t, ref, o, rec)
			}
		}
		if t.retry != nil {
			return
		}
		delete(t.Slots.Orders, ref)
		t.markSettled(ref)
	case domain.PaymentExpired:
		if o != nil {
			delete(t.Slots.Orders, ref)
			t.Say("pay.expired")
		}
	case domain.PaymentFailed:
		if o != nil {
			delete(t.Slots.Orders, ref)
			t.Say("pay.failed")
		}
	default:
		return // pending, refunded: nothing to tell
	}
	if t.Conv.Flow != "" && t.Conv.Flow != "handoff" && t.retry == nil {
		e.reprompt(ctx, t)
	}
}

func (t *Turn) markSettled(ref string) {
	t.Slots.Settled = append(t.Slots.Settled, ref)
	if n := len(t.Slots.Settled); n > 20 {
		t.Slots.Settled = t.Slots.Settled[n-20:]
	}
}

func (t *Turn) settled(ref string) bool {
	for _, r := range t.Slots.Settled {
		if r == ref {
			return true
		}
	}
	return false
}

// refundAndTell returns a payment and tells the traveller with the message key.
// A provider that cannot be reached leaves the report waiting (retry); a refund
// the provider refuses, or a payment without its id, goes to a person: the
// traveller is never told "refunded" unless the provider accepted the refund.
func (e *Engine) refundAndTell(ctx context.Context, t *Turn, rec PaymentRecord, reason, key string) {
	if rec.PaymentID == "" || e.payments == nil {
		e.log.Error("paid payment cannot be refunded automatically", "conversation", t.Conv.ID, "reference", rec.Reference)
		e.paymentNeedsPerson(ctx, t, rec.Reference)
		return
	}
	_, err := e.payments.Refund(ctx, domain.RefundRequest{IdempotencyKey: "refund:" + rec.Reference,
		PaymentID: rec.PaymentID, Amount: rec.Amount, Reason: reason})
	switch {
	case err == nil:
		t.Say(key, "amount", t.money(rec.Amount))
	case domain.IsCode(err, domain.Unavailable):
		t.retry = fmt.Errorf("refund %s: %w", rec.Reference, err)
	default:
		e.log.Error("refund refused by the payment provider", "conversation", t.Conv.ID, "reference", rec.Reference, "err", err)
		e.paymentNeedsPerson(ctx, t, rec.Reference)
	}
}

// paymentNeedsPerson hands the conversation to a person when a payment cannot be
// settled automatically; the transition log names it for the console's inbox.
func (e *Engine) paymentNeedsPerson(ctx context.Context, t *Turn, ref string) {
	t.record("payment", "paid", "", "abandon:payment_unsettled")
	if t.Conv.Flow != "handoff" {
		e.handoff(ctx, t)
	}
}

// fulfilOrder issues paid extras and sends the receipt.
func (e *Engine) fulfilOrder(ctx context.Context, t *Turn, ref string, o *OpenOrder, rec PaymentRecord) {
	if e.extras == nil {
		e.refundAndTell(ctx, t, rec, "extras cannot be issued", "pay.refunded_refused")
		return
	}
	emds, err := e.extras.FulfilAncillaries(ctx, domain.FulfilRequest{IdempotencyKey: "fulfil:" + ref,
		Locator: domain.RecordLocator(o.Locator), OfferID: o.OfferID, Items: o.Items, PaymentID: rec.PaymentID})
	if err != nil {
		e.settleRefused(ctx, t, rec, "extras", err)
		return
	}
	var lines []string
	seats := false
	for _, d := range emds {
		lines = append(lines, t.T("order.receipt_line", "item", t.itemName(d, o), "document", d.Number))
		seats = seats || d.Seat != ""
	}
	t.Say("order.receipt", "locator", o.Locator, "total", t.money(rec.Amount), "lines", strings.Join(lines, "\n"))
	if seats {
		t.Say("order.seat_receipt")
	}
}

// settleRefused handles a booking system's answer to a paid order or change:
// unreachable leaves the payment report waiting (retry); a refusal — the offer
// expired, the item or booking no longer there — refunds the payment.
func (e *Engine) settleRefused(ctx context.Context, t *Turn, rec PaymentRecord, what string, err error) {
	if domain.IsCode(err, domain.Unavailable) {
		t.retry = fmt.Errorf("settle %s: %w", rec.Reference, err)
		return
	}
	e.log.Warn("paid "+what+" refused by the booking system", "conversation", t.Conv.ID, "reference", rec.Reference, "err", err)
	key := "pay.refunded_refused"
	if domain.IsCode(err, domain.Conflict) && domain.ErrorMessage(err) != domain.SeatTaken {
		// A seat someone else got meanwhile is not an expired offer: the
		// traveller hears only that it could not be done.
		key = "pay.refunded_expired"
	}
	e.refundAndTell(ctx, t, rec, what+" could not be issued", key)
}

// itemName finds how an item was described when it was bought: the line of the
// same service for the same passenger, flight and seat.
func (t *Turn) itemName(d domain.EMD, o *OpenOrder) string {
	for i, it := range o.Items {
		if it.Code == d.Code && i < len(o.Lines) && (it.PassengerID == 0 || it.PassengerID == d.PassengerID) &&
			(it.SegmentID == 0 || it.SegmentID == d.SegmentID) && it.Seat == d.Seat {
			return o.Lines[i]
		}
	}
	return d.Code
}

// money renders an amount for the traveller.
func (t *Turn) money(m domain.Money) string { return t.FormatPrice(m) }
