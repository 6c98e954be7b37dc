package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skybridge/skybridge/domain"
)

// errDuplicate rolls back Accept's transaction when the message is already stored.
var errDuplicate = errors.New("duplicate inbound message")

// Accept stores a message a traveller sent and enqueues the processing of its
// conversation, in one transaction. It finds or creates the conversation of
// (in.Channel, userID); two first messages of a new user racing each other end in
// one conversation. A message whose (channel, channel message id) is already stored
// is a redelivery: Accept writes nothing and reports duplicate with the
// conversation the message belongs to. Accept returns after the commit, so the
// caller may acknowledge the message to the channel as soon as err is nil.
func (s *Store) Accept(ctx context.Context, in domain.Inbound, userID string) (conversationID int64, duplicate bool, err error) {
	return s.accept(ctx, in, Who{UserID: userID})
}

// Who identifies the sender of an inbound message on its channel.
type Who struct {
	UserID      string
	AltUserID   string // WhatsApp business-scoped user id when UserID is the phone number
	ProfileName string // the name the platform shows; personal data, sealed at rest
}

// AcceptEvent is Accept for a message parsed from a channel webhook, keeping the
// traveller's alternative id and profile name.
func (s *Store) AcceptEvent(ctx context.Context, ev domain.ChannelEvent) (conversationID int64, duplicate bool, err error) {
	in := ev.Inbound
	return s.accept(ctx, in, Who{UserID: ev.UserID, AltUserID: ev.AltUserID, ProfileName: ev.ProfileName})
}

func (s *Store) accept(ctx context.Context, in domain.Inbound, who Who) (conversationID int64, duplicate bool, err error) {
	const op = "accept message"
	userID := who.UserID
	if in.Channel == "" || in.ChannelMessageID == "" || userID == "" {
		return 0, false, domain.Errorf(domain.Invalid, op, "channel, channel message id and user id are required")
	}
	now := s.now()
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = now
	}
	err = s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		id, _, err := s.findOrCreateConversation(tx, in.Channel, userID, who.AltUserID, "", now)
		if err != nil {
			return err
		}
		conversationID = id
		in.ConversationID = id
		row := s.fromDomainInbound(in)
		res := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "channel"}, {Name: "channel_message_id"}},
			DoNothing: true,
		}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("insert inbound: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			var owner []int64
			err := tx.Model(&inboundRow{}).
				Where("channel = ? AND channel_message_id = ?", string(in.Channel), in.ChannelMessageID).
				Limit(1).Pluck("conversation_id", &owner).Error
			if err != nil {
				return fmt.Errorf("find duplicate: %w", err)
			}
			if len(owner) == 1 {
				conversationID = owner[0]
			}
			return errDuplicate
		}
		// The traveller's message opens (or keeps open) the channel's
		// customer-service window.
		err = tx.Exec(`UPDATE conversations SET last_inbound_at = ?
			WHERE id = ? AND (last_inbound_at IS NULL OR last_inbound_at < ?)`,
			in.ReceivedAt.UTC(), id, in.ReceivedAt.UTC()).Error
		if err != nil {
			return fmt.Errorf("open service window: %w", err)
		}
		// Learn what the platform tells about the traveller; never forget an id.
		profile := map[string]any{}
		if who.AltUserID != "" && who.AltUserID != userID {
			profile["alt_user_id"] = s.blind(who.AltUserID)
			profile["alt_user_sealed"] = s.sealer.Seal(who.AltUserID)
		}
		if who.ProfileName != "" {
			profile["profile_name"] = s.sealer.Seal(who.ProfileName)
		}
		if len(profile) > 0 {
			if err := tx.Model(&conversationRow{}).Where("id = ?", id).Updates(profile).Error; err != nil {
				return fmt.Errorf("save traveller profile: %w", err)
			}
		}
		_, err = s.enqueueProcess(ctx, sqlTx, id)
		return err
	})
	if errors.Is(err, errDuplicate) {
		return conversationID, true, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("%s: %w", op, unavailable(err))
	}
	return conversationID, false, nil
}

