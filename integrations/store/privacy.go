package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/migrations"
)

// What a subject access or erasure request reaches. A traveller named by a
// channel identifier owns the conversations of that identifier on that channel
// (by number or business-scoped id alike), and through the bookings they proved
// in them, those bookings' boarding passes, travel documents and flight-update
// notifications. A traveller named by booking reference and surname owns the
// passengers of that booking with that surname and the conversations in which
// the booking was proved.
//
// The demo booking system's tables (pss_*) stand for the airline's reservation
// system: erasure deletes the travel documents given in the chat and clears the
// booking's contact number or Messenger id when it is the traveller's own, but
// the passenger's name, ticket and check-in stay — they are the airline's
// record of carriage, erased (if at all) by the reservation system's own
// process.

// subjectScope is what a request resolved to.
type subjectScope struct {
	conversations []conversationRow
	// users are the subject's clear identifiers per channel.
	users map[domain.Channel][]string
	// locators are the bookings reached; passengers the demo booking system's
	// passengers of them that belong to the subject (nil: all of them).
	locators   []string
	passengers []int64
	allPax     bool
}

func (sc *subjectScope) addUser(ch domain.Channel, id string) {
	if id == "" {
		return
	}
	if sc.users == nil {
		sc.users = map[domain.Channel][]string{}
	}
	if !slices.Contains(sc.users[ch], id) {
		sc.users[ch] = append(sc.users[ch], id)
	}
}

func (sc *subjectScope) conversationIDs() []int64 {
	ids := make([]int64, len(sc.conversations))
	for i, c := range sc.conversations {
		ids[i] = c.ID
	}
	return ids
}

