package whatsapp

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/graphapi"
)

// object is the envelope's "object" for WhatsApp Business Account webhooks.
const object = "whatsapp_business_account"

// ErrNotWhatsApp is returned by Parse for a body that is not a WhatsApp webhook
// envelope; the caller answers 400 and stores nothing.
var ErrNotWhatsApp = errors.New("not a whatsapp webhook envelope")

// Parse reads a verified webhook body and returns every event of every entry and
// change, in the order they appear: inbound messages, then delivery statuses, then
// preference changes, then platform errors, change after change.
//
// Only a body that is not a WhatsApp envelope (not JSON, wrong "object") is an
// error, wrapping ErrNotWhatsApp. Inside a valid envelope nothing fails the batch:
// unknown fields are skipped, and changes, messages or statuses that cannot be read
// become domain.EventIgnored events with a Note saying why, so that one odd item
// never costs the traveller the others. Notes carry no personal data.
func Parse(body []byte) ([]domain.ChannelEvent, error) {
	var env wireEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("parse whatsapp webhook: %w: %v", ErrNotWhatsApp, err)
	}
	if env.Object != object {
		return nil, fmt.Errorf("parse whatsapp webhook: %w: object %q", ErrNotWhatsApp, shorten(env.Object, 40))
	}
	var events []domain.ChannelEvent
	for i, raw := range env.Entry {
		var e wireEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			events = append(events, ignored(fmt.Sprintf("entry %d unreadable", i)))
			continue
		}
		for _, ch := range e.Changes {
			events = append(events, parseChange(ch)...)
		}
	}
	return events, nil
}

func parseChange(ch wireChange) []domain.ChannelEvent {
	switch ch.Field {
	case "messages", "user_preferences":
	default:
		return []domain.ChannelEvent{ignored(fmt.Sprintf("field %q not handled", shorten(ch.Field, 60)))}
	}
	var v wireValue
	if err := json.Unmarshal(ch.Value, &v); err != nil {
		return []domain.ChannelEvent{ignored(fmt.Sprintf("%s value unreadable", ch.Field))}
	}
	var events []domain.ChannelEvent
	for _, raw := range v.Messages {
		events = append(events, parseMessage(raw, v.Contacts))
	}
	for _, raw := range v.Statuses {
		events = append(events, parseStatus(raw))
	}
	for _, raw := range v.UserPreferences {
		events = append(events, parsePreference(raw, v.Contacts))
	}
	for _, raw := range v.Errors {
		var we wireError
		if err := json.Unmarshal(raw, &we); err != nil {
			events = append(events, ignored("platform error unreadable"))
			continue
		}
		events = append(events, ignored("platform error "+describeError(we)))
	}
	for i := range events {
		events[i].Account = v.Metadata.PhoneNumberID
	}
	return events
}

func parseMessage(raw json.RawMessage, contacts []wireContact) domain.ChannelEvent {
	var m wireMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return ignored("message unreadable")
	}
	if m.Type == "system" {
		// A notice from WhatsApp (the user changed number), not something the
		// traveller wrote: answering it would confuse them.
		return ignored("system message")
	}
	ev := domain.ChannelEvent{Kind: domain.EventMessage}
	ev.UserID, ev.AltUserID, ev.ProfileName = identify(m.From, m.FromUserID, contacts)
	if ev.UserID == "" {
		return ignored("message without sender id")
	}
	if m.ID == "" {
		return ignored("message without id")
	}
	ev.Inbound = domain.Inbound{
		Channel:          domain.WhatsApp,
		ChannelMessageID: m.ID,
		ReceivedAt:       m.Timestamp.Time,
	}
	in := &ev.Inbound
	switch m.Type {
	case "text":
		if m.Text != nil {
			in.Text = m.Text.Body
		}
	case "interactive":
		switch {
		case m.Interactive != nil && m.Interactive.ButtonReply != nil:
			in.Payload, in.Text = m.Interactive.ButtonReply.ID, m.Interactive.ButtonReply.Title
		case m.Interactive != nil && m.Interactive.ListReply != nil:
			in.Payload, in.Text = m.Interactive.ListReply.ID, m.Interactive.ListReply.Title
		default:
			in.Unsupported = "interactive"
		}
	case "button": // a tap on a template's quick-reply button
		if m.Button != nil {
			in.Payload, in.Text = m.Button.Payload, m.Button.Text
		}
	case "image", "video", "document":
		in.Unsupported = m.Type
		if media := m.media(); media != nil {
			in.Text = media.Caption
		}
	case "":
		in.Unsupported = "unknown"
	default: // audio, sticker, location, contacts, reaction, order, unsupported, …
		in.Unsupported = shorten(m.Type, 40)
	}
	return ev
}

