package flows

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/looplab/fsm"

	"github.com/skybridge/skybridge/domain"
)

// Engine runs conversations: one inbound message at a time per conversation, each
// turn committed atomically by the store.
type Engine struct {
	store    Store
	nlu      Understander
	bookings domain.BookingSystem
	now      func() time.Time
	log      *slog.Logger
	flows    map[string]*Flow
	langs    []domain.Lang
	metrics  Metrics

	extras   domain.Ancillaries
	changes  domain.Changes
	payments domain.Payments
	ledger   PaymentLedger
	statuses FlightStatuses
	budget   time.Duration
	// knowledge answers questions from the articles; nil answers none.
	knowledge *knowledge

	mu      sync.RWMutex
	content map[int]Content // published versions are immutable, so caching is safe
}

// Config wires an engine.
type Config struct {
	Store    Store
	NLU      Understander
	Bookings domain.BookingSystem
	Now      func() time.Time
	Log      *slog.Logger
	// Langs are the languages the airline serves; the first is the fallback.
	Langs []domain.Lang
	// Metrics receives a count and the duration of every turn; nil records
	// nothing.
	Metrics Metrics
	// Ancillaries and Changes are the booking system's sales and change
	// interfaces; Payments the payment provider and Ledger where payments are
	// recorded. The extras, change and rebooking flows need them; without them
	// those flows say they are not available and offer a person.
	Ancillaries domain.Ancillaries
	Changes     domain.Changes
	Payments    domain.Payments
	Ledger      PaymentLedger
	// Statuses tells the flights' operational status (cancellations, delays) to
	// the rebooking flow; nil reads only the booking system's own status.
	Statuses FlightStatuses
	// Knowledge searches the knowledge articles of content versions to answer
	// questions; nil leaves questions unanswered (not understood).
	Knowledge Knowledge
	// Budget bounds what one turn may spend waiting for the booking system,
	// the payment provider and the database before the traveller is told to try
	// again shortly (default 5 s; negative: no bound).
	Budget time.Duration
}

