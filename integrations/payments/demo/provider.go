package demopay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
)

// Sink takes the provider's events: the same function the payment webhook calls
// once a provider's signature is verified. A redelivered event (same id) must be
// harmless.
type Sink interface {
	RecordPaymentEvent(ctx context.Context, ev domain.PaymentEvent) (applied bool, err error)
}

// Config configures the provider.
type Config struct {
	DB *database.DB
	// PageURL is the public URL the pages are served under, such as
	// "https://chat.example-airline.com/pay"; a link is PageURL + "/" + id.
	PageURL string
	// Secret signs the events sent over HTTP; every instance must share it.
	Secret []byte
	// Sink receives the events; it may be set later with SetSink.
	Sink Sink
	Now  func() time.Time
	Log  *slog.Logger
}

// Provider is the demo payment provider, a domain.Payments. It is safe for
// concurrent use, also by several instances sharing one database.
type Provider struct {
	db      *gorm.DB
	pageURL string
	secret  []byte
	sink    Sink
	now     func() time.Time
	log     *slog.Logger
}

// New returns the provider.
func New(cfg Config) *Provider {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Provider{db: cfg.DB.Gorm, pageURL: strings.TrimRight(cfg.PageURL, "/"), secret: cfg.Secret,
		sink: cfg.Sink, now: func() time.Time { return cfg.Now().UTC() }, log: cfg.Log}
}

// SetSink sets where events go (the store is often built after the provider).
func (p *Provider) SetSink(s Sink) { p.sink = s }

// Checkout statuses.
const (
	statusOpen     = "open"
	statusPaid     = "paid"
	statusDeclined = "declined"
	statusExpired  = "expired"
)

type checkoutRow struct {
	ID             string `gorm:"primaryKey"`
	IdempotencyKey string
	Reference      string
	Description    string
	AmountMinor    int64
	Currency       string
	Lang           string
	ReturnURL      string
	Status         string
	PaymentID      string
	Delivered      bool
	RefundedMinor  int64
	ExpiresAt      time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (checkoutRow) TableName() string { return "demo_checkouts" }

func (r checkoutRow) amount() domain.Money {
	return domain.NewMoney(r.AmountMinor, domain.Currency(r.Currency))
}

type refundRow struct {
	ID             string `gorm:"primaryKey"`
	IdempotencyKey string
	CheckoutID     string
	AmountMinor    int64
	Currency       string
	Reason         string
	Delivered      bool
	CreatedAt      time.Time
}

func (refundRow) TableName() string { return "demo_refunds" }

func newID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// CreateLink creates a checkout page. The same idempotency key returns the same
// page; reused for another payment it is a Conflict, as Stripe answers.
func (p *Provider) CreateLink(ctx context.Context, req domain.PaymentRequest) (domain.PaymentLink, error) {
	const op = "create demo checkout"
	now := p.now()
	if req.IdempotencyKey == "" || req.Reference == "" || req.Amount.Minor <= 0 || req.Amount.Currency == "" {
		return domain.PaymentLink{}, domain.Errorf(domain.Invalid, op, "idempotency key, reference and a positive amount are required")
	}
	exp := req.ExpiresAt.UTC()
	if exp.IsZero() || exp.After(now.Add(24*time.Hour)) {
		exp = now.Add(24 * time.Hour)
	}
	if !exp.After(now) {
		return domain.PaymentLink{}, domain.Errorf(domain.Invalid, op, "the link would expire at once")
	}
	row := checkoutRow{ID: newID("demo_cs_"), IdempotencyKey: req.IdempotencyKey, Reference: req.Reference,
		Description: req.Description, AmountMinor: req.Amount.Minor, Currency: string(req.Amount.Currency),
		Lang: string(req.Lang), ReturnURL: req.ReturnURL, Status: statusOpen, ExpiresAt: exp, CreatedAt: now, UpdatedAt: now}
	err := p.db.WithContext(ctx).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "idempotency_key"}}, DoNothing: true}).
		Create(&row).Error
	if err != nil {
		return domain.PaymentLink{}, fmt.Errorf("%s: %w", op, err)
	}
	var rows []checkoutRow
	if err := p.db.WithContext(ctx).Where("idempotency_key = ?", req.IdempotencyKey).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return domain.PaymentLink{}, fmt.Errorf("%s: reload: %v", op, err)
	}
	got := rows[0]
	if got.Reference != req.Reference || got.amount() != req.Amount {
		return domain.PaymentLink{}, domain.Errorf(domain.Conflict, op, "idempotency key %q was used for another payment", req.IdempotencyKey)
	}
	return domain.PaymentLink{ProviderRef: got.ID, URL: p.pageURL + "/" + got.ID, ExpiresAt: got.ExpiresAt.UTC()}, nil
}

