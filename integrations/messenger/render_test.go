package messenger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

const testBase = "https://skybridge.example.com"

var traveller = domain.Recipient{UserID: "PSID", Lang: "en"}

func choices(n int, title func(i int) string) []domain.Choice {
	out := make([]domain.Choice, n)
	for i := range out {
		out[i] = domain.Choice{ID: "opt:" + strconv.Itoa(i+1), Title: title(i + 1)}
	}
	return out
}

// longText is about 4500 characters of paragraphs, as a long policy answer would be.
func longText() string {
	var b strings.Builder
	for p := 1; p <= 9; p++ {
		fmt.Fprintf(&b, "Paragraph %d. ", p)
		for s := 0; s < 8; s++ {
			b.WriteString("Your baggage allowance depends on the fare you booked and the route you fly. ")
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

type renderCase struct {
	name string
	to   domain.Recipient
	m    domain.Outbound
	mode domain.SendMode
}

func renderCases() []renderCase {
	seats := []domain.Choice{
		{ID: "seat:14A", Title: "14A", Description: "window"},
		{ID: "seat:14C", Title: "14C", Description: "aisle"},
		{ID: "seat:15F", Title: "15F", Description: "window, extra legroom"},
	}
	return []renderCase{
		{name: "text", m: domain.Outbound{Kind: domain.OutText, Text: "Check-in for SB123 Brussels → Lisbon is open. Reply with your booking reference & surname."}},
		{name: "text_long_split", m: domain.Outbound{Kind: domain.OutText, Text: longText()}},
		{name: "image_with_reference", m: domain.Outbound{ID: 42, Kind: domain.OutImage, Text: "Ann Smith · SB123 BRU → LIS · seat 14C · boarding 09:20", Attachment: &domain.Attachment{
			URL: "/passes/tok3n.png", Filename: "boarding-pass-SB123-BRU-smith.png", MIME: "image/png", Caption: "Ann Smith · SB123 BRU → LIS · seat 14C · boarding 09:20"}}},
		{name: "quick_replies_2", m: domain.Outbound{Kind: domain.OutChoices, Text: "Seat preference?", Choices: []domain.Choice{
			{ID: "SEAT_PREF_WINDOW", Title: "Window"}, {ID: "SEAT_PREF_AISLE", Title: "Aisle"}}}},
		{name: "quick_replies_13", m: domain.Outbound{Kind: domain.OutChoices, Text: "Which flight?", Choices: choices(13, func(i int) string { return fmt.Sprintf("SB%d 14:%02d", 100+i, i) })}},
		{name: "quick_replies_with_descriptions", m: domain.Outbound{Kind: domain.OutChoices, Text: "Pick a seat for Ann Smith on SB123.", Choices: seats}},
		{name: "choices_14_numbered_text", m: domain.Outbound{Kind: domain.OutChoices, Text: "Which flight?", Choices: choices(14, func(i int) string { return fmt.Sprintf("SB%d 14:%02d", 100+i, i) })}},
		{name: "long_titles_button_template", m: domain.Outbound{Kind: domain.OutChoices, Text: "I found flight SB123 Brussels → Lisbon. Who is checking in?", Choices: []domain.Choice{
			{ID: "pax:1", Title: "Mrs Maria Fernanda Gonzalez"}, {ID: "pax:2", Title: "Mr Jean-Baptiste Dupont"}, {ID: "pax:all", Title: "All passengers on this booking"}}}},
		{name: "long_titles_numbered_quick_replies", m: domain.Outbound{Kind: domain.OutChoices, Text: "Who is checking in?", Choices: []domain.Choice{
			{ID: "pax:1", Title: "Mrs Maria Fernanda Gonzalez"}, {ID: "pax:2", Title: "Mrs Maria Fernanda Gonzalez Jr"},
			{ID: "pax:3", Title: "Mr Jean-Baptiste Dupont"}, {ID: "pax:4", Title: "Miss Zoë Dupont"}, {ID: "pax:all", Title: "All passengers on this booking"}}}},
		{name: "button_titles_ambiguous_when_shortened", m: domain.Outbound{Kind: domain.OutChoices, Text: "Who is checking in?", Choices: []domain.Choice{
			{ID: "pax:1", Title: "Mrs Maria Fernanda Gonzalez"}, {ID: "pax:2", Title: "Mrs Maria Fernanda Gonzalez Jr"}}}},
		{name: "image", m: domain.Outbound{Kind: domain.OutImage, Text: "Ann Smith · SB123 BRU → LIS · seat 14C · boarding 09:20", Attachment: &domain.Attachment{
			URL: "/passes/tok3n.png", Filename: "boarding-pass-SB123-BRU-smith.png", MIME: "image/png", Caption: "Ann Smith · SB123 BRU → LIS · seat 14C · boarding 09:20"}}},
		{name: "document_file", m: domain.Outbound{Kind: domain.OutDocument, Attachment: &domain.Attachment{
			URL: "/passes/tok3n.pdf", Filename: "boarding-pass-SB123-BRU-smith.pdf", MIME: "application/pdf", Caption: "PDF boarding pass for Ann Smith, SB123"}}},
		{name: "update_proactive", mode: domain.SendMode{Proactive: true}, m: domain.Outbound{Kind: domain.OutText, Purpose: "flight_delay", Text: "SB123 is delayed to 14:40."}},
		{name: "human_agent", mode: domain.SendMode{HumanAgent: true, Proactive: true}, m: domain.Outbound{Kind: domain.OutText, Text: "Hi Ann, this is Sofie from the service desk: your rebooking is done."}},
		{name: "human_agent_from_message", m: domain.Outbound{Kind: domain.OutText, HumanAgent: true, Text: "Hello again, Sofie here."}},
		{name: "template_positional", to: domain.Recipient{UserID: "PSID", Lang: "fr"}, mode: domain.SendMode{Template: &domain.TemplateRef{
			Name: "flight_delay", Language: "en_GB", Params: []string{"SB123", "14:40"}}},
			m: domain.Outbound{Kind: domain.OutText, Text: "ignored: the template is sent"}},
		{name: "template_named_with_buttons", mode: domain.SendMode{Template: &domain.TemplateRef{
			Name: "checkin_open", Params: []string{"Ann", "SB123"}, ParamNames: []string{"first_name", "flight"},
			ButtonPayloads: []string{"checkin:start", "checkin:later"}}},
			m: domain.Outbound{Kind: domain.OutText, Text: "ignored"}},
	}
}

// TestRenderGolden pins the Send API bodies of each rendering and degradation.
func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, c := range renderCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			to := c.to
			if to.UserID == "" {
				to = traveller
			}
			bodies, err := Render(to, c.m, c.mode, testBase)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			var b bytes.Buffer
			for i, body := range bodies {
				fmt.Fprintf(&b, "# request %d of %d\n", i+1, len(bodies))
				if err := json.Indent(&b, body, "", "  "); err != nil {
					t.Fatalf("request %d is not JSON: %v", i+1, err)
				}
				b.WriteByte('\n')
			}
			golden(t, filepath.Join("testdata", "render", c.name+".golden"), b.Bytes())
		})
	}
}

