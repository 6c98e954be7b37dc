package whatsapp

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

// Limits of the Cloud API send request (channels.md §3.1), in characters.
const (
	MaxTextBody        = 4096 // text.body
	MaxInteractiveBody = 1024 // interactive body (the OpenAPI limit, stricter than the list page)
	MaxCaption         = 1024 // image and document captions
	MaxButtons         = 3
	MaxButtonTitle     = 20
	MaxButtonID        = 256
	MaxListRows        = 10
	MaxRowTitle        = 24
	MaxRowDescription  = 72
	MaxRowID           = 200
	MaxListButton      = 20
)

// DefaultListButtonLabel opens a list when no localised label is configured.
const DefaultListButtonLabel = "Options"

// emptyBody stands in for the required body of an interactive message sent without
// text; it says nothing in any language.
const emptyBody = "…"

// RenderOptions are what rendering needs beyond the message itself.
type RenderOptions struct {
	// PublicBaseURL makes attachment paths ("/passes/TOKEN.pdf") absolute, since
	// WhatsApp fetches media by link.
	PublicBaseURL string
	// ListButtonLabel, optional, gives the label of the button that opens a list, in
	// the traveller's language (at most 20 characters); DefaultListButtonLabel otherwise.
	ListButtonLabel func(domain.Lang) string
}

