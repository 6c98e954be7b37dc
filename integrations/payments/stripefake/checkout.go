package stripefake

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Locales are the values Stripe Checkout accepts for locale.
var Locales = []string{"auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil",
	"fr", "fr-CA", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR",
	"ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW"}

// session is a Checkout Session.
type session struct {
	ID            string
	Reference     string
	Metadata      map[string]string
	PIMetadata    map[string]string
	Name          string
	Currency      string
	Amount        int64
	Locale        string
	SuccessURL    string
	CancelURL     string
	Created       time.Time
	ExpiresAt     time.Time
	Status        string // open, complete, expired
	PaymentStatus string // unpaid, paid, no_payment_required
	PaymentIntent string
	Charge        string
	Refunded      int64
}

// Session is what a test may read of a Checkout Session.
type Session struct {
	ID, Reference, Currency, Locale, Name string
	Amount                                int64
	ExpiresAt                             time.Time
	Status, PaymentStatus, PaymentIntent  string
	Metadata                              map[string]string
	Refunded                              int64
}

// Session returns a Checkout Session by id.
func (s *Server) Session(id string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.sess[id]
	if !ok {
		return Session{}, false
	}
	return Session{ID: cs.ID, Reference: cs.Reference, Currency: cs.Currency, Locale: cs.Locale, Name: cs.Name,
		Amount: cs.Amount, ExpiresAt: cs.ExpiresAt, Status: cs.Status, PaymentStatus: cs.PaymentStatus,
		PaymentIntent: cs.PaymentIntent, Metadata: cs.Metadata, Refunded: cs.Refunded}, true
}

// object renders the session as Stripe's JSON.
func (cs *session) object(base string) map[string]any {
	o := map[string]any{
		"id": cs.ID, "object": "checkout.session", "mode": "payment", "livemode": false,
		"amount_subtotal": cs.Amount, "amount_total": cs.Amount, "currency": cs.Currency,
		"client_reference_id": nullable(cs.Reference), "metadata": cs.Metadata,
		"created": cs.Created.Unix(), "expires_at": cs.ExpiresAt.Unix(),
		"locale": nullable(cs.Locale), "success_url": nullable(cs.SuccessURL), "cancel_url": nullable(cs.CancelURL),
		"status": cs.Status, "payment_status": cs.PaymentStatus, "payment_intent": nullable(cs.PaymentIntent),
		"url": nil,
	}
	if cs.Status == "open" {
		o["url"] = base + "/c/pay/" + cs.ID
	}
	return o
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nested reads form keys "prefix[key]" into a map, as Stripe reads metadata.
func nested(form url.Values, prefix string) map[string]string {
	m := map[string]string{}
	for k, v := range form {
		if rest, ok := strings.CutPrefix(k, prefix+"["); ok && strings.HasSuffix(rest, "]") && len(v) > 0 {
			m[strings.TrimSuffix(rest, "]")] = v[0]
		}
	}
	return m
}

func (s *Server) createSession(form url.Values) (int, []byte) {
	now := s.cfg.Now()
	mode := form.Get("mode")
	switch mode {
	case "":
		return missing("mode")
	case "payment":
	default:
		return invalid("mode", "Invalid mode: the fake supports only payment (got %s)", mode)
	}
	const li = "line_items[0]"
	if form.Get(li+"[price_data][currency]") == "" && form.Get(li+"[price]") == "" {
		return missing("line_items")
	}
	if form.Get(li+"[price]") != "" {
		return invalid("line_items[0][price]", "No such price: '%s'", form.Get(li+"[price]"))
	}
	for k := range form {
		if strings.HasPrefix(k, "line_items[") && !strings.HasPrefix(k, li) {
			return invalid("line_items", "The fake supports one line item.")
		}
	}
	cur := form.Get(li + "[price_data][currency]")
	if len(cur) != 3 || strings.ToLower(cur) != cur {
		return invalid("line_items[0][price_data][currency]", "Invalid currency: %s. Stripe currently supports these currencies: …", cur)
	}
	amount, err := strconv.ParseInt(form.Get(li+"[price_data][unit_amount]"), 10, 64)
	if err != nil || amount < 1 {
		return invalid("line_items[0][price_data][unit_amount]", "Invalid integer: %s", form.Get(li+"[price_data][unit_amount]"))
	}
	qty := int64(1)
	if q := form.Get(li + "[quantity]"); q != "" {
		if qty, err = strconv.ParseInt(q, 10, 64); err != nil || qty < 1 {
			return invalid("line_items[0][quantity]", "Invalid integer: %s", q)
		}
	} else {
		return missing("line_items[0][quantity]")
	}
	name := form.Get(li + "[price_data][product_data][name]")
	if name == "" {
		return missing("line_items[0][price_data][product_data][name]")
	}
	loc := form.Get("locale")
	if loc != "" && !slices.Contains(Locales, loc) {
		return invalid("locale", "Invalid locale: %s", loc)
	}
	expires := now.Add(24 * time.Hour)
	if e := form.Get("expires_at"); e != "" {
		unix, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			return invalid("expires_at", "Invalid integer: %s", e)
		}
		expires = time.Unix(unix, 0)
		switch {
		case expires.Before(now.Add(30 * time.Minute)):
			return invalid("expires_at", "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.")
		case expires.After(now.Add(24 * time.Hour)):
			return invalid("expires_at", "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.")
		}
	}
	for _, u := range []string{"success_url", "cancel_url"} {
		if v := form.Get(u); v != "" {
			if p, err := url.Parse(v); err != nil || (p.Scheme != "http" && p.Scheme != "https") {
				return invalid(u, "Not a valid URL")
			}
		}
	}
	cs := &session{
		ID: "cs_test_" + randomID(40), Reference: form.Get("client_reference_id"), Metadata: nested(form, "metadata"),
		PIMetadata: nested(form, "payment_intent_data[metadata]"), Name: name, Currency: cur, Amount: amount * qty,
		Locale: loc, SuccessURL: form.Get("success_url"), CancelURL: form.Get("cancel_url"),
		Created: now, ExpiresAt: expires, Status: "open", PaymentStatus: "unpaid",
	}
	s.sess[cs.ID] = cs
	return jsonOK(cs.object(s.url))
}

