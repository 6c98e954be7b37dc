package graphfake

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestRecorder(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	sendWA(t, s, waButtons(2, "Yes"))
	sendWA(t, s, waText("+447700900999", "other"))
	sendMS(t, s, msQuickReplies(2, "Aisle"))
	sendWA(t, s, waText("+447700900123", "")) // refused

	all := s.Requests()
	if len(all) != 4 {
		t.Fatalf("%d requests recorded", len(all))
	}
	first := all[0]
	if first.Seq != 1 || first.Channel != WhatsApp || first.Recipient != "447700900123" || first.Kind != "interactive.button" ||
		first.Text != "Check in now?" || first.Status != 200 || first.MessageID == "" || first.Received.IsZero() {
		t.Errorf("first request %+v", first)
	}
	if len(first.Choices) != 2 || first.Choices[0] != (Choice{Kind: "button_reply", ID: "b0", Title: "Yes0"}) {
		t.Errorf("choices %+v", first.Choices)
	}
	if first.Body["messaging_product"] != "whatsapp" || len(first.Response) == 0 {
		t.Errorf("body %v response %s", first.Body, first.Response)
	}
	if ms := all[2]; ms.Channel != Messenger || ms.Kind != "quick_replies" || len(ms.Choices) != 2 || ms.Choices[1].Kind != "quick_reply" {
		t.Errorf("messenger request %+v", ms)
	}
	if bad := all[3]; bad.Status != 400 || bad.ErrorCode != 100 || bad.MessageID != "" || bad.IsMessage() {
		t.Errorf("refused request %+v", bad)
	}
	if to := s.RequestsTo("+447700900123"); len(to) != 2 || to[0].Seq != 1 || to[1].Seq != 4 {
		t.Errorf("RequestsTo: %+v", to)
	}
	if by := s.Recipients(); len(by["447700900999"]) != 1 || len(by["7000000000000001"]) != 1 {
		t.Errorf("Recipients: %v", by)
	}

	// Over HTTP, filtered and unfiltered; no token ever appears.
	a := do(t, "GET", s.URL()+"/_fake/requests?recipient=%2B447700900123", "", nil)
	if a.status != 200 || a.body["count"] != float64(2) {
		t.Fatalf("GET /_fake/requests: %v", a.body)
	}
	a = do(t, "GET", s.URL()+"/_fake/requests?channel=messenger", "", nil)
	reqs := a.body["requests"].([]any)
	if len(reqs) != 1 || reqs[0].(map[string]any)["path"] != "/v23.0/"+DefaultPageID+"/messages" {
		t.Fatalf("messenger requests: %v", reqs)
	}
	if raw := fmt.Sprint(a.body); containsAny(raw, pageToken, waToken) {
		t.Fatal("a token leaked into the request listing")
	}
	if a := do(t, "DELETE", s.URL()+"/_fake/requests", "", nil); a.status != 204 {
		t.Fatalf("DELETE: %d", a.status)
	}
	if n := len(s.Requests()); n != 0 {
		t.Fatalf("%d requests after DELETE", n)
	}
	sendWA(t, s, waText("+447700900123", "after"))
	if r := s.Requests(); len(r) != 1 || r[0].Seq != 5 {
		t.Fatalf("sequence restarted after reset: %+v", r)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if len(sub) > 0 && len(s) >= len(sub) {
			for i := 0; i+len(sub) <= len(s); i++ {
				if s[i:i+len(sub)] == sub {
					return true
				}
			}
		}
	}
	return false
}

func TestWaitFor(t *testing.T) {
	t.Parallel()
	s := start(t, Config{})
	go func() {
		time.Sleep(50 * time.Millisecond)
		sendWA(t, s, waText("+447700900123", "one"))
		sendWA(t, s, waText("+447700900123", "two"))
	}()
	got, err := s.WaitFor(2, 5*time.Second)
	if err != nil || len(got) != 2 || got[1].Text != "two" {
		t.Fatalf("WaitFor: %v %+v", err, got)
	}
	if _, err := s.WaitForRecipient("447700900123", 3, 100*time.Millisecond); err == nil {
		t.Fatal("WaitForRecipient returned a third request that was never sent")
	}
	if got, err := s.WaitForRecipient("+447700900123", 2, time.Second); err != nil || len(got) != 2 {
		t.Fatalf("WaitForRecipient: %v", err)
	}
}

func TestConcurrentSendsAreAllRecorded(t *testing.T) {
	t.Parallel()
	var seen sync.Map
	s := start(t, Config{OnRequest: func(r Request) { seen.Store(r.Seq, r.MessageID) }, MaxRecorded: 1000})
	const workers, each = 16, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				to := fmt.Sprintf("+4477009%05d", w)
				if i%2 == 0 {
					sendWA(t, s, waText(to, "hi"))
				} else {
					sendMS(t, s, msText(fmt.Sprintf("70000000%05d", w), "hi"))
				}
				if i == 10 && w == 0 {
					_ = s.SetFaults(Faults{Throttle: Fault{Fraction: 0.1}})
					_ = s.Faults()
					_ = s.Callbacks()
				}
			}
		}()
	}
	got, err := s.WaitFor(workers*each, 10*time.Second)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	seqs := map[int64]bool{}
	for _, r := range got {
		if seqs[r.Seq] {
			t.Fatalf("sequence %d twice", r.Seq)
		}
		seqs[r.Seq] = true
		if r.MessageID != "" {
			if ids[r.MessageID] {
				t.Fatalf("message id %s twice", r.MessageID)
			}
			ids[r.MessageID] = true
		}
	}
	n := 0
	seen.Range(func(any, any) bool { n++; return true })
	if n != workers*each {
		t.Fatalf("OnRequest saw %d of %d", n, workers*each)
	}
	for w := range workers {
		if to := s.RequestsTo(fmt.Sprintf("4477009%05d", w)); len(to) != (each+1)/2 {
			t.Fatalf("recipient %d: %d requests", w, len(to))
		}
	}
}

func TestMaxRecordedDropsOldest(t *testing.T) {
	t.Parallel()
	s := start(t, Config{MaxRecorded: 3})
	for i := range 5 {
		sendWA(t, s, waText("+447700900123", fmt.Sprint(i)))
	}
	got := s.Requests()
	if len(got) != 3 || got[0].Text != "2" || got[2].Seq != 5 {
		t.Fatalf("%+v", got)
	}
}
