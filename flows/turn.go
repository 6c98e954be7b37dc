package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Slots are what a conversation has collected so far, persisted as the
// conversation's Data between turns. Personal data in slots is encrypted at rest by
// the store.
type Slots struct {
	Goal string `json:"goal,omitempty"` // the intent that started the flow

	// Booking look-up: candidates gathered over one or more messages.
	PendingLocators []string  `json:"pending_locators,omitempty"`
	PendingSurnames []string  `json:"pending_surnames,omitempty"`
	Locator         string    `json:"locator,omitempty"` // verified together with Surname
	Surname         string    `json:"surname,omitempty"`
	LockedUntil     time.Time `json:"locked_until,omitempty"`

	// Check-in choices.
	Selected []int64              `json:"selected,omitempty"` // passenger ids
	Segments []int64              `json:"segments,omitempty"` // segment ids to check in
	Docs     map[string]*DocDraft `json:"docs,omitempty"`     // by passenger id
	DocIdx   int                  `json:"doc_idx,omitempty"`
	DGAck    bool                 `json:"dg_ack,omitempty"`
	SeatQ    []SeatSlot           `json:"seat_q,omitempty"`
	SeatIdx  int                  `json:"seat_idx,omitempty"`
	Seats    map[string]string    `json:"seats,omitempty"` // seatKey → seat code, "" = assign
	Picking  bool                 `json:"picking,omitempty"`
	// Plan is the check-in the traveller confirmed, frozen so that a retried turn
	// sends the very same requests (and idempotency keys) to the booking system.
	Plan []PlannedSegment `json:"plan,omitempty"`

	HandoffNotices int `json:"handoff_notices,omitempty"`
	// TakenOver is set while a staff member owns the conversation.
	TakenOver bool `json:"taken_over,omitempty"`
	// Reminded is set once the traveller was reminded of this flow.
	Reminded bool `json:"reminded,omitempty"`
	// Clarifying lists the intents a clarifying question just offered, and
	// ClarifyLocator a booking reference the traveller answered it with: the
	// flow they then pick starts with that reference.
	Clarifying     []string `json:"clarifying,omitempty"`
	ClarifyLocator string   `json:"clarify_locator,omitempty"`

	// Sales and changes (flows/order.go, change.go, rebook.go).
	Sale *SaleSlots `json:"sale,omitempty"`

	// Kept across flows: the booking the traveller proved they hold, and the
	// payments still open (a payment may complete after the flow that asked for it
	// ended, while the traveller does something else).
	Known  *KnownBooking         `json:"known,omitempty"`
	Orders map[string]*OpenOrder `json:"orders,omitempty"`
	// Settled lists the latest payment references already settled, so that a
	// repeated "paid" report changes nothing.
	Settled []string `json:"settled,omitempty"`
	// Parked is the flow a person took over from, with everything it had
	// collected: handing back resumes it.
	Parked *ParkedFlow `json:"parked,omitempty"`
}

