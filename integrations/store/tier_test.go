package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

func TestReachOutsideWindowKeepsTheTier(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		clk := &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
		b := setup(t, db, Options{Now: clk.Now})
		ctx := t.Context()
		reach := func(ch domain.Channel, user string, limit int, want bool) {
			t.Helper()
			ok, err := b.s.ReachOutsideWindow(ctx, ch, user, limit)
			if err != nil || ok != want {
				t.Fatalf("reach %s %s (limit %d) = %v %v, want %v", ch, user, limit, ok, err, want)
			}
		}
		reach(domain.WhatsApp, "a", 2, true)
		reach(domain.WhatsApp, "b", 2, true)
		reach(domain.WhatsApp, "c", 2, false) // tier used up
		clk.Add(time.Hour)
		reach(domain.WhatsApp, "a", 2, true) // already counted
		reach(domain.WhatsApp, "c", 2, false)
		reach(domain.Messenger, "c", 2, true) // another channel's tier
		reach(domain.Messenger, "d", 0, true) // no limit
		reach(domain.Messenger, "e", 0, true)

		// b leaves the moving window 24 hours after it was reached; a, reached
		// again an hour later, still counts.
		clk.Add(23*time.Hour + time.Minute)
		reach(domain.WhatsApp, "c", 2, true)
		reach(domain.WhatsApp, "d", 2, false)
	})
}

// TestConcurrentReachNeverOverrunsTheTier: instances delivering at once never
// reach more travellers than the tier allows.
func TestConcurrentReachNeverOverrunsTheTier(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		b := setup(t, db, Options{})
		var ok atomic.Int32
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				reached, err := b.s.ReachOutsideWindow(t.Context(), domain.WhatsApp, fmt.Sprint("user-", i), 3)
				if err != nil {
					t.Error(err)
				}
				if reached {
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 3 {
			t.Fatalf("%d travellers reached, want the tier of 3", ok.Load())
		}
	})
}