func (m *wireMessage) media() *wireMedia {
	switch m.Type {
	case "image":
		return m.Image
	case "video":
		return m.Video
	case "document":
		return m.Document
	}
	return nil
}

// identify picks the traveller's ids: the phone number (wa_id digits) when known,
// else the business-scoped user id; when both are known the BSUID is the alternate.
// The contact is matched by wa_id or user_id; a lone contact stands for a message
// that names nobody.
func identify(waID, bsuid string, contacts []wireContact) (userID, altUserID, name string) {
	var c *wireContact
	for i := range contacts {
		if waID != "" && contacts[i].WaID == waID || bsuid != "" && contacts[i].UserID == bsuid {
			c = &contacts[i]
			break
		}
	}
	if c == nil && waID == "" && bsuid == "" && len(contacts) == 1 {
		c = &contacts[0]
	}
	if c != nil {
		if waID == "" {
			waID = c.WaID
		}
		if bsuid == "" {
			bsuid = c.UserID
		}
		name = c.Profile.Name
	}
	if waID != "" {
		return waID, bsuid, name
	}
	return bsuid, "", name
}

func parseStatus(raw json.RawMessage) domain.ChannelEvent {
	var s wireStatus
	if err := json.Unmarshal(raw, &s); err != nil {
		return ignored("status unreadable")
	}
	var st domain.DeliveryStatus
	switch s.Status {
	case "sent":
		st = domain.StatusSent
	case "delivered":
		st = domain.StatusDelivered
	case "read", "played": // a played voice message has been heard: read
		st = domain.StatusRead
	case "failed":
		st = domain.StatusFailed
	default:
		return ignored(fmt.Sprintf("status %q not handled", shorten(s.Status, 40)))
	}
	if s.ID == "" {
		return ignored("status without message id")
	}
	ev := domain.ChannelEvent{
		Kind:   domain.EventStatus,
		Status: domain.StatusUpdate{ChannelMessageID: s.ID, Status: st, At: s.Timestamp.Time},
	}
	// Our reference names the message and the part the status is about. One
	// without a part was written before parts were named, on every part of a
	// message alike: it cannot say which part went out, so the status is
	// matched by the wamid recorded with the message only (a message caught
	// mid-send by the upgrade may then have a part sent twice, never lost).
	if id, part, parts, ok := graphapi.ParseReference(s.CallbackData); ok && parts > 0 {
		ev.Status.OutboundID, ev.Status.Part, ev.Status.Parts = id, part, parts
	} else if id, ok := graphapi.ParseTemplateReference(s.CallbackData); ok {
		ev.Status.OutboundID, ev.Status.Template = id, true
	}
	ev.UserID, ev.AltUserID = s.RecipientID, s.RecipientUserID
	if ev.UserID == "" {
		ev.UserID, ev.AltUserID = s.RecipientUserID, ""
	}
	if len(s.Errors) > 0 {
		e := s.Errors[0]
		ev.Status.ErrorCode = e.Code
		ev.Status.ErrorTitle = e.Title
		if ev.Status.ErrorTitle == "" {
			ev.Status.ErrorTitle = e.Message
		}
		ev.Status.ErrorDetail = e.ErrorData.Details
	}
	return ev
}

func parsePreference(raw json.RawMessage, contacts []wireContact) domain.ChannelEvent {
	var p wirePreference
	if err := json.Unmarshal(raw, &p); err != nil {
		return ignored("user preference unreadable")
	}
	if p.Category != "marketing_messages" {
		return ignored(fmt.Sprintf("preference category %q not handled", shorten(p.Category, 40)))
	}
	var optedOut bool
	switch p.Value {
	case "stop":
		optedOut = true
	case "resume":
	default:
		return ignored(fmt.Sprintf("preference value %q not handled", shorten(p.Value, 40)))
	}
	ev := domain.ChannelEvent{
		Kind:       domain.EventPreference,
		Preference: domain.PreferenceUpdate{Category: domain.CategoryOffers, OptedOut: optedOut, At: p.Timestamp.Time},
	}
	ev.UserID, ev.AltUserID, ev.ProfileName = identify(p.WaID, p.UserID, contacts)
	if ev.UserID == "" {
		return ignored("user preference without user id")
	}
	return ev
}

func ignored(note string) domain.ChannelEvent {
	return domain.ChannelEvent{Kind: domain.EventIgnored, Note: note}
}

func describeError(e wireError) string {
	s := fmt.Sprintf("%d", e.Code)
	title := e.Title
	if title == "" {
		title = e.Message
	}
	if title != "" {
		s += " " + shorten(title, 120)
	}
	if e.ErrorData.Details != "" {
		s += ": " + shorten(e.ErrorData.Details, 200)
	}
	return s
}
