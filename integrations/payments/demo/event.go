package demopay

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// SignatureHeader carries the signature of an event sent over HTTP.
const SignatureHeader = "Skybridge-Signature"

// tolerance is how old a signed timestamp may be, as Stripe's default.
const tolerance = 5 * time.Minute

// wireEvent is an event's JSON.
type wireEvent struct {
	ID          string `json:"id"`
	ProviderRef string `json:"provider_ref"`
	Reference   string `json:"reference"`
	Status      string `json:"status"`
	AmountMinor int64  `json:"amount_minor"`
	Currency    string `json:"currency"`
	PaymentID   string `json:"payment_id"`
	At          int64  `json:"at"`
}

// Sign encodes an event and signs it now, for sending it over HTTP.
func (p *Provider) Sign(ev domain.PaymentEvent) (payload []byte, header http.Header) {
	payload, _ = json.Marshal(wireEvent{ID: ev.ID, ProviderRef: ev.ProviderRef, Reference: ev.Reference,
		Status: string(ev.Status), AmountMinor: ev.Amount.Minor, Currency: string(ev.Amount.Currency),
		PaymentID: ev.PaymentID, At: ev.At.Unix()})
	ts := strconv.FormatInt(p.now().Unix(), 10)
	return payload, http.Header{SignatureHeader: {"t=" + ts + ",v1=" + hex.EncodeToString(p.mac(ts, payload))}}
}

func (p *Provider) mac(ts string, payload []byte) []byte {
	m := hmac.New(sha256.New, p.secret)
	m.Write([]byte(ts + "."))
	m.Write(payload)
	return m.Sum(nil)
}

// ParseEvent verifies the Skybridge-Signature header over the raw body (the
// shared secret, a timestamp within 5 minutes) before reading anything, then
// decodes the event.
func (p *Provider) ParseEvent(payload []byte, header map[string][]string) (domain.PaymentEvent, bool, error) {
	const op = "parse demo payment event"
	if len(p.secret) == 0 {
		return domain.PaymentEvent{}, false, domain.Errorf(domain.Forbidden, op, "no signing secret configured")
	}
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(http.Header(header).Get(SignatureHeader), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return domain.PaymentEvent{}, false, domain.Errorf(domain.Forbidden, op, "missing or malformed signature")
	}
	if d := p.now().Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return domain.PaymentEvent{}, false, domain.Errorf(domain.Forbidden, op, "signature timestamp outside the tolerance")
	}
	want := p.mac(ts, payload)
	valid := false
	for _, s := range sigs {
		valid = valid || hmac.Equal(s, want)
	}
	if !valid {
		return domain.PaymentEvent{}, false, domain.Errorf(domain.Forbidden, op, "signature does not match")
	}
	var w wireEvent
	if err := json.Unmarshal(payload, &w); err != nil || w.ID == "" || w.Status == "" {
		return domain.PaymentEvent{}, false, domain.Errorf(domain.Invalid, op, "signed body is not a payment event")
	}
	return domain.PaymentEvent{ID: w.ID, ProviderRef: w.ProviderRef, Reference: w.Reference,
		Status: domain.PaymentStatus(w.Status), Amount: domain.NewMoney(w.AmountMinor, domain.Currency(w.Currency)),
		PaymentID: w.PaymentID, At: time.Unix(w.At, 0).UTC()}, true, nil
}
