package whatsapp

import (
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// Our outbound id travels in biz_opaque_callback_data and comes back in statuses.
func TestOutboundIDRoundTripsThroughStatuses(t *testing.T) {
	bodies, err := Render(domain.Recipient{UserID: "447700900123"}, domain.Outbound{ID: 42, Kind: domain.OutText, Text: "hi"}, domain.SendMode{}, RenderOptions{})
	if err != nil || !strings.Contains(string(bodies[0]), `"biz_opaque_callback_data":"skybridge:42"`) {
		t.Fatalf("render: %v\n%s", err, bodies)
	}
	body := `{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
	"metadata":{"display_phone_number":"1","phone_number_id":"P"},"statuses":[{"id":"wamid.X","status":"delivered","timestamp":"1767000000",
	"recipient_id":"447700900123","biz_opaque_callback_data":"skybridge:42"}]}}]}]}`
	evs, err := Parse([]byte(body))
	if err != nil || len(evs) != 1 || evs[0].Status.OutboundID != 42 {
		t.Fatalf("parse: %v %+v", err, evs)
	}
}
