package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// TestMessageAcceptedJustBeforeSIGKILLIsNotSentAgain opens the crash window on
// purpose: the Graph API holds every answer for a few seconds, the service is
// killed while its sends wait for those answers, and the platform keeps the
// messages (as Meta does once it has read the request). The instance that takes
// over after the dead one's delivery lease must recognise them as sent — from the
// WhatsApp status carrying our reference, and from the Messenger echo carrying it
// in its metadata — and send nothing again.
func TestMessageAcceptedJustBeforeSIGKILLIsNotSentAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a dead instance's delivery lease")
	}
	r := newChannelRig(t, "SKYBRIDGE_JOB_TIMEOUT=10s")
	const hold = 6 * time.Second
	if err := r.fake.SetFaults(graphfake.Faults{Delay: graphfake.Duration(hold)}); err != nil {
		t.Fatal(err)
	}
	var travellers []*channelTraveller
	for _, tc := range []struct{ ch, id string }{
		{"whatsapp", "31620000001"}, {"messenger", "7200000000000001"},
		{"whatsapp", "31620000002"}, {"messenger", "7200000000000002"},
	} {
		tr := r.traveller(tc.ch, tc.id)
		if tc.ch == "whatsapp" {
			tr.post(tr.webhook(map[string]any{"type": "text", "text": map[string]any{"body": "I want to check in"}}))
		} else {
			tr.post(tr.webhook(map[string]any{"message": map[string]any{"text": "I want to check in"}}))
		}
		travellers = append(travellers, tr)
	}
	// Once every reply is committed its delivery starts at once; give the sends
	// a moment to reach the Graph API, then kill while they wait for answers.
	waitOutbound(t, filepath.Join(r.dir, "sky.db"), len(travellers))
	time.Sleep(time.Second)
	killedAt := time.Now()
	r.in.kill()
	if err := r.fake.SetFaults(graphfake.Faults{}); err != nil {
		t.Fatal(err)
	}
	r.in = startB(t, append([]string{"SKYBRIDGE_ADDR=" + strings.TrimPrefix(r.in.URL, "http://")}, r.env...)...)
	for _, tr := range travellers {
		tr.repliesWithin("booking reference", 30*time.Second)
	}
	// The dead instance's lease is the job timeout plus 45 s: wait past it, and
	// past the time a second send would take to arrive.
	time.Sleep(10*time.Second + 45*time.Second + 5*time.Second - time.Since(killedAt))
	inFlight := map[string]int{}
	for _, tr := range travellers {
		got := messagesOnly(r.fake.RequestsTo(tr.id))
		if len(got) != 1 {
			t.Errorf("%s %s: %d replies, want exactly 1:\n%s", tr.ch, tr.id, len(got), texts(got))
			continue
		}
		if got[0].Received.Before(killedAt) {
			inFlight[tr.ch]++
		}
	}
	// The test proves something only if the kill caught sends in flight.
	if inFlight["whatsapp"] == 0 || inFlight["messenger"] == 0 {
		t.Fatalf("sends in flight at the kill: %v; want some on both channels", inFlight)
	}
	t.Logf("sends in flight at the kill, each delivered once: %v", inFlight)
}

// waitOutbound waits until the service has committed at least n outbound
// messages, reading its SQLite file alongside it.
func waitOutbound(t *testing.T, path string, n int) {
	t.Helper()
	db, err := gorm.Open(sqlite.Open("file:"+path+"?mode=ro"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	deadline := time.Now().Add(30 * time.Second)
	var got int64
	for time.Now().Before(deadline) {
		if db.Raw("SELECT COUNT(*) FROM outbound_messages").Scan(&got).Error == nil && got >= int64(n) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%d outbound messages committed after 30 s, want %d", got, n)
}
