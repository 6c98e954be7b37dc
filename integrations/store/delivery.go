package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

const (
	queueOutbox   = "outbox"
	queueWebhooks = "webhooks"
	kindDeliver   = "deliver_conversation"
	kindWebhook   = "handle_webhook"
)

// deliverArgs asks a worker to send a conversation's queued outbound messages, in
// order. After works as in processArgs.
type deliverArgs struct {
	ConversationID int64 `json:"conversation_id" river:"unique"`
	After          int64 `json:"after" river:"unique"`
}

func (deliverArgs) Kind() string { return kindDeliver }

// InsertOpts puts deliveries on their own queue: a throttled channel must not hold
// up the processing of inbound messages.
func (deliverArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: queueOutbox} }

func (a deliverArgs) following(id int64) followable { a.After = id; return a }

func deliverJob(conversationID int64) followable { return deliverArgs{ConversationID: conversationID} }

// webhookArgs asks a worker to parse and apply one stored webhook body.
type webhookArgs struct {
	EventID int64 `json:"event_id" river:"unique"`
}

func (webhookArgs) Kind() string { return kindWebhook }

// Handlers are what the store's workers call. Set them before Start. A handler
// that returns a *domain.Snooze (for instance the WhatsApp messaging tier is used
// up) has its job put back until the snooze's time without spending an attempt.
type Handlers struct {
	// Process handles a conversation's pending inbound messages.
	Process func(ctx context.Context, conversationID int64) error
	// Deliver sends a conversation's queued outbound messages.
	Deliver func(ctx context.Context, conversationID int64) error
	// Webhook parses and applies one stored webhook body of a channel.
	Webhook func(ctx context.Context, channel domain.Channel, body []byte) error
	// Tick runs one periodic task enqueued by EnqueueTick, once per (task, at)
	// across the cluster.
	Tick func(ctx context.Context, task string, at time.Time) error
	// FanOut queues the notifications of one flight event (SaveFlightWatch
	// enqueues it).
	FanOut func(ctx context.Context, eventID int64) error
}

// SetHandlers registers the delivery and webhook handlers (Process is given to Start).
func (s *Store) SetHandlers(h Handlers) {
	s.hmu.Lock()
	defer s.hmu.Unlock()
	if h.Process != nil {
		s.process = h.Process
	}
	s.deliver = h.Deliver
	s.webhook = h.Webhook
	s.tick = h.Tick
	s.fanOut = h.FanOut
}

func (s *Store) handlers() Handlers {
	s.hmu.RLock()
	defer s.hmu.RUnlock()
	return Handlers{Process: s.process, Deliver: s.deliver, Webhook: s.webhook, Tick: s.tick, FanOut: s.fanOut}
}

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	s *Store
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	deliver := w.s.handlers().Deliver
	if deliver == nil {
		return errors.New("deliver: no delivery handler")
	}
	err := deliver(ctx, job.Args.ConversationID)
	if errors.Is(err, domain.ErrBusy) {
		// Another worker holds the conversation's delivery lease and sends its
		// messages in order; look again shortly in case it finished just before
		// our messages were committed.
		return river.JobSnooze(time.Second)
	}
	return w.s.snoozed(err)
}

// NextRetry backs off 4^(attempt-1) seconds with jitter, as Meta advises for its rate
// limits, up to Options.MaxBackoff; every retry spends an attempt, so a message
// that can never go out ends as a discarded job, logged, instead of looping.
func (w *deliverWorker) NextRetry(job *river.Job[deliverArgs]) time.Time {
	d := time.Second << min(2*(max(job.Attempt, 1)-1), 20) // 1 s, 4 s, 16 s, …
	if d > w.s.opts.MaxBackoff {
		d = w.s.opts.MaxBackoff
	}
	return time.Now().Add(d/2 + time.Duration(rand.Int64N(int64(d/2)+1)))
}

// ClaimDelivery takes the conversation's delivery lease until the given time, so
// that one worker at a time sends its messages, in order. It reports false when
// another worker holds an unexpired lease.
func (s *Store) ClaimDelivery(ctx context.Context, conversationID int64, until time.Time) (bool, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Exec(`UPDATE conversations SET delivering_until = ?
		WHERE id = ? AND (delivering_until IS NULL OR delivering_until < ?)`, until.UTC(), conversationID, now)
	if res.Error != nil {
		return false, fmt.Errorf("claim delivery of conversation %d: %w", conversationID, unavailable(res.Error))
	}
	return res.RowsAffected == 1, nil
}

