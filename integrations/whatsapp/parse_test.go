package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func indent(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// goldenEvent shows the fields an event kind uses, so that golden files read easily.
type goldenEvent struct {
	Kind        domain.EventKind `json:"kind"`
	UserID      string           `json:"user_id,omitempty"`
	AltUserID   string           `json:"alt_user_id,omitempty"`
	ProfileName string           `json:"profile_name,omitempty"`
	Inbound     *goldenInbound   `json:"inbound,omitempty"`
	Status      *goldenStatus    `json:"status,omitempty"`
	Preference  *goldenPref      `json:"preference,omitempty"`
	Note        string           `json:"note,omitempty"`
}

type goldenInbound struct {
	Channel          domain.Channel `json:"channel"`
	ChannelMessageID string         `json:"channel_message_id"`
	Text             string         `json:"text,omitempty"`
	Payload          string         `json:"payload,omitempty"`
	Unsupported      string         `json:"unsupported,omitempty"`
	ReceivedAt       time.Time      `json:"received_at"`
}

type goldenStatus struct {
	ChannelMessageID string                `json:"channel_message_id"`
	Status           domain.DeliveryStatus `json:"status"`
	At               time.Time             `json:"at"`
	ErrorCode        int                   `json:"error_code,omitempty"`
	ErrorTitle       string                `json:"error_title,omitempty"`
	ErrorDetail      string                `json:"error_detail,omitempty"`
}

type goldenPref struct {
	Category domain.Category `json:"category"`
	OptedOut bool            `json:"opted_out"`
	At       time.Time       `json:"at"`
}

func toGolden(evs []domain.ChannelEvent) []goldenEvent {
	out := []goldenEvent{}
	for _, ev := range evs {
		g := goldenEvent{Kind: ev.Kind, UserID: ev.UserID, AltUserID: ev.AltUserID, ProfileName: ev.ProfileName, Note: ev.Note}
		switch ev.Kind {
		case domain.EventMessage:
			in := ev.Inbound
			g.Inbound = &goldenInbound{in.Channel, in.ChannelMessageID, in.Text, in.Payload, in.Unsupported, in.ReceivedAt}
		case domain.EventStatus, domain.EventWatermark:
			s := ev.Status
			g.Status = &goldenStatus{s.ChannelMessageID, s.Status, s.At, s.ErrorCode, s.ErrorTitle, s.ErrorDetail}
		case domain.EventPreference:
			p := ev.Preference
			g.Preference = &goldenPref{p.Category, p.OptedOut, p.At}
		}
		out = append(out, g)
	}
	return out
}

// TestParseGolden parses every testdata/parse/*.json webhook body, shaped like
// Meta's documentation examples, and compares the events with the .golden file.
func TestParseGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "parse", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no webhook samples: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			events, err := Parse(body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			golden(t, filepath.Join("parse", name+".golden"), indent(t, toGolden(events)))
		})
	}
}

func parseFile(t *testing.T, name string) []domain.ChannelEvent {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", "parse", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	events, err := Parse(body)
	if err != nil {
		t.Fatalf("Parse %s: %v", name, err)
	}
	return events
}