// findOrCreateConversation returns the id of the conversation of (channel, user),
// creating it (in lang, "" to let the traveller's first message decide) if needed,
// and whether it did. The insert does nothing on a conflict with a concurrent
// creator (PostgreSQL waits for that transaction), and the second select then sees
// the winner's row: READ COMMITTED takes a fresh snapshot per statement. The
// identifiers are stored as blind indexes beside their sealed values
// (privacy_blind.go); rows written before that still match by the clear value.
func (s *Store) findOrCreateConversation(tx *gorm.DB, ch domain.Channel, userID, altUserID string, lang domain.Lang, now time.Time) (int64, bool, error) {
	find := func() (int64, bool, error) {
		var ids []int64
		// A WhatsApp traveller may come with the phone number, the business-scoped
		// id or both: either finds their conversation.
		forms := s.userForms(userID)
		if altUserID != "" {
			forms = append(forms, s.userForms(altUserID)...)
		}
		q := tx.Model(&conversationRow{}).Where("channel = ? AND (user_id IN ? OR alt_user_id IN ?)", string(ch), forms, forms)
		err := q.Order("id").Limit(1).Pluck("id", &ids).Error
		if err != nil || len(ids) == 0 {
			return 0, false, err
		}
		return ids[0], true, nil
	}
	if id, ok, err := find(); err != nil || ok {
		return id, false, err
	}
	row := conversationRow{Channel: string(ch), UserID: s.blind(userID), UserSealed: s.sealer.Seal(userID),
		AltUserID: s.blind(altUserID), AltUserSealed: s.sealer.Seal(altUserID), Lang: string(lang), CreatedAt: now, UpdatedAt: now}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "channel"}, {Name: "user_id"}},
		DoNothing: true,
	}).Create(&row).Error
	if err != nil {
		return 0, false, fmt.Errorf("create conversation: %w", err)
	}
	if row.ID != 0 {
		return row.ID, true, nil
	}
	id, ok, err := find()
	if err != nil {
		return 0, false, err
	}
	if !ok {
		return 0, false, errors.New("create conversation: lost to a concurrent creator but cannot see its row")
	}
	return id, false, nil
}

// Conversation loads a conversation by id.
func (s *Store) Conversation(ctx context.Context, id int64) (domain.Conversation, error) {
	const op = "load conversation"
	var rows []conversationRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return domain.Conversation{}, fmt.Errorf("%s %d: %w", op, id, err)
	}
	if len(rows) == 0 {
		return domain.Conversation{}, domain.Errorf(domain.NotFound, op, "no conversation %d", id)
	}
	c, err := s.toDomainConversation(rows[0])
	if err != nil {
		return domain.Conversation{}, fmt.Errorf("%s: %w", op, err)
	}
	return c, nil
}

// ConversationByUser returns the conversation of a channel user; ok is false when
// that user has never written.
func (s *Store) ConversationByUser(ctx context.Context, channel domain.Channel, userID string) (c domain.Conversation, ok bool, err error) {
	const op = "load conversation by user"
	var rows []conversationRow
	err = s.db.WithContext(ctx).Where("channel = ? AND user_id IN ?", string(channel), s.userForms(userID)).Limit(1).Find(&rows).Error
	if err != nil {
		return domain.Conversation{}, false, fmt.Errorf("%s: %w", op, err)
	}
	if len(rows) == 0 {
		return domain.Conversation{}, false, nil
	}
	c, err = s.toDomainConversation(rows[0])
	if err != nil {
		return domain.Conversation{}, false, fmt.Errorf("%s: %w", op, err)
	}
	return c, true, nil
}

// NextInbound returns the message of the conversation that no committed turn has
// processed and that the traveller sent first — by the platform's timestamp, then
// by arrival — so that a message Meta redelivered late still comes before a later
// one waiting beside it; ok is false when there is none.
func (s *Store) NextInbound(ctx context.Context, conversationID int64) (in domain.Inbound, ok bool, err error) {
	const op = "next inbound"
	var rows []inboundRow
	err = s.db.WithContext(ctx).Where("conversation_id = ? AND processed_at IS NULL", conversationID).
		Order("received_at, id").Limit(1).Find(&rows).Error
	if err != nil {
		return domain.Inbound{}, false, fmt.Errorf("%s: %w", op, err)
	}
	if len(rows) == 0 {
		return domain.Inbound{}, false, nil
	}
	in, err = s.toDomainInbound(rows[0])
	if err != nil {
		return domain.Inbound{}, false, fmt.Errorf("%s: %w", op, err)
	}
	return in, true, nil
}

// acceptSystem stores, in the caller's transaction, a message Skybridge itself
// addresses to an existing conversation (a payment's outcome) and enqueues the
// conversation's processing, as accept does for a traveller's message, so that the
// conversation's flow sees it in order with the traveller's own. A message whose
// (channel, channel message id) is already stored is a duplicate: nothing is
// written. It leaves last_inbound_at alone: the traveller did not write, so no
// customer-service window opens.
func (s *Store) acceptSystem(ctx context.Context, tx *gorm.DB, sqlTx *sql.Tx, in domain.Inbound) (duplicate bool, err error) {
	if in.ConversationID == 0 || in.Channel == "" || in.ChannelMessageID == "" {
		return false, errors.New("accept system message: conversation, channel and channel message id are required")
	}
	if in.ReceivedAt.IsZero() {
		in.ReceivedAt = s.now()
	}
	row := s.fromDomainInbound(in)
	res := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "channel"}, {Name: "channel_message_id"}},
		DoNothing: true,
	}).Create(&row)
	if res.Error != nil {
		return false, fmt.Errorf("accept system message: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return true, nil
	}
	if _, err := s.enqueueProcess(ctx, sqlTx, in.ConversationID); err != nil {
		return false, fmt.Errorf("accept system message: %w", err)
	}
	return false, nil
}
