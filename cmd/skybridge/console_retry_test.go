package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// getJSON gets url with a bearer token and decodes the JSON answer.
func getJSON(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp.StatusCode, out
}

// TestDeadLetterRetriedFromTheConsoleArrivesOnce: the Graph API refuses a
// reply for good (131026, undeliverable), so the reply is a dead letter in the
// staff inbox. Once the fault is cleared, an agent's retry through the console
// API sends it, and the traveller receives it exactly once; a second retry is
// refused, and the transcript shows it sent and retried.
func TestDeadLetterRetriedFromTheConsoleArrivesOnce(t *testing.T) {
	r := newChannelRig(t, "SKYBRIDGE_LANGUAGES=en")
	const phone = "31600000051"
	if err := r.fake.SetFaults(graphfake.Faults{ServerError: graphfake.Fault{Next: 1, Code: 131026, Status: http.StatusBadRequest,
		Channel: graphfake.WhatsApp}}); err != nil {
		t.Fatal(err)
	}
	tr := r.traveller("whatsapp", phone)
	tr.post(tr.webhook(map[string]any{"type": "text", "text": map[string]any{"body": "I want to check in"}}))
	agent := strings.TrimSpace(cli(t, r, "token", "create", "--role", "agent", "service-desk"))

	// The refused reply shows in the inbox as undelivered, with the platform's code.
	var conv, seq int
	deadline := time.Now().Add(20 * time.Second)
	for conv == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the refused reply never reached the inbox")
		}
		st, inbox := getJSON(t, r.in.URL+"/api/v1/console/inbox", agent)
		if st != http.StatusOK {
			t.Fatalf("inbox: %d %v", st, inbox)
		}
		items, _ := inbox["items"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			if m["kind"] == "undelivered" && m["code"] == float64(131026) && m["status"] == "failed" {
				conv, seq = int(m["conversation_id"].(float64)), int(m["seq"].(float64))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	refused := 0
	for _, q := range r.fake.RequestsTo(phone) {
		if !q.Accepted() {
			refused++
		}
	}
	if refused != 1 {
		t.Fatalf("%d refused sends, want the one injected (a permanent failure is not retried on its own)", refused)
	}
	path := r.in.URL + "/api/v1/console/conversations/" + strconv.Itoa(conv)
	_, before := getJSON(t, path, agent)
	var text string
	for _, e := range before["transcript"].([]any) {
		if m := e.(map[string]any); m["seq"] == float64(seq) {
			text, _ = m["text"].(string)
		}
	}
	if text == "" {
		t.Fatalf("no text for message %d in %v", seq, before["transcript"])
	}
	arrived := func() int {
		n := 0
		for _, q := range messagesOnly(r.fake.RequestsTo(phone)) {
			if q.Text == text {
				n++
			}
		}
		return n
	}
	if n := arrived(); n != 0 {
		t.Fatalf("the refused reply arrived %d times before the retry", n)
	}

	// The fault is cleared; the agent retries; it arrives once.
	if err := r.fake.SetFaults(graphfake.Faults{}); err != nil {
		t.Fatal(err)
	}
	resp, body := postJSON(t, path+"/messages/"+strconv.Itoa(seq)+"/retry", agent, nil)
	if resp.StatusCode != http.StatusAccepted || body["status"] != "queued" {
		t.Fatalf("retry: %d %v", resp.StatusCode, body)
	}
	deadline = time.Now().Add(20 * time.Second)
	for arrived() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the retried reply %q never arrived:\n%s", text, texts(r.fake.RequestsTo(phone)))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // a duplicate would come now
	if n := arrived(); n != 1 {
		t.Fatalf("the retried reply arrived %d times, want once", n)
	}
	if resp, body := postJSON(t, path+"/messages/"+strconv.Itoa(seq)+"/retry", agent, nil); resp.StatusCode != http.StatusConflict {
		t.Fatalf("a second retry: %d %v, want 409", resp.StatusCode, body)
	}
	_, after := getJSON(t, path, agent)
	for _, e := range after["transcript"].([]any) {
		m := e.(map[string]any)
		if m["seq"] != float64(seq) {
			continue
		}
		if st := m["status"]; (st != "sent" && st != "delivered" && st != "read") || m["retried"] != true || m["error_code"] != nil {
			t.Fatalf("the retried message in the transcript: %v", m)
		}
	}
	st, inbox := getJSON(t, r.in.URL+"/api/v1/console/inbox", agent)
	if st != http.StatusOK || strings.Contains(asJSONText(inbox), `"undelivered"`) {
		t.Fatalf("the inbox still lists it: %v", inbox)
	}
	r.in.stop()
}

func asJSONText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
