package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api/web/webtest"
)

// direction is the computed CSS direction of the first element matching selector.
func (c *chat) direction(selector string) string {
	c.t.Helper()
	return c.js(`getComputedStyle(document.querySelector(` + quoteJS(selector) + `)).direction`)
}

// edges returns the left and right edges of the first element matching selector.
func (c *chat) edges(selector string) (left, right int) {
	c.t.Helper()
	r := `document.querySelector(` + quoteJS(selector) + `).getBoundingClientRect()`
	return c.num(`Math.round(` + r + `.left)`), c.num(`Math.round(` + r + `.right)`)
}

func quoteJS(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

func TestChatRightToLeft(t *testing.T) {
	browser := webtest.Browser(t)

	// arabic opens an English page whose conversation turns Arabic: the traveller
	// said "hello", the assistant answered twice in Arabic.
	arabic := func(t *testing.T) (*chat, string) {
		c := openChat(t, browser, "en-GB")
		session := c.started()
		if d := c.js(`document.documentElement.dir`); d != "ltr" {
			t.Errorf("English page before any reply: dir = %q, want ltr", d)
		}
		c.fake.push(session, botMessage{Seq: 1, Kind: "text", Text: "مرحبًا! أنا المساعد الرقمي لشركة Skybridge Air. كيف يمكنني مساعدتك؟"})
		// An Arabic reply that starts with a flight number: dir=auto alone would lay it
		// out left to right.
		c.fake.push(session, botMessage{Seq: 2, Kind: "choices",
			Text:    "SB1501 من Amsterdam (AMS) إلى Lisbon (LIS)، الثلاثاء 4 مارس، الساعة 14:05",
			Choices: []choice{{ID: "intent:check_in", Title: "تسجيل الوصول"}, {ID: "intent:human", Title: "Talk to a person"}}})
		c.waitSeq("2")
		c.waitJS(`document.documentElement.dir === 'rtl'`, "the page to turn right to left")
		return c, session
	}

	t.Run("an Arabic conversation is laid out right to left, English bubbles stay left to right", func(t *testing.T) {
		c, session := arabic(t)

		for _, sel := range []string{`[data-seq="1"] .text`, `[data-seq="2"] .text`, `[data-seq="2"] .choice-title`, `#input`, `.composer`, `.transcript`} {
			if d := c.direction(sel); d != "rtl" {
				t.Errorf("%s: direction %q, want rtl", sel, d)
			}
		}
		// The assistant's bubbles hang from the right, the traveller's from the left.
		botL, botR := c.edges(`.row.bot[data-seq="1"] .bubble`)
		youL, youR := c.edges(`.row.traveller .bubble`)
		if botR <= youR || botL <= youL {
			t.Errorf("assistant bubble at %d–%d, traveller's at %d–%d: want the assistant's on the right", botL, botR, youL, youR)
		}
		// The send arrow points the way the text runs.
		if tr := c.js(`getComputedStyle(document.querySelector('.send svg')).transform`); tr == "none" {
			t.Error("send arrow is not mirrored in a right-to-left page")
		}

		// A mixed page: English text keeps its own direction.
		c.fake.push(session, botMessage{Seq: 3, Kind: "text", Text: "Your flight SB1501 is delayed. New departure time: 16:10."})
		c.waitSeq("3")
		if d := c.direction(`[data-seq="3"] .text`); d != "ltr" {
			t.Errorf("English reply in an Arabic conversation: direction %q, want ltr", d)
		}
		if d := c.direction(`[data-seq="2"] .choice:nth-child(2) .choice-title`); d != "ltr" {
			t.Errorf("English button title: direction %q, want ltr", d)
		}
		if d := c.js(`document.documentElement.dir`); d != "rtl" {
			t.Errorf("after one English line: page dir = %q, want rtl still", d)
		}
		c.fake.push(session, botMessage{Seq: 4, Kind: "text", Text: "تم تسجيل وصولك! إليك بطاقة الصعود."})
		c.waitSeq("4")

		// What the traveller types: Arabic right to left, English left to right.
		webtest.Do(t, c.ctx, chromedp.SendKeys(chromedp.CSS("#input"), "أريد بطاقة الصعود"))
		if d := c.direction(`#input`); d != "rtl" {
			t.Errorf("typing Arabic: input direction %q, want rtl", d)
		}
		webtest.Do(t, c.ctx, webtest.PressEnter())
		c.fake.posted(t, 2)
		webtest.Do(t, c.ctx, chromedp.SendKeys(chromedp.CSS("#input"), "SB1501 boarding pass please"))
		if d := c.direction(`#input`); d != "ltr" {
			t.Errorf("typing English: input direction %q, want ltr", d)
		}
		webtest.Do(t, c.ctx, webtest.PressEnter())
		c.fake.posted(t, 3)
		got := c.js(`[...document.querySelectorAll('.row.traveller .text')].map(p => getComputedStyle(p).direction + ':' + p.textContent).join('|')`)
		want := "ltr:hello|rtl:أريد بطاقة الصعود|ltr:SB1501 boarding pass please"
		if got != want {
			t.Errorf("traveller bubbles = %q, want %q", got, want)
		}
		if d := c.direction(`#input`); d != "rtl" {
			t.Errorf("empty input in an Arabic conversation: direction %q, want rtl", d)
		}

	})

	t.Run("a reload keeps the direction; replies in English turn the page back", func(t *testing.T) {
		c, session := arabic(t)
		// A reload shows the stored conversation right to left at once.
		webtest.Do(t, c.ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.greeting .choice`)))
		if d := c.js(`document.documentElement.dir`); d != "rtl" {
			t.Errorf("after reload: page dir = %q, want rtl", d)
		}
		c.waitSeq("2")
		if d := c.direction(`[data-seq="1"] .text`); d != "rtl" {
			t.Errorf("after reload: Arabic reply direction %q, want rtl", d)
		}

		// The traveller switches to English: replies in English turn the page.
		c.fake.push(session, botMessage{Seq: 3, Kind: "text", Text: "Sure, I'll continue in English."})
		c.fake.push(session, botMessage{Seq: 4, Kind: "text", Text: "What can I do for you?"})
		c.waitSeq("4")
		c.waitJS(`document.documentElement.dir === 'ltr'`, "the page to turn left to right")
		if d := c.direction(`[data-seq="1"] .text`); d != "rtl" {
			t.Errorf("earlier Arabic reply in an English page: direction %q, want rtl", d)
		}
	})

	t.Run("an Arabic browser opens the page in Arabic, right to left", func(t *testing.T) {
		c := openChat(t, browser, "ar-AE,ar;q=0.9")
		if got := c.js(`document.documentElement.lang + ' ' + document.documentElement.dir`); got != "ar rtl" {
			t.Errorf("html lang and dir = %q, want \"ar rtl\"", got)
		}
		if d := c.direction(`.greeting .text`); d != "rtl" {
			t.Errorf("greeting direction %q, want rtl", d)
		}
		if p := c.js(`document.getElementById('input').placeholder`); p != "اكتب رسالة…" {
			t.Errorf("placeholder = %q", p)
		}
		if d := c.direction(`#input`); d != "rtl" {
			t.Errorf("input direction %q, want rtl", d)
		}
		got := c.js(`[...document.querySelectorAll('.greeting .choice')].map(b => b.textContent).join('|')`)
		if want := "تسجيل الوصول|بطاقة الصعود الخاصة بي|التحدث إلى موظف"; got != want {
			t.Errorf("starters = %q, want %q", got, want)
		}
	})

	t.Run("each new language has its page texts", func(t *testing.T) {
		for _, tt := range []struct{ lang, send string }{
			{"it-IT", "Invia"}, {"pl-PL", "Wyślij"}, {"tr-TR", "Gönder"}, {"zh-CN", "发送"}, {"hi-IN", "भेजें"},
		} {
			c := openChat(t, browser, tt.lang)
			if got := c.js(`document.getElementById('send').textContent.trim() + ' ' + document.documentElement.dir`); got != tt.send+" ltr" {
				t.Errorf("%s: send button and dir = %q, want %q", tt.lang, got, tt.send+" ltr")
			}
		}
	})
}
