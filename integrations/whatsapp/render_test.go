package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/skybridge/skybridge/domain"
)

var ana = domain.Recipient{UserID: "447700900123", AltUserID: "GB.98765432109876543210", Lang: "en"}

func choices(n int, title string) []domain.Choice {
	var cs []domain.Choice
	for i := 1; i <= n; i++ {
		cs = append(cs, domain.Choice{ID: fmt.Sprintf("opt_%d", i), Title: fmt.Sprintf(title, i)})
	}
	return cs
}

func paragraphs(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "Paragraph %d. Your flight XY123 from London Heathrow to Amsterdam Schiphol is on time; boarding starts 45 minutes before departure at the gate shown on your boarding pass.\n\n", i)
	}
	return b.String()
}

// renderCases are the golden cases: each rendering and each degradation.
var renderCases = []struct {
	name string
	to   domain.Recipient
	m    domain.Outbound
	mode domain.SendMode
	opt  RenderOptions
}{
	{name: "text", to: ana, m: domain.Outbound{Kind: domain.OutText, Text: "You are checked in for XY123 on 29 Dec. Seat 12A & bag drop from 06:10 <T5>."}},
	{name: "text_long_split", to: ana, m: domain.Outbound{Kind: domain.OutText, Text: paragraphs(40)}},
	{name: "buttons_3", to: ana, m: domain.Outbound{Kind: domain.OutChoices, Text: "Your flight XY123 is open for check-in.",
		Choices: []domain.Choice{{ID: "checkin:PNR123", Title: "Check in"}, {ID: "later:PNR123", Title: "Later"}, {ID: "help", Title: "Talk to an agent"}}}},
	{name: "choices_4_list", to: ana, m: domain.Outbound{Kind: domain.OutChoices, Text: "Pick an extra for XY123",
		Choices: []domain.Choice{{ID: "bag_23kg", Title: "23 kg bag", Description: "Add a checked bag"}, {ID: "seat", Title: "Seat"}, {ID: "meal", Title: "Meal"}, {ID: "lounge", Title: "Lounge"}}}},
	{name: "choices_4_list_localised", to: domain.Recipient{UserID: "33612345678", Lang: "fr"},
		m:   domain.Outbound{Kind: domain.OutChoices, Text: "Choisissez un siège", Choices: choices(4, "Siège %d")},
		opt: RenderOptions{ListButtonLabel: func(l domain.Lang) string { return map[domain.Lang]string{"fr": "Voir les options disponibles"}[l] }}},
	{name: "choices_11_numbered", to: ana, m: domain.Outbound{Kind: domain.OutChoices, Text: "Which flight do you want?", Choices: choices(11, "Flight option %d")}},
	{name: "titles_30_shortened", to: ana, m: domain.Outbound{Kind: domain.OutChoices, Text: "Choose your new flight",
		Choices: []domain.Choice{
			{ID: "XY123", Title: "XY123 London to Amsterdam 0710"},
			{ID: "XY125", Title: "XY125 London to Amsterdam 0935"},
			{ID: "XY127", Title: "XY127 London–Amsterdam 13:05 ✈", Description: "Arrives 15:20, seats available in every cabin class on board this aircraft today"},
		}}},
	{name: "buttons_long_body", to: ana, m: domain.Outbound{Kind: domain.OutChoices, Text: paragraphs(8) + "Shall I check you in?",
		Choices: []domain.Choice{{ID: "yes", Title: "Yes"}, {ID: "no", Title: "No"}}}},
	{name: "image", to: ana, m: domain.Outbound{Kind: domain.OutImage,
		Attachment: &domain.Attachment{URL: "/passes/TOKEN.png", MIME: "image/png", Caption: "Boarding pass XY123, seat 12A"}},
		opt: RenderOptions{PublicBaseURL: "https://chat.example.com/"}},
	{name: "document", to: ana, m: domain.Outbound{Kind: domain.OutDocument, Text: "Here is your boarding pass.",
		Attachment: &domain.Attachment{URL: "/passes/TOKEN.pdf", Filename: "boarding-pass-XY123.pdf", MIME: "application/pdf", Caption: "XY123 LHR→AMS"}},
		opt: RenderOptions{PublicBaseURL: "https://chat.example.com/sky"}},
	{name: "template_positional", to: ana, m: domain.Outbound{Kind: domain.OutText, Text: "ignored: the template is sent"},
		mode: domain.SendMode{Proactive: true, Template: &domain.TemplateRef{Name: "flight_delay_v1", Language: "en_GB", Params: []string{"XY123", "14:40"}, ButtonPayloads: []string{"rebook:PNR123", "keep:PNR123"}}}},
	{name: "template_named", to: ana, m: domain.Outbound{Kind: domain.OutText},
		mode: domain.SendMode{Template: &domain.TemplateRef{Name: "flight_delay_v1", Language: "en_GB", Params: []string{"XY123", "14:40"}, ParamNames: []string{"flight_no", "new_time"}, ButtonPayloads: []string{"rebook:PNR123"}}}},
	{name: "bsuid_recipient", to: domain.Recipient{UserID: "US.13491208655302741918"}, m: domain.Outbound{Kind: domain.OutText, Text: "Hello"}},
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bodies, err := Render(tc.to, tc.m, tc.mode, tc.opt)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			for _, b := range bodies {
				checkLimits(t, b)
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, append(append([]byte("["), bytes.Join(bodies, []byte(","))...), ']'), "", "  "); err != nil {
				t.Fatal(err)
			}
			buf.WriteByte('\n')
			golden(t, filepath.Join("render", tc.name+".golden"), buf.Bytes())
		})
	}
}

