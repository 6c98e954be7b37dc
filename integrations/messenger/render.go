package messenger

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/skybridge/skybridge/integrations/graphapi"

	"github.com/skybridge/skybridge/domain"
)

// Limits of the Send API.
const (
	maxText         = 1999 // message.text must be shorter than 2000 characters
	maxQuickReplies = 13
	maxQuickTitle   = 20
	maxPayload      = 1000 // quick-reply and postback payloads
	maxButtons      = 3
	maxButtonTitle  = 20
	maxButtonText   = 640
)

// Messaging types and the one tag Skybridge sends.
const (
	typeResponse   = "RESPONSE"    // a reply inside the 24-hour window
	typeUpdate     = "UPDATE"      // proactive, inside the window
	typeMessageTag = "MESSAGE_TAG" // outside the window, with a tag
	typeUtility    = "UTILITY"     // an approved utility template
	tagHumanAgent  = "HUMAN_AGENT" // a person's reply, up to 7 days after the traveller wrote
)

// Render returns the Send API request bodies that deliver m to a traveller, in the
// order they must be sent. Most messages need one request; long text needs several,
// and an image or document with a caption is the attachment followed by the caption
// as text, because Messenger attachments carry no caption.
//
// With mode.Template set, the approved utility template is sent instead of m.
// publicBaseURL (e.g. "https://skybridge.example.com") makes attachment paths
// absolute. Render never rejects a message for being too long or having too many
// choices: it degrades (see the package comment). It fails only on messages that
// cannot be expressed at all, such as choices without a prompt or an attachment
// without a URL.
func Render(to domain.Recipient, m domain.Outbound, mode domain.SendMode, publicBaseURL string) ([][]byte, error) {
	reqs, err := render(to, m, mode, publicBaseURL)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(reqs))
	for _, r := range reqs {
		b, err := graphapi.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("render messenger message: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

// sendRequest is the body of POST /{page-id}/messages.
type sendRequest struct {
	Recipient     recipient   `json:"recipient"`
	MessagingType string      `json:"messaging_type,omitempty"`
	Tag           string      `json:"tag,omitempty"`
	Message       *outMessage `json:"message,omitempty"`
	SenderAction  string      `json:"sender_action,omitempty"`
}

type recipient struct {
	ID string `json:"id"`
}

type outMessage struct {
	// Metadata carries our reference of the message and the part
	// (graphapi.Reference); Meta returns it in the message_echoes webhook, which
	// is how a part sent just before a crash is recognised as sent.
	Metadata     string           `json:"metadata,omitempty"`
	Text         string           `json:"text,omitempty"`
	QuickReplies []outQuickReply  `json:"quick_replies,omitempty"`
	Attachment   *outAttachment   `json:"attachment,omitempty"`
	Template     *utilityTemplate `json:"template,omitempty"`
}

type outQuickReply struct {
	ContentType string `json:"content_type"`
	Title       string `json:"title"`
	Payload     string `json:"payload"`
}

type outAttachment struct {
	Type    string `json:"type"` // image, file, template
	Payload any    `json:"payload"`
}

type mediaPayload struct {
	URL string `json:"url"`
	// IsReusable is false: boarding passes are personal and sent once, so Meta
	// need not keep them for reuse by attachment id.
	IsReusable bool `json:"is_reusable"`
}

type buttonPayload struct {
	TemplateType string      `json:"template_type"` // "button"
	Text         string      `json:"text"`
	Buttons      []outButton `json:"buttons"`
}

type outButton struct {
	Type    string `json:"type"` // "postback"
	Title   string `json:"title"`
	Payload string `json:"payload"`
}

type utilityTemplate struct {
	Name       string      `json:"name"`
	Language   language    `json:"language"`
	Components []component `json:"components,omitempty"`
}

type language struct {
	Code string `json:"code"`
}

type component struct {
	Type       string      `json:"type"`
	SubType    string      `json:"sub_type,omitempty"`
	Index      string      `json:"index,omitempty"`
	Parameters []parameter `json:"parameters"`
}

type parameter struct {
	Type          string `json:"type"`
	Text          string `json:"text,omitempty"`
	ParameterName string `json:"parameter_name,omitempty"`
	Payload       string `json:"payload,omitempty"`
}

func render(to domain.Recipient, m domain.Outbound, mode domain.SendMode, publicBaseURL string) ([]sendRequest, error) {
	if to.UserID == "" {
		return nil, errors.New("render messenger message: no recipient")
	}
	if mode.Template != nil {
		msg, err := renderTemplate(*mode.Template, to.Lang)
		if err != nil {
			return nil, err
		}
		msg.Metadata = graphapi.TemplateReference(m.ID)
		return []sendRequest{{Recipient: recipient{to.UserID}, MessagingType: typeUtility, Message: msg}}, nil
	}
	msgs, err := renderMessage(m, publicBaseURL)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return nil, errors.New("render messenger message: nothing to send")
	}
	mt, tag := typeResponse, ""
	switch {
	case mode.HumanAgent:
		mt, tag = typeMessageTag, tagHumanAgent
	case mode.Proactive:
		mt = typeUpdate
	}
	reqs := make([]sendRequest, len(msgs))
	for i, msg := range msgs {
		// Every part names itself: the echo of the last means the whole message
		// went out, the echo of an earlier one that the parts up to it did.
		msg.Metadata = graphapi.Reference(m.ID, i+1, len(msgs))
		reqs[i] = sendRequest{Recipient: recipient{to.UserID}, MessagingType: mt, Tag: tag, Message: msg}
	}
	return reqs, nil
}

func renderMessage(m domain.Outbound, publicBaseURL string) ([]*outMessage, error) {
	switch m.Kind {
	case domain.OutImage, domain.OutDocument:
		return renderAttachment(m, publicBaseURL)
	case domain.OutText, domain.OutChoices, "":
		if len(m.Choices) > 0 {
			return renderChoices(m.Text, m.Choices)
		}
		parts := splitText(m.Text, maxText)
		if len(parts) == 0 {
			return nil, errors.New("render messenger message: empty text")
		}
		return textMessages(parts), nil
	}
	return nil, fmt.Errorf("render messenger message: unknown kind %q", m.Kind)
}

func textMessages(parts []string) []*outMessage {
	out := make([]*outMessage, len(parts))
	for i, p := range parts {
		out[i] = &outMessage{Text: p}
	}
	return out
}

// renderChoices picks the richest form that shows every choice in full and keeps it
// tappable:
//
//  1. up to 13 choices whose titles fit 20 characters: quick replies (descriptions,
//     which quick replies cannot show, are listed in the text);
//  2. up to 3 choices without descriptions whose titles do not fit: a button
//     template with shortened titles, when the prompt fits its 640 characters and
//     the shortened titles stay distinct;
//  3. up to 13 choices: the prompt with a numbered list of full titles and
//     descriptions, and quick replies "1. Title…";
//  4. more: the numbered list alone; the traveller answers with a number.
func renderChoices(text string, choices []domain.Choice) ([]*outMessage, error) {
	prompt := strings.TrimSpace(text)
	if prompt == "" {
		return nil, errors.New("render messenger message: choices without a prompt")
	}
	titles := make([]string, len(choices))
	fit, described, tappable := true, false, true
	for i, c := range choices {
		titles[i] = oneLine(c.Title)
		fit = fit && titles[i] != "" && width(titles[i]) <= maxQuickTitle
		described = described || oneLine(c.Description) != ""
		// A payload is the flow's id: shortening it would break the flow, so a
		// choice whose id does not fit cannot be tapped.
		tappable = tappable && c.ID != "" && len(c.ID) <= maxPayload
	}
	n := len(choices)

	if tappable && fit && n <= maxQuickReplies {
		body := prompt
		if described {
			var lines []string
			for i, c := range choices {
				if d := oneLine(c.Description); d != "" {
					lines = append(lines, titles[i]+" – "+d)
				}
			}
			body += "\n\n" + strings.Join(lines, "\n")
		}
		qr := make([]outQuickReply, n)
		for i, c := range choices {
			qr[i] = outQuickReply{ContentType: "text", Title: titles[i], Payload: c.ID}
		}
		return withQuickReplies(splitText(body, maxText), qr), nil
	}

	if tappable && !described && n <= maxButtons && width(prompt) <= maxButtonText {
		buttons := make([]outButton, n)
		seen := map[string]bool{}
		distinct := true
		for i, c := range choices {
			t := shorten(titles[i], maxButtonTitle)
			distinct = distinct && t != "" && !seen[t]
			seen[t] = true
			buttons[i] = outButton{Type: "postback", Title: t, Payload: c.ID}
		}
		if distinct {
			return []*outMessage{{Attachment: &outAttachment{Type: "template", Payload: buttonPayload{
				TemplateType: "button", Text: prompt, Buttons: buttons,
			}}}}, nil
		}
	}

	var list strings.Builder
	for i, c := range choices {
		if i > 0 {
			list.WriteByte('\n')
		}
		list.WriteString(strconv.Itoa(i+1) + ". " + titles[i])
		if d := oneLine(c.Description); d != "" {
			list.WriteString(" – " + d)
		}
	}
	parts := splitText(prompt+"\n\n"+list.String(), maxText)
	if !tappable || n > maxQuickReplies {
		return textMessages(parts), nil
	}
	qr := make([]outQuickReply, n)
	for i, c := range choices {
		qr[i] = outQuickReply{ContentType: "text", Title: shorten(strconv.Itoa(i+1)+". "+titles[i], maxQuickTitle), Payload: c.ID}
	}
	return withQuickReplies(parts, qr), nil
}

// withQuickReplies attaches quick replies to the last part: they show under the
// newest message and vanish with the next one.
func withQuickReplies(parts []string, qr []outQuickReply) []*outMessage {
	msgs := textMessages(parts)
	msgs[len(msgs)-1].QuickReplies = qr
	return msgs
}

func renderAttachment(m domain.Outbound, publicBaseURL string) ([]*outMessage, error) {
	a := m.Attachment
	if a == nil {
		return nil, fmt.Errorf("render messenger %s: no attachment", m.Kind)
	}
	u, err := absoluteURL(publicBaseURL, a.URL)
	if err != nil {
		return nil, fmt.Errorf("render messenger %s: %w", m.Kind, err)
	}
	typ := "file"
	if m.Kind == domain.OutImage {
		typ = "image"
	}
	caption := strings.TrimSpace(a.Caption)
	if text := strings.TrimSpace(m.Text); text != "" && text != caption {
		if caption != "" {
			caption = text + "\n\n" + caption
		} else {
			caption = text
		}
	}
	// A card (generic template) carries the picture or the link together with its
	// caption in one message; only a caption too long for a card needs the
	// attachment and a text after it.
	if card, ok := genericCard(typ, u, caption); ok {
		return []*outMessage{card}, nil
	}
	msgs := []*outMessage{{Attachment: &outAttachment{Type: typ, Payload: mediaPayload{URL: u}}}}
	return append(msgs, textMessages(splitText(caption, maxText))...), nil
}

// Generic template limits.
const (
	maxCardTitle    = 80
	maxCardSubtitle = 80
)

type genericPayload struct {
	TemplateType string        `json:"template_type"` // "generic"
	Elements     []cardElement `json:"elements"`
}

type cardElement struct {
	Title    string      `json:"title"`
	Subtitle string      `json:"subtitle,omitempty"`
	ImageURL string      `json:"image_url,omitempty"`
	Buttons  []urlButton `json:"buttons,omitempty"`
}

type urlButton struct {
	Type  string `json:"type"` // "web_url"
	URL   string `json:"url"`
	Title string `json:"title"`
}

// genericCard renders an image or a file as one generic-template card: the first
// caption line is the title, the rest the subtitle; a file gets a button that
// opens it. It reports false when the caption does not fit a card.
func genericCard(typ, url, caption string) (*outMessage, bool) {
	lines := strings.SplitN(caption, "\n", 2)
	title := strings.TrimSpace(lines[0])
	subtitle := ""
	if len(lines) == 2 {
		subtitle = oneLine(lines[1])
	}
	if title == "" || utf8.RuneCountInString(title) > maxCardTitle || utf8.RuneCountInString(subtitle) > maxCardSubtitle {
		return nil, false
	}
	el := cardElement{Title: title, Subtitle: subtitle}
	if typ == "image" {
		el.ImageURL = url
	} else {
		el.Buttons = []urlButton{{Type: "web_url", URL: url, Title: "PDF"}}
	}
	return &outMessage{Attachment: &outAttachment{Type: "template",
		Payload: genericPayload{TemplateType: "generic", Elements: []cardElement{el}}}}, true
}

// absoluteURL resolves an attachment path against the public base URL; absolute
// http(s) URLs are kept.
func absoluteURL(base, path string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return "", errors.New("attachment without url")
	}
	if p, err := url.Parse(path); err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" {
		return path, nil
	}
	b, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (b.Scheme != "https" && b.Scheme != "http") || b.Host == "" {
		return "", errors.New("attachment path needs an absolute public base url")
	}
	return strings.TrimRight(b.String(), "/") + "/" + strings.TrimLeft(path, "/"), nil
}

