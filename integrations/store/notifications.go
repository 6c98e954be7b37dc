package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skybridge/skybridge/domain"
)

type notificationRow struct {
	ID             int64
	Key            string
	EventID        int64
	PassengerID    int64
	Locator        string
	ConversationID *int64
	Status         string
	CreatedAt      time.Time
}

func (notificationRow) TableName() string { return "notifications" }

type conversationBookingRow struct {
	ConversationID int64  `gorm:"primaryKey;autoIncrement:false"`
	Locator        string `gorm:"primaryKey"`
	LinkedAt       time.Time
}

func (conversationBookingRow) TableName() string { return "conversation_bookings" }

// linkBooking records, in tx, that the traveller of a conversation holds a
// booking; linking again keeps the first link.
func linkBooking(tx *gorm.DB, conversationID int64, locator domain.RecordLocator, at time.Time) error {
	err := tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&conversationBookingRow{ConversationID: conversationID, Locator: string(locator), LinkedAt: at}).Error
	if err != nil {
		return fmt.Errorf("link conversation %d to booking: %w", conversationID, err)
	}
	return nil
}

// LinkedConversations returns the conversations in which travellers identified
// each booking, oldest link first; bookings never identified are absent.
func (s *Store) LinkedConversations(ctx context.Context, locators []domain.RecordLocator) (map[domain.RecordLocator][]domain.Conversation, error) {
	const op = "linked conversations"
	out := map[domain.RecordLocator][]domain.Conversation{}
	locs := make([]string, 0, len(locators))
	seen := make(map[domain.RecordLocator]bool, len(locators))
	for _, l := range locators {
		if !seen[l] {
			seen[l] = true
			locs = append(locs, string(l))
		}
	}
	for start := 0; start < len(locs); start += keyChunk {
		chunk := locs[start:min(start+keyChunk, len(locs))]
		var links []conversationBookingRow
		err := s.db.WithContext(ctx).Where("locator IN ?", chunk).Order("linked_at, conversation_id").Find(&links).Error
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if len(links) == 0 {
			continue
		}
		ids := make([]int64, 0, len(links))
		for _, l := range links {
			ids = append(ids, l.ConversationID)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		var rows []conversationRow
		if err := s.db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		byID := make(map[int64]domain.Conversation, len(rows))
		for _, r := range rows {
			c, err := s.toDomainConversation(r)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			byID[c.ID] = c
		}
		for _, l := range links {
			if c, ok := byID[l.ConversationID]; ok {
				loc := domain.RecordLocator(l.Locator)
				out[loc] = append(out[loc], c)
			}
		}
	}
	return out, nil
}

// dedupeKey names the i-th message of an event's notification in a conversation.
func dedupeKey(eventID int64, i int) string { return fmt.Sprintf("event:%d:%d", eventID, i) }

// QueueNotifications stores a batch in one transaction:
//
//   - for each send, its conversation (the given one, or that of (Channel, UserID),
//     created in Lang when there is none);
//   - its messages, queued after the conversation's last seq, each at most once per
//     conversation and event: a message already queued by an earlier run of the
//     same batch is skipped without using a seq (UNIQUE (conversation_id,
//     dedupe_key) is the final guard);
//   - the notifications of its passengers and of the skipped passengers (a key
//     stored already is left as it is);
//   - a delivery job at the batch's priority for each conversation that got new
//     messages, except web chat, whose stream reads them (its readers are woken
//     after the commit).
//
// The conversations' rows are locked in id order before their messages are
// counted, so that concurrent runs of one batch, and turns of the same
// conversations, wait for each other instead of colliding.
func (s *Store) QueueNotifications(ctx context.Context, b domain.NotificationBatch) error {
	const op = "queue notifications"
	if b.EventID == 0 {
		return domain.Errorf(domain.Invalid, op, "event id is required")
	}
	now := s.now()
	var woken []int64
	err := s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		woken = woken[:0]
		ids := make([]int64, len(b.Sends))
		channels := map[int64]domain.Channel{}
		for i, snd := range b.Sends {
			id, ch, err := s.notificationConversation(tx, snd, now)
			if err != nil {
				return err
			}
			ids[i], channels[id] = id, ch
		}
		locked := slices.Clone(ids)
		slices.Sort(locked)
		for _, id := range slices.Compact(locked) {
			if err := tx.Exec(`UPDATE conversations SET version = version WHERE id = ?`, id).Error; err != nil {
				return fmt.Errorf("lock conversation %d: %w", id, err)
			}
		}
		var notices []notificationRow
		for i, snd := range b.Sends {
			id := ids[i]
			fresh, err := s.queueMessages(tx, id, b.EventID, snd.Messages, now)
			if err != nil {
				return err
			}
			if fresh > 0 {
				woken = append(woken, id)
				if channels[id] != domain.WebChat {
					if _, err := s.enqueueAt(ctx, sqlTx, deliverJob(id), b.Priority); err != nil {
						return err
					}
				}
			}
			for _, p := range snd.Passengers {
				notices = append(notices, noticeRow(b.EventID, p, &id, now))
			}
		}
		for _, p := range b.Skipped {
			notices = append(notices, noticeRow(b.EventID, p, nil, now))
		}
		if len(notices) > 0 {
			err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}}, DoNothing: true}).
				CreateInBatches(&notices, 500).Error
			if err != nil {
				return fmt.Errorf("insert notifications: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return err
		}
		return fmt.Errorf("%s of event %d: %w", op, b.EventID, err)
	}
	for _, id := range woken {
		s.wake.notify(id)
	}
	return nil
}

