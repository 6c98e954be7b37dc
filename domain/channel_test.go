package domain

import "testing"

// A send skips the parts an earlier attempt sent only when they were counted
// against the same rendering and leave something to send: otherwise it sends
// them all, a part twice rather than one lost.
func TestSendModeSkip(t *testing.T) {
	for _, c := range []struct {
		skip, total, parts, want int
	}{
		{0, 0, 3, 0},
		{1, 0, 3, 1},
		{2, 3, 3, 2},
		{2, 4, 3, 0},      // counted against another rendering
		{3, 0, 3, 0},      // nothing would be left to send
		{999, 1000, 3, 0}, // a forged status
		{-1, 0, 3, 0},
		{0, 0, 1, 0},
	} {
		if got := (SendMode{SkipParts: c.skip, PartsTotal: c.total}).Skip(c.parts); got != c.want {
			t.Errorf("skip %d of %d counted, %d parts: %d, want %d", c.skip, c.total, c.parts, got, c.want)
		}
	}
}
