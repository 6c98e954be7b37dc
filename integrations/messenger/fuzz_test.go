package messenger

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

// FuzzParse feeds arbitrary bodies to Parse: it must never panic, and whatever it
// accepts must be events the inbox can store: messages carry a channel message id
// and a user, statuses a known delivery status. The seed corpus is every fixture
// under testdata/parse plus a few near misses.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "parse", "*.json"))
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"object":"page"}`, `{"object":"page","entry":null}`,
		`{"object":"page","entry":[{"messaging":[null,{},[]]}]}`,
		`{"object":"page","entry":[{"messaging":[{"sender":{"id":1},"timestamp":-5,"message":{"mid":"m","text":""}}]}]}`,
		`{"object":"page","entry":[{"messaging":[{"sender":{"id":"u"},"timestamp":1e300,"delivery":{"mids":[null,""],"watermark":"x"}}]}]}`,
		`{"object":"page","entry":[{"changes":[{"field":"messages","value":"nope"}]}]}`,
		`{"field":"messaging_postbacks","value":null}`,
		`{"object":"page","entry":[{"messaging":[{"recipient":{"id":"u"},"message":{"is_echo":true,"metadata":"skybridge:","mid":"m"}}]}]}`,
		`{"object":"page","entry":[{"messaging":[{"recipient":{"id":"u"},"message":{"is_echo":true,"metadata":"skybridge:99999999999999999999","mid":"m"}}]}]}`,
		`{"object":"page","entry":[{"messaging":[{"message":{"is_echo":true,"metadata":"skybridge:1","mid":""}}]}]}`,
		`{"object":"page","entry":[{"changes":[{"field":"message_echoes","value":{"recipient":{"id":7},"message":{"is_echo":true,"metadata":"skybridge:7","mid":"m_7"}}}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := Parse(body)
		if err != nil {
			if events != nil {
				t.Errorf("Parse returned events with an error")
			}
			return
		}
		for _, e := range events {
			switch e.Kind {
			case domain.EventMessage:
				if e.UserID == "" || e.Inbound.ChannelMessageID == "" || e.Inbound.Channel != domain.Messenger {
					t.Errorf("message event without user, id or channel: %+v", e)
				}
			case domain.EventStatus, domain.EventWatermark:
				switch e.Status.Status {
				case domain.StatusSent, domain.StatusDelivered, domain.StatusRead, domain.StatusFailed:
				default:
					t.Errorf("status event with unknown status: %+v", e)
				}
				if e.Kind == domain.EventWatermark && e.Status.At.IsZero() {
					t.Errorf("watermark without a time: %+v", e)
				}
				if e.Kind == domain.EventStatus && e.Status.ChannelMessageID == "" {
					t.Errorf("status event without mid: %+v", e)
				}
			case domain.EventIgnored:
				if e.Note == "" {
					t.Errorf("ignored event without a note: %+v", e)
				}
			default:
				t.Errorf("unexpected kind %q", e.Kind)
			}
		}
	})
}
