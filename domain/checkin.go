package domain

import (
	"sort"
	"time"
)

// CheckInPolicy is an airline's online check-in window, measured back from the
// scheduled departure (which carries the departure airport's time zone).
type CheckInPolicy struct {
	Opens  time.Duration // before departure, default 30 h
	Closes time.Duration // before departure, default 1 h
}

// DefaultCheckInPolicy opens check-in 30 h and closes it 1 h before departure.
var DefaultCheckInPolicy = CheckInPolicy{Opens: 30 * time.Hour, Closes: time.Hour}

// Window returns when online check-in opens and closes for a flight, in the departure
// airport's local time.
func (p CheckInPolicy) Window(f Flight) (opens, closes time.Time) {
	dep := f.Departure
	if f.Origin.Location != nil {
		dep = dep.In(f.Origin.Location)
	}
	return dep.Add(-p.Opens), dep.Add(-p.Closes)
}

// Eligibility says whether a passenger can be checked in on a segment now, and why not.
type Eligibility string

// Eligibility outcomes.
const (
	Eligible         Eligibility = "eligible"
	AlreadyCheckedIn Eligibility = "checked_in"
	WindowNotOpen    Eligibility = "not_open"
	WindowClosed     Eligibility = "closed"
	SegmentNotActive Eligibility = "not_active" // cancelled, unable or flown
	NeedsAdult       Eligibility = "needs_adult"
)

// SeatTaken is the message of the Conflict a booking system returns when a chosen
// seat went to someone else.
const SeatTaken = "seat taken"

// CheckInOption is one passenger on one segment with its eligibility.
type CheckInOption struct {
	PassengerID int64
	SegmentID   int64
	Status      Eligibility
	Opens       time.Time // when the window opens (local to the departure airport)
	Closes      time.Time
}

// CheckInOptions evaluates every passenger on every segment of the booking at now.
// Cancelled and flown segments come back as SegmentNotActive and are never offered;
// a child or infant whose segment has no adult who is checked in or eligible gets
// NeedsAdult. Options are ordered by departure, then by passenger order on the booking.
func (b Booking) CheckInOptions(p CheckInPolicy, now time.Time) []CheckInOption {
	segs := append([]Segment(nil), b.Segments...)
	sort.SliceStable(segs, func(i, j int) bool { return segs[i].Flight.Departure.Before(segs[j].Flight.Departure) })
	var out []CheckInOption
	for _, s := range segs {
		opens, closes := p.Window(s.Flight)
		adultAvailable := false
		var segOpts []CheckInOption
		for _, pax := range b.Passengers {
			o := CheckInOption{PassengerID: pax.ID, SegmentID: s.ID, Opens: opens, Closes: closes}
			switch {
			case s.Status != SegmentConfirmed || s.Flight.Status == FlightCancelled ||
				s.Flight.Status == FlightDeparted || s.Flight.Status == FlightArrived:
				o.Status = SegmentNotActive
			case hasCheckIn(b, pax.ID, s.ID):
				o.Status = AlreadyCheckedIn
			case now.Before(opens):
				o.Status = WindowNotOpen
			case !now.Before(closes):
				o.Status = WindowClosed
			default:
				o.Status = Eligible
			}
			if pax.Type == Adult && (o.Status == Eligible || o.Status == AlreadyCheckedIn) {
				adultAvailable = true
			}
			segOpts = append(segOpts, o)
		}
		usable := map[int64]bool{}
		for i, o := range segOpts {
			if b.Passengers[i].Type == Adult && (o.Status == Eligible || o.Status == AlreadyCheckedIn) {
				usable[b.Passengers[i].ID] = true
			}
		}
		for i, o := range segOpts {
			pax := b.Passengers[i]
			lapless := pax.Type == Infant && pax.InfantOf != 0 && !usable[pax.InfantOf]
			if o.Status == Eligible && pax.Type != Adult && (!adultAvailable || lapless) {
				segOpts[i].Status = NeedsAdult
			}
		}
		out = append(out, segOpts...)
	}
	return out
}

func hasCheckIn(b Booking, pax, seg int64) bool {
	_, ok := b.CheckInOf(pax, seg)
	return ok
}

// ValidateSelection checks that a set of passengers chosen for check-in on a segment
// does not leave a child or infant alone: a child needs an adult of the booking who
// is in the selection or already checked in on that segment; an infant needs the
// very adult whose lap it travels on.
func (b Booking) ValidateSelection(segmentID int64, passengerIDs []int64) error {
	with := map[int64]bool{}
	for _, id := range passengerIDs {
		with[id] = true
	}
	present := func(id int64) bool { return with[id] || hasCheckIn(b, id, segmentID) }
	adult := false
	for _, p := range b.Passengers {
		if p.Type == Adult && present(p.ID) {
			adult = true
		}
	}
	for _, p := range b.Passengers {
		if !with[p.ID] {
			continue
		}
		switch {
		case p.Type == Child && !adult:
			return Errorf(Forbidden, "check in", string(NeedsAdult))
		case p.Type == Infant && p.InfantOf != 0 && !present(p.InfantOf):
			return Errorf(Forbidden, "check in", string(NeedsAdult))
		case p.Type == Infant && p.InfantOf == 0 && !adult:
			return Errorf(Forbidden, "check in", string(NeedsAdult))
		}
	}
	return nil
}
