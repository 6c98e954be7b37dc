package flows

import (
	"context"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// recordThroughOutage runs write until it succeeds, fails for a reason other than
// the store being unreachable (domain.Unavailable), or ctx ends, pausing between
// tries. It is for writes that record what already happened outside: a message
// the platform accepted, a delivery lease to give back. Dropped during a database
// restart, the first would make the next attempt send the message a second time,
// and the second would hold the traveller's replies until the lease expires.
func recordThroughOutage(ctx context.Context, write func() error) error {
	pause := 50 * time.Millisecond
	for {
		err := write()
		if err == nil || !domain.IsCode(err, domain.Unavailable) {
			return err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		pause = min(2*pause, 2*time.Second)
	}
}