func (p *Provider) checkout(ctx context.Context, id string) (checkoutRow, bool, error) {
	var rows []checkoutRow
	if err := p.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return checkoutRow{}, false, fmt.Errorf("load demo checkout: %w", err)
	}
	if len(rows) == 0 {
		return checkoutRow{}, false, nil
	}
	return rows[0], true, nil
}

// settle moves an open checkout to paid or declined — or to expired when its time
// is up — guarded in SQL so that two clicks (or two instances) settle it once,
// then delivers the outcome. It returns the checkout as it now stands.
func (p *Provider) settle(ctx context.Context, id, to string) (checkoutRow, error) {
	now := p.now()
	upd := map[string]any{"status": to, "delivered": false, "updated_at": now}
	if to == statusPaid {
		upd["payment_id"] = "demo_pi_" + strings.TrimPrefix(id, "demo_cs_")
	}
	err := p.db.WithContext(ctx).Model(&checkoutRow{}).
		Where("id = ? AND status = ? AND expires_at > ?", id, statusOpen, now).Updates(upd).Error
	if err != nil {
		return checkoutRow{}, fmt.Errorf("settle demo checkout: %w", err)
	}
	if err := p.expire(ctx, id); err != nil {
		return checkoutRow{}, err
	}
	return p.deliverOutcome(ctx, id)
}

// expire marks the checkout expired if it is open past its time.
func (p *Provider) expire(ctx context.Context, id string) error {
	now := p.now()
	err := p.db.WithContext(ctx).Model(&checkoutRow{}).
		Where("id = ? AND status = ? AND expires_at <= ?", id, statusOpen, now).
		Updates(map[string]any{"status": statusExpired, "delivered": false, "updated_at": now}).Error
	if err != nil {
		return fmt.Errorf("expire demo checkout: %w", err)
	}
	return nil
}

// deliverOutcome hands a settled checkout's event to the sink unless that was
// done; a failed delivery is retried at the next look at the checkout.
func (p *Provider) deliverOutcome(ctx context.Context, id string) (checkoutRow, error) {
	c, ok, err := p.checkout(ctx, id)
	if err != nil || !ok || c.Status == statusOpen || c.Delivered {
		return c, err
	}
	st := map[string]domain.PaymentStatus{statusPaid: domain.PaymentPaid, statusDeclined: domain.PaymentFailed,
		statusExpired: domain.PaymentExpired}[c.Status]
	ev := domain.PaymentEvent{ID: "demo_evt_" + c.Status + "_" + c.ID, ProviderRef: c.ID, Reference: c.Reference,
		Status: st, Amount: c.amount(), PaymentID: c.PaymentID, At: c.UpdatedAt.UTC()}
	if err := p.deliver(ctx, ev); err != nil {
		return c, err
	}
	err = p.db.WithContext(ctx).Model(&checkoutRow{}).Where("id = ?", id).Update("delivered", true).Error
	c.Delivered = err == nil
	return c, err
}

func (p *Provider) deliver(ctx context.Context, ev domain.PaymentEvent) error {
	if p.sink == nil {
		return errors.New("deliver demo payment event: no sink")
	}
	if _, err := p.sink.RecordPaymentEvent(ctx, ev); err != nil {
		return fmt.Errorf("deliver demo payment event %s: %w", ev.ID, err)
	}
	return nil
}

