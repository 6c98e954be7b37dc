package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// A staff member's work in a conversation: taking it over, replying, handing
// it back. Each writes its audit entry in the same transaction as its effect.

// PurposeHuman is the purpose of a message a person typed in the console:
// delivery sends it under the channel's policy for people (Messenger's
// HUMAN_AGENT tag, WhatsApp inside the service window or a template configured
// for "human", blocked and recorded otherwise).
const PurposeHuman = "human"

// maxReply bounds an agent's reply (WhatsApp's text limit is 4096 characters;
// longer replies are split by the renderers, this bounds the split).
const maxReply = 4000

// StaffAction stores a staff action ("staff:takeover", "staff:handback" or
// "staff:handback:<state>") as a system message of the conversation, processed
// in order with the traveller's messages, and its audit entry, in one
// transaction. A hand-back is refused (Conflict) unless the conversation is
// with a person: in the handoff flow, or with a takeover still waiting to be
// processed.
func (s *Store) StaffAction(ctx context.Context, conversationID int64, payload string, audit domain.AuditEntry) error {
	const op = "staff action"
	if !strings.HasPrefix(payload, "staff:takeover") && !strings.HasPrefix(payload, "staff:handback") {
		return domain.Errorf(domain.Invalid, op, "unknown staff action %q", payload)
	}
	action, _, _ := strings.Cut(strings.TrimPrefix(payload, "staff:"), ":")
	err := s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		conv, err := lockForStaff(tx, conversationID)
		if err != nil {
			return err
		}
		if action == "handback" {
			if err := withPerson(tx, conv); err != nil {
				return err
			}
		}
		in := domain.Inbound{ConversationID: conversationID, Channel: domain.Channel(conv.Channel),
			ChannelMessageID: "staff:" + action + ":" + rand.Text(), Payload: payload, ReceivedAt: s.now()}
		if _, err := s.acceptSystem(ctx, tx, sqlTx, in); err != nil {
			return err
		}
		return appendAudit(tx, audit, s.now())
	})
	if err != nil {
		return wrapOp(op, conversationID, err)
	}
	return nil
}

// AgentReply queues a staff member's reply to the traveller of a conversation
// that is with a person (see StaffAction): an outbound text message with
// purpose "human", marked as typed by a person, after the conversation's last
// message; its delivery job (except on the web chat, whose stream reads the
// outbox and is woken) and the audit entry commit with it. It returns the
// queued message.
func (s *Store) AgentReply(ctx context.Context, conversationID int64, staff, text string, audit domain.AuditEntry) (domain.Outbound, error) {
	const op = "agent reply"
	text = strings.TrimSpace(text)
	if text == "" {
		return domain.Outbound{}, domain.Errorf(domain.Invalid, op, "write a reply first")
	}
	if utf8.RuneCountInString(text) > maxReply {
		return domain.Outbound{}, domain.Errorf(domain.Invalid, op, "a reply has at most %d characters", maxReply)
	}
	if staff == "" {
		return domain.Outbound{}, domain.Errorf(domain.Invalid, op, "a reply needs the staff member who wrote it")
	}
	at := s.now()
	m := domain.Outbound{Kind: domain.OutText, Text: text, Purpose: PurposeHuman, HumanAgent: true,
		Params: map[string]string{"staff": staff, "text": text}}
	var ch domain.Channel
	err := s.inTx(ctx, func(tx *gorm.DB, sqlTx *sql.Tx) error {
		conv, err := lockForStaff(tx, conversationID)
		if err != nil {
			return err
		}
		if err := withPerson(tx, conv); err != nil {
			return err
		}
		ch = domain.Channel(conv.Channel)
		if err := s.insertOutbound(tx, conversationID, []domain.Outbound{m}, at); err != nil {
			return err
		}
		if err := tx.Model(&outboundRow{}).Where("conversation_id = ?", conversationID).
			Select("COALESCE(MAX(seq), 0)").Scan(&m.Seq).Error; err != nil {
			return fmt.Errorf("read reply sequence: %w", err)
		}
		if ch != domain.WebChat {
			if _, err := s.enqueue(ctx, sqlTx, deliverJob(conversationID)); err != nil {
				return err
			}
		}
		return appendAudit(tx, audit, at)
	})
	if err != nil {
		return domain.Outbound{}, wrapOp(op, conversationID, err)
	}
	s.wake.notify(conversationID)
	m.ConversationID, m.Status, m.CreatedAt = conversationID, domain.StatusQueued, at
	return m, nil
}

// lockForStaff locks the conversation's row (turns and other staff actions
// wait) and returns it.
func lockForStaff(tx *gorm.DB, conversationID int64) (conversationRow, error) {
	res := tx.Exec(`UPDATE conversations SET version = version WHERE id = ?`, conversationID)
	if res.Error != nil {
		return conversationRow{}, fmt.Errorf("lock conversation: %w", res.Error)
	}
	var rows []conversationRow
	if err := tx.Select("id, channel, flow, state").Where("id = ?", conversationID).Limit(1).Find(&rows).Error; err != nil {
		return conversationRow{}, fmt.Errorf("load conversation: %w", err)
	}
	if len(rows) == 0 {
		return conversationRow{}, domain.Errorf(domain.NotFound, "load conversation", "no conversation %d", conversationID)
	}
	return rows[0], nil
}

// withPerson refuses (Conflict) unless a person has the conversation: it is in
// the handoff flow, or a takeover waits in its inbox.
func withPerson(tx *gorm.DB, conv conversationRow) error {
	if conv.Flow == "handoff" {
		return nil
	}
	var n int64
	err := tx.Model(&inboundRow{}).
		Where("conversation_id = ? AND processed_at IS NULL AND channel_message_id LIKE ?", conv.ID, "staff:takeover:%").
		Count(&n).Error
	if err != nil {
		return fmt.Errorf("look for a takeover: %w", err)
	}
	if n == 0 {
		return domain.Errorf(domain.Conflict, "staff action", "the assistant has this conversation: take it over first")
	}
	return nil
}

// wrapOp names the operation and conversation, keeping domain errors as they are.
func wrapOp(op string, conversationID int64, err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("%s in conversation %d: %w", op, conversationID, unavailable(err))
}