// Render returns the Cloud API send request bodies for m, in the order to send them.
// Usually there is one; text longer than WhatsApp allows is split into several, and
// choices with a long text send the text first and the choices with its last part.
//
// With mode.Template set, the template is sent instead of m (outside the
// customer-service window only templates are allowed). Choices become reply buttons
// (at most 3, titles up to 20 characters), else a list (at most 10 rows, titles
// shortened to 24 characters), else a numbered text the traveller answers with a
// number. Render never rejects a message for being too long; it fails only for what
// no rendering can fix (no recipient id, no text, a relative attachment URL without
// a public base URL, template parameters that do not match their names).
func Render(to domain.Recipient, m domain.Outbound, mode domain.SendMode, opt RenderOptions) ([][]byte, error) {
	addr, err := address(to)
	if err != nil {
		return nil, fmt.Errorf("render whatsapp message: %w", err)
	}
	var reqs []sendRequest
	m.Text = clean(m.Text)
	switch {
	case mode.Template != nil:
		var r sendRequest
		r, err = renderTemplate(*mode.Template)
		reqs = []sendRequest{r}
	case m.Kind == domain.OutText:
		reqs, err = renderText(m.Text)
	case m.Kind == domain.OutChoices:
		reqs, err = renderChoices(m.Text, m.Choices, listLabel(opt, to.Lang))
	case m.Kind == domain.OutImage, m.Kind == domain.OutDocument:
		reqs, err = renderAttachment(m, opt.PublicBaseURL)
	default:
		err = fmt.Errorf("unknown message kind %q", m.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("render whatsapp message: %w", err)
	}
	out := make([][]byte, 0, len(reqs))
	for i, r := range reqs {
		r.MessagingProduct, r.RecipientType, r.To, r.Recipient = "whatsapp", "individual", addr.to, addr.recipient
		// Every part names itself: a status of the last means the whole message
		// went out, a status of an earlier one only that the parts up to it did.
		r.CallbackData = graphapi.Reference(m.ID, i+1, len(reqs))
		if mode.Template != nil {
			r.CallbackData = graphapi.TemplateReference(m.ID)
		}
		b, err := graphapi.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("render whatsapp message: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

type addressee struct{ to, recipient string }

// address picks the recipient field: "to" with a leading "+" for a phone number
// (without it WhatsApp would prepend the business number's country code), else
// "recipient" with the business-scoped user id, as the BSUID documentation prescribes
// for users whose phone number is not known.
func address(r domain.Recipient) (addressee, error) {
	if p, ok := phone(r.UserID); ok {
		return addressee{to: "+" + p}, nil
	}
	for _, id := range []string{r.UserID, r.AltUserID} {
		if isBSUID(id) {
			return addressee{recipient: id}, nil
		}
	}
	// The id is not echoed: it may be personal data.
	return addressee{}, errors.New("recipient is neither a phone number nor a business-scoped user id")
}

// phone returns the digits of a phone number written as digits with an optional "+".
func phone(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	if len(s) < 6 || len(s) > 15 {
		return "", false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return s, true
}

// isBSUID reports whether s looks like a business-scoped user id: an ISO country
// code, a dot, then letters and digits ("US.13491208655302741918"), with parent
// BSUIDs adding a segment ("US.ENT.11815799212886844830").
func isBSUID(s string) bool {
	if len(s) < 4 || len(s) > 140 || s[2] != '.' {
		return false
	}
	for i, c := range s {
		switch {
		case i < 2 && c >= 'A' && c <= 'Z':
		case i >= 2 && (c == '.' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'):
		default:
			return false
		}
	}
	return true
}

func listLabel(opt RenderOptions, lang domain.Lang) string {
	label := ""
	if opt.ListButtonLabel != nil {
		label = opt.ListButtonLabel(lang)
	}
	if strings.TrimSpace(label) == "" {
		label = DefaultListButtonLabel
	}
	return shorten(label, MaxListButton)
}

func renderText(s string) ([]sendRequest, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("text message without text")
	}
	var reqs []sendRequest
	for _, part := range splitText(s, MaxTextBody) {
		reqs = append(reqs, textRequest(part))
	}
	return reqs, nil
}

func textRequest(body string) sendRequest {
	return sendRequest{Type: "text", Text: &sendText{Body: body}}
}

// renderChoices degrades from reply buttons to a list to a numbered text.
func renderChoices(text string, choices []domain.Choice, label string) ([]sendRequest, error) {
	cs := make([]domain.Choice, 0, len(choices))
	for _, c := range choices {
		c.Title, c.Description = clean(c.Title), clean(c.Description)
		if c.Title == "" {
			c.Title = c.ID
		}
		cs = append(cs, c)
	}
	if len(cs) == 0 {
		return renderText(text)
	}
	var interactive *sendInteractive
	switch {
	case fitsButtons(cs):
		interactive = &sendInteractive{Type: "button", Action: sendAction{}}
		for _, c := range cs {
			interactive.Action.Buttons = append(interactive.Action.Buttons,
				sendButton{Type: "reply", Reply: sendReply{ID: c.ID, Title: c.Title}})
		}
	case fitsList(cs):
		interactive = &sendInteractive{Type: "list", Action: sendAction{Button: label}}
		rows := make([]sendRow, 0, len(cs))
		for _, c := range cs {
			row := sendRow{ID: c.ID, Title: shorten(c.Title, MaxRowTitle), Description: shorten(c.Description, MaxRowDescription)}
			if row.Description == "" && row.Title != c.Title {
				// The shortened title loses information; the description has room for it.
				row.Description = shorten(c.Title, MaxRowDescription)
			}
			rows = append(rows, row)
		}
		interactive.Action.Sections = []sendSection{{Rows: rows}}
	default:
		return renderText(numbered(text, cs))
	}
	if strings.TrimSpace(text) == "" {
		text = emptyBody
	}
	parts := splitLead(text, MaxInteractiveBody, MaxTextBody)
	var reqs []sendRequest
	for _, p := range parts[:len(parts)-1] {
		reqs = append(reqs, textRequest(p))
	}
	interactive.Body = sendBody{Text: parts[len(parts)-1]}
	return append(reqs, sendRequest{Type: "interactive", Interactive: interactive}), nil
}

func fitsButtons(cs []domain.Choice) bool {
	if len(cs) > MaxButtons {
		return false
	}
	seen := map[string]bool{}
	for _, c := range cs {
		if utf8.RuneCountInString(c.Title) > MaxButtonTitle || seen[c.Title] {
			return false
		}
		seen[c.Title] = true
	}
	return uniqueIDs(cs, MaxButtonID)
}

func fitsList(cs []domain.Choice) bool {
	return len(cs) <= MaxListRows && uniqueIDs(cs, MaxRowID)
}

// uniqueIDs reports whether every id is present, unique and at most n bytes long:
// an id is the payload that comes back on a tap, so it can never be shortened.
func uniqueIDs(cs []domain.Choice, n int) bool {
	seen := map[string]bool{}
	for _, c := range cs {
		if c.ID == "" || len(c.ID) > n || seen[c.ID] {
			return false
		}
		seen[c.ID] = true
	}
	return true
}

// numbered writes the choices as "1. Title – Description" lines under the text, for
// the traveller to answer with a number.
func numbered(text string, cs []domain.Choice) string {
	var b strings.Builder
	if t := strings.TrimSpace(text); t != "" {
		b.WriteString(t)
		b.WriteString("\n\n")
	}
	for i, c := range cs {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d. %s", i+1, c.Title)
		if c.Description != "" {
			b.WriteString(" – ")
			b.WriteString(c.Description)
		}
	}
	return b.String()
}

// renderAttachment sends an image or a document by link. A caption too long for
// WhatsApp, or text next to a caption, goes first as text.
func renderAttachment(m domain.Outbound, base string) ([]sendRequest, error) {
	a := m.Attachment
	if a == nil {
		return nil, fmt.Errorf("%s message without attachment", m.Kind)
	}
	link, err := absolute(a.URL, base)
	if err != nil {
		return nil, err
	}
	caption, lead := strings.TrimSpace(a.Caption), strings.TrimSpace(m.Text)
	if caption == "" {
		caption, lead = lead, ""
	}
	if utf8.RuneCountInString(caption) > MaxCaption {
		lead = strings.TrimSpace(lead + "\n\n" + caption)
		caption = ""
	}
	var reqs []sendRequest
	if lead != "" {
		reqs, _ = renderText(lead)
	}
	media := &sendMedia{Link: link, Caption: caption}
	r := sendRequest{Type: string(m.Kind)}
	if m.Kind == domain.OutImage {
		r.Image = media
	} else {
		media.Filename = a.Filename
		r.Document = media
	}
	return append(reqs, r), nil
}

// absolute resolves an attachment path against the public base URL.
func absolute(ref, base string) (string, error) {
	u, err := url.Parse(ref)
	if err != nil || ref == "" {
		return "", errors.New("attachment without a valid url")
	}
	if u.IsAbs() {
		return u.String(), nil
	}
	b, err := url.Parse(base)
	if err != nil || !b.IsAbs() {
		return "", errors.New("attachment path needs an absolute public base url")
	}
	// Join rather than resolve, so that a base with a path prefix keeps it.
	return strings.TrimRight(b.String(), "/") + "/" + strings.TrimLeft(u.String(), "/"), nil
}

func renderTemplate(t domain.TemplateRef) (sendRequest, error) {
	if t.Name == "" || t.Language == "" {
		return sendRequest{}, errors.New("template without name or language")
	}
	if len(t.ParamNames) > 0 && len(t.ParamNames) != len(t.Params) {
		return sendRequest{}, fmt.Errorf("template %s has %d parameters for %d names", t.Name, len(t.Params), len(t.ParamNames))
	}
	tpl := &sendTemplate{Name: t.Name, Language: sendLanguage{Code: t.Language}}
	if len(t.Params) > 0 {
		body := sendComponent{Type: "body"}
		for i, p := range t.Params {
			param := sendParameter{Type: "text", Text: p}
			if len(t.ParamNames) > 0 {
				param.ParameterName = t.ParamNames[i]
			}
			body.Parameters = append(body.Parameters, param)
		}
		tpl.Components = append(tpl.Components, body)
	}
	for i, p := range t.ButtonPayloads {
		tpl.Components = append(tpl.Components, sendComponent{
			Type: "button", SubType: "quick_reply", Index: strconv.Itoa(i),
			Parameters: []sendParameter{{Type: "payload", Payload: p}},
		})
	}
	return sendRequest{Type: "template", Template: tpl}, nil
}

// clean trims s and replaces invalid UTF-8, which JSON would turn into U+FFFD
// anyway: doing it first keeps limits and uniqueness checks true on the wire.
func clean(s string) string {
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}
