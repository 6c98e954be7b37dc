package graphfake

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Messenger Send API limits (channels.md §3.2).
const (
	msTextMax         = 2000 // exclusive: text must be shorter
	msMetadataMax     = 1000 // exclusive
	msQuickRepliesMax = 13
	msTitleMax        = 20
	msPayloadMax      = 1000
	msButtonTextMax   = 640
	msButtonsMax      = 3
	msElementsMax     = 10
	msElementTitleMax = 80
)

// messagingTypes are the accepted messaging_type values.
var messagingTypes = map[string]bool{"RESPONSE": true, "UPDATE": true, "MESSAGE_TAG": true, "UTILITY": true}

// liveTags are the message tags still accepted; deadTags are refused with code
// 100 since April 27 2026.
var (
	liveTags = map[string]bool{"HUMAN_AGENT": true, "CUSTOMER_FEEDBACK": true}
	deadTags = map[string]bool{"CONFIRMED_EVENT_UPDATE": true, "ACCOUNT_UPDATE": true, "POST_PURCHASE_UPDATE": true}
)

type msButton struct {
	Type    string `json:"type"`
	Title   string `json:"title"`
	Payload string `json:"payload"`
	URL     string `json:"url"`
}

type msSend struct {
	Recipient *struct {
		ID string `json:"id"`
	} `json:"recipient"`
	MessagingType    string `json:"messaging_type"`
	Tag              string `json:"tag"`
	SenderAction     string `json:"sender_action"`
	NotificationType string `json:"notification_type"`
	Message          *struct {
		Text         *string `json:"text"`
		Metadata     string  `json:"metadata"`
		QuickReplies []struct {
			ContentType string `json:"content_type"`
			Title       string `json:"title"`
			Payload     any    `json:"payload"`
		} `json:"quick_replies"`
		Attachment *struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		} `json:"attachment"`
		Template *struct {
			Name     string `json:"name"`
			Language *struct {
				Code string `json:"code"`
			} `json:"language"`
		} `json:"template"`
	} `json:"message"`
}

type msTemplatePayload struct {
	TemplateType string     `json:"template_type"`
	Text         string     `json:"text"`
	Buttons      []msButton `json:"buttons"`
	Elements     []struct {
		Title    string     `json:"title"`
		Subtitle string     `json:"subtitle"`
		Buttons  []msButton `json:"buttons"`
	} `json:"elements"`
}

type msMediaPayload struct {
	URL          string `json:"url"`
	AttachmentID string `json:"attachment_id"`
}

// sendMessenger validates a Send API call and answers it.
func (s *Server) sendMessenger(raw []byte, req *Request) (int, []byte, func(Request), *apiError) {
	var m msSend
	if err := json.Unmarshal(raw, &m); err != nil {
		return 0, nil, nil, invalid("the request body is not a valid JSON object: %v", err)
	}
	if m.Recipient == nil || m.Recipient.ID == "" {
		return 0, nil, nil, required("recipient")
	}
	req.Recipient = m.Recipient.ID
	if m.SenderAction != "" {
		req.Kind = m.SenderAction
		if m.Message != nil {
			return 0, nil, nil, invalid("sender_action must be sent without a message")
		}
		switch m.SenderAction {
		case "typing_on", "typing_off", "mark_seen":
		default:
			return 0, nil, nil, invalid("Param sender_action must be one of {typing_on, typing_off, mark_seen}")
		}
		b, _ := json.Marshal(map[string]string{"recipient_id": m.Recipient.ID})
		return http.StatusOK, b, nil, nil
	}
	if m.Message == nil {
		return 0, nil, nil, required("message")
	}
	if m.MessagingType == "" {
		return 0, nil, nil, required("messaging_type")
	}
	if !messagingTypes[m.MessagingType] {
		return 0, nil, nil, invalid("Param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG, UTILITY}; got %q", m.MessagingType)
	}
	switch {
	case m.MessagingType == "MESSAGE_TAG" && m.Tag == "":
		return 0, nil, nil, required("tag")
	case m.MessagingType != "MESSAGE_TAG" && m.Tag != "":
		return 0, nil, nil, invalid("Param tag is only allowed with messaging_type MESSAGE_TAG")
	case deadTags[m.Tag]:
		return 0, nil, nil, &apiError{status: 400, code: 100, typ: "OAuthException",
			message: "(#100) Tag is no longer supported", details: fmt.Sprintf("The message tag %s can no longer be used.", m.Tag)}
	case m.Tag != "" && !liveTags[m.Tag]:
		return 0, nil, nil, invalid("Param tag must be one of {HUMAN_AGENT, CUSTOMER_FEEDBACK}; got %q", m.Tag)
	}
	switch m.NotificationType {
	case "", "REGULAR", "SILENT_PUSH", "NO_PUSH":
	default:
		return 0, nil, nil, invalid("Param notification_type must be one of {REGULAR, SILENT_PUSH, NO_PUSH}")
	}
	if err := checkMessengerMessage(&m, req); err != nil {
		return 0, nil, nil, err
	}
	if m.MessagingType == "RESPONSE" || m.MessagingType == "UPDATE" {
		if e, _ := s.faults.closedWindow(Messenger); e != nil {
			req.Fault = "window_closed"
			return 0, nil, nil, e
		}
	}
	req.MessageID = newMID()
	b, _ := json.Marshal(map[string]string{"recipient_id": m.Recipient.ID, "message_id": req.MessageID})
	return http.StatusOK, b, func(r Request) { s.hooks.messenger(r) }, nil
}

