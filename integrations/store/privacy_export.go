package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
)

// Export is one JSON document of everything Skybridge holds about a data
// subject, decrypted: the answer to a subject access request.
type Export struct {
	Subject         exportSubject        `json:"subject"`
	ExportedAt      time.Time            `json:"exported_at"`
	Conversations   []exportConversation `json:"conversations"`
	BoardingPasses  []exportPass         `json:"boarding_passes"`
	TravelDocuments []exportDocument     `json:"travel_documents"`
	BookingContacts []exportContact      `json:"booking_contacts"`
	Notifications   []exportNotification `json:"notifications"`
	Preferences     []exportPreference   `json:"preferences"`
	WebhookEvents   []exportWebhook      `json:"webhook_events"`
}

type exportSubject struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Surname string `json:"surname,omitempty"`
}

type exportConversation struct {
	ID          int64           `json:"id"`
	Channel     string          `json:"channel"`
	UserID      string          `json:"user_id"`
	AltUserID   string          `json:"alt_user_id,omitempty"`
	ProfileName string          `json:"profile_name,omitempty"`
	Lang        string          `json:"lang,omitempty"`
	Flow        string          `json:"flow,omitempty"`
	State       string          `json:"state,omitempty"`
	Slots       json.RawMessage `json:"slots,omitempty"`
	Bookings    []string        `json:"bookings,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	Messages    []exportMessage `json:"messages"`
}

type exportMessage struct {
	Direction string    `json:"direction"` // "in" or "out"
	At        time.Time `json:"at"`
	Text      string    `json:"text,omitempty"`
	Payload   string    `json:"payload,omitempty"`
	Body      string    `json:"body,omitempty"` // outbound: text, choices, attachment as sent
	Status    string    `json:"status,omitempty"`
}

type exportPass struct {
	Locator  string    `json:"locator"`
	Name     string    `json:"name"`
	Flight   string    `json:"flight"`
	Seat     string    `json:"seat,omitempty"`
	Ticket   string    `json:"ticket_number,omitempty"`
	Valid    bool      `json:"valid"`
	IssuedAt time.Time `json:"issued_at"`
}

type exportDocument struct {
	Locator        string `json:"locator"`
	Passenger      string `json:"passenger"`
	Type           string `json:"type"`
	Number         string `json:"number"`
	Nationality    string `json:"nationality"`
	IssuingCountry string `json:"issuing_country"`
	Expiry         string `json:"expiry"`
	BirthDate      string `json:"birth_date"`
}

type exportContact struct {
	Locator   string `json:"locator"`
	WhatsApp  string `json:"whatsapp,omitempty"`
	Email     string `json:"email,omitempty"`
	Messenger string `json:"messenger_id,omitempty"`
}

type exportNotification struct {
	Locator   string    `json:"locator"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

type exportPreference struct {
	Channel   string    `json:"channel"`
	Category  string    `json:"category"`
	OptedOut  bool      `json:"opted_out"`
	UpdatedAt time.Time `json:"updated_at"`
}

type exportWebhook struct {
	Channel    string          `json:"channel"`
	ReceivedAt time.Time       `json:"received_at"`
	Body       json.RawMessage `json:"body"`
}

// Export gathers everything held about a data subject (see Erase for what a
// subject reaches) and records who asked. A subject with nothing stored gets an
// empty document; a booking whose surname matches no passenger is NotFound.
func (s *Store) Export(ctx context.Context, subj domain.DataSubject, actor string) (Export, error) {
	const op = "export data subject"
	var out Export
	err := s.inTx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		out = Export{ExportedAt: s.now(), Subject: exportSubject{Kind: subj.Kind(), ID: subj.UserID, Surname: subj.Surname}}
		if subj.Locator != "" {
			out.Subject.ID = string(subj.Locator)
		}
		sc, err := s.resolveSubject(tx, subj)
		if err != nil {
			return err
		}
		for _, c := range sc.conversations {
			ec, err := s.exportConversation(tx, c)
			if err != nil {
				return err
			}
			out.Conversations = append(out.Conversations, ec)
		}
		if len(sc.locators) > 0 {
			if out.BoardingPasses, err = s.exportPasses(tx, sc); err != nil {
				return err
			}
			var ns []notificationRow
			q := tx.Where("conversation_id IN ?", sc.conversationIDs()).Or(sc.passScope(tx.Session(&gorm.Session{NewDB: true})))
			if err := q.Order("id").Find(&ns).Error; err != nil {
				return fmt.Errorf("export notifications: %w", err)
			}
			for _, n := range ns {
				out.Notifications = append(out.Notifications, exportNotification{Locator: n.Locator, Status: n.Status, CreatedAt: n.CreatedAt.UTC()})
			}
		}
		if out.TravelDocuments, err = s.exportDocuments(tx, sc); err != nil {
			return err
		}
		if _, err := s.clearBookingContacts(tx, sc, &out.BookingContacts); err != nil {
			return err
		}
		byChannel, _ := s.userKeyForms(sc)
		for ch, forms := range byChannel {
			var ps []preferenceRow
			if err := tx.Where("channel = ? AND user_id IN ?", string(ch), forms).Find(&ps).Error; err != nil {
				return fmt.Errorf("export preferences: %w", err)
			}
			for _, p := range ps {
				out.Preferences = append(out.Preferences, exportPreference{Channel: p.Channel, Category: p.Category, OptedOut: p.OptedOut, UpdatedAt: p.UpdatedAt.UTC()})
			}
		}
		_, hooks, err := s.subjectWebhookEvents(tx, sc)
		if err != nil {
			return err
		}
		for _, h := range hooks {
			body := json.RawMessage(h.Body)
			if !json.Valid(body) {
				body, _ = json.Marshal(h.Body)
			}
			out.WebhookEvents = append(out.WebhookEvents, exportWebhook{Channel: h.Channel, ReceivedAt: h.ReceivedAt.UTC(), Body: body})
		}
		return s.audit(tx, "export", subj, actor, map[string]int{
			"conversations": len(out.Conversations), "boarding_passes": len(out.BoardingPasses),
			"travel_documents": len(out.TravelDocuments), "webhook_events": len(out.WebhookEvents),
		})
	})
	if err != nil {
		if domain.ErrorCode(err) != domain.Internal {
			return Export{}, err
		}
		return Export{}, fmt.Errorf("%s: %w", op, err)
	}
	return out, nil
}

