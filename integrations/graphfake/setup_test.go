package graphfake

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const (
	waToken   = "wa-test-token"
	pageToken = "page-test-token"
)

// start runs a fake on a real loopback socket for one test.
func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.WhatsAppToken == "" {
		cfg.WhatsAppToken = waToken
	}
	if cfg.PageToken == "" {
		cfg.PageToken = pageToken
	}
	s := New(cfg)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// answer is a decoded response.
type answer struct {
	status int
	body   map[string]any
}

// code is the Graph error code, 0 on success.
func (a answer) code() int {
	e, _ := a.body["error"].(map[string]any)
	if e == nil {
		return 0
	}
	n, _ := e["code"].(float64)
	return int(n)
}

func do(t *testing.T, method, url, auth string, body any) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode}
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			t.Fatalf("answer is not JSON: %s", raw)
		}
	}
	return a
}

// sendWA posts a WhatsApp send with the right token.
func sendWA(t *testing.T, s *Server, body any) answer {
	t.Helper()
	return do(t, "POST", s.URL()+"/v23.0/"+DefaultPhoneNumberID+"/messages", waToken, body)
}

// sendMS posts a Messenger send with the right token in the query.
func sendMS(t *testing.T, s *Server, body any) answer {
	t.Helper()
	return do(t, "POST", s.URL()+"/v23.0/"+DefaultPageID+"/messages?access_token="+pageToken, "", body)
}

func waText(to, text string) map[string]any {
	return map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
		"type": "text", "text": map[string]any{"body": text}}
}

func waButtons(n int, title string) map[string]any {
	var buttons []any
	for i := range n {
		buttons = append(buttons, map[string]any{"type": "reply", "reply": map[string]any{"id": "b" + string(rune('0'+i)), "title": title + string(rune('0'+i))}})
	}
	return map[string]any{"messaging_product": "whatsapp", "to": "+447700900123", "type": "interactive",
		"interactive": map[string]any{"type": "button", "body": map[string]any{"text": "Check in now?"},
			"action": map[string]any{"buttons": buttons}}}
}

func waList(rows int, rowTitle string) map[string]any {
	var rs []any
	for i := range rows {
		rs = append(rs, map[string]any{"id": "r" + string(rune('a'+i)), "title": rowTitle + string(rune('a'+i))})
	}
	return map[string]any{"messaging_product": "whatsapp", "to": "+447700900123", "type": "interactive",
		"interactive": map[string]any{"type": "list", "body": map[string]any{"text": "Pick a seat"},
			"action": map[string]any{"button": "Seats", "sections": []any{map[string]any{"title": "Free", "rows": rs}}}}}
}

func msText(psid, text string) map[string]any {
	return map[string]any{"recipient": map[string]any{"id": psid}, "messaging_type": "RESPONSE",
		"message": map[string]any{"text": text}}
}

func msQuickReplies(n int, title string) map[string]any {
	var qr []any
	for i := range n {
		qr = append(qr, map[string]any{"content_type": "text", "title": title, "payload": "P" + strings.Repeat("x", i)})
	}
	return map[string]any{"recipient": map[string]any{"id": "7000000000000001"}, "messaging_type": "RESPONSE",
		"message": map[string]any{"text": "Seat preference?", "quick_replies": qr}}
}

// with returns a copy of m with key set to v (a nil v deletes it).
func with(m map[string]any, key string, v any) map[string]any {
	out := map[string]any{}
	for k, x := range m {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}
