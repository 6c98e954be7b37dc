package graphfake

import (
	"strings"
	"testing"
)

func TestWhatsAppSend(t *testing.T) {
	t.Parallel()
	s := start(t, Config{Templates: []string{"flight_delay_v1"}})
	base := s.URL() + "/v23.0/" + DefaultPhoneNumberID + "/messages"
	template := func(name, lang string) map[string]any {
		tpl := map[string]any{"name": name}
		if lang != "" {
			tpl["language"] = map[string]any{"code": lang}
		}
		return map[string]any{"messaging_product": "whatsapp", "to": "+447700900123", "type": "template", "template": tpl}
	}
	tests := []struct {
		name   string
		url    string
		token  string
		body   any
		status int
		code   int
	}{
		{"text", base, waToken, waText("+447700900123", "Hello"), 200, 0},
		{"text without plus", base, waToken, waText("447700900123", "Hello"), 200, 0},
		{"text of 4096", base, waToken, waText("+447700900123", strings.Repeat("é", 4096)), 200, 0},
		{"text of 4097", base, waToken, waText("+447700900123", strings.Repeat("a", 4097)), 400, 100},
		{"empty text", base, waToken, waText("+447700900123", ""), 400, 100},
		{"type defaults to text", base, waToken, with(waText("+447700900123", "hi"), "type", nil), 200, 0},
		{"text object missing", base, waToken, with(waText("+447700900123", "hi"), "text", nil), 400, 100},
		{"no messaging_product", base, waToken, with(waText("+447700900123", "hi"), "messaging_product", nil), 400, 100},
		{"wrong messaging_product", base, waToken, with(waText("+447700900123", "hi"), "messaging_product", "sms"), 400, 100},
		{"no to", base, waToken, with(waText("+447700900123", "hi"), "to", nil), 400, 100},
		{"bad to", base, waToken, waText("call me", "hi"), 400, 131009},
		{"unknown type", base, waToken, with(waText("+447700900123", "hi"), "type", "hologram"), 400, 100},
		{"not json", base, waToken, "{nope", 400, 100},
		{"3 buttons", base, waToken, waButtons(3, "Option "), 200, 0},
		{"4 buttons", base, waToken, waButtons(4, "Option "), 400, 100},
		{"no buttons", base, waToken, waButtons(0, "Option "), 400, 100},
		{"button title of 20", base, waToken, waButtons(2, strings.Repeat("t", 19)), 200, 0},
		{"button title of 21", base, waToken, waButtons(2, strings.Repeat("t", 20)), 400, 100},
		{"duplicate button titles", base, waToken, duplicateButtons(), 400, 100},
		{"10 rows", base, waToken, waList(10, "Seat "), 200, 0},
		{"11 rows", base, waToken, waList(11, "Seat "), 400, 100},
		{"row title of 24", base, waToken, waList(2, strings.Repeat("r", 23)), 200, 0},
		{"row title of 25", base, waToken, waList(2, strings.Repeat("r", 24)), 400, 100},
		{"template", base, waToken, template("flight_delay_v1", "en_GB"), 200, 0},
		{"template without language", base, waToken, template("flight_delay_v1", ""), 400, 100},
		{"template without name", base, waToken, template("", "en_GB"), 400, 100},
		{"unknown template", base, waToken, template("free_upgrade", "en_GB"), 404, 132001},
		{"read receipt", base, waToken, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.ABC"}, 200, 0},
		{"image by link", base, waToken, map[string]any{"messaging_product": "whatsapp", "to": "+447700900123", "type": "image", "image": map[string]any{"link": "https://example.com/p.png"}}, 200, 0},
		{"image without source", base, waToken, map[string]any{"messaging_product": "whatsapp", "to": "+447700900123", "type": "image", "image": map[string]any{}}, 400, 100},
		{"no token", base, "", waText("+447700900123", "hi"), 400, 104},
		{"wrong token", base, "stolen", waText("+447700900123", "hi"), 401, 190},
		{"page token on whatsapp", base, pageToken, waText("+447700900123", "hi"), 401, 190},
		{"wrong version", s.URL() + "/v19.0/" + DefaultPhoneNumberID + "/messages", waToken, waText("+447700900123", "hi"), 400, 2500},
		{"unknown phone number id", s.URL() + "/v23.0/999/messages", waToken, waText("+447700900123", "hi"), 400, 100},
		{"wrong path", s.URL() + "/v23.0/" + DefaultPhoneNumberID + "/media", waToken, waText("+447700900123", "hi"), 400, 2500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, "POST", tt.url, tt.token, tt.body)
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("got HTTP %d code %d (%v), want HTTP %d code %d", a.status, a.code(), a.body, tt.status, tt.code)
			}
			if tt.status != 200 {
				checkErrorBody(t, a)
			}
		})
	}
}

