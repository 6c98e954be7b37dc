package messenger

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/integrations/graphapi"
)

// Parse turns a Messenger webhook body into channel events: every event of every
// entry, in order. The body must be the raw, already verified POST body. A body that
// is not a Messenger page envelope is an error; an event inside it that cannot be
// understood becomes an EventIgnored with a Note, so that one odd event never costs
// the others.
//
// Parse does not know our app id, so it cannot tell our echoes from those of
// another app on the Page that copied one of our references; Parser.Parse with
// AppID set can.
func Parse(body []byte) ([]domain.ChannelEvent, error) { return Parser{}.Parse(body) }

// Parser reads webhook bodies for one Meta app.
type Parser struct {
	// AppID is our Meta app id. When set, only an echo whose app_id equals it
	// is one of our sends; echoes of other apps on the Page (a CRM, the Page
	// inbox) are ignored even when their metadata looks like our reference.
	// When empty, any echo carrying one of our references is taken as ours.
	AppID string
}

// Parse is the package Parse, attributing echoes to p.AppID when it is set.
func (p Parser) Parse(body []byte) ([]domain.ChannelEvent, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("parse messenger webhook: %w", err)
	}
	if env.Object == "" && env.Field != "" {
		// The bare {"field":…,"value":…} sample of the postback reference page.
		return p.parseChange(change{Field: env.Field, Value: env.Value}), nil
	}
	if env.Object != "page" {
		return nil, fmt.Errorf("parse messenger webhook: object %q is not \"page\"", env.Object)
	}
	var out []domain.ChannelEvent
	for _, e := range env.Entry {
		first := len(out)
		for _, raw := range e.Messaging {
			out = append(out, p.parseRawEvent(raw)...)
		}
		for _, c := range e.Changes {
			out = append(out, p.parseChange(c)...)
		}
		var id struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(e.raw, &id) == nil {
			page := strings.Trim(string(id.ID), `"`)
			for i := first; i < len(out); i++ {
				out[i].Account = page
			}
		}
	}
	return out, nil
}

// envelope is the webhook body: {"object":"page","entry":[…]}. Field and Value hold
// the bare change form some reference pages show.
type envelope struct {
	Object string          `json:"object"`
	Entry  []entry         `json:"entry"`
	Field  string          `json:"field"`
	Value  json.RawMessage `json:"value"`
}

// entry is one page's batch. Its id (the page) is read leniently from raw, and its
// time not at all: an odd value there must not cost the events.
type entry struct {
	Messaging []json.RawMessage `json:"messaging"`
	Changes   []change          `json:"changes"`
	raw       json.RawMessage
}

func (e *entry) UnmarshalJSON(b []byte) error {
	type plain entry
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = entry(p)
	e.raw = append(json.RawMessage(nil), b...)
	return nil
}

// change is the Graph "changes" form of a webhook event.
type change struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// messagingFields are the subscription fields whose change value is a messaging event.
var messagingFields = map[string]bool{
	"messages":            true,
	"messaging_postbacks": true,
	"message_deliveries":  true,
	"message_reads":       true,
	"message_echoes":      true,
}

func (p Parser) parseChange(c change) []domain.ChannelEvent {
	if !messagingFields[c.Field] {
		return []domain.ChannelEvent{{Kind: domain.EventIgnored, Note: "unsupported change field " + strconv.Quote(c.Field)}}
	}
	return p.parseRawEvent(c.Value)
}

// event is one entry of entry[].messaging.
type event struct {
	Sender    party     `json:"sender"`
	Recipient party     `json:"recipient"`
	Timestamp flexInt   `json:"timestamp"`
	Message   *message  `json:"message"`
	Postback  *postback `json:"postback"`
	Delivery  *delivery `json:"delivery"`
	Read      *read     `json:"read"`
}

type party struct {
	ID flexString `json:"id"`
}

type message struct {
	MID         string       `json:"mid"`
	Text        string       `json:"text"`
	IsEcho      bool         `json:"is_echo"`
	AppID       flexString   `json:"app_id"`   // an echo's sending app; Meta sends a number
	Metadata    string       `json:"metadata"` // an echo's message.metadata, as we sent it
	QuickReply  *quickReply  `json:"quick_reply"`
	Attachments []attachment `json:"attachments"`
	StickerID   flexString   `json:"sticker_id"`
}