// ExpireDue expires the open checkouts whose time is up and delivers what is
// still undelivered (an outcome whose delivery failed). Every instance may run
// it: settling is guarded in SQL and the event ids are stable.
func (p *Provider) ExpireDue(ctx context.Context) (int, error) {
	var ids []string
	err := p.db.WithContext(ctx).Model(&checkoutRow{}).
		Where("(status = ? AND expires_at <= ?) OR (status <> ? AND delivered = ?)", statusOpen, p.now(), statusOpen, false).
		Limit(500).Pluck("id", &ids).Error
	if err != nil {
		return 0, fmt.Errorf("expire demo checkouts: %w", err)
	}
	n := 0
	for _, id := range ids {
		if err := p.expire(ctx, id); err != nil {
			return n, err
		}
		if _, err := p.deliverOutcome(ctx, id); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Refund refunds a paid checkout, fully when the amount is zero; the same key
// refunds once. The refund's event is delivered like a payment's.
func (p *Provider) Refund(ctx context.Context, req domain.RefundRequest) (domain.Refund, error) {
	const op = "refund demo payment"
	if req.IdempotencyKey == "" || req.PaymentID == "" || req.Amount.Minor < 0 {
		return domain.Refund{}, domain.Errorf(domain.Invalid, op, "idempotency key and payment id are required")
	}
	var (
		out domain.Refund
		c   checkoutRow
		ev  domain.PaymentEvent
	)
	err := p.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var prev []refundRow
		if err := tx.Where("idempotency_key = ?", req.IdempotencyKey).Limit(1).Find(&prev).Error; err != nil {
			return err
		}
		var rows []checkoutRow
		if err := tx.Where("payment_id = ?", req.PaymentID).Limit(1).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 || rows[0].Status != statusPaid {
			return domain.Errorf(domain.NotFound, op, "no paid demo payment %s", req.PaymentID)
		}
		c = rows[0]
		if len(prev) > 0 {
			if prev[0].CheckoutID != c.ID || (req.Amount.Minor != 0 && prev[0].AmountMinor != req.Amount.Minor) {
				return domain.Errorf(domain.Conflict, op, "idempotency key %q was used for another refund", req.IdempotencyKey)
			}
			out = domain.Refund{ID: prev[0].ID, Amount: domain.NewMoney(prev[0].AmountMinor, domain.Currency(prev[0].Currency))}
			return nil
		}
		left := c.AmountMinor - c.RefundedMinor
		amount := req.Amount.Minor
		if amount == 0 {
			amount = left
		}
		if amount == 0 || amount > left || (req.Amount.Currency != "" && string(req.Amount.Currency) != c.Currency) {
			return domain.Errorf(domain.Invalid, op, "cannot refund %d of %d left", amount, left)
		}
		r := refundRow{ID: newID("demo_re_"), IdempotencyKey: req.IdempotencyKey, CheckoutID: c.ID, AmountMinor: amount,
			Currency: c.Currency, Reason: req.Reason, CreatedAt: p.now()}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		res := tx.Model(&checkoutRow{}).Where("id = ? AND refunded_minor = ?", c.ID, c.RefundedMinor).
			Update("refunded_minor", c.RefundedMinor+amount)
		if res.Error != nil || res.RowsAffected == 0 {
			return domain.Errorf(domain.Conflict, op, "refunded concurrently, try again")
		}
		out = domain.Refund{ID: r.ID, Amount: domain.NewMoney(amount, domain.Currency(c.Currency))}
		ev = domain.PaymentEvent{ID: "demo_evt_" + r.ID, ProviderRef: c.ID, Reference: c.Reference,
			Status: domain.PaymentRefunded, Amount: domain.NewMoney(c.RefundedMinor+amount, domain.Currency(c.Currency)),
			PaymentID: c.PaymentID, At: r.CreatedAt}
		return nil
	})
	if err != nil {
		if domain.ErrorCode(err) != "" && domain.ErrorCode(err) != domain.Internal {
			return domain.Refund{}, err
		}
		return domain.Refund{}, fmt.Errorf("%s: %w", op, err)
	}
	if ev.ID != "" {
		if err := p.deliver(ctx, ev); err != nil {
			// The refund stands; the order flow learns of it from the Refund answer.
			p.log.Warn("demo refund event not delivered", "refund", out.ID, "err", err)
		} else {
			p.db.WithContext(ctx).Model(&refundRow{}).Where("id = ?", out.ID).Update("delivered", true)
		}
	}
	return out, nil
}
