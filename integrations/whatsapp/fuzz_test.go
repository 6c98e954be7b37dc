package whatsapp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// FuzzParse feeds Parse mutations of the documented webhook samples: whatever the
// body, Parse returns events or an error and never panics.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "parse", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"messages":[{"timestamp":"99999999999999999999"}]}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := Parse(body)
		if err != nil && events != nil {
			t.Errorf("events with an error: %v", err)
		}
	})
}

// FuzzRender renders arbitrary text and choices: every request Render returns
// stays within WhatsApp's limits, and it never panics.
func FuzzRender(f *testing.F) {
	f.Add("Pick a seat", "12A window|12B middle|12C aisle", uint8(3))
	f.Add(paragraphs(30), "Yes|No", uint8(2))
	f.Add(" \n\n ", "XY123 London to Amsterdam 0710|  |x", uint8(12))
	f.Fuzz(func(t *testing.T, text, titles string, n uint8) {
		var cs []domain.Choice
		for i, title := range strings.Split(titles, "|") {
			if i >= int(n%16) {
				break
			}
			cs = append(cs, domain.Choice{ID: fmt.Sprintf("c%d", i), Title: title, Description: text})
		}
		kind := domain.OutChoices
		if n%5 == 0 {
			kind = domain.OutText
		}
		bodies, err := Render(ana, domain.Outbound{Kind: kind, Text: text, Choices: cs}, domain.SendMode{}, RenderOptions{})
		if err != nil {
			if (kind == domain.OutText || len(cs) == 0) && clean(text) == "" {
				return
			}
			t.Fatalf("Render: %v", err)
		}
		for _, b := range bodies {
			checkLimits(t, b)
		}
	})
}