type quickReply struct {
	Payload string `json:"payload"`
}

type attachment struct {
	Type    string `json:"type"`
	Payload struct {
		StickerID flexString `json:"sticker_id"`
	} `json:"payload"`
}

type postback struct {
	MID     string `json:"mid"`
	Title   string `json:"title"`
	Payload string `json:"payload"`
	// Referral (m.me links, ads) is deliberately not decoded: it is not part of the
	// traveller's message.
}

type delivery struct {
	MIDs      []string `json:"mids"`
	Watermark flexInt  `json:"watermark"`
}

type read struct {
	Watermark flexInt `json:"watermark"`
}

// parseRawEvent converts one messaging event. It never fails: what it cannot use
// becomes an ignored event that says why.
func (p Parser) parseRawEvent(raw json.RawMessage) []domain.ChannelEvent {
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return []domain.ChannelEvent{{Kind: domain.EventIgnored, Note: "malformed messaging event"}}
	}
	user := string(ev.Sender.ID)
	switch {
	case ev.Message != nil && ev.Message.IsEcho:
		return []domain.ChannelEvent{p.parseEcho(string(ev.Recipient.ID), ev.Timestamp.time(), ev.Message)}
	case ev.Message != nil:
		return []domain.ChannelEvent{parseMessage(user, ev.Timestamp.time(), ev.Message)}
	case ev.Postback != nil:
		return []domain.ChannelEvent{parsePostback(user, int64(ev.Timestamp), ev.Postback)}
	case ev.Delivery != nil:
		return parseDelivery(user, ev.Timestamp.time(), ev.Delivery)
	case ev.Read != nil && ev.Read.Watermark <= 0:
		return []domain.ChannelEvent{{Kind: domain.EventIgnored, UserID: user, Note: "read without watermark"}}
	case ev.Read != nil:
		return []domain.ChannelEvent{{
			Kind:   domain.EventWatermark,
			UserID: user,
			Status: domain.StatusUpdate{Status: domain.StatusRead, At: ev.Read.Watermark.time()},
		}}
	}
	return []domain.ChannelEvent{{Kind: domain.EventIgnored, UserID: user, Note: "unsupported event " + eventName(raw)}}
}

// parseEcho reads a message_echoes event: a message the Page sent, coming back
// with the traveller as its recipient. One carrying our reference in its metadata
// (and, when p.AppID is set, our app id) is one of our sends, and tells that it
// left: a "sent" status for that outbound message, naming the part when the
// reference does, which lets delivery recognise the message (or the parts up to
// that one) as sent even when the instance that sent it died before recording
// it. A reference without a part (written before parts were named) stands for
// the whole message, as it did then. Any
// other echo (a person typing in the Page inbox, another app on the Page) is
// ignored; acting on it would loop, and taking another app's copy of our
// reference as ours would mark a queued message sent that never left.
func (p Parser) parseEcho(user string, at time.Time, m *message) domain.ChannelEvent {
	if want := strings.TrimSpace(p.AppID); want != "" && strings.TrimSpace(string(m.AppID)) != want {
		// The app id is not personal data; the text and the PSID stay out of the note.
		note := "echo of another app's message (app_id " + strconv.Quote(string(m.AppID)) + ")"
		switch {
		case m.AppID == "":
			note = "echo without app_id"
		case len(m.AppID) > 32:
			note = "echo of another app's message"
		}
		return domain.ChannelEvent{Kind: domain.EventIgnored, UserID: user, Note: note}
	}
	id, part, parts, ours := graphapi.ParseReference(m.Metadata)
	tid, template := graphapi.ParseTemplateReference(m.Metadata)
	if !ours && !template || m.MID == "" {
		return domain.ChannelEvent{Kind: domain.EventIgnored, UserID: user, Note: "echo of a page message"}
	}
	st := domain.StatusUpdate{ChannelMessageID: m.MID, OutboundID: id, Part: part, Parts: parts, Status: domain.StatusSent, At: at}
	if template {
		st = domain.StatusUpdate{ChannelMessageID: m.MID, OutboundID: tid, Template: true, Status: domain.StatusSent, At: at}
	}
	return domain.ChannelEvent{Kind: domain.EventStatus, UserID: user, Status: st}
}