// renderTemplate builds a utility template message. Body parameters are positional,
// or named when ParamNames is set; button payloads fill the template's postback
// buttons in order.
func renderTemplate(t domain.TemplateRef, fallback domain.Lang) (*outMessage, error) {
	if strings.TrimSpace(t.Name) == "" {
		return nil, errors.New("render messenger template: no name")
	}
	lang := t.Language
	if lang == "" {
		lang = string(fallback)
	}
	if lang == "" {
		return nil, fmt.Errorf("render messenger template %s: no language", t.Name)
	}
	if len(t.ParamNames) > 0 && len(t.ParamNames) != len(t.Params) {
		return nil, fmt.Errorf("render messenger template %s: %d params but %d names", t.Name, len(t.Params), len(t.ParamNames))
	}
	tpl := &utilityTemplate{Name: t.Name, Language: language{Code: lang}}
	if len(t.Params) > 0 {
		body := component{Type: "body"}
		for i, p := range t.Params {
			param := parameter{Type: "text", Text: p}
			if len(t.ParamNames) > 0 {
				param.ParameterName = t.ParamNames[i]
			}
			body.Parameters = append(body.Parameters, param)
		}
		tpl.Components = append(tpl.Components, body)
	}
	for i, p := range t.ButtonPayloads {
		if len(p) > maxPayload {
			return nil, fmt.Errorf("render messenger template %s: button %d payload longer than %d", t.Name, i+1, maxPayload)
		}
		tpl.Components = append(tpl.Components, component{
			Type: "button", SubType: "postback", Index: strconv.Itoa(i),
			Parameters: []parameter{{Type: "payload", Payload: p}},
		})
	}
	return &outMessage{Template: tpl}, nil
}

// oneLine collapses runs of white space, newlines included: titles are one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
