package messenger

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// TestParseGolden parses every webhook body under testdata/parse (shaped like Meta's
// samples) and pins the channel events in the .golden file next to it.
func TestParseGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "parse", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no parse fixtures: %v", err)
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
				t.Fatalf("parse: %v", err)
			}
			golden(t, strings.TrimSuffix(f, ".json")+".golden", []byte(formatEvents(events)))
		})
	}
}

// formatEvents prints events one per line, with only the fields that are set.
func formatEvents(events []domain.ChannelEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %d event(s)\n", len(events))
	for _, e := range events {
		b.WriteString(string(e.Kind))
		field := func(k, v string) {
			if v != "" {
				fmt.Fprintf(&b, " %s=%s", k, strconv.Quote(v))
			}
		}
		at := func(k string, t time.Time) {
			if !t.IsZero() {
				fmt.Fprintf(&b, " %s=%s", k, t.Format(time.RFC3339Nano))
			}
		}
		field("user", e.UserID)
		in := e.Inbound
		if in != (domain.Inbound{}) {
			field("channel", string(in.Channel))
			field("mid", in.ChannelMessageID)
			field("text", in.Text)
			field("payload", in.Payload)
			field("unsupported", in.Unsupported)
			at("at", in.ReceivedAt)
		}
		st := e.Status
		if st != (domain.StatusUpdate{}) {
			field("mid", st.ChannelMessageID)
			if st.OutboundID != 0 {
				field("outbound", strconv.FormatInt(st.OutboundID, 10))
			}
			field("status", string(st.Status))
			at("at", st.At)
		}
		field("note", e.Note)
		b.WriteByte('\n')
	}
	return b.String()
}

func TestParseRejectsWhatIsNotAMessengerEnvelope(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"empty":          ``,
		"not json":       `<html>hello</html>`,
		"truncated":      `{"object":"page","entry":[`,
		"whatsapp":       `{"object":"whatsapp_business_account","entry":[]}`,
		"instagram":      `{"object":"instagram","entry":[]}`,
		"no object":      `{"entry":[]}`,
		"array":          `[{"object":"page"}]`,
		"entry not list": `{"object":"page","entry":{"id":"1"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if events, err := Parse([]byte(body)); err == nil {
				t.Errorf("Parse(%q) = %v, want an error", body, events)
			} else if !strings.HasPrefix(err.Error(), "parse messenger webhook") {
				t.Errorf("error %q does not name the operation", err)
			}
		})
	}
}

func TestParseEmptyEnvelopeHasNoEvents(t *testing.T) {
	t.Parallel()
	events, err := Parse([]byte(`{"object":"page","entry":[]}`))
	if err != nil || len(events) != 0 {
		t.Fatalf("Parse(empty entry) = %v, %v; want no events, no error", events, err)
	}
}

// A postback without a mid must still deduplicate: the same webhook delivered twice
// gives the same id, another tap (other payload or time) another id, and the id does
// not reveal the PSID.
func TestPostbackWithoutMidHasStableID(t *testing.T) {
	t.Parallel()
	body := func(psid, ts, payload string) []byte {
		return []byte(`{"object":"page","entry":[{"id":"P","time":1,"messaging":[{"sender":{"id":"` + psid +
			`"},"recipient":{"id":"P"},"timestamp":` + ts + `,"postback":{"title":"Get Started","payload":"` + payload + `"}}]}]}`)
	}
	id := func(b []byte) string {
		t.Helper()
		ev, err := Parse(b)
		if err != nil || len(ev) != 1 || ev[0].Kind != domain.EventMessage {
			t.Fatalf("Parse = %v, %v", ev, err)
		}
		return ev[0].Inbound.ChannelMessageID
	}
	first := id(body("1234567890", "1767000040000", "GET_STARTED"))
	if again := id(body("1234567890", "1767000040000", "GET_STARTED")); again != first {
		t.Errorf("redelivery got id %q, first delivery %q", again, first)
	}
	for _, other := range [][]byte{
		body("1234567890", "1767000040001", "GET_STARTED"),
		body("1234567890", "1767000040000", "MENU:HELP"),
		body("1234567891", "1767000040000", "GET_STARTED"),
	} {
		if id(other) == first {
			t.Errorf("a different tap got the same id %q", first)
		}
	}
	if strings.Contains(first, "1234567890") {
		t.Errorf("derived id %q contains the PSID", first)
	}
}

// Both sticker shapes, before and after Meta's 30 August 2026 change, reach the
// flows as a sticker, never as a photo to be read.
func TestStickerIsASticker(t *testing.T) {
	t.Parallel()
	for _, f := range []string{"sticker_until_aug_2026.json", "sticker_from_aug_2026.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", "parse", f))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := Parse(body)
		if err != nil || len(ev) != 1 {
			t.Fatalf("%s: Parse = %v, %v", f, ev, err)
		}
		if got := ev[0].Inbound.Unsupported; got != "sticker" {
			t.Errorf("%s: Unsupported = %q, want sticker", f, got)
		}
	}
}