// NewEngine builds an engine with the built-in flows.
func NewEngine(c Config) (*Engine, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if len(c.Langs) == 0 {
		c.Langs = domain.Languages
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	e := &Engine{store: c.Store, nlu: c.NLU, bookings: c.Bookings, now: c.Now, log: c.Log,
		langs: c.Langs, content: map[int]Content{}, flows: map[string]*Flow{},
		extras: c.Ancillaries, changes: c.Changes, payments: c.Payments, ledger: c.Ledger, statuses: c.Statuses,
		budget: c.Budget}
	if e.budget == 0 {
		e.budget = 5 * time.Second
	}
	e.metrics = c.Metrics
	e.knowledge = newKnowledge(c.Knowledge)
	for _, f := range Flows() {
		if err := f.Check(); err != nil {
			return nil, err
		}
		e.flows[f.Name] = f
	}
	return e, nil
}

// Flows returns the definitions of the built-in flows.
func Flows() []*Flow {
	return []*Flow{checkInFlow(), handoffFlow(), orderFlow(), changeFlow(), rebookFlow()}
}

// maxTurnsPerJob bounds one Process call so that a flood in one conversation cannot
// starve the others; the queue calls Process again for the rest.
const maxTurnsPerJob = 50

// ErrMore means Process stopped with messages still waiting; the caller should run it
// again.
var ErrMore = errors.New("more inbound messages waiting")

// Process handles every waiting inbound message of a conversation, oldest first, each
// in its own committed turn. A compare-and-swap conflict (another worker committed a
// turn of this conversation meanwhile) returns an error with code domain.Conflict;
// the caller retries and nothing was written.
func (e *Engine) Process(ctx context.Context, conversationID int64) error {
	// Every line logged while this conversation is processed names it.
	ctx = withLogAttrs(ctx, slog.Int64("conversation", conversationID))
	for i := 0; i < maxTurnsPerJob; i++ {
		in, ok, err := e.store.NextInbound(ctx, conversationID)
		if err != nil {
			return fmt.Errorf("process conversation %d: %w", conversationID, err)
		}
		if !ok {
			return nil
		}
		attrs := []slog.Attr{slog.Int64("inbound", in.ID)}
		if in.RequestID != "" {
			attrs = append(attrs, slog.String("request_id", in.RequestID))
		}
		if err := e.processOne(withLogAttrs(ctx, attrs...), conversationID, in); err != nil {
			return fmt.Errorf("process conversation %d: %w", conversationID, err)
		}
	}
	return ErrMore
}

// processOne runs and commits the turn of one inbound message, and reports it to
// the metrics.
func (e *Engine) processOne(ctx context.Context, conversationID int64, in domain.Inbound) error {
	start := time.Now()
	conv, err := e.store.Conversation(ctx, conversationID)
	if err != nil {
		e.metrics.TurnDone("", OutcomeFailed, time.Since(start))
		return err
	}
	turn, gone, err := e.turn(ctx, conv, in)
	if err == nil {
		err = e.store.CommitTurn(ctx, turn)
	}
	if err == nil {
		e.releaseSeats(ctx, conv.ID, gone)
	}
	flow, result := turnFlow(conv.Flow, turn), OutcomeFailed
	switch {
	case domain.IsCode(err, domain.Conflict):
		result = OutcomeConflict
	case err == nil:
		result = outcome(turn)
	}
	took := time.Since(start)
	e.metrics.TurnDone(flow, result, took)
	if e.log.Enabled(ctx, slog.LevelDebug) {
		// The conversation and the message come from ctx.
		e.log.LogAttrs(ctx, slog.LevelDebug, "turn", slog.String("flow", flow), slog.String("state", turn.Conversation.State),
			slog.String("outcome", result), slog.Int("replies", len(turn.Outbound)), slog.Float64("ms", float64(took.Microseconds())/1000))
	}
	return err
}

// Turn computes the outcome of one inbound message without saving it. Errors are
// only returned for failures that a retry may cure (loading content); everything a
// traveller can cause, and every failing booking-system call, ends in a reply.
func (e *Engine) Turn(ctx context.Context, conv domain.Conversation, in domain.Inbound) (domain.Turn, error) {
	turn, _, err := e.turn(ctx, conv, in)
	return turn, err
}

// turn computes a turn and the seats that left the basket in it, whose holds are
// released once the turn is committed (order_seats.go).
func (e *Engine) turn(ctx context.Context, conv domain.Conversation, in domain.Inbound) (turn domain.Turn, gone basketSeats, err error) {
	// A conversation keeps the content version its current flow started with; an idle
	// one takes the newest published version for whatever it starts next.
	version := conv.ContentVersion
	if conv.Flow == "" {
		version = 0
	}
	content, err := e.contentFor(ctx, version)
	if err != nil {
		return turn, gone, err
	}
	// The traveller gets an answer within the budget, a "try again shortly" if an
	// outside system is too slow; the turn's own commit is not bounded by it.
	runCtx := ctx
	if e.budget > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, e.budget)
		defer cancel()
	}
	t := &Turn{Conv: conv, In: in, Content: content, Now: e.now(), e: e, SeatMaps: map[int64]domain.SeatMap{}, context: runCtx}
	t.Conv.ContentVersion = content.Version
	t.loadSlots()
	before := seatsOf(t.Slots)
	t.Lang = conv.Lang
	if !t.Lang.Supported() {
		t.Lang = e.langs[0]
	}

	func() {
		defer func() {
			if r := recover(); r != nil {
				e.log.ErrorContext(ctx, "turn panicked", "conversation", conv.ID, "flow", conv.Flow, "state", conv.State,
					"err", fmt.Sprint(r), "stack", string(debug.Stack()))
				t.out = nil
				t.passes = nil
				t.endFlow("panic")
				t.Say("error.internal")
				t.menu()
			}
		}()
		e.run(runCtx, t)
	}()
	if t.retry != nil {
		return turn, gone, t.retry
	}

	gone = before.left(t.Slots)
	data, err := json.Marshal(t.Slots)
	if err != nil {
		return turn, gone, fmt.Errorf("turn: encode slots: %w", err)
	}
	t.Conv.Data = data
	t.Conv.Lang = t.Lang
	now := t.Now
	for i := range t.out {
		t.out[i].ConversationID = conv.ID
		t.out[i].Status = domain.StatusQueued
		t.out[i].CreatedAt = now
	}
	turn = domain.Turn{
		Conversation: t.Conv,
		InboundID:    in.ID,
		Transitions:  t.transitions,
		Outbound:     t.out,
		Passes:       t.passes,
		VoidPasses:   t.voided,
		Preferences:  t.preferences,
		Linked:       t.linked,
		LinkedNames:  t.linkedNames,
		At:           now,
	}
	if t.lookupFailures > 0 {
		turn.LookupFailureKey = lookupKey(conv)
		turn.LookupFailures = t.lookupFailures
	}
	return turn, gone, nil
}