func checkMessengerMessage(m *msSend, req *Request) *apiError {
	msg := m.Message
	parts := 0
	for _, present := range []bool{msg.Text != nil, msg.Attachment != nil, msg.Template != nil} {
		if present {
			parts++
		}
	}
	if parts != 1 {
		return invalid("message must have exactly one of text, attachment or template")
	}
	if runes(msg.Metadata) >= msMetadataMax {
		return invalid("Param message['metadata'] must be shorter than %d characters", msMetadataMax)
	}
	switch {
	case msg.Text != nil:
		req.Kind, req.Text = "text", *msg.Text
		if *msg.Text == "" {
			return required("message['text']")
		}
		if runes(*msg.Text) >= msTextMax {
			return invalid("Param message['text'] must be UTF-8 and shorter than %d characters", msTextMax)
		}
	case msg.Template != nil:
		req.Kind = "utility_template"
		if m.MessagingType != "UTILITY" {
			return invalid("A message template must be sent with messaging_type UTILITY")
		}
		if msg.Template.Name == "" {
			return required("message['template']['name']")
		}
		if msg.Template.Language == nil || msg.Template.Language.Code == "" {
			return required("message['template']['language']['code']")
		}
		req.Text = "template:" + msg.Template.Name
	case msg.Attachment != nil:
		if err := checkAttachment(msg.Attachment.Type, msg.Attachment.Payload, req); err != nil {
			return err
		}
	}
	if m.MessagingType == "UTILITY" && msg.Template == nil {
		return invalid("messaging_type UTILITY is for message templates")
	}
	if len(msg.QuickReplies) > 0 {
		req.Kind = "quick_replies"
		if msg.Template != nil {
			return invalid("Quick replies cannot be sent with a template")
		}
	}
	if len(msg.QuickReplies) > msQuickRepliesMax {
		return invalid("Param message['quick_replies'] must have at most %d items; got %d", msQuickRepliesMax, len(msg.QuickReplies))
	}
	for _, q := range msg.QuickReplies {
		switch q.ContentType {
		case "text":
			payload := fmt.Sprint(q.Payload)
			if q.Title == "" || q.Payload == nil || payload == "" {
				return required("message['quick_replies'][]['title' and 'payload']")
			}
			if runes(q.Title) > msTitleMax {
				return invalid("Quick reply title length invalid. Max length: %d", msTitleMax)
			}
			if runes(payload) > msPayloadMax {
				return tooLong("Quick reply payload", msPayloadMax)
			}
			req.Choices = append(req.Choices, Choice{Kind: "quick_reply", ID: payload, Title: q.Title})
		case "user_phone_number", "user_email":
		case "location":
			return invalid("Location quick replies are no longer supported")
		default:
			return invalid("Param content_type must be one of {text, user_phone_number, user_email}")
		}
	}
	return nil
}

func checkAttachment(typ string, payload json.RawMessage, req *Request) *apiError {
	req.Kind = typ
	switch typ {
	case "template":
		var p msTemplatePayload
		if err := json.Unmarshal(payload, &p); err != nil {
			return invalid("Param message['attachment']['payload'] is not a template payload")
		}
		req.Kind = "template." + p.TemplateType
		switch p.TemplateType {
		case "button":
			if p.Text == "" {
				return required("message['attachment']['payload']['text']")
			}
			if runes(p.Text) > msButtonTextMax {
				return tooLong("Button template text", msButtonTextMax)
			}
			req.Text = p.Text
			if len(p.Buttons) < 1 || len(p.Buttons) > msButtonsMax {
				return invalid("Param buttons must have between 1 and %d items", msButtonsMax)
			}
			return checkButtons(p.Buttons, req)
		case "generic":
			if len(p.Elements) < 1 || len(p.Elements) > msElementsMax {
				return invalid("Param elements must have between 1 and %d items", msElementsMax)
			}
			for _, e := range p.Elements {
				if e.Title == "" {
					return required("elements[]['title']")
				}
				if runes(e.Title) > msElementTitleMax || runes(e.Subtitle) > msElementTitleMax {
					return tooLong("Element title and subtitle", msElementTitleMax)
				}
				if len(e.Buttons) > msButtonsMax {
					return invalid("Param elements[]['buttons'] must have at most %d items", msButtonsMax)
				}
				if err := checkButtons(e.Buttons, req); err != nil {
					return err
				}
			}
			req.Text = p.Elements[0].Title
		case "media", "receipt", "product", "coupon", "customer_feedback":
		default:
			return invalid("Param template_type %q is not supported", p.TemplateType)
		}
	case "image", "audio", "video", "file":
		var p msMediaPayload
		if err := json.Unmarshal(payload, &p); err != nil || (p.URL == "") == (p.AttachmentID == "") {
			return invalid("Param message['attachment']['payload'] must have exactly one of url or attachment_id")
		}
	default:
		return invalid("Param message['attachment']['type'] must be one of {template, image, audio, video, file}")
	}
	return nil
}

func checkButtons(buttons []msButton, req *Request) *apiError {
	for _, b := range buttons {
		if b.Title == "" {
			return required("buttons[]['title']")
		}
		if runes(b.Title) > msTitleMax {
			return invalid("Button title length invalid. Max length: %d", msTitleMax)
		}
		switch b.Type {
		case "postback":
			if b.Payload == "" {
				return required("buttons[]['payload']")
			}
			if runes(b.Payload) > msPayloadMax {
				return tooLong("Postback payload", msPayloadMax)
			}
			req.Choices = append(req.Choices, Choice{Kind: "postback", ID: b.Payload, Title: b.Title})
		case "web_url":
			if b.URL == "" {
				return required("buttons[]['url']")
			}
		case "phone_number":
			if b.Payload == "" {
				return required("buttons[]['payload']")
			}
		default:
			return invalid("Button type %q is not supported", b.Type)
		}
	}
	return nil
}
