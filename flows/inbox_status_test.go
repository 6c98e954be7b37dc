package flows

import (
	"context"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// A status or echo reaches the store with the channel and the traveller it went
// to, so that our outbound reference in it finds only that traveller's message.
func TestStatusCarriesTheChannelAndTravellerItWentTo(t *testing.T) {
	f := &inboxFake{}
	parse := func([]byte) ([]domain.ChannelEvent, error) {
		return []domain.ChannelEvent{{Kind: domain.EventStatus, UserID: "PSID", AltUserID: "ALT",
			Status: domain.StatusUpdate{ChannelMessageID: "m_1", OutboundID: 42, Status: domain.StatusSent}}}, nil
	}
	in := NewInbox(f, map[domain.Channel]Parser{domain.Messenger: parse}, nil, nil)
	if err := in.Apply(context.Background(), domain.Messenger, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.statuses) != 1 {
		t.Fatalf("statuses %+v", f.statuses)
	}
	u := f.statuses[0]
	if u.Channel != domain.Messenger || u.UserID != "PSID" || u.AltUserID != "ALT" || u.OutboundID != 42 {
		t.Fatalf("status applied as %+v, want the Messenger traveller PSID/ALT named", u)
	}
}