func lookupKey(c domain.Conversation) string { return string(c.Channel) + ":" + c.UserID }

// run is one turn: language, global intents, then the current state.
func (e *Engine) run(ctx context.Context, t *Turn) {
	t.pruneOrders()
	if strings.HasPrefix(t.In.Payload, paymentPayload) {
		// Not the traveller writing: the payment provider confirmed or gave up.
		e.paymentEvent(ctx, t)
		return
	}
	if e.staffAction(ctx, t) || e.timer(ctx, t) {
		return
	}
	t.Slots.Reminded = false // the traveller is back
	e.understand(t)
	if t.In.Unsupported == "reaction" {
		return // a 👍 on a message needs no answer
	}
	if t.In.Unsupported != "" && strings.TrimSpace(t.In.Text) == "" && t.In.Payload == "" {
		// A photo, a voice note, a location: say what we can read, and ask again.
		t.Say("media.unsupported")
		e.reprompt(ctx, t)
		return
	}
	if e.optOut(t) {
		return
	}
	if t.Conv.Flow == "handoff" && t.Slots.TakenOver {
		// A person owns the conversation: whatever the traveller writes is theirs
		// to answer, until they hand it back.
		return
	}
	if t.U.Intent == domain.IntentChangeLanguage {
		if l, ok := t.U.First(domain.EntityLanguage); ok && domain.Lang(l.Normalized).Supported() {
			t.Lang = domain.Lang(l.Normalized)
			t.Conv.LangExplicit = true
			t.Say("language.changed")
			e.reprompt(ctx, t)
			return
		}
	}
	switch t.U.Intent {
	case domain.IntentStartOver:
		t.endFlow("start_over")
		t.Say("start_over.done")
		t.menu()
		return
	case domain.IntentHuman:
		if t.Conv.Flow != "handoff" {
			e.handoff(ctx, t)
			return
		}
	case domain.IntentHelp:
		if t.Conv.Flow == "handoff" && t.Slots.HandoffNotices >= 2 {
			break // a person is answering: the bot stays out of it
		}
		t.Say(helpKey(t.Conv.Flow))
		e.reprompt(ctx, t)
		return
	case domain.IntentResume:
		if t.Conv.Flow == "" || t.Conv.Flow == "handoff" {
			t.Say("resume.nothing")
			t.menu()
			return
		}
		e.reprompt(ctx, t)
		return
	}
	if t.Conv.Flow == "handoff" && (t.U.Intent == domain.IntentCheckIn || t.U.Intent == domain.IntentBoardingPass) {
		// Waiting for a person, the traveller asks the bot again: it helps.
		t.endFlow("traveller_resumed")
	}
	if t.Conv.Flow == "" {
		e.route(ctx, t)
		return
	}
	if e.switchFlow(ctx, t) || e.digress(ctx, t) {
		return
	}
	f, ok := e.flows[t.Conv.Flow]
	if !ok {
		t.endFlow("unknown_flow")
		e.route(ctx, t)
		return
	}
	def, ok := f.States[State(t.Conv.State)]
	if !ok || def.Handle == nil {
		// A state that no longer exists (or a transient one left by a crash) must
		// not wedge the traveller: start the flow again.
		t.endFlow("unknown_state")
		e.start(ctx, t, f.Name)
		return
	}
	if !e.load(ctx, t, def) {
		return
	}
	if e.correctBooking(ctx, t, f) {
		return
	}
	before := t.said()
	ev := def.Handle(t)
	if ev == "" {
		if t.said() == before {
			t.Say("not_understood")
		}
		e.enter(ctx, t, f, def)
		return
	}
	e.fire(ctx, t, f, ev)
}

