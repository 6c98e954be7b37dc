package pss

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// What the mutations of changes and orders share: the booking lock, idempotency
// records, document numbers and priced offers.

// Messages of errors shared by the mutations.
const (
	msgOfferUnknown = "no such offer"
	msgOfferExpired = "offer expired"
)

// lockBooking takes the booking's row lock for the rest of the transaction and
// returns its id. Every mutation of a booking's segments, seats or extras starts
// here, so that they run one at a time per booking across connections and
// instances (on SQLite the write also takes the database's single writer lock).
func lockBooking(tx *gorm.DB, loc domain.RecordLocator, now time.Time, op string) (int64, error) {
	res := tx.Exec(`UPDATE pss_bookings SET updated_at = ? WHERE locator = ?`, now.UTC(), string(loc))
	if res.Error != nil {
		return 0, fmt.Errorf("lock booking: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return 0, domain.Errorf(domain.NotFound, op, "no booking %s", loc)
	}
	var id int64
	if err := tx.Raw(`SELECT id FROM pss_bookings WHERE locator = ?`, string(loc)).Scan(&id).Error; err != nil {
		return 0, fmt.Errorf("lock booking: %w", err)
	}
	return id, nil
}

// requestFingerprint hashes what a request asks for, so that a key reused for a
// different request is told apart from a retry.
func requestFingerprint(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// storedResult reads the result of an earlier request with the same key into out.
// It reports false when the key is new, and a Conflict when the key was used for
// another request.
func storedResult(tx *gorm.DB, op, key, fp string, out any) (bool, error) {
	var rows []requestRow
	if err := tx.Where("idempotency_key = ?", key).Limit(1).Find(&rows).Error; err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	if len(rows) == 0 {
		return false, nil
	}
	if rows[0].Operation != op || rows[0].Fingerprint != fp {
		return false, domain.Errorf(domain.Conflict, op, msgKeyReused)
	}
	if err := json.Unmarshal([]byte(rows[0].Result), out); err != nil {
		return false, fmt.Errorf("read stored result: %w", err)
	}
	return true, nil
}

// storeResult records a request's result under its key, in the request's
// transaction.
func storeResult(tx *gorm.DB, op, key, fp string, result any, now time.Time) error {
	b, err := json.Marshal(result)
	if err != nil {
		return err
	}
	row := requestRow{Key: key, Operation: op, Fingerprint: fp, Result: string(b), CreatedAt: now.UTC()}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("record idempotency key: %w", err)
	}
	return nil
}

// firstSerial leaves the serial numbers below it to imported tickets.
const firstSerial = 6_000_000_000

// documentNumbers allocates n ticket or EMD numbers of the carrier's ticketing
// prefix: the prefix and a 10-digit serial, 13 digits in all. The UPDATE holds the
// counter's row lock until commit; a rollback gives the numbers back.
func documentNumbers(tx *gorm.DB, carrier string, n int) ([]string, error) {
	if n == 0 {
		return nil, nil
	}
	prefix := "000"
	var rows []airlineRow
	if err := tx.Where("code = ?", carrier).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read ticketing prefix: %w", err)
	}
	if len(rows) == 1 && rows[0].TicketPrefix != "" {
		prefix = rows[0].TicketPrefix
	}
	err := tx.Exec(`INSERT INTO pss_document_numbers (prefix, last) VALUES (?, ?) ON CONFLICT (prefix) DO NOTHING`, prefix, firstSerial).Error
	if err != nil {
		return nil, fmt.Errorf("allocate document number: %w", err)
	}
	var last int64
	if err := tx.Raw(`UPDATE pss_document_numbers SET last = last + ? WHERE prefix = ? RETURNING last`, n, prefix).Scan(&last).Error; err != nil {
		return nil, fmt.Errorf("allocate document number: %w", err)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%010d", prefix, last-int64(n-1-i))
	}
	return out, nil
}

// newOfferID returns an unguessable id with a readable prefix ("OF…", "AL…").
func newOfferID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// saveOffer stores a priced offer until it expires.
func saveOffer(tx *gorm.DB, id, kind string, bookingID int64, payload any, now, expires time.Time) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	row := offerRow{ID: id, Kind: kind, BookingID: bookingID, Payload: string(b), CreatedAt: now.UTC(), ExpiresAt: expires.UTC()}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("store offer: %w", err)
	}
	// Offers are short-lived; expired ones of the booking go as new ones come.
	if err := tx.Where("booking_id = ? AND expires_at < ?", bookingID, now.UTC().Add(-24*time.Hour)).Delete(&offerRow{}).Error; err != nil {
		return fmt.Errorf("prune offers: %w", err)
	}
	return nil
}

// loadOffer reads a stored offer of a kind into payload. An unknown id is NotFound;
// expiry is the caller's to judge (a retried fulfilment replays after expiry).
func loadOffer(tx *gorm.DB, id, kind, op string, payload any) (offerRow, error) {
	var rows []offerRow
	if err := tx.Where("id = ? AND kind = ?", id, kind).Limit(1).Find(&rows).Error; err != nil {
		return offerRow{}, fmt.Errorf("read offer: %w", err)
	}
	if len(rows) == 0 {
		return offerRow{}, domain.Errorf(domain.NotFound, op, msgOfferUnknown)
	}
	if err := json.Unmarshal([]byte(rows[0].Payload), payload); err != nil {
		return offerRow{}, fmt.Errorf("read offer: %w", err)
	}
	return rows[0], nil
}

// toEMD turns a row into the domain's document.
func toEMD(r emdRow) domain.EMD {
	return domain.EMD{
		Number: r.Number, Code: r.Code, PassengerID: r.PassengerID, SegmentID: r.SegmentID,
		Quantity: r.Quantity, Amount: domain.NewMoney(r.AmountMinor, domain.Currency(r.Currency)), Seat: r.Seat,
	}
}

// domainError passes domain errors through and wraps the others with the operation.
func domainError(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
