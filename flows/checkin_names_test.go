package flows_test

import (
	"context"
	"slices"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// TestProvedBookingIndexesItsPassengersNames: when a traveller proves a
// booking, the turn hands the store the names of all its passengers, so that
// staff find the conversation by any of them (store: blind indexes only).
func TestProvedBookingIndexesItsPassengersNames(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	h := newHarness(t, db)
	tr := h.traveller("names")
	expect(t, tr.say("I want to check in"), "booking reference")
	expect(t, tr.say("DB4LHR dubois"), "Claire Dubois", "Marc Dubois")
	var n int64
	if err := db.Gorm.Raw("SELECT COUNT(*) FROM conversation_names WHERE conversation_id = ?", tr.conv).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d name indexes for the booking of Claire and Marc Dubois, want 3 (the surname, two given names with it)", n)
	}
	for _, name := range []string{"Marc Dubois", "DUBOIS/CLAIRE"} {
		found, err := h.store.FindConversations(context.Background(), domain.ConversationQuery{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, f := range found {
			ids = append(ids, f.ID)
		}
		if !slices.Contains(ids, tr.conv) {
			t.Errorf("search %q found %v, want conversation %d", name, ids, tr.conv)
		}
	}
}
