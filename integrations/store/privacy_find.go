package store

import (
	"context"
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// FindSubject says what is held about a data subject without disclosing it:
// the conversations (flow, state, bookings, last activity) and how many rows of
// each kind Erase would reach. It is what an admin checks before exporting or
// erasing; it is read-only and records nothing (the export and the erasure that
// may follow are recorded, a look-up is not).
// A booking whose surname matches no passenger is NotFound, as for Export.
func (s *Store) FindSubject(ctx context.Context, subj domain.DataSubject) (domain.SubjectSummary, error) {
	const op = "find data subject"
	out := domain.SubjectSummary{Key: s.subjectKey(subj), Counts: map[string]int64{}}
	var convs []int64
	err := s.inTx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		clear(out.Counts)
		sc, err := s.resolveSubject(tx, subj)
		if err != nil {
			return err
		}
		convs = sc.conversationIDs()
		count := func(name string, q *gorm.DB, model any) error {
			var n int64
			if err := q.Model(model).Count(&n).Error; err != nil {
				return fmt.Errorf("count %s: %w", name, err)
			}
			out.Counts[name] += n
			return nil
		}
		out.Counts["conversations"] = int64(len(convs))
		if len(convs) > 0 {
			if err := count("messages", tx.Where("conversation_id IN ?", convs), &inboundRow{}); err != nil {
				return err
			}
			if err := count("messages", tx.Where("conversation_id IN ?", convs), &outboundRow{}); err != nil {
				return err
			}
		}
		if len(sc.locators) > 0 {
			if err := count("boarding_passes", sc.passScope(tx), &passRow{}); err != nil {
				return err
			}
			if err := count("notifications", sc.passScope(tx), &notificationRow{}); err != nil {
				return err
			}
		}
		if len(sc.passengers) > 0 {
			var n int64
			if err := tx.Raw(`SELECT COUNT(*) FROM pss_documents WHERE passenger_id IN ?`, sc.passengers).Scan(&n).Error; err != nil {
				return fmt.Errorf("count travel documents: %w", err)
			}
			out.Counts["travel_documents"] = n
		}
		byChannel, _ := s.userKeyForms(sc)
		for ch, forms := range byChannel {
			if err := count("preferences", tx.Where("channel = ? AND user_id IN ?", string(ch), forms), &preferenceRow{}); err != nil {
				return err
			}
		}
		events, _, err := s.subjectWebhookEvents(tx, sc)
		if err != nil {
			return err
		}
		out.Counts["webhook_events"] = int64(len(events))
		return nil
	})
	if err != nil {
		if domain.ErrorCode(err) != domain.Internal {
			return domain.SubjectSummary{}, err
		}
		return domain.SubjectSummary{}, fmt.Errorf("%s: %w", op, unavailable(err))
	}
	for k, v := range out.Counts {
		if v == 0 {
			delete(out.Counts, k)
		}
	}
	out.Conversations = []domain.ConversationSummary{}
	if len(convs) > 0 {
		if out.Conversations, err = s.summaries(ctx, convs); err != nil {
			return domain.SubjectSummary{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	return out, nil
}
