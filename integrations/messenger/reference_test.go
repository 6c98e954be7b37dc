package messenger

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// Our outbound id and the part travel in message.metadata of every request of a
// message and come back in the message_echoes webhook as a "sent" status naming
// the part: the last part's stands for the whole message, an earlier part's only
// for the parts up to it.
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
		name  string
		m     domain.Outbound
		mode  domain.SendMode
		parts int
	}{
		{"one part", domain.Outbound{ID: 42, Kind: domain.OutText, Text: "Your seat is 14C."}, domain.SendMode{}, 1},
		{"split text", domain.Outbound{ID: 42, Kind: domain.OutText, Text: longText()}, domain.SendMode{}, 3},
		{"choices", domain.Outbound{ID: 42, Kind: domain.OutChoices, Text: "Seat?", Choices: []domain.Choice{{ID: "a", Title: "Aisle"}}}, domain.SendMode{}, 1},
		{"template", domain.Outbound{ID: 42, Kind: domain.OutText, Text: "x"}, domain.SendMode{Template: &domain.TemplateRef{Name: "flight_delay", Language: "en"}}, 1},
		{"template of a long text", domain.Outbound{ID: 42, Kind: domain.OutText, Text: longText()}, domain.SendMode{Template: &domain.TemplateRef{Name: "flight_delay", Language: "en"}}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			bodies, err := Render(traveller, c.m, c.mode, testBase)
			if err != nil {
				t.Fatal(err)
			}
			if len(bodies) != c.parts {
				t.Fatalf("%d requests, want %d", len(bodies), c.parts)
			}
			for i, b := range bodies {
				ref := metadata(b)
				wantRef := fmt.Sprintf("skybridge:42:%d/%d", i+1, len(bodies))
				if c.mode.Template != nil {
					wantRef = "skybridge:42:t" // told apart from the free-form send
				}
				if ref != wantRef {
					t.Fatalf("part %d metadata %q, want %q", i+1, ref, wantRef)
				}
				echo := fmt.Sprintf(`{"object":"page","entry":[{"id":"PAGE","time":1767000031000,"messaging":[{"sender":{"id":"PAGE"},
				"recipient":{"id":"PSID"},"timestamp":1767000031000,"message":{"is_echo":true,"app_id":1,"metadata":%q,"mid":"m_X"}}]}]}`, ref)
				evs, err := Parse([]byte(echo))
				if err != nil || len(evs) != 1 {
					t.Fatalf("parse echo: %v %+v", err, evs)
				}
				want := domain.StatusUpdate{ChannelMessageID: "m_X", OutboundID: 42, Part: i + 1, Parts: len(bodies),
					Status: domain.StatusSent, At: msTime(1767000031000)}
				if c.mode.Template != nil {
					want.Part, want.Parts, want.Template = 0, 0, true
				}
				if evs[0].Kind != domain.EventStatus || evs[0].UserID != "PSID" || evs[0].Status != want {
					t.Fatalf("echo of part %d parsed as %+v, want a sent status %+v", i+1, evs[0], want)
				}
			}
		})
	}
	// A message not stored yet has no id to carry.
	bodies, err := Render(traveller, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{}, testBase)
	if err != nil || metadata(bodies[0]) != "" {
		t.Fatalf("unsaved message: %v metadata %q", err, metadata(bodies[0]))
	}
}

// TestEchoReferenceForms: an echo names the part it is of; the older reference
// without a part (a message sent before the upgrade) still counts, as the whole
// message; anything else that merely looks like ours is a page message.
func TestEchoReferenceForms(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		metadata    string
		id          int64
		part, parts int
		template    bool
		ignored     bool
	}{
		{metadata: "skybridge:42:t", id: 42, template: true},
		{metadata: "skybridge:42:1/3", id: 42, part: 1, parts: 3},
		{metadata: "skybridge:42:3/3", id: 42, part: 3, parts: 3},
		{metadata: "skybridge:42", id: 42}, // before parts were named: the whole message
		{metadata: "skybridge:42:4/3", ignored: true},
		{metadata: "skybridge:42:0/3", ignored: true},
		{metadata: "skybridge:42:1/", ignored: true},
		{metadata: "skybridge:42:1", ignored: true},
		{metadata: "skybridge:42:+1/3", ignored: true},
		{metadata: "skybridge:+42", ignored: true},
		{metadata: "skybridge:42:1/3:x", ignored: true},
		{metadata: "skybridge:", ignored: true},
		{metadata: "skybridge:x:t", ignored: true},
		{metadata: "crm:42:1/3", ignored: true},
	} {
		echo := fmt.Sprintf(`{"object":"page","entry":[{"id":"PAGE","messaging":[{"sender":{"id":"PAGE"},
			"recipient":{"id":"PSID"},"timestamp":1767000031000,"message":{"is_echo":true,"app_id":1,"metadata":%q,"mid":"m_X"}}]}]}`, c.metadata)
		evs, err := Parser{AppID: "1"}.Parse([]byte(echo))
		if err != nil || len(evs) != 1 {
			t.Fatalf("%q: %v %+v", c.metadata, err, evs)
		}
		got := evs[0]
		if c.ignored {
			if got.Kind != domain.EventIgnored {
				t.Errorf("%q parsed as %+v, want ignored", c.metadata, got)
			}
			continue
		}
		if got.Kind != domain.EventStatus || got.Status.OutboundID != c.id || got.Status.Part != c.part ||
			got.Status.Parts != c.parts || got.Status.Template != c.template || got.Status.Status != domain.StatusSent {
			t.Errorf("%q parsed as %+v, want message %d part %d of %d sent", c.metadata, got, c.id, c.part, c.parts)
		}
	}
}