// checkLimits decodes a rendered request and checks every limit of channels.md §3.1.
func checkLimits(t *testing.T, body []byte) {
	t.Helper()
	var r sendRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("request does not decode: %v", err)
	}
	n := utf8.RuneCountInString
	fail := func(format string, args ...any) { t.Errorf("%s: "+format, append([]any{r.Type}, args...)...) }
	if r.MessagingProduct != "whatsapp" || r.RecipientType != "individual" {
		fail("messaging_product %q recipient_type %q", r.MessagingProduct, r.RecipientType)
	}
	if (r.To == "") == (r.Recipient == "") {
		fail("exactly one of to and recipient must be set")
	}
	if r.To != "" && !strings.HasPrefix(r.To, "+") {
		fail("to %q without +", r.To)
	}
	switch r.Type {
	case "text":
		if r.Text == nil || r.Text.Body == "" || n(r.Text.Body) > MaxTextBody {
			fail("text body missing or over %d", MaxTextBody)
		}
	case "interactive":
		in := r.Interactive
		if in.Body.Text == "" || n(in.Body.Text) > MaxInteractiveBody {
			fail("body %d chars", n(in.Body.Text))
		}
		switch in.Type {
		case "button":
			titles := map[string]bool{}
			if len(in.Action.Buttons) < 1 || len(in.Action.Buttons) > MaxButtons {
				fail("%d buttons", len(in.Action.Buttons))
			}
			for _, b := range in.Action.Buttons {
				if b.Type != "reply" || n(b.Reply.Title) > MaxButtonTitle || len(b.Reply.ID) > MaxButtonID || titles[b.Reply.Title] {
					fail("bad button %+v", b)
				}
				titles[b.Reply.Title] = true
			}
		case "list":
			if b := in.Action.Button; b == "" || n(b) > MaxListButton {
				fail("list button %q", b)
			}
			rows := 0
			for _, s := range in.Action.Sections {
				for _, row := range s.Rows {
					rows++
					if n(row.Title) > MaxRowTitle || n(row.Description) > MaxRowDescription || len(row.ID) > MaxRowID {
						fail("bad row %+v", row)
					}
				}
			}
			if rows < 1 || rows > MaxListRows {
				fail("%d rows", rows)
			}
		default:
			fail("interactive type %q", in.Type)
		}
	case "image", "document":
		m := r.Image
		if r.Type == "document" {
			m = r.Document
		}
		if m == nil || !strings.HasPrefix(m.Link, "https://") || n(m.Caption) > MaxCaption {
			fail("media %+v", m)
		}
	case "template":
		if r.Template == nil || r.Template.Name == "" || r.Template.Language.Code == "" {
			fail("template %+v", r.Template)
		}
	default:
		fail("unknown type")
	}
}

