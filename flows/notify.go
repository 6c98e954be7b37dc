package flows

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// NotificationStatus is what became of one passenger's notification
// (domain.NotificationStatus).
type NotificationStatus = domain.NotificationStatus

// Notification statuses.
const (
	NoticeQueued      = domain.NoticeQueued
	NoticeOptedOut    = domain.NoticeOptedOut
	NoticeUnreachable = domain.NoticeUnreachable
	NoticeAgent       = domain.NoticeAgent
)

// PassengerNotice is one passenger's notification of one event (domain.PassengerNotice).
type PassengerNotice = domain.PassengerNotice

// NotificationSend is one message to one conversation about one event
// (domain.NotificationSend).
type NotificationSend = domain.NotificationSend

// NotificationBatch is what one page of a fan-out queues, in one transaction
// (domain.NotificationBatch).
type NotificationBatch = domain.NotificationBatch

// NotifyStore is what fan-out needs from persistence.
type NotifyStore interface {
	// FlightEvent loads a raised event.
	FlightEvent(ctx context.Context, id int64) (domain.FlightEvent, error)
	// LatestEventVersion returns the newest version raised of a kind on a flight.
	LatestEventVersion(ctx context.Context, key domain.FlightKey, kind domain.FlightEventKind) (int, error)
	// LinkedConversations returns the conversations in which travellers identified
	// each booking.
	LinkedConversations(ctx context.Context, locators []domain.RecordLocator) (map[domain.RecordLocator][]domain.Conversation, error)
	// ConversationByUser finds a conversation by channel and user id.
	ConversationByUser(ctx context.Context, ch domain.Channel, userID string) (domain.Conversation, bool, error)
	// OptedOut reports whether a traveller stopped a category of messages.
	OptedOut(ctx context.Context, ch domain.Channel, userID string, c domain.Category) (bool, error)
	// QueueNotifications stores a batch in one transaction: the passengers'
	// notifications (a key that exists already is skipped), the messages (at most
	// once per conversation and event, whatever the retries) and their delivery
	// jobs at the batch's priority.
	QueueNotifications(ctx context.Context, b NotificationBatch) error
}

// Notifier fans a flight event out to every traveller on the flight: one
// notification per passenger, one message per conversation, in the traveller's
// language, through the delivery pipeline (window, templates, opt-out, tier).
type Notifier struct {
	store    NotifyStore
	manifest domain.Manifest
	engine   *Engine
	channels map[domain.Channel]bool
	now      func() time.Time
	log      *slog.Logger
	// PageSize is how many bookings one transaction queues. Default 500.
	PageSize int
}

// NewNotifier builds a notifier. channels are the enabled channels: a contact on
// a channel that is not enabled does not count as reachable.
func NewNotifier(store NotifyStore, manifest domain.Manifest, engine *Engine, channels []domain.Channel, now func() time.Time, log *slog.Logger) *Notifier {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	enabled := map[domain.Channel]bool{domain.WebChat: true}
	for _, c := range channels {
		enabled[c] = true
	}
	return &Notifier{store: store, manifest: manifest, engine: engine, channels: enabled, now: now, log: log, PageSize: 500}
}

// supersedable kinds: a newer version makes an older one pointless to send (the
// delay of 14:40 replaced by 15:10; gate D7 replaced by D9).
func supersedable(k domain.FlightEventKind) bool {
	switch k {
	case domain.EventDelay, domain.EventEarlier, domain.EventGateChange, domain.EventTerminalChange, domain.EventArrived:
		return true
	}
	return false
}

// beforeDeparture kinds mean nothing once the flight has left.
func beforeDeparture(k domain.FlightEventKind) bool {
	switch k {
	case domain.EventCheckInOpen, domain.EventDelay, domain.EventEarlier, domain.EventGateChange,
		domain.EventTerminalChange, domain.EventBoarding, domain.EventGateClosing:
		return true
	}
	return false
}

// FanOutResult counts one fan-out.
type FanOutResult struct {
	Bookings    int
	Queued      int // passengers with a message on its way
	Messages    int // messages queued (one per conversation)
	OptedOut    int
	Unreachable int
	Agent       int
	// Skipped is set when the event was not fanned out at all, with why.
	Skipped string
}