// understand runs the classifier and applies language and payload conventions.
func (e *Engine) understand(t *Turn) {
	text := strings.TrimSpace(t.In.Text)
	if e.nlu != nil && text != "" && t.In.Payload == "" {
		t.U = understandWithin(t.context, e.nlu, text, t.Conv.Lang)
	}
	// Inside a flow, a weakly recognised global intent must not throw away a
	// half-done check-in ("all" read as start over) nor hijack an answer ("French"
	// at the nationality question is a nationality, not a language request).
	if t.Conv.Flow != "" {
		conf, data := t.U.Confidence, len(t.U.Entities) > 0
		drop := false
		switch t.U.Intent {
		case domain.IntentStartOver:
			drop = conf < 0.6
		case domain.IntentHuman:
			drop = conf < 0.3 || (data && conf < 0.7)
		case domain.IntentHelp:
			drop = conf < 0.5
		case domain.IntentChangeLanguage:
			_, country := t.U.First(domain.EntityCountry)
			drop = country && t.Conv.State == string(collectDocuments)
		}
		if drop {
			t.U.Intent = domain.IntentNone
		}
	}
	switch p := t.In.Payload; {
	case strings.HasPrefix(p, "intent:"):
		t.U = domain.Understanding{Intent: domain.Intent(strings.TrimPrefix(p, "intent:")), Confidence: 1}
	case strings.HasPrefix(p, "lang:"):
		t.U = domain.Understanding{Intent: domain.IntentChangeLanguage, Confidence: 1,
			Entities: []domain.Entity{{Type: domain.EntityLanguage, Normalized: strings.TrimPrefix(p, "lang:")}}}
	case p == "yes":
		t.U.Intent = domain.IntentYes
	case p == "no":
		t.U.Intent = domain.IntentNo
	}
	// Answer in the language the traveller writes in: switch on confident detection,
	// but keep an explicitly chosen language unless the evidence is strong.
	if l := t.U.Lang; l != "" && l != t.Lang && e.serves(l) {
		words := wordCount(text)
		// A word or two ("ok", "stop", "Jansen") is no evidence of a language.
		if t.Conv.Lang == "" || (!t.Conv.LangExplicit && t.U.LangConfidence >= 0.6 && words >= 3) ||
			(t.Conv.LangExplicit && t.U.LangConfidence >= 0.9 && words >= 4) {
			t.Lang = l
			t.Conv.LangExplicit = false
		}
	}
}

func (e *Engine) serves(l domain.Lang) bool {
	for _, s := range e.langs {
		if s == l {
			return true
		}
	}
	return false
}

// route starts a flow from an idle conversation.
func (e *Engine) route(ctx context.Context, t *Turn) {
	asked, kept := t.Slots.Clarifying, t.Slots.ClarifyLocator
	t.Slots.Clarifying, t.Slots.ClarifyLocator = nil, ""
	loc, hasLoc := t.U.First(domain.EntityLocator)
	if kept != "" && !hasLoc && slices.Contains(asked, string(t.U.Intent)) {
		// The traveller gave their booking reference, then picked what to do:
		// the flow starts with the reference as if it came with the choice.
		t.U.Entities = append(t.U.Entities, domain.Entity{Type: domain.EntityLocator, Text: kept, Normalized: kept})
	}
	switch {
	case hasLoc && t.U.Intent == domain.IntentNone && len(asked) > 0 && t.clarifyAgain(asked, loc.Normalized):
	case t.U.Intent == domain.IntentCheckIn, t.U.Intent == domain.IntentBoardingPass:
		t.Slots.Goal = string(t.U.Intent)
		e.start(ctx, t, "checkin")
	case hasLoc && t.U.Intent == domain.IntentNone:
		// A booking reference on its own: the traveller wants something done with
		// their booking; check-in is what this assistant does with one.
		t.Slots.Goal = string(domain.IntentCheckIn)
		e.start(ctx, t, "checkin")
	case e.routeSales(ctx, t):
	case t.U.Intent == domain.IntentGreeting:
		t.Say("greeting", "airline", t.Content.Rules.AirlineName)
		t.menu()
	case t.U.Intent == domain.IntentThanks:
		t.Say("thanks")
	case t.U.Intent == domain.IntentHelp:
		t.Say("help.idle")
		t.menu()
	case t.U.Intent == domain.IntentYes, t.U.Intent == domain.IntentNo:
		t.menu()
	case t.clarify():
	default:
		t.Say("not_understood.idle")
		t.menu()
	}
}

// menu offers what the assistant can do.
func (t *Turn) menu() {
	t.Ask(t.T("menu.prompt"),
		t.Choice("intent:check_in", "menu.check_in"),
		t.Choice("intent:boarding_pass", "menu.boarding_pass"),
		t.Choice("intent:change_flight", "menu.change"),
		t.Choice("intent:extras", "menu.extras"),
		t.Choice("intent:human", "menu.human"))
}

func helpKey(flow string) string {
	if flow == "" {
		return "help.idle"
	}
	return "help." + flow
}

