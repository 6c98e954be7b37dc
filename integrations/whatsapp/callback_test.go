package whatsapp

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// Our outbound id and the part travel in biz_opaque_callback_data of every
// request of a message and come back in its statuses: the last part's status
// stands for the whole message, an earlier part's only for the parts up to it.
func TestOutboundIDRoundTripsThroughStatuses(t *testing.T) {
	for _, c := range []struct {
		name  string
		m     domain.Outbound
		parts int
	}{
		{"one part", domain.Outbound{ID: 42, Kind: domain.OutText, Text: "hi"}, 1},
		{"split text", domain.Outbound{ID: 42, Kind: domain.OutText, Text: paragraphs(60)}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			bodies, err := Render(domain.Recipient{UserID: "447700900123"}, c.m, domain.SendMode{}, RenderOptions{})
			if err != nil || (c.parts > 0 && len(bodies) != c.parts) || (c.parts == 0 && len(bodies) < 2) {
				t.Fatalf("render: %v, %d requests", err, len(bodies))
			}
			for i, b := range bodies {
				var req struct {
					CallbackData string `json:"biz_opaque_callback_data"`
				}
				if err := json.Unmarshal(b, &req); err != nil {
					t.Fatal(err)
				}
				if want := fmt.Sprintf("skybridge:42:%d/%d", i+1, len(bodies)); req.CallbackData != want {
					t.Fatalf("part %d callback data %q, want %q", i+1, req.CallbackData, want)
				}
				evs, err := Parse([]byte(statusWith(req.CallbackData)))
				if err != nil || len(evs) != 1 {
					t.Fatalf("parse: %v %+v", err, evs)
				}
				if st := evs[0].Status; st.OutboundID != 42 || st.Part != i+1 || st.Parts != len(bodies) || st.Status != domain.StatusDelivered {
					t.Fatalf("status of part %d parsed as %+v", i+1, st)
				}
			}
		})
	}
}

// TestStatusReferenceForms: a reference names the message and the part; the
// one written before parts were named ("skybridge:<id>", on every part alike)
// leaves the status to its wamid, and so do a malformed one and another
// system's callback data.
func TestStatusReferenceForms(t *testing.T) {
	for _, c := range []struct {
		data        string
		id          int64
		part, parts int
	}{
		{"skybridge:42:2/3", 42, 2, 3},
		{"skybridge:42", 0, 0, 0},
		{"skybridge:42:3/2", 0, 0, 0},
		{"skybridge:42:x/2", 0, 0, 0},
		{"skybridge:-42", 0, 0, 0},
		{"order-42", 0, 0, 0},
	} {
		evs, err := Parse([]byte(statusWith(c.data)))
		if err != nil || len(evs) != 1 || evs[0].Kind != domain.EventStatus {
			t.Fatalf("%q: %v %+v", c.data, err, evs)
		}
		if st := evs[0].Status; st.OutboundID != c.id || st.Part != c.part || st.Parts != c.parts || st.ChannelMessageID != "wamid.X" || st.Template {
			t.Errorf("%q parsed as %+v, want message %d part %d of %d", c.data, st, c.id, c.part, c.parts)
		}
	}
	// A template's reference says so.
	evs, err := Parse([]byte(statusWith("skybridge:42:t")))
	if err != nil || len(evs) != 1 || evs[0].Status.OutboundID != 42 || !evs[0].Status.Template || evs[0].Status.Parts != 0 {
		t.Errorf("template reference parsed as %+v %v", evs, err)
	}
}

func statusWith(callbackData string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
	"metadata":{"display_phone_number":"1","phone_number_id":"P"},"statuses":[{"id":"wamid.X","status":"delivered","timestamp":"1767000000",
	"recipient_id":"447700900123","biz_opaque_callback_data":%q}]}}]}]}`, callbackData)
}