// DocDraft is a travel document being collected field by field.
type DocDraft struct {
	Number      string `json:"number,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Issuer      string `json:"issuer,omitempty"`
	Expiry      string `json:"expiry,omitempty"` // YYYY-MM-DD
	Birth       string `json:"birth,omitempty"`  // YYYY-MM-DD
}

// PlannedSegment is one booking-system check-in request of a confirmed plan.
type PlannedSegment struct {
	SegmentID  int64              `json:"seg"`
	Key        string             `json:"key"`
	Passengers []PlannedPassenger `json:"pax"`
}

// PlannedPassenger is one passenger of a planned request.
type PlannedPassenger struct {
	ID   int64  `json:"id"`
	Seat string `json:"seat,omitempty"`
}

// SeatSlot is one passenger on one segment who gets a seat.
type SeatSlot struct {
	SegmentID   int64 `json:"seg"`
	PassengerID int64 `json:"pax"`
}

func seatKey(seg, pax int64) string { return fmt.Sprintf("%d:%d", seg, pax) }
func paxKey(pax int64) string       { return fmt.Sprint(pax) }

// Turn is the working state of one turn: the message, what was understood, the
// conversation's slots, what has been loaded, and what the turn will send.
type Turn struct {
	Conv    domain.Conversation
	In      domain.Inbound
	U       domain.Understanding
	Content Content
	Lang    domain.Lang
	Now     time.Time
	Slots   *Slots

	Booking  *domain.Booking
	SeatMaps map[int64]domain.SeatMap
	// Policies holds the check-in window of each carrier on the booking, as the
	// booking system states it.
	Policies map[domain.CarrierCode]domain.CheckInPolicy

	e              *Engine
	out            []domain.Outbound
	passes         []domain.BoardingPass // newly issued, to be stored
	passesToSend   []domain.BoardingPass // new or re-sent, to be shown
	lookupFailures int
	linked         domain.RecordLocator
	linkedNames    []domain.PersonName
	preferences    []domain.PreferenceUpdate
	transitions    []domain.Transition
	voided         []domain.PassRef
	offer          *domain.AncillaryOffer
	context        context.Context
	// retry, when set, makes the turn fail so that the message is processed again
	// later: work that must not be dropped (fulfilling a paid order) could not be
	// done now.
	retry error
}

// resetSlots clears what a flow collected, keeping what outlives flows.
func (t *Turn) resetSlots() {
	fresh := Slots{}
	fresh.carry(t.Slots)
	fresh.Parked = t.Slots.Parked
	*t.Slots = fresh
}

// carry takes over what outlives flows: the proved booking and the payments.
func (s *Slots) carry(from *Slots) {
	s.Known, s.Orders, s.Settled = from.Known, from.Orders, from.Settled
}

// T renders a message of the pinned content in the conversation's language.
func (t *Turn) T(key string, kv ...string) string {
	args := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		args[kv[i]] = kv[i+1]
	}
	return t.Content.Text(t.Lang, key, args)
}

// Say queues a text message.
func (t *Turn) Say(key string, kv ...string) {
	t.SayText(t.T(key, kv...))
}

// SayText queues an already rendered text.
func (t *Turn) SayText(text string) {
	t.out = append(t.out, domain.Outbound{Kind: domain.OutText, Text: text})
}

// Ask queues a message with choices.
func (t *Turn) Ask(text string, choices ...domain.Choice) {
	if len(choices) == 0 {
		t.SayText(text)
		return
	}
	t.out = append(t.out, domain.Outbound{Kind: domain.OutChoices, Text: text, Choices: choices})
}

// Choice builds a choice whose title is a catalogue message.
func (t *Turn) Choice(id, key string, kv ...string) domain.Choice {
	return domain.Choice{ID: id, Title: t.T(key, kv...)}
}

// said reports whether the turn has queued anything yet.
func (t *Turn) said() int { return len(t.out) }

// Words returns the comma-separated word list stored under a catalogue key, folded
// for comparison (e.g. "words.all" = "all,everyone,both").
func (t *Turn) Words(key string) []string { return t.Content.words(t.Lang, key) }

// words is the folded word list of a catalogue key in a language.
func (c Content) words(lang domain.Lang, key string) []string {
	var out []string
	for _, w := range strings.Split(c.Text(lang, key, nil), ",") {
		if w = fold(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// fold lower-cases and strips accents for comparisons of typed words.
func fold(s string) string {
	return strings.ToLower(domain.FoldName(strings.TrimSpace(s)))
}

// textHas reports whether the message contains one of the words (folded, whole
// words). Entries of several words ("check out", "tout le monde") match the same
// words typed in a row: folding removes spaces, so runs of up to four tokens are
// compared joined.
func (t *Turn) textHas(words []string) bool {
	toks := strings.FieldsFunc(strings.ToLower(t.In.Text), func(r rune) bool {
		return r == ' ' || r == ',' || r == '.' || r == '!' || r == '?' || r == ';'
	})
	for i := range toks {
		joined := ""
		for n := 0; n < 4 && i+n < len(toks); n++ {
			joined += toks[i+n]
			f := fold(joined)
			for _, w := range words {
				if f == w {
					return true
				}
			}
		}
	}
	return false
}

// FormatTime renders a time in the airport's zone, with weekday and month names of
// the traveller's language: "Tue 3 Mar 14:05" (see Locale).
func (t *Turn) FormatTime(tm time.Time, loc *time.Location) string {
	return t.Content.Locale(t.Lang).DateTime(tm, loc)
}

// FormatDate renders a date without time: "3 Mar 2031" (see Locale).
func (t *Turn) FormatDate(tm time.Time) string {
	return t.Content.Locale(t.Lang).Date(tm)
}

func (t *Turn) loadSlots() error {
	t.Slots = &Slots{}
	if len(t.Conv.Data) == 0 {
		return nil
	}
	if err := json.Unmarshal(t.Conv.Data, t.Slots); err != nil {
		// Unreadable slots must not wedge the conversation: start it afresh.
		t.Slots = &Slots{}
		t.Conv.Flow, t.Conv.State = "", ""
	}
	return nil
}