func parseMessage(user string, at time.Time, m *message) domain.ChannelEvent {
	if user == "" || m.MID == "" {
		return domain.ChannelEvent{Kind: domain.EventIgnored, UserID: user, Note: "message without sender or mid"}
	}
	in := domain.Inbound{
		Channel:          domain.Messenger,
		ChannelMessageID: m.MID,
		Text:             m.Text,
		ReceivedAt:       at,
	}
	switch {
	case m.QuickReply != nil:
		in.Payload = m.QuickReply.Payload
	case len(m.Attachments) > 0 || m.StickerID != "":
		in.Unsupported = attachmentKind(m)
	case m.Text == "":
		return domain.ChannelEvent{Kind: domain.EventIgnored, UserID: user, Note: "message without text or attachment"}
	}
	return domain.ChannelEvent{Kind: domain.EventMessage, UserID: user, Inbound: in}
}

// attachmentKind names what a traveller sent. A sticker arrives as "image" with a
// sticker_id and "sticker" attachments until 30 August 2026, and only as "sticker"
// after; either way it is a sticker, not a photo.
func attachmentKind(m *message) string {
	if m.StickerID != "" {
		return "sticker"
	}
	for _, a := range m.Attachments {
		if strings.EqualFold(a.Type, "sticker") || a.Payload.StickerID != "" {
			return "sticker"
		}
	}
	for _, a := range m.Attachments {
		if t := strings.ToLower(strings.TrimSpace(a.Type)); t != "" {
			return t
		}
	}
	return "attachment"
}

func parsePostback(user string, ts int64, p *postback) domain.ChannelEvent {
	if user == "" {
		return domain.ChannelEvent{Kind: domain.EventIgnored, Note: "postback without sender"}
	}
	id := p.MID
	if id == "" {
		id = postbackID(user, ts, p.Payload)
	}
	return domain.ChannelEvent{Kind: domain.EventMessage, UserID: user, Inbound: domain.Inbound{
		Channel:          domain.Messenger,
		ChannelMessageID: id,
		Text:             p.Title,
		Payload:          p.Payload,
		ReceivedAt:       msTime(ts),
	}}
}

// postbackID derives a stable id for a postback that carries no mid, so that a
// redelivered webhook still hits the inbox's unique index. It is a hash: the PSID
// must not leak into message ids.
func postbackID(user string, ts int64, payload string) string {
	h := sha256.Sum256([]byte(user + "\x00" + strconv.FormatInt(ts, 10) + "\x00" + payload))
	return "postback:" + hex.EncodeToString(h[:16])
}

func parseDelivery(user string, at time.Time, d *delivery) []domain.ChannelEvent {
	wm := d.Watermark.time()
	if at.IsZero() {
		at = wm
	}
	var out []domain.ChannelEvent
	for _, mid := range d.MIDs {
		if mid == "" {
			continue
		}
		out = append(out, domain.ChannelEvent{
			Kind:   domain.EventStatus,
			UserID: user,
			Status: domain.StatusUpdate{ChannelMessageID: mid, Status: domain.StatusDelivered, At: at},
		})
	}
	if !wm.IsZero() {
		out = append(out, domain.ChannelEvent{
			Kind:   domain.EventWatermark,
			UserID: user,
			Status: domain.StatusUpdate{Status: domain.StatusDelivered, At: wm},
		})
	}
	if len(out) == 0 {
		out = append(out, domain.ChannelEvent{Kind: domain.EventIgnored, UserID: user, Note: "delivery without mids or watermark"})
	}
	return out
}

// eventName names an unsupported event by its first key other than the addressing
// ones, e.g. "reaction" or "optin".
func eventName(raw json.RawMessage) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return "(not an object)"
	}
	var keys []string
	for k := range m {
		switch k {
		case "sender", "recipient", "timestamp":
		default:
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "(empty)"
	}
	sort.Strings(keys)
	return strconv.Quote(keys[0])
}

// msTime converts Unix milliseconds; 0 stays the zero time.
func msTime(ms int64) time.Time {
	if ms <= 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// flexInt is a number that may arrive as a JSON number or a string; tolerant
// decoding keeps one odd field from dropping a whole webhook.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Numbers like 1.767e12 are valid JSON.
		fl, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || fl < 0 || fl > 1<<62 {
			return errors.New("not an integer")
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

func (f flexInt) time() time.Time { return msTime(int64(f)) }

// flexString is an id that may arrive as a JSON string or a number.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("not a string or number")
	}
	*f = flexString(n.String())
	return nil
}