// The golden files hold everything; these checks say in words what matters most.
func TestParseWhatTheFlowsSee(t *testing.T) {
	t.Parallel()
	one := func(t *testing.T, name string) domain.ChannelEvent {
		t.Helper()
		evs := parseFile(t, name)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events, want 1", name, len(evs))
		}
		return evs[0]
	}
	t.Run("text", func(t *testing.T) {
		ev := one(t, "text")
		want := domain.ChannelEvent{Kind: domain.EventMessage, UserID: "447700900123", ProfileName: "Ana", Account: "PHONE_NUMBER_ID",
			Inbound: domain.Inbound{Channel: domain.WhatsApp, ChannelMessageID: "wamid.AAA", Text: "I want to check in",
				ReceivedAt: time.Unix(1767000000, 0).UTC()}}
		if ev != want {
			t.Errorf("got %+v\nwant %+v", ev, want)
		}
	})
	t.Run("a tapped button gives its id and title", func(t *testing.T) {
		for name, want := range map[string][2]string{
			"button_reply":    {"checkin:PNR123", "Check in"},
			"list_reply":      {"seat_12A", "12A window"},
			"template_button": {"rebook:PNR123", "Rebook"},
		} {
			in := one(t, name).Inbound
			if in.Payload != want[0] || in.Text != want[1] || in.Unsupported != "" {
				t.Errorf("%s: payload %q text %q unsupported %q, want %q %q", name, in.Payload, in.Text, in.Unsupported, want[0], want[1])
			}
		}
	})
	t.Run("what the flows cannot read is named", func(t *testing.T) {
		for name, want := range map[string][2]string{
			"image_caption": {"image", "My passport page"},
			"location":      {"location", ""},
			"sticker":       {"sticker", ""},
			"unknown_type":  {"unsupported", ""},
		} {
			ev := one(t, name)
			if ev.Kind != domain.EventMessage || ev.Inbound.Unsupported != want[0] || ev.Inbound.Text != want[1] {
				t.Errorf("%s: kind %s unsupported %q text %q, want %q %q", name, ev.Kind, ev.Inbound.Unsupported, ev.Inbound.Text, want[0], want[1])
			}
		}
	})
	t.Run("failed status carries the window-closed code", func(t *testing.T) {
		ev := one(t, "status_failed_131047")
		s := ev.Status
		if ev.Kind != domain.EventStatus || s.Status != domain.StatusFailed || s.ErrorCode != 131047 ||
			s.ErrorTitle != "Re-engagement message" || !strings.Contains(s.ErrorDetail, "24 hours") ||
			s.At != time.Unix(1767000400, 0).UTC() || s.ChannelMessageID != "wamid.SENT1" {
			t.Errorf("got %+v", ev)
		}
	})
	t.Run("identity", func(t *testing.T) {
		for name, want := range map[string][3]string{
			"bsuid_only":        {"US.13491208655302741918", "", "Sam"},
			"both_ids":          {"447700900123", "GB.98765432109876543210", "Ana"},
			"status_bsuid_only": {"US.13491208655302741918", "", ""},
		} {
			ev := one(t, name)
			if ev.UserID != want[0] || ev.AltUserID != want[1] || ev.ProfileName != want[2] {
				t.Errorf("%s: user %q alt %q name %q, want %q", name, ev.UserID, ev.AltUserID, ev.ProfileName, want)
			}
		}
	})
	t.Run("marketing stop and resume are offers opt-out and opt-in", func(t *testing.T) {
		stop, resume := one(t, "preference_stop"), one(t, "preference_resume")
		if stop.Kind != domain.EventPreference || stop.Preference.Category != domain.CategoryOffers || !stop.Preference.OptedOut || stop.UserID != "447700900123" {
			t.Errorf("stop: %+v", stop)
		}
		if resume.Kind != domain.EventPreference || resume.Preference.OptedOut || resume.Preference.At != time.Unix(1767002000, 0).UTC() {
			t.Errorf("resume: %+v", resume)
		}
	})
	t.Run("batched events keep their order", func(t *testing.T) {
		evs := parseFile(t, "batched")
		var got []string
		for _, ev := range evs {
			got = append(got, string(ev.Kind)+":"+ev.Inbound.ChannelMessageID+ev.Status.ChannelMessageID+":"+ev.ProfileName)
		}
		want := []string{"message:wamid.B1:Luc", "message:wamid.B2:Ana", "message:wamid.B3:Ana",
			"status:wamid.SENT7:", "status:wamid.SENT7:", "ignored::", "message:wamid.B4:Eva"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
	t.Run("platform errors are ignored with a note", func(t *testing.T) {
		ev := one(t, "errors_value")
		if ev.Kind != domain.EventIgnored || !strings.Contains(ev.Note, "131000") {
			t.Errorf("got %+v", ev)
		}
	})
}

func TestParseRejectsWhatIsNotAWhatsAppEnvelope(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"not json":        `<html>`,
		"empty":           ``,
		"messenger":       `{"object":"page","entry":[]}`,
		"no object":       `{"entry":[]}`,
		"array":           `[]`,
		"entry not array": `{"object":"whatsapp_business_account","entry":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			evs, err := Parse([]byte(body))
			if !errors.Is(err, ErrNotWhatsApp) || evs != nil {
				t.Errorf("Parse(%q) = %v, %v; want ErrNotWhatsApp", body, evs, err)
			}
		})
	}
}

func TestParseToleratesOddItems(t *testing.T) {
	t.Parallel()
	body := `{"object":"whatsapp_business_account","new_top_level":1,"entry":[
	  "not an entry",
	  {"changes":[
	    {"field":"messages","value":"not an object"},
	    {"field":"messages","value":{"messages":[
	      {"id":42},
	      {"from":"447700900123","id":"wamid.OK","timestamp":1767000000,"type":"text","text":{"body":"still here"},"brand_new":{"x":1}},
	      {"from":"447700900123","id":"wamid.SYS","timestamp":"1767000000","type":"system","system":{"body":"changed number"}},
	      {"id":"wamid.NOBODY","type":"text","text":{"body":"who?"}}
	    ],"statuses":[{"id":"wamid.X","status":"deleted","recipient_id":"1"}]}}
	  ]}]}`
	evs, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range evs {
		kinds = append(kinds, string(ev.Kind))
	}
	want := "ignored ignored ignored message ignored ignored ignored"
	if strings.Join(kinds, " ") != want {
		t.Fatalf("kinds %v, want %s", kinds, want)
	}
	if evs[3].Inbound.Text != "still here" || evs[3].Inbound.ReceivedAt.Unix() != 1767000000 {
		t.Errorf("the good message was not kept: %+v", evs[3])
	}
	for _, ev := range evs {
		if ev.Kind == domain.EventIgnored && (ev.Note == "" || strings.Contains(ev.Note, "447700900123")) {
			t.Errorf("ignored event needs a note without personal data: %q", ev.Note)
		}
	}
}
