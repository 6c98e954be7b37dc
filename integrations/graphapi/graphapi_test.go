package graphapi

import (
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"": 0, "7": 7 * time.Second, "-3": 0, "soon": 0,
		"Thu, 26 Nov 2026 12:00:30 GMT": 30 * time.Second,
		"Thu, 26 Nov 2026 11:00:00 GMT": 0,
	} {
		if got := RetryAfter(in, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestMarshalKeepsTextAsWritten(t *testing.T) {
	b, err := Marshal(map[string]string{"text": "Tom & Jerry <3"})
	if err != nil || string(b) != `{"text":"Tom & Jerry <3"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
}