// wireMessage is what the limit checks read back from a rendered body.
type wireMessage struct {
	Recipient     struct{ ID string } `json:"recipient"`
	MessagingType string              `json:"messaging_type"`
	Tag           string              `json:"tag"`
	Message       struct {
		Text         string `json:"text"`
		QuickReplies []struct {
			ContentType string `json:"content_type"`
			Title       string `json:"title"`
			Payload     string `json:"payload"`
		} `json:"quick_replies"`
		Attachment *struct {
			Type    string `json:"type"`
			Payload struct {
				URL          string `json:"url"`
				TemplateType string `json:"template_type"`
				Text         string `json:"text"`
				Buttons      []struct {
					Type, Title, Payload string
				} `json:"buttons"`
			} `json:"payload"`
		} `json:"attachment"`
		Template *json.RawMessage `json:"template"`
	} `json:"message"`
}

func decodeWire(t *testing.T, body []byte) wireMessage {
	t.Helper()
	var w wireMessage
	if err := json.Unmarshal(body, &w); err != nil {
		t.Fatalf("rendered body is not JSON: %v\n%s", err, body)
	}
	return w
}

// TestRenderStaysWithinLimits renders messages of every size Skybridge can produce
// and checks each request against Messenger's limits, that every choice can still be
// answered (tapped, or typed as its number), and that no text is lost in splitting.
func TestRenderStaysWithinLimits(t *testing.T) {
	t.Parallel()
	titles := map[string]func(i int) string{
		"short": func(i int) string { return "Option " + strconv.Itoa(i) },
		"long": func(i int) string {
			return fmt.Sprintf("Passenger number %d with a very long double-barrelled name", i)
		},
		"emoji":  func(i int) string { return strings.Repeat("✈️🧳", 4) + strconv.Itoa(i) },
		"accent": func(i int) string { return strings.Repeat("e\u0301", 25) + strconv.Itoa(i) },
	}
	texts := map[string]string{
		"short":   "Choose one.",
		"640":     strings.Repeat("x", 641),
		"long":    longText(),
		"emoji":   strings.Repeat("🛫 ", 1500),
		"nospace": strings.Repeat("ä", 5000),
	}
	for tn, text := range texts {
		for ln, title := range titles {
			for n := 0; n <= 16; n++ {
				kind := domain.OutChoices
				if n == 0 {
					kind = domain.OutText
				}
				cs := choices(n, title)
				if n%2 == 1 {
					for i := range cs {
						cs[i].Description = "description " + strconv.Itoa(i)
					}
				}
				m := domain.Outbound{Kind: kind, Text: text, Choices: cs}
				name := fmt.Sprintf("%s text, %d %s titles", tn, n, ln)
				bodies, err := Render(traveller, m, domain.SendMode{}, testBase)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				checkLimits(t, name, m, bodies)
			}
		}
	}
}

