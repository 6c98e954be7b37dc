package flows

import (
	"slices"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// seg is a segment from one airport to another, leaving at dep and landing
// after hours.
func seg(id int64, from, to string, dep time.Time, hours float64) domain.Segment {
	return domain.Segment{ID: id, Flight: domain.Flight{
		Origin: domain.Airport{Code: domain.AirportCode(from)}, Destination: domain.Airport{Code: domain.AirportCode(to)},
		Departure: dep, Arrival: dep.Add(time.Duration(hours * float64(time.Hour))),
	}}
}

// withStatus is s with the status.
func withStatus(s domain.Segment, st domain.SegmentStatus) domain.Segment {
	s.Status = st
	return s
}

// When the booking system does not say which new flights replaced which, the
// flights are paired by the airports of their journeys: a moved flight, a
// connection made direct (even when only its first leg was checked in), a direct
// flight made a connection and one leg of a connection moved are paired; the
// other direction of a return trip is not. The pairing is read from the booking
// after the reissue, which keeps the replaced segments as cancelled, and the
// replaced segments' ids, as a change completed by a payment report or a retried
// turn has them.
func TestReplacementsPairedByJourneyAirports(t *testing.T) {
	day := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	h := func(n float64) time.Time { return day.Add(time.Duration(n * float64(time.Hour))) }
	cases := []struct {
		name     string
		before   []domain.Segment
		after    []domain.Segment // the new segments
		replaced []int64          // old segments the reissue replaced
		voided   []int64          // old segments whose check-ins were voided
		want     map[int64][]int64
	}{{
		name:     "outbound of a return moved",
		before:   []domain.Segment{seg(1, "AMS", "LIS", h(0), 3), seg(2, "LIS", "AMS", h(72), 3)},
		after:    []domain.Segment{seg(3, "AMS", "LIS", h(24), 3)},
		replaced: []int64{1},
		voided:   []int64{1},
		want:     map[int64][]int64{1: {3}},
	}, {
		name:     "return moved while the outbound was checked in",
		before:   []domain.Segment{seg(1, "AMS", "LIS", h(0), 3), seg(2, "LIS", "AMS", h(72), 3)},
		after:    []domain.Segment{seg(3, "LIS", "AMS", h(96), 3)},
		replaced: []int64{2},
		voided:   []int64{1},
		want:     map[int64][]int64{},
	}, {
		name:     "connection made direct",
		before:   []domain.Segment{seg(1, "GRQ", "AMS", h(0), 1), seg(2, "AMS", "NCE", h(2), 2)},
		after:    []domain.Segment{seg(3, "GRQ", "NCE", h(1), 2.5)},
		replaced: []int64{1, 2},
		voided:   []int64{1, 2},
		want:     map[int64][]int64{1: {3}, 2: {3}},
	}, {
		name:     "connection made direct, only its first leg checked in",
		before:   []domain.Segment{seg(1, "GRQ", "AMS", h(0), 1), seg(2, "AMS", "NCE", h(2), 2)},
		after:    []domain.Segment{seg(3, "GRQ", "NCE", h(1), 2.5)},
		replaced: []int64{1, 2},
		voided:   []int64{1},
		want:     map[int64][]int64{1: {3}},
	}, {
		name:     "connection made direct, only its second leg checked in",
		before:   []domain.Segment{seg(1, "GRQ", "AMS", h(0), 1), seg(2, "AMS", "NCE", h(2), 2)},
		after:    []domain.Segment{seg(3, "GRQ", "NCE", h(1), 2.5)},
		replaced: []int64{1, 2},
		voided:   []int64{2},
		want:     map[int64][]int64{2: {3}},
	}, {
		name:     "direct flight made a connection",
		before:   []domain.Segment{seg(1, "GRQ", "NCE", h(1), 2.5)},
		after:    []domain.Segment{seg(3, "GRQ", "AMS", h(0), 1), seg(4, "AMS", "NCE", h(2), 2)},
		replaced: []int64{1},
		voided:   []int64{1},
		want:     map[int64][]int64{1: {3, 4}},
	}, {
		name:     "second leg of a connection moved",
		before:   []domain.Segment{seg(1, "GRQ", "AMS", h(0), 1), seg(2, "AMS", "NCE", h(2), 2)},
		after:    []domain.Segment{seg(3, "AMS", "NCE", h(4), 2)},
		replaced: []int64{2},
		voided:   []int64{2},
		want:     map[int64][]int64{2: {3}},
	}, {
		name:     "another airport of the same city is not paired",
		before:   []domain.Segment{seg(1, "AMS", "CDG", h(0), 1)},
		after:    []domain.Segment{seg(3, "AMS", "ORY", h(1), 1)},
		replaced: []int64{1},
		voided:   []int64{1},
		want:     map[int64][]int64{},
	}, {
		name:     "a flight cancelled before the change is not part of the journey",
		before:   []domain.Segment{seg(1, "GRQ", "AMS", h(0), 1), withStatus(seg(4, "AMS", "LIS", h(2), 3), domain.SegmentCancelled)},
		after:    []domain.Segment{seg(3, "GRQ", "LIS", h(1), 4)},
		replaced: []int64{1},
		voided:   []int64{1},
		want:     map[int64][]int64{},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The booking after the reissue, as the booking system returns it
			// on every path: the replaced segments cancelled, the new ones added.
			res := domain.Reissue{}
			for _, s := range c.before {
				if slices.Contains(c.replaced, s.ID) {
					s.Status = domain.SegmentCancelled
				}
				res.Booking.Segments = append(res.Booking.Segments, s)
			}
			for _, s := range c.after {
				res.Booking.Segments = append(res.Booking.Segments, withStatus(s, domain.SegmentConfirmed))
				res.NewSegmentIDs = append(res.NewSegmentIDs, s.ID)
			}
			for _, id := range c.voided {
				res.VoidedCheckIns = append(res.VoidedCheckIns, domain.CheckIn{PassengerID: 7, SegmentID: id})
			}
			got := replacements(res, c.replaced)
			for old, news := range got {
				slices.Sort(news)
				got[old] = news
			}
			if len(got) != len(c.want) {
				t.Fatalf("pairs %v, want %v", got, c.want)
			}
			for old, news := range c.want {
				if !slices.Equal(got[old], news) {
					t.Errorf("old %d replaced by %v, want %v", old, got[old], news)
				}
			}
		})
	}
	// The booking system's own pairing is taken as it is.
	res := domain.Reissue{
		Booking:        domain.Booking{Segments: []domain.Segment{seg(3, "AMS", "LIS", h(24), 3), seg(4, "LIS", "AMS", h(96), 3)}},
		NewSegmentIDs:  []int64{3, 4},
		VoidedCheckIns: []domain.CheckIn{{PassengerID: 7, SegmentID: 1}},
		Replacements:   []domain.Replacement{{OldSegmentID: 1, NewSegmentIDs: []int64{4}}},
	}
	if got := replacements(res, []int64{1}); !slices.Equal(got[1], []int64{4}) || len(got) != 1 {
		t.Errorf("booking system's pairing: %v, want 1→[4]", got)
	}
}
