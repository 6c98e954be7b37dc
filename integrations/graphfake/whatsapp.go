package graphfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// WhatsApp Cloud API limits (channels.md §3.1).
const (
	waTextMax         = 4096
	waButtonsMax      = 3
	waButtonTitleMax  = 20
	waButtonIDMax     = 256
	waButtonBodyMax   = 1024
	waListBodyMax     = 4096
	waHeaderMax       = 60
	waFooterMax       = 60
	waListButtonMax   = 20
	waSectionsMax     = 10
	waRowsMax         = 10
	waSectionTitleMax = 24
	waRowTitleMax     = 24
	waRowIDMax        = 200
	waRowDescMax      = 72
	waCaptionMax      = 1024
)

type waTextBody struct {
	Body       *string `json:"body"`
	PreviewURL bool    `json:"preview_url"`
}

type waTextObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type waInteractive struct {
	Type   string     `json:"type"`
	Header *waTextObj `json:"header"`
	Body   *waTextObj `json:"body"`
	Footer *waTextObj `json:"footer"`
	Action *struct {
		Button  string `json:"button"`
		Buttons []struct {
			Type  string `json:"type"`
			Reply struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"reply"`
		} `json:"buttons"`
		Sections []struct {
			Title string `json:"title"`
			Rows  []struct {
				ID          string `json:"id"`
				Title       string `json:"title"`
				Description string `json:"description"`
			} `json:"rows"`
		} `json:"sections"`
		Name       string `json:"name"`
		Parameters *struct {
			DisplayText string `json:"display_text"`
			URL         string `json:"url"`
		} `json:"parameters"`
	} `json:"action"`
}

type waTemplate struct {
	Name     string `json:"name"`
	Language *struct {
		Code   string `json:"code"`
		Policy string `json:"policy"`
	} `json:"language"`
	Components []struct {
		Type       string `json:"type"`
		SubType    string `json:"sub_type"`
		Index      any    `json:"index"`
		Parameters []struct {
			Type    string `json:"type"`
			Text    string `json:"text"`
			Payload string `json:"payload"`
		} `json:"parameters"`
	} `json:"components"`
}

type waMedia struct {
	ID       string `json:"id"`
	Link     string `json:"link"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
}

type waSend struct {
	MessagingProduct string         `json:"messaging_product"`
	RecipientType    string         `json:"recipient_type"`
	To               string         `json:"to"`
	Type             string         `json:"type"`
	Status           string         `json:"status"`
	MessageID        string         `json:"message_id"`
	Text             *waTextBody    `json:"text"`
	Interactive      *waInteractive `json:"interactive"`
	Template         *waTemplate    `json:"template"`
	Image            *waMedia       `json:"image"`
	Document         *waMedia       `json:"document"`
	Audio            *waMedia       `json:"audio"`
	Video            *waMedia       `json:"video"`
	Sticker          *waMedia       `json:"sticker"`
	Reaction         *struct {
		MessageID string `json:"message_id"`
		Emoji     string `json:"emoji"`
	} `json:"reaction"`
	Location json.RawMessage `json:"location"`
	Contacts json.RawMessage `json:"contacts"`
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// sendWhatsApp validates a Cloud API send and answers it.
func (s *Server) sendWhatsApp(raw []byte, req *Request) (int, []byte, func(Request), *apiError) {
	var m waSend
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		return 0, nil, nil, invalid("the request body is not a valid JSON object: %v", err)
	}
	if m.MessagingProduct == "" {
		return 0, nil, nil, required("messaging_product")
	}
	if m.MessagingProduct != "whatsapp" {
		return 0, nil, nil, invalid("Param messaging_product must be 'whatsapp'")
	}
	if m.Status != "" {
		req.Kind = "read"
		if m.Status != "read" {
			return 0, nil, nil, invalid("Param status must be 'read'")
		}
		if !strings.HasPrefix(m.MessageID, "wamid.") {
			return 0, nil, nil, required("message_id")
		}
		b, _ := json.Marshal(map[string]any{"success": true})
		return http.StatusOK, b, nil, nil
	}
	if m.RecipientType != "" && m.RecipientType != "individual" {
		return 0, nil, nil, invalid("Param recipient_type must be 'individual'")
	}
	if m.To == "" {
		return 0, nil, nil, required("to")
	}
	if err := checkTo(m.To); err != nil {
		return 0, nil, nil, err
	}
	req.Recipient = normalizeRecipient(m.To)
	if m.Type == "" && m.Text != nil {
		m.Type = "text" // Meta's default
	}
	if m.Type == "" {
		return 0, nil, nil, required("type")
	}
	req.Kind = m.Type
	if err := s.checkWhatsAppObject(&m, req); err != nil {
		return 0, nil, nil, err
	}
	var async bool
	if m.Type != "template" && m.Type != "reaction" {
		var e *apiError
		if e, async = s.faults.closedWindow(WhatsApp); e != nil {
			req.Fault = "window_closed"
			return 0, nil, nil, e
		}
		if async {
			req.Fault = "window_closed_async"
		}
	}
	req.MessageID = newWAMID()
	waID := strings.TrimPrefix(m.To, "+")
	b, _ := json.Marshal(map[string]any{
		"messaging_product": "whatsapp",
		"contacts":          []map[string]string{{"input": m.To, "wa_id": waID}},
		"messages":          []map[string]string{{"id": req.MessageID}},
	})
	template := m.Type == "template"
	after := func(r Request) { s.hooks.whatsapp(r, template, async) }
	return http.StatusOK, b, after, nil
}

// checkTo accepts a phone number in international form (digits, optional "+")
// or a business-scoped user id ("US.1349…").
func checkTo(to string) *apiError {
	digits := strings.TrimPrefix(to, "+")
	if strings.Contains(digits, ".") {
		return nil
	}
	if len(digits) < 6 || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
		return &apiError{status: 400, code: 131009, typ: "OAuthException",
			message: "(#131009) Parameter value is not valid", details: "Recipient phone number is not a valid phone number."}
	}
	return nil
}

func (s *Server) checkWhatsAppObject(m *waSend, req *Request) *apiError {
	switch m.Type {
	case "text":
		if m.Text == nil {
			return required("text")
		}
		if m.Text.Body == nil || *m.Text.Body == "" {
			return required("text['body']")
		}
		if runes(*m.Text.Body) > waTextMax {
			return tooLong("Param text['body']", waTextMax)
		}
		req.Text = *m.Text.Body
	case "interactive":
		if m.Interactive == nil {
			return required("interactive")
		}
		return checkInteractive(m.Interactive, req)
	case "template":
		if m.Template == nil {
			return required("template")
		}
		t := m.Template
		if t.Name == "" {
			return required("template['name']")
		}
		if t.Language == nil || t.Language.Code == "" {
			return required("template['language']['code']")
		}
		if s.templates != nil && !s.templates[t.Name] {
			return &apiError{status: 404, code: 132001, typ: "OAuthException",
				message: "(#132001) Template name does not exist in the translation",
				details: fmt.Sprintf("template name (%s) does not exist in %s", t.Name, t.Language.Code)}
		}
		req.Text = "template:" + t.Name
		for _, c := range t.Components {
			switch c.Type {
			case "header", "body", "footer":
			case "button":
				if c.SubType == "" {
					return required("template['components'][]['sub_type']")
				}
				if c.Index == nil {
					return required("template['components'][]['index']")
				}
				if c.SubType == "quick_reply" {
					for _, p := range c.Parameters {
						req.Choices = append(req.Choices, Choice{Kind: "button", ID: p.Payload})
					}
				}
			default:
				return invalid("Invalid template component type %q", c.Type)
			}
		}
	case "image", "document", "audio", "video", "sticker":
		media := map[string]*waMedia{"image": m.Image, "document": m.Document, "audio": m.Audio, "video": m.Video, "sticker": m.Sticker}[m.Type]
		if media == nil {
			return required(m.Type)
		}
		if (media.ID == "") == (media.Link == "") {
			return invalid("Param %s must have exactly one of 'id' or 'link'", m.Type)
		}
		if runes(media.Caption) > waCaptionMax {
			return tooLong("Param "+m.Type+"['caption']", waCaptionMax)
		}
		req.Text = media.Caption
	case "reaction":
		if m.Reaction == nil || m.Reaction.MessageID == "" {
			return required("reaction['message_id']")
		}
	case "location", "contacts":
		if len(m.Location) == 0 && m.Type == "location" || len(m.Contacts) == 0 && m.Type == "contacts" {
			return required(m.Type)
		}
	default:
		return invalid("Param type must be one of {text, interactive, template, image, document, audio, video, sticker, reaction, location, contacts}; got %q", m.Type)
	}
	return nil
}

func checkInteractive(in *waInteractive, req *Request) *apiError {
	req.Kind = "interactive." + in.Type
	if in.Header != nil {
		if in.Header.Type == "" {
			return required("interactive['header']['type']")
		}
		if runes(in.Header.Text) > waHeaderMax {
			return tooLong("Header text", waHeaderMax)
		}
	}
	if in.Footer != nil && runes(in.Footer.Text) > waFooterMax {
		return tooLong("Footer text", waFooterMax)
	}
	if in.Body == nil || in.Body.Text == "" {
		return required("interactive['body']['text']")
	}
	req.Text = in.Body.Text
	if in.Action == nil {
		return required("interactive['action']")
	}
	a := in.Action
	switch in.Type {
	case "button":
		if runes(in.Body.Text) > waButtonBodyMax {
			return tooLong("Body text", waButtonBodyMax)
		}
		if len(a.Buttons) < 1 || len(a.Buttons) > waButtonsMax {
			return invalid("Param interactive['action']['buttons'] must have between 1 and %d items; got %d", waButtonsMax, len(a.Buttons))
		}
		titles := map[string]bool{}
		ids := map[string]bool{}
		for _, b := range a.Buttons {
			if b.Type != "reply" {
				return invalid("Button type must be 'reply'")
			}
			if b.Reply.ID == "" || b.Reply.Title == "" {
				return required("interactive['action']['buttons'][]['reply']['id' and 'title']")
			}
			if runes(b.Reply.Title) > waButtonTitleMax {
				return invalid("Button title length invalid. Min length: 1, Max length: %d", waButtonTitleMax)
			}
			if runes(b.Reply.ID) > waButtonIDMax {
				return tooLong("Button id", waButtonIDMax)
			}
			if titles[b.Reply.Title] || ids[b.Reply.ID] {
				return invalid("Button title and id must be unique")
			}
			titles[b.Reply.Title], ids[b.Reply.ID] = true, true
			req.Choices = append(req.Choices, Choice{Kind: "button_reply", ID: b.Reply.ID, Title: b.Reply.Title})
		}
	case "list":
		if runes(in.Body.Text) > waListBodyMax {
			return tooLong("Body text", waListBodyMax)
		}
		if in.Header != nil && in.Header.Type != "text" {
			return invalid("List header type must be 'text'")
		}
		if a.Button == "" {
			return required("interactive['action']['button']")
		}
		if runes(a.Button) > waListButtonMax {
			return tooLong("Action button", waListButtonMax)
		}
		if len(a.Sections) < 1 || len(a.Sections) > waSectionsMax {
			return invalid("Param interactive['action']['sections'] must have between 1 and %d items", waSectionsMax)
		}
		rows := 0
		ids := map[string]bool{}
		for _, sec := range a.Sections {
			if len(a.Sections) > 1 && sec.Title == "" {
				return required("interactive['action']['sections'][]['title']")
			}
			if runes(sec.Title) > waSectionTitleMax {
				return tooLong("Section title", waSectionTitleMax)
			}
			if len(sec.Rows) == 0 {
				return invalid("Each section must have at least one row")
			}
			for _, r := range sec.Rows {
				rows++
				if r.ID == "" || r.Title == "" {
					return required("interactive['action']['sections'][]['rows'][]['id' and 'title']")
				}
				if runes(r.Title) > waRowTitleMax {
					return invalid("Row title length invalid. Max length: %d", waRowTitleMax)
				}
				if runes(r.ID) > waRowIDMax {
					return tooLong("Row id", waRowIDMax)
				}
				if runes(r.Description) > waRowDescMax {
					return tooLong("Row description", waRowDescMax)
				}
				if ids[r.ID] {
					return invalid("Row ids must be unique")
				}
				ids[r.ID] = true
				req.Choices = append(req.Choices, Choice{Kind: "list_reply", ID: r.ID, Title: r.Title, Description: r.Description})
			}
		}
		if rows > waRowsMax {
			return invalid("Total row count exceed max allowed count: %d", waRowsMax)
		}
	case "cta_url":
		if a.Name != "cta_url" || a.Parameters == nil || a.Parameters.URL == "" || a.Parameters.DisplayText == "" {
			return required("interactive['action']['parameters']['display_text' and 'url']")
		}
		if runes(a.Parameters.DisplayText) > waButtonTitleMax {
			return tooLong("Display text", waButtonTitleMax)
		}
	default:
		return invalid("Param interactive['type'] must be one of {button, list, cta_url}; got %q", in.Type)
	}
	return nil
}