func checkLimits(t *testing.T, name string, m domain.Outbound, bodies [][]byte) {
	t.Helper()
	var allText strings.Builder
	reachable := map[string]bool{}
	for i, body := range bodies {
		w := decodeWire(t, body)
		msg := w.Message
		if w.Recipient.ID != traveller.UserID || w.MessagingType != "RESPONSE" || w.Tag != "" {
			t.Errorf("%s: request %d addressed %q as %q/%q", name, i+1, w.Recipient.ID, w.MessagingType, w.Tag)
		}
		if width(msg.Text) >= 2000 {
			t.Errorf("%s: request %d text has %d characters", name, i+1, width(msg.Text))
		}
		if len(msg.QuickReplies) > 0 && i != len(bodies)-1 {
			t.Errorf("%s: quick replies on request %d, not the last", name, i+1)
		}
		if len(msg.QuickReplies) > 13 {
			t.Errorf("%s: %d quick replies", name, len(msg.QuickReplies))
		}
		for _, q := range msg.QuickReplies {
			if q.ContentType != "text" || q.Title == "" || width(q.Title) > 20 || len(q.Payload) > 1000 {
				t.Errorf("%s: bad quick reply %+v", name, q)
			}
			reachable[q.Payload] = true
		}
		if a := msg.Attachment; a != nil {
			if a.Payload.TemplateType != "button" {
				t.Errorf("%s: unexpected attachment %+v", name, a)
			}
			if n := len(a.Payload.Buttons); n < 1 || n > 3 || width(a.Payload.Text) > 640 {
				t.Errorf("%s: button template with %d buttons, %d characters", name, n, width(a.Payload.Text))
			}
			for _, btn := range a.Payload.Buttons {
				if btn.Type != "postback" || width(btn.Title) > 20 || len(btn.Payload) > 1000 {
					t.Errorf("%s: bad button %+v", name, btn)
				}
				reachable[btn.Payload] = true
			}
			allText.WriteString(a.Payload.Text + " ")
		}
		allText.WriteString(msg.Text + " ")
	}
	for i, c := range m.Choices {
		if !reachable[c.ID] && !strings.Contains(allText.String(), strconv.Itoa(i+1)+". ") {
			t.Errorf("%s: choice %d can neither be tapped nor typed", name, i+1)
		}
	}
	// Splitting only moves white space: every character of the prompt arrives, in order.
	got := strings.Join(strings.Fields(allText.String()), "")
	want := strings.Join(strings.Fields(m.Text), "")
	if !strings.HasPrefix(got, want) {
		t.Errorf("%s: the prompt lost text in rendering", name)
	}
}

func TestRenderNeverSendsRetiredTags(t *testing.T) {
	t.Parallel()
	for _, c := range renderCases() {
		for _, mode := range []domain.SendMode{c.mode, {Proactive: true}, {HumanAgent: true}} {
			bodies, err := Render(traveller, c.m, mode, testBase)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for _, b := range bodies {
				for _, dead := range []string{"CONFIRMED_EVENT_UPDATE", "ACCOUNT_UPDATE", "POST_PURCHASE_UPDATE"} {
					if bytes.Contains(b, []byte(dead)) {
						t.Errorf("%s: body uses the retired tag %s", c.name, dead)
					}
				}
				w := decodeWire(t, b)
				switch {
				case mode.Template != nil && (w.MessagingType != "UTILITY" || w.Message.Template == nil || w.Tag != ""):
					t.Errorf("%s: template sent as %s/%s", c.name, w.MessagingType, w.Tag)
				case mode.Template == nil && mode.HumanAgent && (w.MessagingType != "MESSAGE_TAG" || w.Tag != "HUMAN_AGENT"):
					t.Errorf("%s: human reply sent as %s/%s", c.name, w.MessagingType, w.Tag)
				}
			}
		}
	}
}

