package stripefake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/skybridge/skybridge/integrations/payments/stripefake"
)

func call(t *testing.T, f *stripefake.Server, key, idem string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.URL()+"/v1/checkout/sessions", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("answer is not JSON: %s", b)
	}
	return resp.StatusCode, out, resp.Header
}

func session(amount string) url.Values {
	return url.Values{
		"mode": {"payment"}, "client_reference_id": {"r1"}, "metadata[reference]": {"r1"},
		"line_items[0][quantity]":                       {"1"},
		"line_items[0][price_data][currency]":           {"eur"},
		"line_items[0][price_data][unit_amount]":        {amount},
		"line_items[0][price_data][product_data][name]": {"Seat 14C"},
		"payment_intent_data[metadata][reference]":      {"r1"},
	}
}

func errType(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["type"].(string)
	return s
}

func TestFakeSpeaksStripesWireFormat(t *testing.T) {
	f, err := stripefake.Start(stripefake.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	key := f.SecretKey()

	if st, m, _ := call(t, f, "", "", session("100")); st != http.StatusUnauthorized || errType(m) != "invalid_request_error" {
		t.Fatalf("no key: %d %v", st, m)
	}
	if st, _, _ := call(t, f, "sk_test_other", "", session("100")); st != http.StatusUnauthorized {
		t.Fatalf("wrong key: %d", st)
	}
	st, first, _ := call(t, f, key, "k1", session("1850"))
	if st != http.StatusOK || first["object"] != "checkout.session" || first["amount_total"] != 1850.0 ||
		first["client_reference_id"] != "r1" || first["status"] != "open" || first["payment_status"] != "unpaid" {
		t.Fatalf("create: %d %v", st, first)
	}
	if md, _ := first["metadata"].(map[string]any); md["reference"] != "r1" {
		t.Fatalf("metadata %v", first["metadata"])
	}
	st, again, h := call(t, f, key, "k1", session("1850"))
	if st != http.StatusOK || again["id"] != first["id"] || h.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v %v", st, again["id"], h)
	}
	if st, m, _ := call(t, f, key, "k1", session("9999")); st != http.StatusBadRequest || errType(m) != "idempotency_error" {
		t.Fatalf("same key, other params: %d %v", st, m)
	}
	bad := session("1850")
	bad.Set("expires_at", "1")
	if st, m, _ := call(t, f, key, "", bad); st != http.StatusBadRequest || errType(m) != "invalid_request_error" {
		t.Fatalf("expiry in the past: %d %v", st, m)
	}
	noItems := session("1850")
	for k := range noItems {
		if strings.HasPrefix(k, "line_items") {
			noItems.Del(k)
		}
	}
	if st, m, _ := call(t, f, key, "", noItems); st != http.StatusBadRequest || !strings.Contains(m["error"].(map[string]any)["message"].(string), "line_items") {
		t.Fatalf("no line items: %d %v", st, m)
	}
	id := first["id"].(string)
	if _, _, err := f.Expire(id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Complete(id, true); err == nil {
		t.Fatal("completed an expired session")
	}
	if evs := f.Events("checkout.session.expired"); len(evs) != 1 || !strings.Contains(string(evs[0].Payload), id) {
		t.Fatalf("events %v", evs)
	}
}

func TestSignMatchesStripesScheme(t *testing.T) {
	// The header Stripe's own SDK generates for the same payload, secret and time.
	payload, at := []byte(`{"id":"evt_1"}`), time.Unix(1700000000, 0)
	want := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: "whsec_test", Timestamp: at}).Header
	if got := stripefake.Sign(payload, "whsec_test", at); got != want {
		t.Fatalf("header %q, Stripe's SDK makes %q", got, want)
	}
}
