package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skybridge/skybridge/domain"
)

// PaymentKind says what a payment is for.
type PaymentKind string

// Payment kinds.
const (
	PaymentForOrder  PaymentKind = "order"
	PaymentForChange PaymentKind = "change"
)

// Payment is Skybridge's record of one payment it asked a provider for.
type Payment struct {
	// Reference is Skybridge's id of what is paid for, unique; the provider echoes
	// it in its events.
	Reference string
	Kind      PaymentKind
	// ConversationID is the conversation told of the outcome; 0 for none.
	ConversationID int64
	Provider       string
	ProviderRef    string
	Amount         domain.Money
	Status         domain.PaymentStatus
	// PaymentID is the provider's id of the captured payment, what a refund
	// refers to; empty until paid.
	PaymentID string
	// Late marks a payment that completed after its offer ended (its link expired
	// first): it is recorded as paid, and the order flow refunds it.
	Late      bool
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

type paymentRow struct {
	ID             int64
	Reference      string
	Kind           string
	ConversationID *int64
	Provider       string
	ProviderRef    string
	AmountMinor    int64
	Currency       string
	Status         string
	PaymentID      string
	Late           bool
	ExpiresAt      *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (paymentRow) TableName() string { return "payments" }

type paymentEventRow struct {
	ID         int64
	EventID    string
	Reference  string
	Status     string
	PaymentID  string
	Changed    bool
	ReceivedAt time.Time
}

func (paymentEventRow) TableName() string { return "payment_events" }

func toPaymentRow(p Payment) paymentRow {
	r := paymentRow{
		Reference: p.Reference, Kind: string(p.Kind), Provider: p.Provider, ProviderRef: p.ProviderRef,
		AmountMinor: p.Amount.Minor, Currency: string(p.Amount.Currency), Status: string(p.Status),
		PaymentID: p.PaymentID, Late: p.Late, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if p.ConversationID != 0 {
		id := p.ConversationID
		r.ConversationID = &id
	}
	if !p.ExpiresAt.IsZero() {
		t := p.ExpiresAt.UTC()
		r.ExpiresAt = &t
	}
	return r
}

func toDomainPayment(r paymentRow) Payment {
	p := Payment{
		Reference: r.Reference, Kind: PaymentKind(r.Kind), Provider: r.Provider, ProviderRef: r.ProviderRef,
		Amount: domain.NewMoney(r.AmountMinor, domain.Currency(r.Currency)), Status: domain.PaymentStatus(r.Status),
		PaymentID: r.PaymentID, Late: r.Late, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.ConversationID != nil {
		p.ConversationID = *r.ConversationID
	}
	if r.ExpiresAt != nil {
		p.ExpiresAt = r.ExpiresAt.UTC()
	}
	return p
}

// CreatePayment records a payment, pending, before or after its link is created.
// It is idempotent on the reference: a second call returns the stored payment
// unchanged. Events the provider sent before the payment was recorded (a fast
// webhook racing the caller) are applied now, in the order they arrived.
func (s *Store) CreatePayment(ctx context.Context, p Payment) (Payment, error) {
	const op = "create payment"
	if p.Reference == "" || p.Provider == "" || p.Amount.Currency == "" || p.Amount.Minor <= 0 {
		return Payment{}, domain.Errorf(domain.Invalid, op, "reference, provider and a positive amount are required")
	}
	if p.Kind == "" {
		p.Kind = PaymentForOrder
	}
	now := s.now()
	p.Status, p.PaymentID, p.Late = domain.PaymentPending, "", false
	p.CreatedAt, p.UpdatedAt = now, now
	var out Payment
	err := s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		row := toPaymentRow(p)
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "reference"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("insert: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			existing, ok, err := paymentWhere(tx, "reference = ?", p.Reference)
			if err != nil {
				return err
			}
			if !ok {
				return errors.New("lost to a concurrent creator but cannot see its row")
			}
			out = toDomainPayment(existing)
			return nil
		}
		var early []paymentEventRow
		if err := tx.Where("reference = ?", p.Reference).Order("id").Find(&early).Error; err != nil {
			return fmt.Errorf("early events: %w", err)
		}
		for _, e := range early {
			ev := domain.PaymentEvent{ID: e.EventID, Reference: e.Reference, Status: domain.PaymentStatus(e.Status),
				PaymentID: e.PaymentID, At: e.ReceivedAt}
			changed, err := s.applyPaymentEvent(ctx, tx, sqlTx, ev)
			if err != nil {
				return err
			}
			if changed {
				if err := tx.Model(&paymentEventRow{}).Where("id = ?", e.ID).Update("changed", true).Error; err != nil {
					return fmt.Errorf("mark event: %w", err)
				}
			}
		}
		final, _, err := paymentWhere(tx, "id = ?", row.ID)
		if err != nil {
			return err
		}
		out = toDomainPayment(final)
		return nil
	})
	if err != nil {
		return Payment{}, fmt.Errorf("%s %s: %w", op, p.Reference, err)
	}
	return out, nil
}

// SetPaymentLink records the provider's checkout for a payment created before its
// link.
func (s *Store) SetPaymentLink(ctx context.Context, reference string, link domain.PaymentLink) error {
	const op = "set payment link"
	upd := map[string]any{"provider_ref": link.ProviderRef, "updated_at": s.now()}
	if !link.ExpiresAt.IsZero() {
		upd["expires_at"] = link.ExpiresAt.UTC()
	}
	res := s.db.WithContext(ctx).Model(&paymentRow{}).Where("reference = ?", reference).Updates(upd)
	if res.Error != nil {
		return fmt.Errorf("%s %s: %w", op, reference, res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.NotFound, op, "no payment %s", reference)
	}
	return nil
}

// PaymentByReference returns the payment of a reference, or a NotFound error.
func (s *Store) PaymentByReference(ctx context.Context, reference string) (Payment, error) {
	const op = "load payment"
	r, ok, err := paymentWhere(s.db.WithContext(ctx), "reference = ?", reference)
	if err != nil {
		return Payment{}, fmt.Errorf("%s %s: %w", op, reference, err)
	}
	if !ok {
		return Payment{}, domain.Errorf(domain.NotFound, op, "no payment %s", reference)
	}
	return toDomainPayment(r), nil
}

func paymentWhere(tx *gorm.DB, query string, args ...any) (paymentRow, bool, error) {
	var rows []paymentRow
	if err := tx.Where(query, args...).Limit(1).Find(&rows).Error; err != nil {
		return paymentRow{}, false, fmt.Errorf("find payment: %w", err)
	}
	if len(rows) == 0 {
		return paymentRow{}, false, nil
	}
	return rows[0], true, nil
}

// RecordPaymentEvent stores a verified provider event and applies it, in one
// transaction. applied is false for an event already recorded (a redelivery),
// which changes nothing. A new event moves the payment's status forward only
// (see nextPaymentStatus); when it does and the payment belongs to a
// conversation, a system message "payment:<status>:<reference>" is queued in that
// conversation's inbox, once, so that its flow reacts in order with what the
// traveller writes. An event for a payment not (yet) recorded is kept and applied
// by CreatePayment.
func (s *Store) RecordPaymentEvent(ctx context.Context, ev domain.PaymentEvent) (applied bool, err error) {
	const op = "record payment event"
	if ev.ID == "" || ev.Status == "" {
		return false, domain.Errorf(domain.Invalid, op, "event id and status are required")
	}
	err = s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		row := paymentEventRow{EventID: ev.ID, Reference: ev.Reference, Status: string(ev.Status),
			PaymentID: ev.PaymentID, ReceivedAt: s.now()}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_id"}}, DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("insert event: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		applied = true
		changed, err := s.applyPaymentEvent(ctx, tx, sqlTx, ev)
		if err != nil || !changed {
			return err
		}
		return tx.Model(&paymentEventRow{}).Where("id = ?", row.ID).Update("changed", true).Error
	})
	if err != nil {
		return false, fmt.Errorf("%s %s: %w", op, ev.ID, err)
	}
	return applied, nil
}

