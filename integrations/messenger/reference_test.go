package messenger

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// Our outbound id travels in message.metadata of the last request of a message
// and comes back in the message_echoes webhook as a "sent" status for it.
func TestOutboundIDRoundTripsThroughEchoes(t *testing.T) {
	t.Parallel()
	metadata := func(body []byte) string {
		var w struct {
			Message struct {
				Metadata *string `json:"metadata"`
			} `json:"message"`
		}
		if err := json.Unmarshal(body, &w); err != nil {
			t.Fatal(err)
		}
		if w.Message.Metadata == nil {
			return ""
		}
		return *w.Message.Metadata
	}
	for _, c := range []struct {
		name string
		m    domain.Outbound
		mode domain.SendMode
	}{
		{"one part", domain.Outbound{ID: 42, Kind: domain.OutText, Text: "Your seat is 14C."}, domain.SendMode{}},
		{"split text", domain.Outbound{ID: 42, Kind: domain.OutText, Text: longText()}, domain.SendMode{}},
		{"choices", domain.Outbound{ID: 42, Kind: domain.OutChoices, Text: "Seat?", Choices: []domain.Choice{{ID: "a", Title: "Aisle"}}}, domain.SendMode{}},
		{"template", domain.Outbound{ID: 42, Kind: domain.OutText, Text: "x"}, domain.SendMode{Template: &domain.TemplateRef{Name: "flight_delay", Language: "en"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			bodies, err := Render(traveller, c.m, c.mode, testBase)
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range bodies[:len(bodies)-1] {
				// An earlier part's echo must not pass for the whole message.
				if got := metadata(b); got != "" {
					t.Errorf("part %d of %d carries metadata %q", i+1, len(bodies), got)
				}
			}
			ref := metadata(bodies[len(bodies)-1])
			if ref != "skybridge:42" {
				t.Fatalf("last part metadata %q, want skybridge:42", ref)
			}
			echo := fmt.Sprintf(`{"object":"page","entry":[{"id":"PAGE","time":1767000031000,"messaging":[{"sender":{"id":"PAGE"},
				"recipient":{"id":"PSID"},"timestamp":1767000031000,"message":{"is_echo":true,"app_id":1,"metadata":%q,"mid":"m_X"}}]}]}`, ref)
			evs, err := Parse([]byte(echo))
			if err != nil || len(evs) != 1 {
				t.Fatalf("parse echo: %v %+v", err, evs)
			}
			want := domain.StatusUpdate{ChannelMessageID: "m_X", OutboundID: 42, Status: domain.StatusSent, At: msTime(1767000031000)}
			if evs[0].Kind != domain.EventStatus || evs[0].UserID != "PSID" || evs[0].Status != want {
				t.Fatalf("echo parsed as %+v, want a sent status %+v", evs[0], want)
			}
		})
	}
	// A message not stored yet has no id to carry.
	bodies, err := Render(traveller, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{}, testBase)
	if err != nil || metadata(bodies[0]) != "" {
		t.Fatalf("unsaved message: %v metadata %q", err, metadata(bodies[0]))
	}
}
