package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"

	"github.com/skybridge/skybridge/integrations/graphfake"
)

// utterance is what a traveller sends in one turn: free text, or a tap on a
// choice a message offered.
type utterance struct {
	Text   string
	Choice *graphfake.Choice
	// Context is the id of the message whose choice was tapped.
	Context string
}

// webhookBuilder shapes inbound webhooks exactly as Meta sends them
// (channels.md §1.2 and §1.3).
type webhookBuilder struct {
	phoneNumberID string
	displayNumber string
	wabaID        string
	pageID        string
}

// whatsapp builds the webhook for a WhatsApp traveller and returns it with the
// new message's wamid.
func (b webhookBuilder) whatsapp(waID, name string, u utterance, now time.Time) ([]byte, string) {
	id := "wamid.HBgL" + base64.StdEncoding.EncodeToString(random(30))
	msg := map[string]any{
		"from":      waID,
		"id":        id,
		"timestamp": strconv.FormatInt(now.Unix(), 10),
	}
	switch {
	case u.Choice == nil:
		msg["type"] = "text"
		msg["text"] = map[string]any{"body": u.Text}
	case u.Choice.Kind == "button":
		msg["type"] = "button"
		msg["context"] = map[string]any{"from": b.displayNumber, "id": u.Context}
		msg["button"] = map[string]any{"payload": u.Choice.ID, "text": u.Choice.Title}
	default:
		kind := u.Choice.Kind // button_reply or list_reply
		reply := map[string]any{"id": u.Choice.ID, "title": u.Choice.Title}
		if kind == "list_reply" && u.Choice.Description != "" {
			reply["description"] = u.Choice.Description
		}
		msg["type"] = "interactive"
		msg["context"] = map[string]any{"from": b.displayNumber, "id": u.Context}
		msg["interactive"] = map[string]any{"type": kind, kind: reply}
	}
	body, _ := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id": b.wabaID,
			"changes": []any{map[string]any{
				"field": "messages",
				"value": map[string]any{
					"messaging_product": "whatsapp",
					"metadata":          map[string]any{"display_phone_number": b.displayNumber, "phone_number_id": b.phoneNumberID},
					"contacts":          []any{map[string]any{"profile": map[string]any{"name": name}, "wa_id": waID}},
					"messages":          []any{msg},
				},
			}},
		}},
	})
	return body, id
}

// messenger builds the webhook for a Messenger traveller and returns it with
// the new message's mid.
func (b webhookBuilder) messenger(psid string, u utterance, now time.Time) ([]byte, string) {
	mid := "m_" + base64.RawURLEncoding.EncodeToString(random(48))
	ms := now.UnixMilli()
	ev := map[string]any{
		"sender":    map[string]any{"id": psid},
		"recipient": map[string]any{"id": b.pageID},
		"timestamp": ms,
	}
	switch {
	case u.Choice == nil:
		ev["message"] = map[string]any{"mid": mid, "text": u.Text}
	case u.Choice.Kind == "postback":
		ev["postback"] = map[string]any{"mid": mid, "title": u.Choice.Title, "payload": u.Choice.ID}
	default: // quick_reply: the text is the button's title
		ev["message"] = map[string]any{"mid": mid, "text": u.Choice.Title, "quick_reply": map[string]any{"payload": u.Choice.ID}}
	}
	body, _ := json.Marshal(map[string]any{
		"object": "page",
		"entry":  []any{map[string]any{"id": b.pageID, "time": ms, "messaging": []any{ev}}},
	})
	return body, mid
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
