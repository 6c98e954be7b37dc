package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// syncBuffer is a bytes.Buffer safe to write from the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServesAndLogsWithoutSecrets(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	ready := make(chan *graphfake.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-wa-token", "secret-wa-token", "-faults", `{"throttle":{"next":1}}`},
			func(string) string { return "" }, &stdout, &stderr, ready)
	}()
	var s *graphfake.Server
	select {
	case s = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
	if !strings.Contains(stdout.String(), "SKYBRIDGE_GRAPH_URL="+s.URL()+"\n") || !strings.Contains(stdout.String(), "SKYBRIDGE_GRAPH_VERSION=v23.0") {
		t.Errorf("printed environment:\n%s", stdout.String())
	}
	body := `{"messaging_product":"whatsapp","to":"+447700900123","type":"text","text":{"body":"hi"}}`
	var codes []int
	for range 2 {
		req, _ := http.NewRequest("POST", s.URL()+"/v23.0/"+graphfake.DefaultPhoneNumberID+"/messages", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer secret-wa-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != 429 || codes[1] != 200 {
		t.Errorf("statuses %v, want the -faults throttle then success", codes)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	logs := stderr.String()
	if strings.Count(logs, "graph request") != 2 {
		t.Errorf("want one log line per request:\n%s", logs)
	}
	for _, secret := range []string{"secret-wa-token", "447700900123"} {
		if strings.Contains(logs+stdout.String(), secret) {
			t.Errorf("%q appears in the output", secret)
		}
	}
}

func TestRefusesBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-faults", `{"throtle":{}}`},
		{"-status-whatsapp", "http://127.0.0.1:8080/webhooks/whatsapp"},
		{"extra"},
	} {
		var out syncBuffer
		if err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, &out, &out, nil); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