// notificationConversation resolves the conversation a send writes in.
func (s *Store) notificationConversation(tx *gorm.DB, snd domain.NotificationSend, now time.Time) (int64, domain.Channel, error) {
	const op = "queue notifications"
	if snd.ConversationID != 0 {
		var chs []string
		err := tx.Model(&conversationRow{}).Where("id = ?", snd.ConversationID).Limit(1).Pluck("channel", &chs).Error
		if err != nil {
			return 0, "", fmt.Errorf("load conversation %d: %w", snd.ConversationID, err)
		}
		if len(chs) == 0 {
			return 0, "", domain.Errorf(domain.NotFound, op, "no conversation %d", snd.ConversationID)
		}
		return snd.ConversationID, domain.Channel(chs[0]), nil
	}
	if snd.Channel == "" || snd.UserID == "" {
		return 0, "", domain.Errorf(domain.Invalid, op, "a send needs a conversation, or a channel and a user id")
	}
	id, _, err := s.findOrCreateConversation(tx, snd.Channel, snd.UserID, "", snd.Lang, now)
	if err != nil {
		return 0, "", err
	}
	return id, snd.Channel, nil
}

// queueMessages appends the messages of an event not yet queued in the
// conversation and returns how many it queued. The caller holds the
// conversation's row lock.
func (s *Store) queueMessages(tx *gorm.DB, conversationID, eventID int64, msgs []domain.Outbound, now time.Time) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	keys := make([]string, len(msgs))
	for i := range msgs {
		keys[i] = dedupeKey(eventID, i)
	}
	var have []string
	err := tx.Model(&outboundRow{}).Where("conversation_id = ? AND dedupe_key IN ?", conversationID, keys).
		Pluck("dedupe_key", &have).Error
	if err != nil {
		return 0, fmt.Errorf("read queued notifications: %w", err)
	}
	var out []domain.Outbound
	var outKeys []string
	for i, m := range msgs {
		if !slices.Contains(have, keys[i]) {
			out = append(out, m)
			outKeys = append(outKeys, keys[i])
		}
	}
	if err := s.insertOutboundKeyed(tx, conversationID, out, outKeys, now); err != nil {
		return 0, err
	}
	return len(out), nil
}

func noticeRow(eventID int64, p domain.PassengerNotice, conversationID *int64, now time.Time) notificationRow {
	st := p.Status
	if st == "" {
		st = domain.NoticeQueued
	}
	return notificationRow{Key: p.Key, EventID: eventID, PassengerID: p.PassengerID, Locator: string(p.Locator),
		ConversationID: conversationID, Status: string(st), CreatedAt: now}
}

// NotificationCounts sums up proactive flight updates for operators.
type NotificationCounts struct {
	// ByStatus counts passengers' notifications by domain.NotificationStatus.
	ByStatus map[string]int
	// Waiting counts flight-update messages still queued for delivery, and
	// OldestWaiting is how long the oldest of them has waited.
	Waiting       int
	OldestWaiting time.Duration
}

// NotificationSummary counts notifications by status and the flight-update
// messages waiting to go out.
func (s *Store) NotificationSummary(ctx context.Context) (NotificationCounts, error) {
	const op = "notification summary"
	counts := NotificationCounts{ByStatus: map[string]int{}}
	var rows []struct {
		Status string
		N      int
	}
	err := s.db.WithContext(ctx).Model(&notificationRow{}).Select("status, COUNT(*) AS n").Group("status").Scan(&rows).Error
	if err != nil {
		return counts, fmt.Errorf("%s: %w", op, err)
	}
	for _, r := range rows {
		counts.ByStatus[r.Status] = r.N
	}
	waiting := func() *gorm.DB {
		return s.db.WithContext(ctx).Model(&outboundRow{}).
			Where(`status = ? AND purpose LIKE 'flight\_%' ESCAPE '\'`, string(domain.StatusQueued))
	}
	var n int64
	if err := waiting().Count(&n).Error; err != nil {
		return counts, fmt.Errorf("%s: %w", op, err)
	}
	counts.Waiting = int(n)
	if n > 0 {
		var oldest []time.Time
		if err := waiting().Order("created_at").Limit(1).Pluck("created_at", &oldest).Error; err != nil {
			return counts, fmt.Errorf("%s: %w", op, err)
		}
		if len(oldest) == 1 {
			counts.OldestWaiting = max(s.now().Sub(oldest[0]), 0)
		}
	}
	return counts, nil
}