// start enters a flow's initial state. When the message that starts the flow
// already carries data ("check in, booking DB4LHR, surname Dubois"), the initial
// state reads it at once instead of asking for it.
func (e *Engine) start(ctx context.Context, t *Turn, name string) {
	f := e.flows[name]
	goal := t.Slots.Goal
	t.resetSlots()
	t.Slots.Goal = goal
	t.Conv.Flow, t.Conv.State = name, string(idle)
	def := f.States[f.Initial]
	if len(t.U.Entities) == 0 || def == nil || def.Handle == nil {
		e.fire(ctx, t, f, startEvent)
		return
	}
	t.record(f.Name, idle, f.Initial, startEvent)
	t.Conv.State = string(f.Initial)
	if ev := def.Handle(t); ev != "" {
		e.fire(ctx, t, f, ev)
		return
	}
	e.enter(ctx, t, f, def)
}

// fire moves the flow by ev, runs effects of transient states, and renders the state
// it comes to rest in.
func (e *Engine) fire(ctx context.Context, t *Turn, f *Flow, ev Event) {
	for hops := 0; hops < 20; hops++ {
		from := State(t.Conv.State)
		m := f.machine(from)
		err := m.Event(ctx, string(ev))
		var noTransition fsm.NoTransitionError
		switch {
		case errors.As(err, &noTransition):
			// A self-loop: stay, and ask again.
		case err != nil:
			e.log.ErrorContext(ctx, "event not allowed", "conversation", t.Conv.ID, "flow", f.Name, "state", from, "event", ev, "err", err)
			t.Say("not_understood")
		}
		to := State(m.Current())
		t.record(f.Name, from, to, ev)
		t.Conv.State = string(to)
		def := f.States[to]
		if def == nil {
			t.endFlow("undefined_state")
			t.Say("error.internal")
			return
		}
		if !e.load(ctx, t, def) {
			return
		}
		if def.Effect == nil || to == from {
			e.enter(ctx, t, f, def)
			return
		}
		if def.Enter != nil {
			def.Enter(t)
		}
		next, err := def.Effect(ctx, t)
		if err != nil {
			e.log.ErrorContext(ctx, "effect failed", "conversation", t.Conv.ID, "flow", f.Name, "state", to, "err", err)
			t.endFlow("effect_failed")
			t.Say("error.internal")
			t.menu()
			return
		}
		ev = next
	}
	e.log.ErrorContext(ctx, "flow did not come to rest", "conversation", t.Conv.ID, "flow", f.Name, "state", t.Conv.State)
	t.endFlow("loop")
	t.Say("error.internal")
}

// enter renders a state and ends the flow if it is final.
func (e *Engine) enter(ctx context.Context, t *Turn, f *Flow, def *StateDef) {
	if def.Enter != nil {
		def.Enter(t)
	}
	if def.Final {
		t.Conv.Flow, t.Conv.State = "", ""
		t.resetSlots()
	}
}

// reprompt asks the current question again (after a digression such as help or a
// language change).
func (e *Engine) reprompt(ctx context.Context, t *Turn) {
	f, ok := e.flows[t.Conv.Flow]
	if !ok {
		t.menu()
		return
	}
	def, ok := f.States[State(t.Conv.State)]
	if !ok || def.Enter == nil || def.Effect != nil {
		t.menu()
		return
	}
	if !e.load(ctx, t, def) {
		return
	}
	def.Enter(t)
}

// load fetches what a state needs. A booking system that does not answer gets the
// traveller an honest "try again shortly" and leaves the conversation where it was.
func (e *Engine) load(ctx context.Context, t *Turn, def *StateDef) bool {
	if (def.NeedsBooking || def.NeedsSeatMap) && t.Booking == nil && t.Slots.Locator != "" {
		b, err := e.bookings.FindBooking(ctx, domain.RecordLocator(t.Slots.Locator))
		if err != nil {
			return e.unavailable(t, err)
		}
		t.Booking = &b
		if err := e.loadPolicies(ctx, t); err != nil {
			return e.unavailable(t, err)
		}
	}
	if def.NeedsOffer && t.offer == nil {
		if t.Slots.Sale == nil || t.Slots.Sale.Offer == nil {
			// Slots from before the offer was kept: fetch it again.
			if _, err := e.offer(ctx, t); err != nil {
				return e.unavailable(t, err)
			}
		}
		t.offer = t.Slots.Sale.Offer
	}
	if def.NeedsSeatMap && t.Booking != nil {
		for _, segID := range t.Slots.Segments {
			seg, ok := t.Booking.Segment(segID)
			if !ok {
				continue
			}
			if _, ok := t.SeatMaps[seg.Flight.ID]; ok {
				continue
			}
			m, err := e.bookings.SeatMap(ctx, seg.Flight.ID)
			if err != nil {
				return e.unavailable(t, err)
			}
			t.SeatMaps[seg.Flight.ID] = m
		}
	}
	return true
}

