package flows_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// TestRejectionsInEveryLanguage drives every rejection of the check-in flow in each
// supported language. What the bot must say comes from that language's catalogue,
// so the test proves the traveller is answered in their language at every step.
func TestRejectionsInEveryLanguage(t *testing.T) {
	content, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	phrases := map[domain.Lang]struct{ checkIn, yes, all string }{
		"en": {"I would like to check in please", "yes", "all"},
		"fr": {"je voudrais faire mon enregistrement", "oui", "tous"},
		"nl": {"ik wil graag inchecken", "ja", "iedereen"},
		"de": {"ich möchte gerne einchecken", "ja", "alle"},
		"es": {"quiero hacer el check-in por favor", "sí", "todos"},
		"pt": {"quero fazer o check-in por favor", "sim", "todos"},
		"it": {"vorrei fare il check-in per favore", "sì", "tutti"},
		"pl": {"chcę się odprawić na lot", "tak", "wszyscy"},
		"tr": {"check-in yapmak istiyorum", "evet", "hepsi"},
		"ar": {"أريد تسجيل الوصول من فضلك", "نعم", "الكل"},
		"zh": {"我想办理值机", "是", "全部"},
		"hi": {"मुझे चेक-इन करना है", "हाँ", "सभी"},
	}
	for _, lang := range domain.Languages {
		p := phrases[lang]
		// msg returns the longest literal stretch of a catalogue message, which is
		// enough to recognise it whatever its placeholders hold.
		msg := func(key string) string {
			longest := ""
			for _, part := range regexp.MustCompile(`\{[a-z_]+\}`).Split(content.Text(lang, key, nil), -1) {
				if part = strings.TrimSpace(part); len(part) > len(longest) {
					longest = part
				}
			}
			return longest
		}
		full := func(key string, kv ...string) string {
			args := map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				args[kv[i]] = kv[i+1]
			}
			return content.Text(lang, key, args)
		}
		t.Run(string(lang), func(t *testing.T) {
			h := sqlite(t)
			t.Run("unknown booking and wrong surname get the same reply", func(t *testing.T) {
				a := h.traveller("a")
				expect(t, a.say(p.checkIn), msg("checkin.ask_booking"))
				wrong := a.say("JN7KQP Pietersen")
				b := h.traveller("b")
				b.say(p.checkIn)
				unknown := b.say("QQ7QQQ Jansen")
				expect(t, wrong, msg("checkin.not_found"))
				if transcript(wrong) != transcript(unknown) {
					t.Fatalf("replies differ:\n%s\n%s", transcript(wrong), transcript(unknown))
				}
			})
			t.Run("too many look-ups lock", func(t *testing.T) {
				tr := h.traveller("c")
				tr.say(p.checkIn)
				for i := 0; i < 4; i++ {
					tr.say("ZZ" + string(rune('A'+i)) + "999 Nobody")
				}
				expect(t, tr.say("ZZZ999 Nobody"), msg("checkin.locked"))
			})
			t.Run("ineligible bookings are explained", func(t *testing.T) {
				for loc, key := range map[string]string{
					"TK7JFK Tanaka": "checkin.window_not_open", "DM4FRA Demir": "checkin.window_closed",
					"LR6XNC Larsen": "checkin.segment_cancelled", "VS9KID Visser": "checkin.needs_adult",
				} {
					tr := h.traveller("d")
					tr.say(p.checkIn)
					out := tr.say(loc)
					expect(t, out, msg("checkin.nothing_to_check_in"), msg(key))
					// The explanation carries the flight number right after its
					// leading words.
					if !strings.Contains(transcript(out), "SB") {
						t.Fatalf("%s: no flight named (%s):\n%s", loc, key, transcript(out))
					}
				}
			})
			t.Run("bad document data is explained and asked again", func(t *testing.T) {
				tr := h.traveller("e")
				tr.say(p.checkIn)
				out := tr.say("DB4LHR Dubois")
				expect(t, out, "Claire Dubois")
				expect(t, tr.tap("pax:2"), msg("docs.intro"))
				expect(t, tr.say("#12"), msg("docs.number_invalid"))
				tr.say("P7654321")
				expect(t, tr.say("Qwxyz"), msg("docs.country_unknown"))
				tr.say("BEL")
				tr.tap("same")
				expect(t, tr.say("45/45/2030"), msg("docs.date_invalid"))
				expect(t, tr.say("01-01-2026"), msg("docs.expired"))
				tr.say("05-05-2032")
				expect(t, tr.say("05-05-2080"), full("docs.birth_future"))
				expect(t, tr.say("05-05-1980"), full("checkin.dangerous_goods"))
				expect(t, tr.say(p.yes), full("seat.current", "name", "Claire Dubois", "flight", "SB1001", "seat", "8A"))
				tr.tap("seat:pick")
				expect(t, tr.say("99Z"), full("seat.unknown", "seat", "99Z"))
				expect(t, tr.say("8B"), full("seat.taken", "seat", "8B"))
				if c := tr.state(); c.State != "choose_seat" || string(c.Lang) != string(lang) {
					t.Fatalf("state %s lang %s after a taken seat", c.State, c.Lang)
				}
			})
			t.Run("child cannot be checked in without an adult", func(t *testing.T) {
				tr := h.traveller("f")
				tr.say(p.checkIn)
				out := tr.say("VR2FAM de Vries")
				var child string
				for _, o := range out {
					for _, c := range o.Choices {
						if strings.Contains(c.Title, "(") && strings.HasPrefix(c.ID, "pax:") && c.ID != "pax:all" && !strings.Contains(c.Title, "Sanne") {
							child = c.ID
						}
					}
				}
				if child == "" {
					t.Fatalf("no child offered:\n%s", transcript(out))
				}
				expect(t, tr.tap(child), full("checkin.selection_needs_adult"))
			})
		})
	}
}