// FanOut queues the notifications of one event. It is safe to run again after a
// crash or on two instances at once: every notification and message has a unique
// key. It returns a *domain.Snooze when the event is held for quiet hours.
func (n *Notifier) FanOut(ctx context.Context, eventID int64) (FanOutResult, error) {
	var res FanOutResult
	ev, err := n.store.FlightEvent(ctx, eventID)
	if err != nil {
		return res, err
	}
	now := n.now()
	if supersedable(ev.Kind) {
		latest, err := n.store.LatestEventVersion(ctx, ev.Key, ev.Kind)
		if err != nil {
			return res, err
		}
		if latest > ev.Version {
			res.Skipped = fmt.Sprintf("superseded by version %d", latest)
			return res, nil
		}
	}
	if beforeDeparture(ev.Kind) && !ev.Status.Departure().IsZero() && now.After(ev.Status.Departure().Add(15*time.Minute)) {
		res.Skipped = "the flight has left"
		return res, nil
	}
	cc := &contentCache{e: n.engine, byVersion: map[int]Content{}}
	latest, err := cc.get(ctx, 0)
	if err != nil {
		return res, err
	}
	rules := latest.Rules.notifyRules()
	flight, err := n.manifest.FlightByKey(ctx, ev.Key)
	if domain.IsCode(err, domain.NotFound) {
		res.Skipped = "no booking system flight"
		return res, nil
	}
	if err != nil {
		return res, err
	}
	if rules.Rule(ev.Kind).Quiet && !ev.Kind.Urgent() {
		if until := rules.QuietUntil(now, flight.Origin.Location); !until.IsZero() {
			return res, &domain.Snooze{At: until, Reason: "quiet hours at " + string(flight.Origin.Code)}
		}
	}
	prio := ev.Priority(now)
	after := int64(0)
	for {
		groups, err := n.manifest.Travellers(ctx, ev.Key, after, n.PageSize)
		if err != nil {
			return res, err
		}
		if len(groups) == 0 {
			break
		}
		after = groups[len(groups)-1].BookingID
		batch, err := n.page(ctx, cc, ev, flight, rules, groups, prio, &res)
		if err != nil {
			return res, err
		}
		if err := n.store.QueueNotifications(ctx, batch); err != nil {
			return res, err
		}
		res.Bookings += len(groups)
		if len(groups) < n.PageSize {
			break
		}
	}
	n.log.Info("flight event fanned out", "flight", ev.Key.String(), "kind", string(ev.Kind), "version", ev.Version,
		"bookings", res.Bookings, "queued", res.Queued, "messages", res.Messages, "opted_out", res.OptedOut,
		"unreachable", res.Unreachable, "agent", res.Agent)
	return res, nil
}

type recipient struct {
	conv    domain.Conversation // ID 0 when not created yet
	channel domain.Channel
	userID  string
	lang    domain.Lang
}

func (r recipient) key() string { return string(r.channel) + ":" + r.userID }