// ClaimDeliveryLoad is ClaimDelivery returning the conversation as well, read
// by the same statement; the conversation is zero when the lease is not granted.
func (s *Store) ClaimDeliveryLoad(ctx context.Context, conversationID int64, until time.Time) (domain.Conversation, bool, error) {
	const op = "claim delivery"
	var rows []conversationRow
	err := s.db.WithContext(ctx).Raw(`UPDATE conversations SET delivering_until = ?
		WHERE id = ? AND (delivering_until IS NULL OR delivering_until < ?) RETURNING *`, until.UTC(), conversationID, s.now()).
		Scan(&rows).Error
	if err != nil {
		return domain.Conversation{}, false, fmt.Errorf("%s of conversation %d: %w", op, conversationID, unavailable(err))
	}
	if len(rows) == 0 {
		return domain.Conversation{}, false, nil
	}
	c, err := s.toDomainConversation(rows[0])
	if err != nil {
		// Not held by anyone who can use it: give it back at once.
		if rerr := s.ReleaseDelivery(ctx, conversationID); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return domain.Conversation{}, false, fmt.Errorf("%s: %w", op, err)
	}
	return c, true, nil
}

// ReleaseDelivery gives the lease back.
func (s *Store) ReleaseDelivery(ctx context.Context, conversationID int64) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE conversations SET delivering_until = NULL WHERE id = ?`, conversationID).Error
	if err != nil {
		return fmt.Errorf("release delivery of conversation %d: %w", conversationID, unavailable(err))
	}
	return nil
}

// ReleaseDeliveryIfIdle gives the lease back only when none of the
// conversation's messages is queued, and reports whether it did: one statement
// where reading the queue and then releasing would take two. A message
// committed after it released is sent by its own delivery job.
func (s *Store) ReleaseDeliveryIfIdle(ctx context.Context, conversationID int64) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE conversations SET delivering_until = NULL WHERE id = ?
		AND NOT EXISTS (SELECT 1 FROM outbound_messages WHERE conversation_id = ? AND status = ?)`,
		conversationID, conversationID, string(domain.StatusQueued))
	if res.Error != nil {
		return false, fmt.Errorf("release delivery of conversation %d: %w", conversationID, unavailable(res.Error))
	}
	return res.RowsAffected == 1, nil
}

type webhookWorker struct {
	river.WorkerDefaults[webhookArgs]
	s *Store
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[webhookArgs]) error {
	handle := w.s.handlers().Webhook
	if handle == nil {
		return errors.New("handle webhook: no webhook handler")
	}
	var row webhookEventRow
	err := w.s.db.WithContext(ctx).Where("id = ?", job.Args.EventID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && row.ProcessedAt != nil) {
		return nil // erased, or already applied
	}
	if err != nil {
		return fmt.Errorf("load webhook event %d: %w", job.Args.EventID, err)
	}
	body, err := w.s.sealer.Open(row.Body)
	if err != nil {
		return fmt.Errorf("webhook event %d: %w", row.ID, err)
	}
	// Applying is idempotent (messages deduplicate on their id, statuses only move
	// forward), so a retry after a partial failure is safe.
	if err := handle(ctx, domain.Channel(row.Channel), []byte(body)); err != nil {
		return err
	}
	now := w.s.now()
	return w.s.db.WithContext(ctx).Model(&webhookEventRow{}).Where("id = ?", row.ID).Update("processed_at", now).Error
}

type webhookEventRow struct {
	ID          int64
	Channel     string
	Body        string // sealed: phone numbers and message text
	ReceivedAt  time.Time
	ProcessedAt *time.Time
}

func (webhookEventRow) TableName() string { return "webhook_events" }

// AcceptWebhook stores a verified webhook body and the job that will apply it, in
// one transaction; the caller answers 200 once it returns nil.
func (s *Store) AcceptWebhook(ctx context.Context, ch domain.Channel, body []byte) error {
	row := webhookEventRow{Channel: string(ch), Body: s.sealer.Seal(string(body)), ReceivedAt: s.now()}
	err := s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		_, err := s.river.InsertTx(ctx, sqlTx, webhookArgs{EventID: row.ID}, &river.InsertOpts{Queue: queueWebhooks, UniqueOpts: uniqueProcess})
		return err
	})
	if err != nil {
		return fmt.Errorf("accept %s webhook: %w", ch, unavailable(err))
	}
	return nil
}