func decodeAll(t *testing.T, bodies [][]byte) []sendRequest {
	t.Helper()
	var out []sendRequest
	for _, b := range bodies {
		var r sendRequest
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// The golden files hold the exact requests; these checks say what a traveller sees.
func TestRenderDegrades(t *testing.T) {
	t.Parallel()
	render := func(t *testing.T, m domain.Outbound) []sendRequest {
		t.Helper()
		bodies, err := Render(ana, m, domain.SendMode{}, RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bodies {
			checkLimits(t, b)
		}
		return decodeAll(t, bodies)
	}
	t.Run("up to 3 short choices are buttons", func(t *testing.T) {
		for n := 1; n <= 3; n++ {
			rs := render(t, domain.Outbound{Kind: domain.OutChoices, Text: "Pick", Choices: choices(n, "Opt %d")})
			if len(rs) != 1 || rs[0].Interactive == nil || rs[0].Interactive.Type != "button" || len(rs[0].Interactive.Action.Buttons) != n {
				t.Errorf("%d choices: %+v", n, rs)
			}
		}
	})
	t.Run("4 to 10 choices are a list with the default label", func(t *testing.T) {
		for n := 4; n <= 10; n++ {
			rs := render(t, domain.Outbound{Kind: domain.OutChoices, Text: "Pick", Choices: choices(n, "Opt %d")})
			if len(rs) != 1 || rs[0].Interactive == nil || rs[0].Interactive.Type != "list" ||
				len(rs[0].Interactive.Action.Sections[0].Rows) != n || rs[0].Interactive.Action.Button != DefaultListButtonLabel {
				t.Errorf("%d choices: %+v", n, rs)
			}
		}
	})
	t.Run("more than 10 choices are numbered text", func(t *testing.T) {
		rs := render(t, domain.Outbound{Kind: domain.OutChoices, Text: "Pick", Choices: choices(11, "Opt %d")})
		if len(rs) != 1 || rs[0].Text == nil || !strings.Contains(rs[0].Text.Body, "\n1. Opt 1\n") || !strings.HasSuffix(rs[0].Text.Body, "\n11. Opt 11") {
			t.Errorf("got %+v", rs)
		}
	})
	t.Run("duplicate button titles fall back to a list", func(t *testing.T) {
		rs := render(t, domain.Outbound{Kind: domain.OutChoices, Text: "Pick", Choices: []domain.Choice{{ID: "a", Title: "Same"}, {ID: "b", Title: "Same"}}})
		if rs[0].Interactive.Type != "list" {
			t.Errorf("got %s", rs[0].Interactive.Type)
		}
	})
	t.Run("ids too long for a list fall back to numbered text", func(t *testing.T) {
		rs := render(t, domain.Outbound{Kind: domain.OutChoices, Text: "Pick", Choices: []domain.Choice{{ID: strings.Repeat("x", 201), Title: "A"}, {ID: "b", Title: "A long title over twenty"}}})
		if rs[0].Text == nil {
			t.Errorf("got %+v", rs[0])
		}
	})
	t.Run("a long title is shortened with an ellipsis and kept whole in the description", func(t *testing.T) {
		title := "XY123 London to Amsterdam 0710" // 30 characters
		rs := render(t, domain.Outbound{Kind: domain.OutChoices, Text: "Pick", Choices: []domain.Choice{{ID: "a", Title: title}}})
		row := rs[0].Interactive.Action.Sections[0].Rows[0]
		if !strings.HasSuffix(row.Title, "…") || utf8.RuneCountInString(row.Title) > MaxRowTitle || row.Description != title {
			t.Errorf("got %+v", row)
		}
	})
	t.Run("long text is split in order without losing words", func(t *testing.T) {
		text := paragraphs(40)
		rs := render(t, domain.Outbound{Kind: domain.OutText, Text: text})
		if len(rs) < 2 {
			t.Fatalf("%d parts", len(rs))
		}
		var parts []string
		for _, r := range rs {
			parts = append(parts, r.Text.Body)
		}
		if strings.Join(strings.Fields(strings.Join(parts, " ")), " ") != strings.Join(strings.Fields(text), " ") {
			t.Error("the parts do not add up to the text")
		}
	})
	t.Run("a body too long for buttons goes first as text", func(t *testing.T) {
		rs := render(t, domain.Outbound{Kind: domain.OutChoices, Text: paragraphs(8) + "Shall I check you in?", Choices: choices(2, "Opt %d")})
		last := rs[len(rs)-1]
		if len(rs) < 2 || rs[0].Text == nil || last.Interactive == nil || !strings.HasSuffix(last.Interactive.Body.Text, "Shall I check you in?") {
			t.Errorf("got %+v", rs)
		}
	})
}

func TestRenderAddressing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		to            domain.Recipient
		wantTo, wantR string
	}{
		{domain.Recipient{UserID: "447700900123"}, "+447700900123", ""},
		{domain.Recipient{UserID: "+447700900123", AltUserID: "GB.98765432109876543210"}, "+447700900123", ""},
		{domain.Recipient{UserID: "US.13491208655302741918"}, "", "US.13491208655302741918"},
		{domain.Recipient{UserID: "US.ENT.11815799212886844830"}, "", "US.ENT.11815799212886844830"},
	} {
		bodies, err := Render(tc.to, domain.Outbound{Kind: domain.OutText, Text: "hi"}, domain.SendMode{}, RenderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r := decodeAll(t, bodies)[0]
		if r.To != tc.wantTo || r.Recipient != tc.wantR {
			t.Errorf("%+v: to %q recipient %q", tc.to, r.To, r.Recipient)
		}
	}
}

func TestRenderRefusesWhatCannotBeSent(t *testing.T) {
	t.Parallel()
	text := domain.Outbound{Kind: domain.OutText, Text: "hi"}
	for name, tc := range map[string]struct {
		to   domain.Recipient
		m    domain.Outbound
		mode domain.SendMode
	}{
		"no recipient":          {domain.Recipient{}, text, domain.SendMode{}},
		"garbage recipient":     {domain.Recipient{UserID: "ana@example.com"}, text, domain.SendMode{}},
		"empty text":            {ana, domain.Outbound{Kind: domain.OutText, Text: "  "}, domain.SendMode{}},
		"unknown kind":          {ana, domain.Outbound{Kind: "video"}, domain.SendMode{}},
		"image without file":    {ana, domain.Outbound{Kind: domain.OutImage}, domain.SendMode{}},
		"relative without base": {ana, domain.Outbound{Kind: domain.OutDocument, Attachment: &domain.Attachment{URL: "/passes/T.pdf"}}, domain.SendMode{}},
		"template names":        {ana, text, domain.SendMode{Template: &domain.TemplateRef{Name: "t", Language: "en", Params: []string{"a", "b"}, ParamNames: []string{"a"}}}},
		"template language":     {ana, text, domain.SendMode{Template: &domain.TemplateRef{Name: "t"}}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := Render(tc.to, tc.m, tc.mode, RenderOptions{}); err == nil {
				t.Error("rendered")
			} else if strings.Contains(err.Error(), "ana@example.com") {
				t.Errorf("error leaks the recipient: %v", err)
			}
		})
	}
}

func TestShortenAndSplit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"Check in", 20, "Check in"},
		{"XY123 London to Amsterdam 0710", 24, "XY123 London to…"},
		{"Supercalifragilisticexpialidocious", 20, "Supercalifragilisti…"},
		{"Überbuchung – Umbuchung möglich", 20, "Überbuchung…"},
	} {
		if got := shorten(tc.in, tc.n); got != tc.want || utf8.RuneCountInString(got) > tc.n {
			t.Errorf("shorten(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	long := strings.Repeat("é", 10000) // no spaces: hard cuts
	parts := splitText(long, MaxTextBody)
	if len(parts) != 3 || strings.Join(parts, "") != long {
		t.Errorf("hard split: %d parts", len(parts))
	}
}