// loadPolicies asks the booking system for the check-in window of every carrier on
// the loaded booking.
func (e *Engine) loadPolicies(ctx context.Context, t *Turn) error {
	if t.Policies == nil {
		t.Policies = map[domain.CarrierCode]domain.CheckInPolicy{}
	}
	for _, s := range t.Booking.Segments {
		c := s.Flight.Number.Carrier
		if _, ok := t.Policies[c]; ok {
			continue
		}
		p, err := e.bookings.CheckInPolicy(ctx, c)
		if err != nil {
			return err
		}
		t.Policies[c] = p
	}
	return nil
}

func (e *Engine) unavailable(t *Turn, err error) bool {
	e.log.Warn("booking system call failed", "conversation", t.Conv.ID, "flow", t.Conv.Flow, "state", t.Conv.State, "err", err)
	if domain.IsCode(err, domain.NotFound) {
		t.endFlow("booking_gone")
		t.Say("error.booking_gone")
		t.menu()
		return false
	}
	t.Say("error.unavailable")
	return false
}

func (t *Turn) record(flow string, from, to State, ev Event) {
	t.transitions = append(t.transitions, domain.Transition{
		Flow: flow, From: string(from), To: string(to), Event: string(ev),
		ContentVersion: t.Content.Version, Lang: t.Lang, At: t.Now,
	})
}

// endFlow abandons the current flow, logging why in the transition log.
func (t *Turn) endFlow(reason string) {
	if t.Conv.Flow != "" {
		t.record(t.Conv.Flow, State(t.Conv.State), "", Event("abandon:"+reason))
	}
	t.Conv.Flow, t.Conv.State = "", ""
	t.resetSlots()
}

// Content returns a published content version, 0 for the newest.
func (e *Engine) Content(ctx context.Context, version int) (Content, error) {
	return e.contentFor(ctx, version)
}

// contentFor returns the pinned content version, or the newest for a conversation
// that has none pinned yet.
func (e *Engine) contentFor(ctx context.Context, version int) (Content, error) {
	if version > 0 {
		e.mu.RLock()
		c, ok := e.content[version]
		e.mu.RUnlock()
		if ok {
			return c, nil
		}
	}
	v, err := e.store.Content(ctx, version)
	if err != nil {
		return Content{}, fmt.Errorf("load content version %d: %w", version, err)
	}
	e.mu.RLock()
	c, ok := e.content[v.Version]
	e.mu.RUnlock()
	if ok {
		return c, nil
	}
	c, err = ParseContent(v)
	if err != nil {
		return Content{}, err
	}
	e.mu.Lock()
	e.content[v.Version] = c
	e.mu.Unlock()
	return c, nil
}

// newToken returns an unguessable 256-bit token for boarding-pass links.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// optOut handles STOP and START (and their equivalents in the traveller's language)
// sent as a whole message: they stop or resume every category of proactive
// message. It reports whether the message was one of them.
func (e *Engine) optOut(t *Turn) bool {
	msg := fold(t.In.Text)
	if msg == "" || t.In.Payload != "" {
		return false
	}
	is := func(key string) bool {
		for _, w := range t.Words(key) {
			if msg == w {
				return true
			}
		}
		for _, w := range t.Content.words(domain.DefaultLang, key) {
			if msg == w {
				return true
			}
		}
		return false
	}
	stop := is("words.stop") || (t.U.Intent == domain.IntentStopMessages && t.U.Confidence >= 0.7)
	if !stop && !is("words.start") && !(t.U.Intent == domain.IntentStartMessages && t.U.Confidence >= 0.7) {
		return false
	}
	for _, c := range []domain.Category{domain.CategoryFlightUpdates, domain.CategoryOffers} {
		t.preferences = append(t.preferences, domain.PreferenceUpdate{Category: c, OptedOut: stop, At: t.Now})
	}
	if stop {
		t.Say("optout.done")
	} else {
		t.Say("optout.resumed")
	}
	return true
}

// wordCount counts words as evidence of a language: space-separated words, and
// for scripts written without spaces (Chinese, Japanese) one word per two
// characters.
func wordCount(text string) int {
	n := 0
	for _, f := range strings.Fields(text) {
		han := 0
		for _, r := range f {
			if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) {
				han++
			}
		}
		if han > 1 {
			n += (han + 1) / 2
		} else {
			n++
		}
	}
	return n
}