// PendingOutbound returns a conversation's messages still to be sent, in order.
func (s *Store) PendingOutbound(ctx context.Context, conversationID int64) ([]domain.Outbound, error) {
	var rows []outboundRow
	err := s.db.WithContext(ctx).Where("conversation_id = ? AND status = ?", conversationID, string(domain.StatusQueued)).
		Order("seq").Limit(200).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("pending outbound of conversation %d: %w", conversationID, err)
	}
	out := make([]domain.Outbound, 0, len(rows))
	for _, r := range rows {
		o, err := s.toDomainOutbound(r)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// MarkSent records the platform's id of a sent message; asTemplate says whether
// it went as an approved template. Only a queued message becomes sent; a status
// webhook that raced ahead is kept. A free-form send is not recorded on a
// message queued again for a template only: the platform's refusal of that very
// send (131047) overtook this record, and the template must still go.
func (s *Store) MarkSent(ctx context.Context, id int64, channelMessageID string, asTemplate bool) error {
	// Every part is out: the count of parts sent means nothing any more (a
	// retry by staff sends the message whole).
	err := s.db.WithContext(ctx).Exec(`UPDATE outbound_messages SET channel_message_id = ?, attempts = attempts + 1,
		parts_sent = 0, parts_total = 0,
		status = CASE WHEN status = ? THEN ? ELSE status END, updated_at = ? WHERE id = ? AND (? OR NOT template_only)`,
		channelMessageID, string(domain.StatusQueued), string(domain.StatusSent), s.now(), id, asTemplate).Error
	if err != nil {
		return fmt.Errorf("mark outbound %d sent: %w", id, unavailable(err))
	}
	return nil
}

// MarkPartsSent records how many wire requests of a message an attempt sent
// (before failing, or so far), out of total, so that the retry sends only the
// rest. A count of another total replaces the one recorded, even if lower: the
// message was rendered otherwise, and the old count means nothing for it.
func (s *Store) MarkPartsSent(ctx context.Context, id int64, parts, total int) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE outbound_messages SET parts_sent = ?, parts_total = ?, updated_at = ?
		WHERE id = ? AND status = ? AND (parts_sent < ? OR parts_total <> ?)`,
		parts, total, s.now(), id, string(domain.StatusQueued), parts, total).Error
	if err != nil {
		return fmt.Errorf("mark outbound %d parts sent: %w", id, unavailable(err))
	}
	return nil
}

// MarkUndelivered records that a message failed (the platform refused it) or was
// blocked (no policy allowed it); both are final.
func (s *Store) MarkUndelivered(ctx context.Context, id int64, status domain.DeliveryStatus, code int, reason string) error {
	if status != domain.StatusFailed && status != domain.StatusBlocked {
		return fmt.Errorf("mark outbound %d: %s is not a final failure", id, status)
	}
	err := s.db.WithContext(ctx).Exec(`UPDATE outbound_messages SET status = ?, error_code = ?, error = ?, attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND status IN ?`,
		string(status), code, reason, s.now(), id, statusesBefore(status)).Error
	if err != nil {
		return fmt.Errorf("mark outbound %d %s: %w", id, status, err)
	}
	return nil
}

// ApplyStatus moves an outbound message's status forward from a status webhook:
// read never becomes delivered, failed and read are final. Unknown ids are ignored
// (messages sent by other systems on the same number).
func (s *Store) ApplyStatus(ctx context.Context, u domain.StatusUpdate) error {
	if u.OutboundID > 0 && u.Part > 0 && u.Part < u.Parts {
		return s.applyPartStatus(ctx, u)
	}
	if u.ChannelMessageID == "" {
		return nil
	}
	lower := statusesBefore(u.Status)
	if len(lower) == 0 {
		return nil
	}
	// A status may overtake our own record of the send: our id, echoed by the
	// platform, still finds the message, and the platform id is recorded with it.
	// The id is only trusted for a message of the conversation the platform says
	// it went to: anyone able to send on the account can copy a reference. A
	// message queued again for a template only is found by its template's
	// reference only: a late status of the refused free-form send must not mark
	// it sent.
	scope, scopeArgs := s.travellerScope(u)
	byID := "id = ? AND channel_message_id = '' AND (? OR NOT template_only) AND " + scope
	args := []any{string(u.Status), u.ErrorCode, errorText(u), s.now(), u.ChannelMessageID, u.ChannelMessageID, u.OutboundID, u.Template}
	args = append(args, scopeArgs...)
	args = append(args, lower)
	err := s.db.WithContext(ctx).Exec(`UPDATE outbound_messages SET status = ?, error_code = ?, error = ?, updated_at = ?,
		channel_message_id = ?
		WHERE (channel_message_id = ? OR (`+byID+`)) AND status IN ?`, args...).Error
	if err != nil {
		return fmt.Errorf("apply status %s: %w", u.Status, err)
	}
	return nil
}

// applyPartStatus records, from the status of a part before the last (a
// Messenger echo, a WhatsApp sent, delivered or read), that the message's parts
// up to that one went out, so that a retry after the sender died sends only the
// rest. Only a queued message of the traveller the platform names moves, and
// never backwards. The message itself is not sent yet; a failed part is left to
// the sender, which saw the refusal.
func (s *Store) applyPartStatus(ctx context.Context, u domain.StatusUpdate) error {
	if u.Status == domain.StatusFailed || len(statusesBefore(u.Status)) == 0 {
		return nil
	}
	scope, scopeArgs := s.travellerScope(u)
	// The part count is kept with it: a retry whose rendering has another
	// count skips nothing (domain.SendMode.Skip), and statuses naming another
	// count than the first one recorded are not the same message's parts.
	args := append([]any{u.Part, u.Parts, s.now(), u.OutboundID, string(domain.StatusQueued), u.Part, u.Parts}, scopeArgs...)
	err := s.db.WithContext(ctx).Exec(`UPDATE outbound_messages SET parts_sent = ?, parts_total = ?, updated_at = ?
		WHERE id = ? AND status = ? AND parts_sent < ? AND parts_total IN (0, ?) AND `+scope, args...).Error
	if err != nil {
		return fmt.Errorf("apply status %s of part %d of %d: %w", u.Status, u.Part, u.Parts, unavailable(err))
	}
	return nil
}

// travellerScope is the condition, with its arguments, that limits a status
// found by our reference to a message of the conversation the platform says it
// went to; with no channel named (a caller that knows no better), any message.
func (s *Store) travellerScope(u domain.StatusUpdate) (string, []any) {
	if u.Channel == "" {
		return "1 = 1", nil
	}
	var forms []string
	for _, v := range []string{u.UserID, u.AltUserID} {
		if v != "" {
			forms = append(forms, s.userForms(v)...)
		}
	}
	if len(forms) == 0 {
		return "1 = 0", nil
	}
	return "conversation_id IN (SELECT id FROM conversations WHERE channel = ? AND (user_id IN ? OR alt_user_id IN ?))",
		[]any{string(u.Channel), forms, forms}
}

// RequeueForTemplate queues again a message the platform reported, in a status
// webhook, as refused outside the customer-service window (WhatsApp 131047), so
// that delivery sends it as an approved template. It reports whether a message
// was queued; each message gets this second chance once.
func (s *Store) RequeueForTemplate(ctx context.Context, channelMessageID string) (bool, error) {
	requeued := false
	err := s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		var rows []outboundRow
		err := tx.Where("channel_message_id = ? AND status = ? AND NOT template_only", channelMessageID, string(domain.StatusFailed)).
			Limit(1).Find(&rows).Error
		if err != nil || len(rows) == 0 {
			return err
		}
		err = tx.Exec(`UPDATE outbound_messages SET status = ?, template_only = ?, channel_message_id = '', parts_sent = 0, parts_total = 0, updated_at = ? WHERE id = ?`,
			string(domain.StatusQueued), true, s.now(), rows[0].ID).Error
		if err != nil {
			return err
		}
		requeued = true
		_, err = s.enqueue(ctx, sqlTx, deliverJob(rows[0].ConversationID))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("requeue for template: %w", err)
	}
	return requeued, nil
}

// ApplyWatermark marks every message of the traveller's conversation sent before
// the watermark as delivered or read (Messenger).
func (s *Store) ApplyWatermark(ctx context.Context, ch domain.Channel, userID string, u domain.StatusUpdate) error {
	// Only messages already handed to the platform can have been delivered.
	var sent []string
	for _, l := range statusesBefore(u.Status) {
		if l != string(domain.StatusQueued) {
			sent = append(sent, l)
		}
	}
	if len(sent) == 0 {
		return nil
	}
	err := s.db.WithContext(ctx).Exec(`UPDATE outbound_messages SET status = ?, updated_at = ?
		WHERE conversation_id IN (SELECT id FROM conversations WHERE channel = ? AND user_id IN ?)
		AND created_at <= ? AND status IN ?`,
		string(u.Status), s.now(), string(ch), s.userForms(userID), u.At.UTC(), sent).Error
	if err != nil {
		return fmt.Errorf("apply watermark: %w", err)
	}
	return nil
}

func errorText(u domain.StatusUpdate) string {
	if u.ErrorCode == 0 {
		return ""
	}
	s := u.ErrorTitle
	if u.ErrorDetail != "" {
		s += ": " + u.ErrorDetail
	}
	return s
}

type preferenceRow struct {
	Channel   string `gorm:"primaryKey"`
	UserID    string `gorm:"primaryKey"`
	Category  string `gorm:"primaryKey"`
	OptedOut  bool
	UpdatedAt time.Time
}

func (preferenceRow) TableName() string { return "preferences" }

// SetPreference records that a traveller stopped or resumed a category of
// proactive messages. An older update never overrides a newer one.
func (s *Store) SetPreference(ctx context.Context, ch domain.Channel, userID string, p domain.PreferenceUpdate) error {
	err := s.inTx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		return s.setPreferenceTx(tx, ch, userID, p, s.now())
	})
	if err != nil {
		return fmt.Errorf("set preference: %w", err)
	}
	return nil
}

func (s *Store) setPreferenceTx(tx *gorm.DB, ch domain.Channel, userID string, p domain.PreferenceUpdate, now time.Time) error {
	at := p.At.UTC()
	if p.At.IsZero() {
		at = now
	}
	var cur []preferenceRow
	// Stored under the identifier's blind index (privacy_blind.go); a row written
	// before it existed is found by the clear value.
	err := tx.Where("channel = ? AND user_id IN ? AND category = ?", string(ch), s.userForms(userID), string(p.Category)).Limit(1).Find(&cur).Error
	switch {
	case err != nil:
		return fmt.Errorf("read preference: %w", err)
	case len(cur) == 0:
		err = tx.Create(&preferenceRow{Channel: string(ch), UserID: s.blind(userID), Category: string(p.Category), OptedOut: p.OptedOut, UpdatedAt: at}).Error
	case cur[0].UpdatedAt.After(at):
		return nil // an older update never overrides a newer one
	default:
		err = tx.Model(&preferenceRow{}).Where("channel = ? AND user_id = ? AND category = ?", string(ch), cur[0].UserID, string(p.Category)).
			Updates(map[string]any{"opted_out": p.OptedOut, "updated_at": at}).Error
	}
	if err != nil {
		return fmt.Errorf("save preference: %w", err)
	}
	return nil
}

// OptedOut reports whether a traveller stopped a category.
func (s *Store) OptedOut(ctx context.Context, ch domain.Channel, userID string, c domain.Category) (bool, error) {
	var rows []preferenceRow
	err := s.db.WithContext(ctx).Where("channel = ? AND user_id IN ? AND category = ?", string(ch), s.userForms(userID), string(c)).Limit(1).Find(&rows).Error
	if err != nil {
		return false, fmt.Errorf("read preference: %w", err)
	}
	return len(rows) == 1 && rows[0].OptedOut, nil
}

// DeadLetter is an outbound message that was not delivered, for operators: what,
// where and why — never the message text.
type DeadLetter struct {
	ID             int64
	ConversationID int64
	Channel        domain.Channel
	Seq            int
	Status         domain.DeliveryStatus
	Code           int
	Reason         string
	Attempts       int
	At             time.Time
	// Retried: a person sent it again from the console already (once only).
	Retried bool
}

// DeadLetters lists the newest failed and blocked outbound messages, and those
// still queued after the given age (their deliveries keep failing); messages a
// person dismissed are left out.
func (s *Store) DeadLetters(ctx context.Context, stuckAfter time.Duration, limit int) ([]DeadLetter, error) {
	var rows []struct {
		ID             int64
		ConversationID int64
		Channel        string
		Seq            int
		Status         string
		ErrorCode      int
		Error          string
		Attempts       int
		UpdatedAt      time.Time
		RetriedAt      *time.Time
	}
	err := s.db.WithContext(ctx).Table("outbound_messages").
		Select("outbound_messages.id, outbound_messages.conversation_id, conversations.channel, outbound_messages.seq, outbound_messages.status, outbound_messages.error_code, outbound_messages.error, outbound_messages.attempts, outbound_messages.updated_at, outbound_messages.retried_at").
		Joins("JOIN conversations ON conversations.id = outbound_messages.conversation_id").
		Where(deadLetterWhere, deadLetterArgs(s.now().Add(-stuckAfter))...).
		Order("outbound_messages.updated_at DESC").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	out := make([]DeadLetter, len(rows))
	for i, r := range rows {
		out[i] = DeadLetter{ID: r.ID, ConversationID: r.ConversationID, Channel: domain.Channel(r.Channel), Seq: r.Seq,
			Status: domain.DeliveryStatus(r.Status), Code: r.ErrorCode, Reason: r.Error, Attempts: r.Attempts, At: r.UpdatedAt.UTC(),
			Retried: r.RetriedAt != nil}
	}
	return out, nil
}
