package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// The staff console's reading of conversations: search, transcript and the
// inbox of conversations that need a person.

// maxFound bounds a search's result.
const maxFound = 50

// FindConversations finds conversations by booking reference (the links turns
// recorded), WhatsApp phone number or Messenger id (through their blind
// indexes), or a passenger's name on a linked booking, whatever booking system
// holds it (through the name indexes of privacy_names.go). Newest activity
// first.
func (s *Store) FindConversations(ctx context.Context, q domain.ConversationQuery) ([]domain.ConversationSummary, error) {
	const op = "find conversations"
	limit := q.Limit
	if limit <= 0 || limit > maxFound {
		limit = maxFound
	}
	db := s.db.WithContext(ctx)
	var ids []int64
	var err error
	switch {
	case q.Locator != "":
		err = db.Model(&conversationBookingRow{}).Where("locator = ?", strings.ToUpper(strings.TrimSpace(string(q.Locator)))).
			Pluck("conversation_id", &ids).Error
	case q.Phone != "":
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, q.Phone)
		if digits == "" {
			return nil, domain.Errorf(domain.Invalid, op, "a phone number has digits")
		}
		forms := s.userForms(digits)
		err = db.Model(&conversationRow{}).Where("channel = ? AND (user_id IN ? OR alt_user_id IN ?)", string(domain.WhatsApp), forms, forms).
			Pluck("id", &ids).Error
	case q.PSID != "":
		forms := s.userForms(strings.TrimSpace(q.PSID))
		err = db.Model(&conversationRow{}).Where("channel = ? AND user_id IN ?", string(domain.Messenger), forms).
			Pluck("id", &ids).Error
	case strings.TrimSpace(q.Name) != "":
		ids, err = s.conversationsByName(db, q.Name)
		if domain.IsCode(err, domain.Invalid) {
			return nil, err
		}
	default:
		return nil, domain.Errorf(domain.Invalid, op, "give a booking reference, a phone number, a Messenger id or a name")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(ids) == 0 {
		return []domain.ConversationSummary{}, nil
	}
	out, err := s.summaries(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// summaries loads conversations with their linked bookings, newest activity
// first.
func (s *Store) summaries(ctx context.Context, ids []int64) ([]domain.ConversationSummary, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out []domain.ConversationSummary
	for start := 0; start < len(ids); start += keyChunk {
		chunk := ids[start:min(start+keyChunk, len(ids))]
		var rows []conversationRow
		if err := s.db.WithContext(ctx).Select("id, channel, lang, flow, state, content_version, last_inbound_at, updated_at").
			Where("id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, err
		}
		var links []conversationBookingRow
		if err := s.db.WithContext(ctx).Where("conversation_id IN ?", chunk).Order("linked_at").Find(&links).Error; err != nil {
			return nil, err
		}
		locs := map[int64][]domain.RecordLocator{}
		for _, l := range links {
			locs[l.ConversationID] = append(locs[l.ConversationID], domain.RecordLocator(l.Locator))
		}
		for _, r := range rows {
			c := domain.ConversationSummary{ID: r.ID, Channel: domain.Channel(r.Channel), Flow: r.Flow, State: r.State,
				Lang: domain.Lang(r.Lang), ContentVersion: r.ContentVersion, Locators: locs[r.ID], UpdatedAt: r.UpdatedAt.UTC()}
			if r.LastInboundAt != nil {
				c.LastInboundAt = r.LastInboundAt.UTC()
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].UpdatedAt.After(out[j].UpdatedAt) })
	return out, nil
}

// ConversationSummary returns one conversation with its linked bookings.
func (s *Store) ConversationSummary(ctx context.Context, id int64) (domain.ConversationSummary, error) {
	const op = "conversation summary"
	out, err := s.summaries(ctx, []int64{id})
	if err != nil {
		return domain.ConversationSummary{}, fmt.Errorf("%s %d: %w", op, id, err)
	}
	if len(out) == 0 {
		return domain.ConversationSummary{}, domain.Errorf(domain.NotFound, op, "no conversation %d", id)
	}
	return out[0], nil
}

// systemPrefixes mark the inbound messages Skybridge addresses to a
// conversation itself (AcceptSystem): staff actions, timers, payment outcomes.
var systemPrefixes = []string{"staff:", "timer:", "payment:"}

func isSystem(channelMessageID string) bool {
	for _, p := range systemPrefixes {
		if strings.HasPrefix(channelMessageID, p) {
			return true
		}
	}
	return false
}

// Transcript returns the last limit messages of a conversation in both
// directions, oldest first, the texts opened; outbound messages carry their
// delivery status, the platform's error code, and whether staff may still act
// on them as undelivered (RetryMessage, DismissMessage) or did.
func (s *Store) Transcript(ctx context.Context, conversationID int64, limit int) ([]domain.TranscriptEntry, error) {
	const op = "read transcript"
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	var in []inboundRow
	if err := s.db.WithContext(ctx).Where("conversation_id = ?", conversationID).
		Order("received_at DESC, id DESC").Limit(limit).Find(&in).Error; err != nil {
		return nil, fmt.Errorf("%s %d: %w", op, conversationID, err)
	}
	var out []outboundRow
	if err := s.db.WithContext(ctx).Where("conversation_id = ?", conversationID).
		Order("seq DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("%s %d: %w", op, conversationID, err)
	}
	var channel []string
	if err := s.db.WithContext(ctx).Model(&conversationRow{}).Where("id = ?", conversationID).Limit(1).Pluck("channel", &channel).Error; err != nil {
		return nil, fmt.Errorf("%s %d: %w", op, conversationID, err)
	}
	stuckBefore := s.now().Add(-stuckAfter)
	entries := make([]domain.TranscriptEntry, 0, len(in)+len(out))
	for _, r := range in {
		m, err := s.toDomainInbound(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		text := m.Text
		if text == "" && m.Unsupported != "" {
			text = "[" + m.Unsupported + "]"
		}
		entries = append(entries, domain.TranscriptEntry{At: m.ReceivedAt, Inbound: true, System: isSystem(m.ChannelMessageID),
			Text: text, Payload: m.Payload})
	}
	for _, r := range out {
		m, err := s.toDomainOutbound(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		stuck := m.Status == domain.StatusQueued && len(channel) == 1 && channel[0] != string(domain.WebChat) && r.CreatedAt.Before(stuckBefore) &&
			(r.RetriedAt == nil || r.RetriedAt.Before(stuckBefore))
		dead := (m.Status == domain.StatusFailed || m.Status == domain.StatusBlocked || stuck) && r.DismissedAt == nil
		reason, err := s.sealer.Open(r.DismissReason)
		if err != nil {
			return nil, fmt.Errorf("%s: dismiss reason of message %d: %w", op, r.Seq, err)
		}
		entries = append(entries, domain.TranscriptEntry{At: m.CreatedAt, Text: m.Text, Kind: m.Kind, Choices: m.Choices,
			Purpose: m.Purpose, HumanAgent: m.HumanAgent, Seq: m.Seq, Status: m.Status, ErrorCode: r.ErrorCode, Error: m.Error,
			Undelivered: dead, Retried: r.RetriedAt != nil, Dismissed: r.DismissedAt != nil, DismissReason: reason})
	}
	// A turn's replies are written after the message they answer (same or later
	// time): on a tie the traveller's message comes first; outbound keep their seq.
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i], entries[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		if a.Inbound != b.Inbound {
			return a.Inbound
		}
		return a.Seq < b.Seq
	})
	if len(entries) > limit {
		entries = entries[len(entries)-limit:]
	}
	return entries, nil
}

// failureReasons are the abandon reasons that mean something went wrong, not
// that the traveller chose to leave (start over, expiry, another flow).
var failureReasons = []string{"abandon:effect_failed", "abandon:panic", "abandon:undefined_state", "abandon:unknown_flow",
	"abandon:unknown_state", "abandon:loop", "abandon:booking_gone"}

// errorStates are final states that report a failure to the traveller.
var errorStates = []string{"failed", "change_unavailable", "order_unavailable"}

// stuckAfter is how long a queued message waits before the inbox shows it.
const stuckAfter = 10 * time.Minute

// Inbox lists what needs a person, newest first, at most limit: every
// conversation waiting in the handoff flow (with the staff member who took it
// over, from the audit log), turns since the given time that ended a flow on an
// error or in an error state, and undelivered messages (failed, blocked by the
// channel's policy, or queued for ten minutes) since then, unless a person set
// them aside (DismissMessage).
func (s *Store) Inbox(ctx context.Context, since time.Time, limit int) ([]domain.InboxItem, error) {
	const op = "read inbox"
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	db := s.db.WithContext(ctx)
	var handoffs []struct {
		ID        int64
		Channel   string
		State     string
		UpdatedAt time.Time
		Started   *string // MAX over a timestamp: text on SQLite
	}
	err := db.Raw(`SELECT c.id, c.channel, c.state, c.updated_at,
			(SELECT MAX(t.at) FROM transitions t WHERE t.conversation_id = c.id AND t.flow = 'handoff' AND t.event = 'start') AS started
		FROM conversations c WHERE c.flow = 'handoff' ORDER BY c.updated_at DESC LIMIT ?`, limit).Scan(&handoffs).Error
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var items []domain.InboxItem
	subjects := map[string]int{}
	for _, h := range handoffs {
		at := h.UpdatedAt
		if h.Started != nil {
			if t, ok := parseDBTime(*h.Started); ok {
				at = t
			}
		}
		subjects[domain.ConversationSubject(h.ID)] = len(items)
		items = append(items, domain.InboxItem{Kind: domain.InboxHandoff, ConversationID: h.ID, Channel: domain.Channel(h.Channel),
			Flow: "handoff", State: h.State, At: at.UTC()})
	}
	if len(subjects) > 0 {
		keys := make([]string, 0, len(subjects))
		for k := range subjects {
			keys = append(keys, k)
		}
		var audit []auditRow
		err := db.Where("action IN ? AND subject IN ?", []string{string(domain.AuditTakeover), string(domain.AuditHandBack)}, keys).
			Order("id").Find(&audit).Error
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		for _, a := range audit {
			i := subjects[a.Subject]
			if a.Action == string(domain.AuditTakeover) {
				items[i].TakenBy = a.Actor
			} else {
				items[i].TakenBy = ""
			}
		}
	}

	var failed []struct {
		ConversationID int64
		Channel        string
		Flow           string
		FromState      string
		ToState        string
		Event          string
		At             time.Time
	}
	err = db.Table("transitions").
		Select("transitions.conversation_id, conversations.channel, transitions.flow, transitions.from_state, transitions.to_state, transitions.event, transitions.at").
		Joins("JOIN conversations ON conversations.id = transitions.conversation_id").
		Where("transitions.at >= ? AND (transitions.event IN ? OR transitions.to_state IN ?)", since.UTC(), failureReasons, errorStates).
		Order("transitions.id DESC").Limit(limit).Scan(&failed).Error
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, f := range failed {
		it := domain.InboxItem{Kind: domain.InboxFailedTurn, ConversationID: f.ConversationID, Channel: domain.Channel(f.Channel),
			Flow: f.Flow, State: f.FromState, At: f.At.UTC(), Reason: strings.TrimPrefix(f.Event, "abandon:")}
		if slices.Contains(errorStates, f.ToState) {
			it.State, it.Reason = f.ToState, "ended in "+f.ToState
		}
		items = append(items, it)
	}

	dead, err := s.DeadLetters(ctx, stuckAfter, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, d := range dead {
		if d.At.Before(since) {
			continue
		}
		reason := d.Reason
		if reason == "" && d.Status == domain.StatusQueued {
			reason = "still queued after " + strconv.Itoa(d.Attempts) + " attempts"
		}
		items = append(items, domain.InboxItem{Kind: domain.InboxUndelivered, ConversationID: d.ConversationID, Channel: d.Channel,
			At: d.At, Reason: reason, Code: d.Code, Status: d.Status, Seq: d.Seq, Retried: d.Retried})
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.After(items[j].At) })
	if len(items) > limit {
		items = items[:limit]
	}
	return items, nil
}

// parseDBTime reads a timestamp an aggregate returned as text (SQLite).
func parseDBTime(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