// page builds the batch of one page of bookings.
func (n *Notifier) page(ctx context.Context, cc *contentCache, ev domain.FlightEvent, flight domain.Flight, rules domain.NotifyRules,
	groups []domain.TravellerGroup, prio int, res *FanOutResult) (NotificationBatch, error) {
	batch := NotificationBatch{EventID: ev.ID, Priority: prio}
	locs := make([]domain.RecordLocator, len(groups))
	for i, g := range groups {
		locs[i] = g.Locator
	}
	linked, err := n.store.LinkedConversations(ctx, locs)
	if err != nil {
		return batch, err
	}
	sends := map[string]*NotificationSend{}
	var order []string
	now := n.now()
	for _, g := range groups {
		notices := make([]PassengerNotice, len(g.Passengers))
		for i, p := range g.Passengers {
			notices[i] = PassengerNotice{Key: noticeKey(p.ID, ev), PassengerID: p.ID, Locator: g.Locator}
		}
		var rcpts []recipient
		seen := map[string]bool{}
		add := func(r recipient) {
			if r.userID == "" || !n.channels[r.channel] || seen[r.key()] {
				return
			}
			seen[r.key()] = true
			rcpts = append(rcpts, r)
		}
		for _, c := range linked[g.Locator] {
			// A web chat tab is only there while the traveller has it open.
			if c.Channel == domain.WebChat && now.Sub(c.LastInboundAt) > ServiceWindow {
				continue
			}
			add(recipient{conv: c, channel: c.Channel, userID: c.UserID, lang: c.Lang})
		}
		if wa := g.Contact.WhatsApp.Reveal(); wa != "" {
			add(recipient{channel: domain.WhatsApp, userID: strings.TrimPrefix(wa, "+"), lang: g.Contact.Lang})
		}
		if g.Contact.Messenger != "" {
			add(recipient{channel: domain.Messenger, userID: g.Contact.Messenger, lang: g.Contact.Lang})
		}
		status := NoticeUnreachable
		for _, r := range rcpts {
			if r.conv.ID == 0 {
				c, ok, err := n.store.ConversationByUser(ctx, r.channel, r.userID)
				if err != nil {
					return batch, err
				}
				if ok {
					r.conv = c
				}
			}
			out, err := n.store.OptedOut(ctx, r.channel, r.userID, domain.CategoryFlightUpdates)
			if err != nil {
				return batch, err
			}
			if out {
				if status == NoticeUnreachable {
					status = NoticeOptedOut
				}
				continue
			}
			if r.conv.Flow == "handoff" {
				if status != NoticeQueued {
					status = NoticeAgent
				}
				continue
			}
			status = NoticeQueued
			k := r.key()
			s, ok := sends[k]
			if !ok {
				lang := r.conv.Lang
				if lang == "" {
					lang = r.lang
				}
				if lang == "" || !lang.Supported() {
					lang = domain.DefaultLang
				}
				s = &NotificationSend{ConversationID: r.conv.ID, Channel: r.channel, UserID: r.userID, Lang: lang}
				sends[k] = s
				order = append(order, k)
			}
			c, err := cc.get(ctx, r.conv.ContentVersion)
			if err != nil {
				return batch, err
			}
			msg := message(c, ev, flight, rules, r.conv, s.Lang, g)
			if len(s.Messages) == 0 {
				s.Messages = []domain.Outbound{msg}
			} else {
				// Two bookings on the flight reach the same person: one message
				// naming everyone.
				s.Messages[0].Params["names"] += ", " + msg.Params["names"]
				s.Messages[0].Text = eventText(c, ev, flight, s.Lang, s.Messages[0].Params)
			}
		}
		for i := range notices {
			notices[i].Status = status
		}
		switch status {
		case NoticeQueued:
			res.Queued += len(notices)
			// Every queued passenger's notice rides with the first send that reaches
			// them; the key makes it count once.
			for _, r := range rcpts {
				if s, ok := sends[r.key()]; ok {
					s.Passengers = append(s.Passengers, notices...)
					break
				}
			}
		case NoticeOptedOut:
			res.OptedOut += len(notices)
			batch.Skipped = append(batch.Skipped, notices...)
		case NoticeAgent:
			res.Agent += len(notices)
			batch.Skipped = append(batch.Skipped, notices...)
		default:
			res.Unreachable += len(notices)
			batch.Skipped = append(batch.Skipped, notices...)
		}
	}
	for _, k := range order {
		batch.Sends = append(batch.Sends, *sends[k])
	}
	res.Messages += len(batch.Sends)
	return batch, nil
}

func noticeKey(passengerID int64, ev domain.FlightEvent) string {
	return fmt.Sprintf("pax:%d/%s/%s/%d", passengerID, ev.Key, ev.Kind, ev.Version)
}

// contentCache holds the content versions one fan-out uses; 0 is the newest.
type contentCache struct {
	e         *Engine
	byVersion map[int]Content
}

func (cc *contentCache) get(ctx context.Context, version int) (Content, error) {
	if c, ok := cc.byVersion[version]; ok {
		return c, nil
	}
	c, err := cc.e.contentFor(ctx, version)
	if err != nil && version != 0 {
		// A pinned version that cannot be read: the newest will do for a push.
		return cc.get(ctx, 0)
	}
	if err != nil {
		return c, err
	}
	cc.byVersion[version] = c
	return c, nil
}