func (s *Store) exportConversation(tx *gorm.DB, c conversationRow) (exportConversation, error) {
	conv, err := s.toDomainConversation(c)
	if err != nil {
		return exportConversation{}, err
	}
	profile, err := s.sealer.Open(c.ProfileName)
	if err != nil {
		return exportConversation{}, fmt.Errorf("conversation %d profile: %w", c.ID, err)
	}
	ec := exportConversation{ID: c.ID, Channel: c.Channel, UserID: conv.UserID, AltUserID: conv.AltUserID, ProfileName: profile,
		Lang: c.Lang, Flow: c.Flow, State: c.State, Slots: conv.Data, CreatedAt: conv.CreatedAt, UpdatedAt: conv.UpdatedAt, Messages: []exportMessage{}}
	if err := tx.Model(&conversationBookingRow{}).Where("conversation_id = ?", c.ID).Order("locator").Pluck("locator", &ec.Bookings).Error; err != nil {
		return exportConversation{}, fmt.Errorf("export conversation %d: %w", c.ID, err)
	}
	var ins []inboundRow
	if err := tx.Where("conversation_id = ?", c.ID).Order("received_at, id").Find(&ins).Error; err != nil {
		return exportConversation{}, fmt.Errorf("export conversation %d: %w", c.ID, err)
	}
	for _, r := range ins {
		in, err := s.toDomainInbound(r)
		if err != nil {
			return exportConversation{}, err
		}
		ec.Messages = append(ec.Messages, exportMessage{Direction: "in", At: in.ReceivedAt, Text: in.Text, Payload: in.Payload})
	}
	var outs []outboundRow
	if err := tx.Where("conversation_id = ?", c.ID).Order("seq").Find(&outs).Error; err != nil {
		return exportConversation{}, fmt.Errorf("export conversation %d: %w", c.ID, err)
	}
	for _, r := range outs {
		body, err := s.sealer.Open(r.Body)
		if err != nil {
			return exportConversation{}, fmt.Errorf("outbound %d: %w", r.ID, err)
		}
		var b outboundBody
		_ = json.Unmarshal([]byte(body), &b)
		ec.Messages = append(ec.Messages, exportMessage{Direction: "out", At: r.CreatedAt.UTC(), Text: b.Text, Body: body, Status: r.Status})
	}
	return ec, nil
}

func (s *Store) exportPasses(tx *gorm.DB, sc *subjectScope) ([]exportPass, error) {
	var rows []passRow
	if err := sc.passScope(tx).Order("issued_at").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("export boarding passes: %w", err)
	}
	var out []exportPass
	for _, r := range rows {
		p, err := s.toDomainPass(r)
		if err != nil {
			return nil, err
		}
		out = append(out, exportPass{Locator: r.Locator, Name: p.Name.String(), Flight: p.Flight.String(), Seat: p.Seat,
			Ticket: p.TicketNumber, Valid: r.Valid, IssuedAt: r.IssuedAt.UTC()})
	}
	return out, nil
}

func (s *Store) exportDocuments(tx *gorm.DB, sc *subjectScope) ([]exportDocument, error) {
	if len(sc.passengers) == 0 {
		return nil, nil
	}
	var rows []struct {
		Locator         string
		Given           string
		Surname         string
		DocType         string
		NumberSealed    string
		Nationality     string
		IssuingCountry  string
		Expiry          string
		BirthDateSealed string
	}
	err := tx.Raw(`SELECT b.locator, p.given, p.surname, d.doc_type, d.number_sealed, d.nationality, d.issuing_country,
			CAST(d.expiry AS TEXT) AS expiry, d.birth_date_sealed
		FROM pss_documents d JOIN pss_passengers p ON p.id = d.passenger_id JOIN pss_bookings b ON b.id = p.booking_id
		WHERE d.passenger_id IN ? ORDER BY d.id`, sc.passengers).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("export travel documents: %w", err)
	}
	var out []exportDocument
	for _, r := range rows {
		number, err := s.sealer.Open(r.NumberSealed)
		if err != nil {
			return nil, fmt.Errorf("travel document: %w", err)
		}
		birth, err := s.sealer.Open(r.BirthDateSealed)
		if err != nil {
			return nil, fmt.Errorf("travel document: %w", err)
		}
		out = append(out, exportDocument{Locator: r.Locator, Passenger: r.Given + " " + r.Surname, Type: r.DocType, Number: number,
			Nationality: r.Nationality, IssuingCountry: r.IssuingCountry, Expiry: r.Expiry[:min(len(r.Expiry), len(time.DateOnly))], BirthDate: birth})
	}
	return out, nil
}