// resolveSubject finds what belongs to a data subject, in tx. A booking subject
// whose surname matches nobody on the booking is NotFound, the same answer as an
// unknown booking.
func (s *Store) resolveSubject(tx *gorm.DB, subj domain.DataSubject) (*subjectScope, error) {
	const op = "resolve data subject"
	sc := &subjectScope{}
	if subj.Locator == "" {
		if subj.Channel == "" || subj.UserID == "" {
			return nil, domain.Errorf(domain.Invalid, op, "a channel and an identifier, or a booking and a surname, are required")
		}
		forms := s.userForms(subj.UserID)
		err := tx.Where("channel = ? AND (user_id IN ? OR alt_user_id IN ?)", string(subj.Channel), forms, forms).
			Order("id").Find(&sc.conversations).Error
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		sc.addUser(subj.Channel, subj.UserID)
		sc.allPax = true
	} else {
		pax, err := s.bookingPassengers(tx, subj)
		if err != nil {
			return nil, err
		}
		sc.passengers = pax
		sc.locators = []string{string(subj.Locator)}
		err = tx.Where("id IN (SELECT conversation_id FROM conversation_bookings WHERE locator = ?)", string(subj.Locator)).
			Order("id").Find(&sc.conversations).Error
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	for _, c := range sc.conversations {
		user, alt, err := s.openUser(c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		sc.addUser(domain.Channel(c.Channel), user)
		sc.addUser(domain.Channel(c.Channel), alt)
	}
	if subj.Locator == "" && len(sc.conversations) > 0 {
		err := tx.Model(&conversationBookingRow{}).Where("conversation_id IN ?", sc.conversationIDs()).
			Distinct("locator").Order("locator").Pluck("locator", &sc.locators).Error
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	if sc.allPax && len(sc.locators) > 0 {
		err := tx.Raw(`SELECT p.id FROM pss_passengers p JOIN pss_bookings b ON b.id = p.booking_id
			WHERE b.locator IN ? ORDER BY p.id`, sc.locators).Scan(&sc.passengers).Error
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	return sc, nil
}

// bookingPassengers returns the passengers of a booking whose surname matches,
// from the demo booking system or, for bookings held elsewhere, from the
// boarding passes issued here.
func (s *Store) bookingPassengers(tx *gorm.DB, subj domain.DataSubject) ([]int64, error) {
	const op = "resolve data subject"
	var rows []struct {
		ID      int64
		Surname string
	}
	err := tx.Raw(`SELECT p.id, p.surname FROM pss_passengers p JOIN pss_bookings b ON b.id = p.booking_id
		WHERE b.locator = ? ORDER BY p.id`, string(subj.Locator)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var passes []passRow
	if err := tx.Where("locator = ?", string(subj.Locator)).Find(&passes).Error; err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for _, p := range passes {
		bp, err := s.toDomainPass(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		rows = append(rows, struct {
			ID      int64
			Surname string
		}{p.PassengerID, bp.Name.Surname})
	}
	var ids []int64
	for _, r := range rows {
		if (domain.PersonName{Surname: r.Surname}).MatchesSurname(subj.Surname) && !slices.Contains(ids, r.ID) {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil, domain.Errorf(domain.NotFound, op, "no booking %s with that surname", subj.Locator)
	}
	return ids, nil
}

// passScope narrows a query of boarding_passes or notifications (which have
// locator and passenger_id columns) to the subject's.
func (sc *subjectScope) passScope(tx *gorm.DB) *gorm.DB {
	if sc.allPax {
		return tx.Where("locator IN ?", sc.locators)
	}
	return tx.Where("locator IN ? AND passenger_id IN ?", sc.locators, sc.passengers)
}

// subjectKey is how the audit log names a subject: its kind and a blind index,
// never the identifier or the surname.
func (s *Store) subjectKey(subj domain.DataSubject) string {
	if subj.Locator != "" {
		return "booking:" + s.blind(string(subj.Locator)+"|"+domain.FoldName(subj.Surname))
	}
	return string(subj.Channel) + ":" + s.blind(subj.UserID)
}

type privacyRequestRow struct {
	ID      int64
	Action  string
	Subject string
	Actor   string
	Result  string
	At      time.Time
}

func (privacyRequestRow) TableName() string { return "privacy_requests" }

func (s *Store) audit(tx *gorm.DB, action string, subj domain.DataSubject, actor string, result any) error {
	raw, err := json.Marshal(result)
	if err != nil {
		return err
	}
	row := privacyRequestRow{Action: action, Subject: s.subjectKey(subj), Actor: actor, Result: string(raw), At: s.now()}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("record %s request: %w", action, err)
	}
	return nil
}

// PrivacyRequest is one recorded subject access or erasure request.
type PrivacyRequest struct {
	Action  string // "export" or "erase"
	Subject string // kind and blind index of the identifier
	Actor   string
	Result  string // JSON: what was found or erased, as counts
	At      time.Time
}

// PrivacyRequests lists the recorded requests, newest first.
func (s *Store) PrivacyRequests(ctx context.Context, limit int) ([]PrivacyRequest, error) {
	var rows []privacyRequestRow
	if err := s.db.WithContext(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list privacy requests: %w", err)
	}
	out := make([]PrivacyRequest, len(rows))
	for i, r := range rows {
		out[i] = PrivacyRequest{Action: r.Action, Subject: r.Subject, Actor: r.Actor, Result: r.Result, At: r.At.UTC()}
	}
	return out, nil
}

// subjectWebhookEvents returns the ids and clear bodies of stored webhook
// bodies that name one of the subject's identifiers. Bodies are sealed, so each
// is opened; retention keeps the table short.
func (s *Store) subjectWebhookEvents(tx *gorm.DB, sc *subjectScope) ([]int64, []webhookEventRow, error) {
	var needles []string
	for _, ids := range sc.users {
		for _, id := range ids {
			needles = append(needles, `"`+id+`"`)
		}
	}
	if len(needles) == 0 {
		return nil, nil, nil
	}
	var ids []int64
	var found []webhookEventRow
	var after int64
	for {
		var rows []webhookEventRow
		if err := tx.Where("id > ?", after).Order("id").Limit(500).Find(&rows).Error; err != nil {
			return nil, nil, fmt.Errorf("read webhook events: %w", err)
		}
		for _, r := range rows {
			body, err := s.sealer.Open(r.Body)
			if err != nil {
				return nil, nil, fmt.Errorf("webhook event %d: %w", r.ID, err)
			}
			for _, n := range needles {
				if strings.Contains(body, n) {
					ids = append(ids, r.ID)
					r.Body = body
					found = append(found, r)
					break
				}
			}
		}
		if len(rows) < 500 {
			return ids, found, nil
		}
		after = rows[len(rows)-1].ID
	}
}

// deleteSubjectJobs deletes the queued, finished and failed River jobs of the
// subject's conversations and webhook bodies (their args name them); a job
// running right now is left to find its rows gone.
func (s *Store) deleteSubjectJobs(tx *gorm.DB, convs, events []int64) (int64, error) {
	table := "river_job"
	if s.schema != "" {
		table = s.schema + ".river_job"
	}
	field := func(name string) string {
		if s.dialect == migrations.Postgres {
			return "(args->>'" + name + "')::bigint"
		}
		return "json_extract(args, '$." + name + "')"
	}
	var n int64
	for _, q := range []struct {
		kinds []string
		field string
		ids   []int64
	}{
		{[]string{kindProcess, kindDeliver}, "conversation_id", convs},
		{[]string{kindWebhook}, "event_id", events},
	} {
		if len(q.ids) == 0 {
			continue
		}
		res := tx.Exec("DELETE FROM "+table+" WHERE kind IN ? AND state <> 'running' AND "+field(q.field)+" IN ?", q.kinds, q.ids)
		if res.Error != nil {
			return n, fmt.Errorf("delete jobs: %w", res.Error)
		}
		n += res.RowsAffected
	}
	return n, nil
}

// clearBookingContacts clears the demo booking system's contact number of the
// reached bookings where it is the subject's own, and the subject's Messenger id
// wherever a booking names it; with export set it lists the reached bookings'
// contacts instead.
func (s *Store) clearBookingContacts(tx *gorm.DB, sc *subjectScope, export *[]exportContact) (int64, error) {
	var n int64
	if export == nil && len(sc.users[domain.Messenger]) > 0 {
		// A Messenger id is stored in clear and indexed: every booking that
		// names it loses it, proved in a conversation or not.
		res := tx.Exec(`UPDATE pss_bookings SET messenger_id = '' WHERE messenger_id IN ?`, sc.users[domain.Messenger])
		if res.Error != nil {
			return 0, fmt.Errorf("clear booking contacts: %w", res.Error)
		}
		n += res.RowsAffected
	}
	if len(sc.locators) == 0 {
		return n, nil
	}
	var rows []struct {
		ID             int64
		Locator        string
		WhatsappSealed string
		EmailSealed    string
		MessengerID    string
	}
	err := tx.Raw(`SELECT id, locator, whatsapp_sealed, email_sealed, messenger_id FROM pss_bookings WHERE locator IN ?`, sc.locators).Scan(&rows).Error
	if err != nil {
		return 0, fmt.Errorf("read booking contacts: %w", err)
	}
	digits := func(s string) string { return strings.TrimLeft(strings.ReplaceAll(s, " ", ""), "+") }
	for _, r := range rows {
		wa, err := s.sealer.Open(r.WhatsappSealed)
		if err != nil {
			return 0, fmt.Errorf("booking %s contact: %w", r.Locator, err)
		}
		mine := slices.Contains(sc.users[domain.WhatsApp], digits(wa)) && wa != ""
		if export != nil {
			email, err := s.sealer.Open(r.EmailSealed)
			if err != nil {
				return 0, fmt.Errorf("booking %s contact: %w", r.Locator, err)
			}
			*export = append(*export, exportContact{Locator: r.Locator, WhatsApp: wa, Email: email, Messenger: r.MessengerID})
			continue
		}
		set := map[string]any{}
		if mine {
			set["whatsapp_sealed"] = ""
		}
		if len(set) == 0 {
			continue
		}
		if err := tx.Table("pss_bookings").Where("id = ?", r.ID).Updates(set).Error; err != nil {
			return 0, fmt.Errorf("clear booking %s contact: %w", r.Locator, err)
		}
		n++
	}
	return n, nil
}

// userKeyForms returns the stored forms of the subject's identifiers on a
// channel-keyed table, and of their look-up failure keys ("channel:id").
func (s *Store) userKeyForms(sc *subjectScope) (byChannel map[domain.Channel][]string, lookupKeys []string) {
	byChannel = map[domain.Channel][]string{}
	for ch, ids := range sc.users {
		for _, id := range ids {
			byChannel[ch] = append(byChannel[ch], s.userForms(id)...)
			lookupKeys = append(lookupKeys, s.userForms(string(ch)+":"+id)...)
		}
	}
	return byChannel, lookupKeys
}

// ErasureReport counts the rows erased, per table ("river_job" for jobs,
// "pss_bookings" for booking contacts cleared).
type ErasureReport map[string]int64

// Total is the number of rows erased.
func (r ErasureReport) Total() int64 {
	var n int64
	for _, v := range r {
		n += v
	}
	return n
}

// Erase deletes everything Skybridge holds about a data subject, in one
// transaction: conversations with their messages in and out, slots, transition
// log and booking links; stored webhook bodies naming them; their queued and
// finished jobs; flight-update notifications; boarding passes; travel documents
// in the demo booking system and its contact number when it is theirs;
// preferences, tier records and failed look-ups. actor (a token's name, or the
// operating-system user of the command line) is recorded with the counts. A
// subject with nothing stored erases nothing and is not an error; a booking
// whose surname matches no passenger is NotFound.
//
// A message the traveller sends after the erasure starts a new conversation.
func (s *Store) Erase(ctx context.Context, subj domain.DataSubject, actor string) (ErasureReport, error) {
	const op = "erase data subject"
	rep := ErasureReport{}
	err := s.inTx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		clear(rep)
		sc, err := s.resolveSubject(tx, subj)
		if err != nil {
			return err
		}
		convs := sc.conversationIDs()
		events, _, err := s.subjectWebhookEvents(tx, sc)
		if err != nil {
			return err
		}
		if rep["river_job"], err = s.deleteSubjectJobs(tx, convs, events); err != nil {
			return err
		}
		del := func(table string, q *gorm.DB, model any) error {
			res := q.Delete(model)
			if res.Error != nil {
				return fmt.Errorf("erase %s: %w", table, res.Error)
			}
			rep[table] += res.RowsAffected
			return nil
		}
		if len(events) > 0 {
			if err := del("webhook_events", tx.Where("id IN ?", events), &webhookEventRow{}); err != nil {
				return err
			}
		}
		if len(convs) > 0 {
			if err := del("notifications", tx.Where("conversation_id IN ?", convs), &notificationRow{}); err != nil {
				return err
			}
		}
		if len(sc.locators) > 0 {
			if err := del("notifications", sc.passScope(tx), &notificationRow{}); err != nil {
				return err
			}
			if err := del("boarding_passes", sc.passScope(tx), &passRow{}); err != nil {
				return err
			}
		}
		if len(sc.passengers) > 0 {
			res := tx.Exec(`DELETE FROM pss_documents WHERE passenger_id IN ?`, sc.passengers)
			if res.Error != nil {
				return fmt.Errorf("erase travel documents: %w", res.Error)
			}
			rep["pss_documents"] += res.RowsAffected
		}
		if rep["pss_bookings"], err = s.clearBookingContacts(tx, sc, nil); err != nil {
			return err
		}
		byChannel, lookupKeys := s.userKeyForms(sc)
		for ch, forms := range byChannel {
			if err := del("preferences", tx.Where("channel = ? AND user_id IN ?", string(ch), forms), &preferenceRow{}); err != nil {
				return err
			}
			if err := del("tier_reach", tx.Where("channel = ? AND user_id IN ?", string(ch), forms), &tierReachRow{}); err != nil {
				return err
			}
		}
		if len(lookupKeys) > 0 {
			if err := del("lookup_failures", tx.Where("key IN ?", lookupKeys), &lookupFailureRow{}); err != nil {
				return err
			}
		}
		if len(convs) > 0 {
			// Messages, replies, transitions, booking links and name indexes go
			// with their conversation (ON DELETE CASCADE); they are counted first.
			for _, t := range []struct {
				table string
				model any
			}{{"inbound_messages", &inboundRow{}}, {"outbound_messages", &outboundRow{}}, {"transitions", &transitionRow{}}, {"conversation_bookings", &conversationBookingRow{}}, {"conversation_names", &conversationNameRow{}}} {
				var n int64
				if err := tx.Model(t.model).Where("conversation_id IN ?", convs).Count(&n).Error; err != nil {
					return fmt.Errorf("erase %s: %w", t.table, err)
				}
				rep[t.table] += n
			}
			if err := del("conversations", tx.Where("id IN ?", convs), &conversationRow{}); err != nil {
				return err
			}
		}
		for k, v := range rep {
			if v == 0 {
				delete(rep, k)
			}
		}
		return s.audit(tx, "erase", subj, actor, rep)
	})
	if err != nil {
		if domain.ErrorCode(err) != domain.Internal {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	s.log.Info("data subject erased", "subject", subj, "actor", actor, "rows", rep.Total())
	return rep, nil
}