// message renders the notification of one booking for one conversation.
func message(c Content, ev domain.FlightEvent, flight domain.Flight, rules domain.NotifyRules,
	conv domain.Conversation, lang domain.Lang, g domain.TravellerGroup) domain.Outbound {
	names := make([]string, 0, len(g.Passengers))
	for _, p := range g.Passengers {
		names = append(names, p.Name.String())
	}
	params := map[string]string{"names": strings.Join(names, ", "), "locator": string(g.Locator)}
	if !ev.SeenAt.IsZero() {
		params[pushSeenAt] = ev.SeenAt.UTC().Format(time.RFC3339Nano)
	}
	text := eventText(c, ev, flight, lang, params)
	t := &Turn{Content: c, Lang: lang}
	var choices []domain.Choice
	switch ev.Kind {
	case domain.EventCheckInOpen:
		choices = append(choices, t.Choice("intent:check_in", "push.button.check_in"))
	case domain.EventCancelled:
		choices = append(choices, t.Choice("intent:disruption", "push.button.rebook"), t.Choice("intent:human", "push.button.human"))
	case domain.EventDiverted:
		choices = append(choices, t.Choice("intent:human", "push.button.human"))
	case domain.EventDelay:
		if ev.Status.Departure().Sub(ev.Status.ScheduledDeparture) >= time.Duration(rules.RebookDelayMinutes)*time.Minute {
			choices = append(choices, t.Choice("intent:thanks", "push.button.keep"), t.Choice("intent:disruption", "push.button.rebook"),
				t.Choice("intent:human", "push.button.human"))
		}
	case domain.EventGateChange, domain.EventTerminalChange, domain.EventBoarding:
		choices = append(choices, t.Choice("intent:boarding_pass", "push.button.boarding_pass"))
	}
	if conv.Flow != "" {
		// The push met the traveller half-way through something: offer the way back.
		choices = append(choices, t.Choice("intent:resume", "push.button.resume"))
	}
	m := domain.Outbound{Kind: domain.OutText, Text: text, Purpose: "flight_" + string(ev.Kind), Params: params}
	if len(choices) > 0 {
		m.Kind, m.Choices = domain.OutChoices, choices
	}
	return m
}

// eventText renders the text of an event, adding the flight's details to params
// (they also fill the approved template outside the service window).
func eventText(c Content, ev domain.FlightEvent, flight domain.Flight, lang domain.Lang, params map[string]string) string {
	t := &Turn{Content: c, Lang: lang}
	st := ev.Status
	dep := st.Departure()
	if dep.IsZero() {
		dep = flight.Departure
	}
	origin, dest := zone(flight.Origin.Location), zone(flight.Destination.Location)
	params["flight"] = ev.Key.Flight.String()
	params["from"] = flight.Origin.City
	params["to"] = flight.Destination.City
	params["date"] = t.FormatDate(flight.Departure.In(origin))
	params["time"] = t.FormatClock(dep, origin)
	params["scheduled"] = t.FormatClock(flight.Departure, origin)
	params["gate"] = orDash(st.DepartureGate)
	params["terminal"] = orDash(st.DepartureTerminal)
	params["belt"] = orDash(st.BaggageBelt)
	params["airport"] = flight.Origin.Name
	params["diverted_to"] = orDash(string(st.DivertedTo))
	params["reason"] = st.Reason
	if ev.Kind == domain.EventArrived && !st.Arrival().IsZero() {
		params["time"] = t.FormatClock(st.Arrival(), dest)
		params["airport"] = flight.Destination.Name
	}
	key := "push." + string(ev.Kind)
	switch {
	case ev.Kind == domain.EventArrived && st.BaggageBelt == "":
		key = "push.arrived_no_belt"
	case (ev.Kind == domain.EventGateChange || ev.Kind == domain.EventBoarding) && st.DepartureTerminal == "":
		key += "_no_terminal"
	}
	args := make([]string, 0, 2*len(messageKeys[key]))
	for _, k := range messageKeys[key] {
		args = append(args, k, params[k])
	}
	text := t.T(key, args...)
	if st.Reason != "" && (ev.Kind == domain.EventDelay || ev.Kind == domain.EventCancelled || ev.Kind == domain.EventDiverted) {
		text += "\n" + t.T("push.reason", "reason", st.Reason)
	}
	return text
}

func zone(l *time.Location) *time.Location {
	if l == nil {
		return time.UTC
	}
	return l
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// notifyRules returns the content's rules for proactive updates, the defaults
// where the content has none.
func (r Rules) notifyRules() domain.NotifyRules {
	if r.Notify == nil {
		return domain.DefaultNotifyRules()
	}
	out := *r.Notify
	def := domain.DefaultNotifyRules()
	if out.Kinds == nil {
		out.Kinds = def.Kinds
	}
	if out.QuietStart == "" || out.QuietEnd == "" {
		out.QuietStart, out.QuietEnd = def.QuietStart, def.QuietEnd
	}
	if out.RebookDelayMinutes == 0 {
		out.RebookDelayMinutes = def.RebookDelayMinutes
	}
	return out
}