// applyPaymentEvent moves the event's payment forward in tx and queues the system
// message; changed is false when the payment is unknown or the event would move
// it backwards or nowhere.
func (s *Store) applyPaymentEvent(ctx context.Context, tx *gorm.DB, sqlTx *sql.Tx, ev domain.PaymentEvent) (changed bool, err error) {
	// Guarded in SQL: the update only lands on the status it was computed from,
	// so two events of one payment racing each other are applied one after the
	// other.
	for range 5 {
		var (
			p  paymentRow
			ok bool
		)
		switch {
		case ev.Reference != "":
			p, ok, err = paymentWhere(tx, "reference = ?", ev.Reference)
		case ev.ProviderRef != "":
			p, ok, err = paymentWhere(tx, "provider_ref = ?", ev.ProviderRef)
		case ev.PaymentID != "":
			p, ok, err = paymentWhere(tx, "payment_id = ?", ev.PaymentID)
		}
		if err != nil || !ok {
			if err == nil {
				s.log.Warn("payment event for an unknown payment kept", "event", ev.ID, "reference", ev.Reference)
			}
			return false, err
		}
		from := domain.PaymentStatus(p.Status)
		to, late := nextPaymentStatus(from, ev.Status)
		if to == from {
			if ev.PaymentID != "" && p.PaymentID == "" {
				err := tx.Model(&paymentRow{}).Where("id = ?", p.ID).Update("payment_id", ev.PaymentID).Error
				return false, err
			}
			return false, nil
		}
		// A link outliving its offer (a provider's shortest expiry is longer than
		// the offer's) may be paid after the offer ended without an expiry event.
		at := ev.At
		if at.IsZero() {
			at = s.now()
		}
		if to == domain.PaymentPaid && p.ExpiresAt != nil && at.After(*p.ExpiresAt) {
			late = true
		}
		upd := map[string]any{"status": string(to), "updated_at": s.now()}
		if late {
			upd["late"] = true
		}
		if ev.PaymentID != "" {
			upd["payment_id"] = ev.PaymentID
		}
		res := tx.Model(&paymentRow{}).Where("id = ? AND status = ?", p.ID, p.Status).Updates(upd)
		if res.Error != nil {
			return false, fmt.Errorf("update payment: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			continue
		}
		if p.ConversationID == nil {
			return true, nil
		}
		var channels []string
		if err := tx.Model(&conversationRow{}).Where("id = ?", *p.ConversationID).Limit(1).Pluck("channel", &channels).Error; err != nil {
			return false, fmt.Errorf("payment conversation: %w", err)
		}
		if len(channels) == 0 {
			return true, nil
		}
		_, err = s.acceptSystem(ctx, tx, sqlTx, domain.Inbound{
			ConversationID:   *p.ConversationID,
			Channel:          domain.Channel(channels[0]),
			ChannelMessageID: "payment:" + ev.ID,
			Payload:          "payment:" + string(to) + ":" + p.Reference,
		})
		return true, err
	}
	return false, errors.New("payment changed under every attempt")
}

// paymentRank orders statuses: a payment never moves to a lower rank, so events
// arriving out of order (Stripe does not order its deliveries) cannot undo a later
// state.
var paymentRank = map[domain.PaymentStatus]int{
	domain.PaymentPending:  0,
	domain.PaymentFailed:   1,
	domain.PaymentExpired:  1,
	domain.PaymentPaid:     2,
	domain.PaymentRefunded: 3,
}

// nextPaymentStatus is where an event moves a payment in status from: forward
// only. Money taken always counts: a payment completed after its link expired is
// recorded as paid, flagged late so that it is refunded.
func nextPaymentStatus(from, event domain.PaymentStatus) (to domain.PaymentStatus, late bool) {
	rf, okf := paymentRank[from]
	re, oke := paymentRank[event]
	if !okf || !oke || re <= rf {
		return from, false
	}
	return event, from == domain.PaymentExpired && event == domain.PaymentPaid
}