func TestRenderRefusesWhatCannotBeSent(t *testing.T) {
	t.Parallel()
	pass := &domain.Attachment{URL: "/passes/t.pdf"}
	for _, c := range []struct {
		name string
		to   domain.Recipient
		m    domain.Outbound
		mode domain.SendMode
		base string
	}{
		{"no recipient", domain.Recipient{}, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{}, testBase},
		{"empty text", traveller, domain.Outbound{Kind: domain.OutText, Text: "  "}, domain.SendMode{}, testBase},
		{"choices without prompt", traveller, domain.Outbound{Kind: domain.OutChoices, Choices: choices(2, strconv.Itoa)}, domain.SendMode{}, testBase},
		{"document without attachment", traveller, domain.Outbound{Kind: domain.OutDocument}, domain.SendMode{}, testBase},
		{"relative url without base", traveller, domain.Outbound{Kind: domain.OutDocument, Attachment: pass}, domain.SendMode{}, ""},
		{"relative base", traveller, domain.Outbound{Kind: domain.OutDocument, Attachment: pass}, domain.SendMode{}, "skybridge.example.com"},
		{"unknown kind", traveller, domain.Outbound{Kind: "carousel", Text: "x"}, domain.SendMode{}, testBase},
		{"template without name", traveller, domain.Outbound{}, domain.SendMode{Template: &domain.TemplateRef{Language: "en"}}, testBase},
		{"template without language", domain.Recipient{UserID: "PSID"}, domain.Outbound{}, domain.SendMode{Template: &domain.TemplateRef{Name: "x"}}, testBase},
		{"template names mismatch", traveller, domain.Outbound{}, domain.SendMode{Template: &domain.TemplateRef{Name: "x", Params: []string{"a", "b"}, ParamNames: []string{"a"}}}, testBase},
	} {
		if bodies, err := Render(c.to, c.m, c.mode, c.base); err == nil {
			t.Errorf("%s: rendered %s, want an error", c.name, bodies)
		}
	}
}

func TestAbsoluteAttachmentURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ base, path, want string }{
		{"https://sky.example", "/passes/T.pdf", "https://sky.example/passes/T.pdf"},
		{"https://sky.example/", "passes/T.pdf", "https://sky.example/passes/T.pdf"},
		{"https://sky.example/app/", "/passes/T.pdf", "https://sky.example/app/passes/T.pdf"},
		{"", "https://cdn.example/T.png", "https://cdn.example/T.png"},
	} {
		got, err := absoluteURL(c.base, c.path)
		if err != nil || got != c.want {
			t.Errorf("absoluteURL(%q, %q) = %q, %v; want %q", c.base, c.path, got, err, c.want)
		}
	}
}

func TestShortenAndSplit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"Window", 20, "Window"},
		{"Mrs Maria Fernanda Gonzalez", 20, "Mrs Maria Fernanda…"},
		{"All passengers on this booking", 20, "All passengers on…"},
		{"Supercalifragilisticexpialidocious", 20, "Supercalifragilisti…"},
		{strings.Repeat("e\u0301", 30), 20, strings.Repeat("e\u0301", 9) + "…"},
		{"✈️✈️✈️✈️✈️✈️✈️✈️✈️✈️", 20, "✈️✈️✈️✈️✈️✈️✈️✈️✈️✈️"},
		{"✈️✈️✈️✈️✈️✈️✈️✈️✈️✈️✈️", 20, "✈️✈️✈️✈️✈️✈️✈️✈️✈️…"},
		{"🧳🧳🧳🧳🧳🧳🧳🧳🧳🧳🧳", 20, "🧳🧳🧳🧳🧳🧳🧳🧳🧳…"},
	} {
		got := shorten(c.in, c.max)
		if got != c.want || width(got) > c.max {
			t.Errorf("shorten(%q, %d) = %q (width %d), want %q", c.in, c.max, got, width(got), c.want)
		}
	}
	parts := splitText("First paragraph.\n\nSecond paragraph is here.", 30)
	if len(parts) != 2 || parts[0] != "First paragraph." || parts[1] != "Second paragraph is here." {
		t.Errorf("split at paragraph: %q", parts)
	}
}
