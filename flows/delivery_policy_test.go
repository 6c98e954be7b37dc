package flows

import (
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// A person's reply on Messenger is an ordinary response inside the 24-hour window,
// goes with the HUMAN_AGENT tag for the rest of the 7 days, and needs a template
// after that.
func TestHumanAgentTagOnlyOutsideTheWindow(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	d := &Deliverer{now: func() time.Time { return now }}
	c, err := DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	reply := domain.Outbound{Kind: domain.OutText, Text: "Sofie here", HumanAgent: true, Purpose: "human"}
	for _, tc := range []struct {
		name     string
		ago      time.Duration
		tag      bool
		blocked  bool
		ordinary bool
	}{
		{"inside 24 h", 2 * time.Hour, false, false, true},
		{"after 24 h, within 7 days", 30 * time.Hour, true, false, false},
		{"after 7 days", 8 * 24 * time.Hour, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conv := domain.Conversation{Channel: domain.Messenger, Lang: "en", LastInboundAt: now.Add(-tc.ago)}
			mode, why := d.policy(conv, reply, c)
			if mode.HumanAgent != tc.tag {
				t.Errorf("HUMAN_AGENT tag = %v, want %v", mode.HumanAgent, tc.tag)
			}
			if blocked := why != "" || mode.Template != nil; blocked != tc.blocked {
				t.Errorf("blocked or templated = %v (%q), want %v", blocked, why, tc.blocked)
			}
			if tc.ordinary && (mode.Template != nil || why != "") {
				t.Errorf("inside the window a reply goes as it is: %+v %q", mode, why)
			}
		})
	}
}