// checkErrorBody asserts the Graph error shape Skybridge's client parses.
func checkErrorBody(t *testing.T, a answer) {
	t.Helper()
	e, ok := a.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %v", a.body)
	}
	msg, _ := e["message"].(string)
	if e["type"] == nil || e["fbtrace_id"] == "" || msg == "" {
		t.Fatalf("error body incomplete: %v", e)
	}
	code := a.code()
	if code != 104 && code != 190 && code != 2500 && e["type"] != "GraphMethodException" && !strings.HasPrefix(msg, "(#") {
		t.Errorf("message %q does not start with (#code)", msg)
	}
	if d, _ := e["error_data"].(map[string]any); d == nil || d["details"] == "" {
		t.Errorf("no error_data.details: %v", e)
	}
}

func TestWhatsAppSuccessBody(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	a := sendWA(t, s, waText("+447700900123", "Hello"))
	msgs, _ := a.body["messages"].([]any)
	contacts, _ := a.body["contacts"].([]any)
	if a.status != 200 || len(msgs) != 1 || len(contacts) != 1 || a.body["messaging_product"] != "whatsapp" {
		t.Fatalf("success body %v", a.body)
	}
	id, _ := msgs[0].(map[string]any)["id"].(string)
	if !strings.HasPrefix(id, "wamid.") || len(id) < 40 {
		t.Errorf("wamid %q", id)
	}
	c := contacts[0].(map[string]any)
	if c["input"] != "+447700900123" || c["wa_id"] != "447700900123" {
		t.Errorf("contacts %v", c)
	}
	again := sendWA(t, s, waText("+447700900123", "Hello"))
	if again.body["messages"].([]any)[0].(map[string]any)["id"] == id {
		t.Error("two sends got the same wamid")
	}
}