// refund is a Refund.
type refund struct {
	ID, PaymentIntent, Charge, Currency, Reason string
	Amount                                      int64
	Metadata                                    map[string]string
	Created                                     time.Time
}

func (r *refund) object() map[string]any {
	return map[string]any{"id": r.ID, "object": "refund", "amount": r.Amount, "currency": r.Currency,
		"payment_intent": r.PaymentIntent, "charge": r.Charge, "created": r.Created.Unix(),
		"metadata": r.Metadata, "reason": nullable(r.Reason), "status": "succeeded"}
}

func (s *Server) createRefund(form url.Values) (int, []byte) {
	pi := form.Get("payment_intent")
	if pi == "" && form.Get("charge") == "" {
		return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error",
			Message: "One of the following params should be provided for this request: payment_intent or charge."})
	}
	cs, ok := s.pis[pi]
	if !ok {
		return http.StatusNotFound, errorBody(apiError{Type: "invalid_request_error", Code: "resource_missing", Param: "payment_intent",
			Message: "No such payment_intent: '" + pi + "'"})
	}
	left := cs.Amount - cs.Refunded
	amount := left
	if a := form.Get("amount"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 1 {
			return invalid("amount", "Invalid integer: %s", a)
		}
		amount = n
	}
	if left == 0 {
		return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error", Code: "charge_already_refunded",
			Message: "Charge " + cs.Charge + " has already been refunded."})
	}
	if amount > left {
		return http.StatusBadRequest, errorBody(apiError{Type: "invalid_request_error", Code: "amount_too_large", Param: "amount",
			Message: "Refund amount is greater than unrefunded amount on charge"})
	}
	reason := form.Get("reason")
	if reason != "" && !slices.Contains([]string{"duplicate", "fraudulent", "requested_by_customer"}, reason) {
		return invalid("reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer")
	}
	r := &refund{ID: "re_" + randomID(24), PaymentIntent: pi, Charge: cs.Charge, Currency: cs.Currency, Reason: reason,
		Amount: amount, Metadata: nested(form, "metadata"), Created: s.cfg.Now()}
	s.refs[r.ID] = r
	cs.Refunded += amount
	ev := s.newEvent("charge.refunded", cs.chargeObject())
	go s.Deliver(ev.ID)
	return jsonOK(r.object())
}

// chargeObject renders the session's charge as Stripe's JSON.
func (cs *session) chargeObject() map[string]any {
	return map[string]any{"id": cs.Charge, "object": "charge", "amount": cs.Amount, "amount_captured": cs.Amount,
		"amount_refunded": cs.Refunded, "currency": cs.Currency, "payment_intent": cs.PaymentIntent,
		"metadata": cs.PIMetadata, "paid": true, "captured": true, "refunded": cs.Refunded >= cs.Amount, "status": "succeeded"}
}