func TestMessengerSend(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	base := s.URL() + "/v23.0/" + DefaultPageID + "/messages?access_token=" + pageToken
	tagged := func(typ, tag string) map[string]any {
		m := with(msText("7000000000000001", "Your flight is delayed"), "messaging_type", typ)
		if tag != "" {
			m["tag"] = tag
		}
		return m
	}
	buttonTemplate := func(n int) map[string]any {
		var bs []any
		for i := range n {
			bs = append(bs, map[string]any{"type": "postback", "title": "Choice " + string(rune('A'+i)), "payload": "P" + string(rune('A'+i))})
		}
		return map[string]any{"recipient": map[string]any{"id": "7000000000000001"}, "messaging_type": "RESPONSE",
			"message": map[string]any{"attachment": map[string]any{"type": "template",
				"payload": map[string]any{"template_type": "button", "text": "What now?", "buttons": bs}}}}
	}
	utility := map[string]any{"recipient": map[string]any{"id": "7000000000000001"}, "messaging_type": "UTILITY",
		"message": map[string]any{"template": map[string]any{"name": "flight_delay", "language": map[string]any{"code": "en_US"}}}}
	tests := []struct {
		name   string
		url    string
		token  string
		body   any
		status int
		code   int
	}{
		{"text", base, "", msText("7000000000000001", "Hello"), 200, 0},
		{"text via me", s.URL() + "/v23.0/me/messages?access_token=" + pageToken, "", msText("7000000000000001", "Hello"), 200, 0},
		{"bearer token", s.URL() + "/v23.0/" + DefaultPageID + "/messages", pageToken, msText("7000000000000001", "Hello"), 200, 0},
		{"text of 1999", base, "", msText("7000000000000001", strings.Repeat("ü", 1999)), 200, 0},
		{"text of 2000", base, "", msText("7000000000000001", strings.Repeat("a", 2000)), 400, 100},
		{"no recipient", base, "", with(msText("7000000000000001", "hi"), "recipient", nil), 400, 100},
		{"no messaging_type", base, "", with(msText("7000000000000001", "hi"), "messaging_type", nil), 400, 100},
		{"bad messaging_type", base, "", tagged("PROMOTION", ""), 400, 100},
		{"UPDATE", base, "", tagged("UPDATE", ""), 200, 0},
		{"MESSAGE_TAG without tag", base, "", tagged("MESSAGE_TAG", ""), 400, 100},
		{"tag without MESSAGE_TAG", base, "", tagged("RESPONSE", "HUMAN_AGENT"), 400, 100},
		{"HUMAN_AGENT", base, "", tagged("MESSAGE_TAG", "HUMAN_AGENT"), 200, 0},
		{"CONFIRMED_EVENT_UPDATE is dead", base, "", tagged("MESSAGE_TAG", "CONFIRMED_EVENT_UPDATE"), 400, 100},
		{"ACCOUNT_UPDATE is dead", base, "", tagged("MESSAGE_TAG", "ACCOUNT_UPDATE"), 400, 100},
		{"POST_PURCHASE_UPDATE is dead", base, "", tagged("MESSAGE_TAG", "POST_PURCHASE_UPDATE"), 400, 100},
		{"unknown tag", base, "", tagged("MESSAGE_TAG", "FLIGHT_NEWS"), 400, 100},
		{"13 quick replies", base, "", msQuickReplies(13, "Option"), 200, 0},
		{"14 quick replies", base, "", msQuickReplies(14, "Option"), 400, 100},
		{"quick reply title of 20", base, "", msQuickReplies(2, strings.Repeat("q", 20)), 200, 0},
		{"quick reply title of 21", base, "", msQuickReplies(2, strings.Repeat("q", 21)), 400, 100},
		{"button template of 3", base, "", buttonTemplate(3), 200, 0},
		{"button template of 4", base, "", buttonTemplate(4), 400, 100},
		{"utility template", base, "", utility, 200, 0},
		{"template as RESPONSE", base, "", with(utility, "messaging_type", "RESPONSE"), 400, 100},
		{"typing_on", base, "", map[string]any{"recipient": map[string]any{"id": "7000000000000001"}, "sender_action": "typing_on"}, 200, 0},
		{"no message", base, "", map[string]any{"recipient": map[string]any{"id": "7000000000000001"}, "messaging_type": "RESPONSE"}, 400, 100},
		{"no token", s.URL() + "/v23.0/" + DefaultPageID + "/messages", "", msText("7000000000000001", "hi"), 400, 104},
		{"whatsapp token on messenger", s.URL() + "/v23.0/" + DefaultPageID + "/messages?access_token=" + waToken, "", msText("7000000000000001", "hi"), 401, 190},
		{"unknown page", s.URL() + "/v23.0/123/messages?access_token=" + pageToken, "", msText("7000000000000001", "hi"), 400, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := do(t, "POST", tt.url, tt.token, tt.body)
			if a.status != tt.status || a.code() != tt.code {
				t.Fatalf("got HTTP %d code %d (%v), want HTTP %d code %d", a.status, a.code(), a.body, tt.status, tt.code)
			}
			if tt.status != 200 {
				checkErrorBody(t, a)
				return
			}
			if a.body["recipient_id"] != "7000000000000001" {
				t.Errorf("recipient_id: %v", a.body)
			}
		})
	}
}

func TestMessengerSuccessBody(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	a := sendMS(t, s, msText("7000000000000001", "Hello"))
	mid, _ := a.body["message_id"].(string)
	if a.status != 200 || !strings.HasPrefix(mid, "m_") || a.body["recipient_id"] != "7000000000000001" {
		t.Fatalf("success body %v", a.body)
	}
}

func TestAnyTokenWhenNoneConfigured(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if a := do(t, "POST", s.URL()+"/v23.0/"+DefaultPhoneNumberID+"/messages", "whatever", waText("+447700900123", "hi")); a.status != 200 {
		t.Fatalf("HTTP %d: %v", a.status, a.body)
	}
	if a := do(t, "POST", s.URL()+"/v23.0/"+DefaultPhoneNumberID+"/messages", "", waText("+447700900123", "hi")); a.code() != 104 {
		t.Fatalf("no token accepted: %v", a.body)
	}
}

func duplicateButtons() map[string]any {
	m := waButtons(2, "Yes")
	buttons := m["interactive"].(map[string]any)["action"].(map[string]any)["buttons"].([]any)
	buttons[1].(map[string]any)["reply"].(map[string]any)["title"] = "Yes0"
	return m
}
