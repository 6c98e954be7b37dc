package web_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api/web/webtest"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// chat is one scenario's page: a fake backend and a browser tab showing its page.
type chat struct {
	t    *testing.T
	fake *fakeChat
	ctx  context.Context
}

// openChat starts a fake backend and opens its page in a new tab, optionally with
// navigator.language set to lang.
func openChat(t *testing.T, browser context.Context, lang string) *chat {
	t.Helper()
	c := &chat{t: t, fake: newFakeChat(t), ctx: webtest.Tab(t, browser)}
	if lang != "" {
		_, err := chromedp.Call(c.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent:      "Mozilla/5.0 (X11; Linux x86_64) Chrome Headless test",
			AcceptLanguage: lang,
		})
		if err != nil {
			t.Fatalf("set language %s: %v", lang, err)
		}
	}
	webtest.Do(t, c.ctx,
		chromedp.Navigate(c.fake.URL()),
		chromedp.WaitVisible(chromedp.CSS(".greeting .choice")),
	)
	return c
}

func (c *chat) js(expr string) string { return webtest.Eval[string](c.t, c.ctx, expr) }

func (c *chat) num(expr string) int { return webtest.Eval[int](c.t, c.ctx, expr) }

func (c *chat) waitJS(expr, what string) { c.t.Helper(); webtest.WaitJS(c.t, c.ctx, expr, what) }

// say types text into the message box and presses Enter.
func (c *chat) say(text string) {
	c.t.Helper()
	webtest.Do(c.t, c.ctx, chromedp.SendKeys(chromedp.CSS("#input"), text), webtest.PressEnter())
}

// started sends a first message so that the page has a session and an open stream,
// and returns the session token.
func (c *chat) started() string {
	c.t.Helper()
	c.say("hello")
	s := c.fake.session(c.t)
	c.fake.posted(c.t, 1)
	waitFor(c.t, "an open event stream", func() bool { return c.fake.openStreams() > 0 })
	return s
}

func (c *chat) waitSeq(seq string) {
	c.t.Helper()
	webtest.Do(c.t, c.ctx, chromedp.WaitVisible(chromedp.CSS(`.row.bot[data-seq="`+seq+`"]`)))
}

func TestChatPage(t *testing.T) {
	browser := webtest.Browser(t)

	t.Run("shows the greeting and starter buttons and sends nothing", func(t *testing.T) {
		c := openChat(t, browser, "")
		got := c.js(`[...document.querySelectorAll('.greeting .choice')].map(b => b.dataset.payload + '=' + b.textContent).join('|')`)
		want := "intent:check_in=Check in|intent:boarding_pass=My boarding pass|intent:human=Talk to a person"
		if got != want {
			t.Errorf("starters = %q, want %q", got, want)
		}
		if live := c.js(`document.getElementById('transcript').getAttribute('aria-live')`); live != "polite" {
			t.Errorf("transcript aria-live = %q, want polite", live)
		}
		if label := c.js(`document.getElementById('input').labels[0].textContent`); label != "Your message" {
			t.Errorf("input label = %q", label)
		}
		if send := c.js(`document.getElementById('send').textContent.trim()`); send != "Send" {
			t.Errorf("send button name = %q", send)
		}
		if n := c.num(`document.getElementById('input').maxLength`); n != 1000 {
			t.Errorf("input maxlength = %d, want 1000", n)
		}
		time.Sleep(300 * time.Millisecond)
		if sessions, posts, _, _ := c.fake.snapshot(); len(sessions) != 0 || len(posts) != 0 {
			t.Errorf("page sent %d sessions and %d messages before the traveller wrote", len(sessions), len(posts))
		}
	})

	t.Run("a starter works from the keyboard", func(t *testing.T) {
		c := openChat(t, browser, "")
		webtest.Do(t, c.ctx,
			chromedp.Focus(chromedp.CSS(`.greeting .choice[data-payload="intent:check_in"]`)),
			chromedp.KeyEvent("\r"),
		)
		p := c.fake.posted(t, 1)[0]
		if p.Payload != "intent:check_in" || p.Text != "Check in" {
			t.Errorf("posted payload %q text %q, want intent:check_in / Check in", p.Payload, p.Text)
		}
		c.waitJS(`document.querySelectorAll('.greeting .choice:disabled').length === 3`, "starters disabled once answered")
		if pressed := c.js(`document.querySelector('.greeting .choice[data-payload="intent:check_in"]').getAttribute('aria-pressed')`); pressed != "true" {
			t.Errorf("chosen starter aria-pressed = %q", pressed)
		}
		if focused := c.js(`document.activeElement.id`); focused != "input" {
			t.Errorf("focus after a choice is on %q, want the message box", focused)
		}
	})

	t.Run("Enter posts the message with a client id and shows the bubble", func(t *testing.T) {
		c := openChat(t, browser, "")
		c.say("I want to check in")
		session := c.fake.session(t)
		p := c.fake.posted(t, 1)[0]
		if p.Text != "I want to check in" || p.Payload != "" || p.Session != session {
			t.Errorf("posted %+v, want the text with no payload in session %s", p, session)
		}
		if !uuidRE.MatchString(p.ID) {
			t.Errorf("client id %q is not a random UUID", p.ID)
		}
		if p.Locale == "" {
			t.Error("posted no locale")
		}
		c.waitJS(`!document.querySelector('.row.traveller').classList.contains('pending')`, "the bubble to be accepted")
		if got := c.js(`document.querySelector('.row.traveller .text').textContent`); got != "I want to check in" {
			t.Errorf("traveller bubble = %q", got)
		}
		if v := c.js(`document.getElementById('input').value`); v != "" {
			t.Errorf("message box kept %q after sending", v)
		}
		if hidden := webtest.Eval[bool](t, c.ctx, `document.getElementById('typing').hidden`); hidden {
			t.Error("typing indicator hidden while waiting for the bot")
		}
		c.fake.push(session, botMessage{Seq: 1, Kind: "text", Text: "Sure."})
		c.waitSeq("1")
		c.waitJS(`document.getElementById('typing').hidden`, "typing indicator hidden once the bot answers")
	})

	t.Run("choices arrive over the stream and a tap posts the payload", func(t *testing.T) {
		c := openChat(t, browser, "")
		session := c.started()
		c.fake.push(session, botMessage{Seq: 1, Kind: "choices", Text: "Which flight?", Choices: []choice{
			{ID: "flight:SB123", Title: "SB123 to Lisbon", Description: "Tue 14:05"},
			{ID: "flight:SB456", Title: "SB456 to Porto"},
		}})
		c.waitSeq("1")
		got := c.js(`[...document.querySelectorAll('[data-seq="1"] .choice')].map(b => b.dataset.payload + '=' + b.querySelector('.choice-title').textContent).join('|')`)
		if got != "flight:SB123=SB123 to Lisbon|flight:SB456=SB456 to Porto" {
			t.Errorf("choices = %q", got)
		}
		webtest.Do(t, c.ctx, chromedp.Click(chromedp.CSS(`[data-seq="1"] .choice[data-payload="flight:SB456"]`)))
		p := c.fake.posted(t, 2)[1]
		if p.Payload != "flight:SB456" || p.Text != "SB456 to Porto" {
			t.Errorf("posted payload %q text %q", p.Payload, p.Text)
		}
		c.waitJS(`[...document.querySelectorAll('.row.traveller .text')].pop().textContent === 'SB456 to Porto'`, "the title as the traveller's bubble")
		if n := c.num(`document.querySelectorAll('[data-seq="1"] .choice:disabled').length`); n != 2 {
			t.Errorf("%d of 2 answered choices disabled", n)
		}
	})

	t.Run("attachments render as an image with alt and a download link", func(t *testing.T) {
		c := openChat(t, browser, "")
		session := c.started()
		c.fake.push(session, botMessage{Seq: 1, Kind: "image", Text: "Your boarding pass", Attachment: &attachment{
			URL: "/passes/abc.png", Filename: "pass.png", MIME: "image/png", Caption: "Boarding pass SB123, seat 14A",
		}})
		c.fake.push(session, botMessage{Seq: 2, Kind: "document", Attachment: &attachment{
			URL: "/passes/abc.pdf", Filename: "SB123-boarding-pass.pdf", MIME: "application/pdf", Caption: "Print it or keep it on your phone",
		}})
		c.waitSeq("2")
		if alt := c.js(`document.querySelector('[data-seq="1"] img').alt`); alt != "Boarding pass SB123, seat 14A" {
			t.Errorf("image alt = %q", alt)
		}
		if src := c.js(`document.querySelector('[data-seq="1"] img').src`); !strings.HasSuffix(src, "/passes/abc.png") {
			t.Errorf("image src = %q", src)
		}
		c.waitJS(`document.querySelector('[data-seq="1"] img').naturalWidth > 0`, "the image to load")
		link := `document.querySelector('[data-seq="2"] a.document')`
		if dl := c.js(link + `.getAttribute('download')`); dl != "SB123-boarding-pass.pdf" {
			t.Errorf("download attribute = %q", dl)
		}
		if href := c.js(link + `.href`); !strings.HasSuffix(href, "/passes/abc.pdf") {
			t.Errorf("download href = %q", href)
		}
		if text := c.js(link + `.textContent`); !strings.Contains(text, "SB123-boarding-pass.pdf") {
			t.Errorf("download link text %q lacks the file name", text)
		}
	})

	t.Run("server text is shown as text, with newlines, safe links and dir auto", func(t *testing.T) {
		c := openChat(t, browser, "")
		session := c.started()
		text := "<img src=x onerror=\"window.pwned=1\">\nSee https://example.com/trip?id=1. Not javascript:alert(1)\nمرحبا"
		c.fake.push(session, botMessage{Seq: 1, Kind: "text", Text: text})
		c.waitSeq("1")
		p := `document.querySelector('[data-seq="1"] .text')`
		if got := c.js(p + `.textContent`); got != text {
			t.Errorf("text = %q, want %q", got, text)
		}
		if n := c.num(p + `.querySelectorAll('img').length`); n != 0 {
			t.Errorf("server text made %d elements", n)
		}
		if links := c.js(`[...` + p + `.querySelectorAll('a')].map(a => a.href + ' ' + a.rel).join('|')`); links != "https://example.com/trip?id=1 noopener noreferrer" {
			t.Errorf("links = %q", links)
		}
		if ws := c.js(`getComputedStyle(` + p + `).whiteSpace`); ws != "pre-wrap" {
			t.Errorf("white-space = %q, newlines would be lost", ws)
		}
		if dir := c.js(p + `.getAttribute('dir')`); dir != "auto" {
			t.Errorf("dir = %q, want auto", dir)
		}
		if pwned := webtest.Eval[bool](t, c.ctx, `window.pwned === 1`); pwned {
			t.Error("server text ran script")
		}
	})

	t.Run("a repeated seq is shown once and the stream resumes after the last seq", func(t *testing.T) {
		c := openChat(t, browser, "")
		session := c.started()
		one := botMessage{Seq: 1, Kind: "text", Text: "Only once"}
		c.fake.push(session, one)
		c.fake.push(session, one)
		c.fake.push(session, botMessage{Seq: 2, Kind: "text", Text: "Second"})
		c.waitSeq("2")
		if n := c.num(`document.querySelectorAll('[data-seq="1"]').length`); n != 1 {
			t.Errorf("seq 1 shown %d times", n)
		}
		c.fake.dropStreams()
		waitFor(t, "the stream to reconnect", func() bool {
			_, _, afters, _ := c.fake.snapshot()
			return len(afters) >= 2 && c.fake.openStreams() > 0
		})
		if _, _, afters, _ := c.fake.snapshot(); afters[len(afters)-1] != 2 {
			t.Errorf("stream reconnected with after=%d, want 2 (requests: %v)", afters[len(afters)-1], afters)
		}
		c.fake.push(session, botMessage{Seq: 3, Kind: "text", Text: "Third"})
		c.waitSeq("3")
		if got := c.js(`[...document.querySelectorAll('.row.bot[data-seq]')].map(r => r.dataset.seq).join(',')`); got != "0,1,2,3" {
			t.Errorf("bot rows = %s, want 0,1,2,3", got)
		}
	})

	t.Run("a reload keeps the session and the transcript", func(t *testing.T) {
		c := openChat(t, browser, "")
		session := c.started()
		c.fake.push(session, botMessage{Seq: 1, Kind: "choices", Text: "Check in now?", Choices: []choice{{ID: "yes", Title: "Yes"}}})
		c.waitSeq("1")
		webtest.Do(t, c.ctx, chromedp.Click(chromedp.CSS(`[data-seq="1"] .choice`)))
		c.fake.posted(t, 2)
		c.waitJS(`document.querySelectorAll('.row.traveller.pending').length === 0`, "both messages accepted")

		webtest.Do(t, c.ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`.row.bot[data-seq="1"]`)))
		got := c.js(`[...document.querySelectorAll('#transcript .row')].map(r => (r.classList.contains('bot') ? 'bot:' : 'me:') + r.querySelector('.text').textContent).join('|')`)
		want := "bot:" + "Hello! I am the Skybridge assistant. I can check you in and send your boarding pass. What would you like to do?" + "|me:hello|bot:Check in now?|me:Yes"
		if got != want {
			t.Errorf("transcript after reload:\n got %s\nwant %s", got, want)
		}
		if n := c.num(`document.querySelectorAll('[data-seq="1"] .choice:disabled').length`); n != 1 {
			t.Error("answered choice enabled again after reload")
		}
		sessions, _, _, _ := c.fake.snapshot()
		if len(sessions) != 1 {
			t.Errorf("reload created sessions: %v", sessions)
		}
		waitFor(t, "the stream to reopen", func() bool { return c.fake.openStreams() > 0 })
		if _, _, afters, _ := c.fake.snapshot(); afters[len(afters)-1] != 1 {
			t.Errorf("stream after reload asked after=%d, want 1", afters[len(afters)-1])
		}
		c.fake.push(session, botMessage{Seq: 2, Kind: "text", Text: "Done"})
		c.waitSeq("2")
	})

	t.Run("a failed post is retried with the same client id until accepted", func(t *testing.T) {
		c := openChat(t, browser, "")
		var healthy atomic.Bool
		c.fake.setPostFunc(func(n int, p post) int {
			switch {
			case healthy.Load():
				return 0
			case n%2 == 1:
				return dropConnection
			default:
				return http.StatusInternalServerError
			}
		})
		c.say("retry me")
		c.fake.posted(t, 2)
		c.waitJS(`document.querySelector('.row.traveller').classList.contains('pending')`, "the bubble to show as pending")
		// The second failed attempt turns "Sending…" into the retry notice; on a
		// loaded machine the page may repaint a moment after the fake answered.
		c.waitJS(`document.querySelector('.row.traveller .delivery').textContent === "Not sent yet, trying again…"`,
			"the pending bubble to say it is trying again")
		healthy.Store(true)
		c.waitJS(`!document.querySelector('.row.traveller').classList.contains('pending')`, "the bubble to be accepted")
		_, posts, _, _ := c.fake.snapshot()
		var statuses []int
		for _, p := range posts {
			statuses = append(statuses, p.Status)
			if p.ID != posts[0].ID || p.Text != "retry me" {
				t.Errorf("retry posted id %q text %q, want id %q", p.ID, p.Text, posts[0].ID)
			}
		}
		if !slices.Contains(statuses, dropConnection) || !slices.Contains(statuses, 500) || statuses[len(statuses)-1] != http.StatusAccepted {
			t.Errorf("attempts answered %v, want a dropped connection and a 500, then 202", statuses)
		}
	})

	t.Run("a refused message is marked not sent with the server's reason", func(t *testing.T) {
		c := openChat(t, browser, "")
		c.fake.setPostFunc(func(n int, p post) int { return http.StatusRequestEntityTooLarge })
		c.say("too long, says the server")
		c.waitJS(`document.querySelector('.row.traveller').classList.contains('failed')`, "the bubble to show as failed")
		if d := c.js(`document.querySelector('.row.traveller .delivery').textContent`); d != "Not sent: Request Entity Too Large" {
			t.Errorf("failed bubble says %q", d)
		}
		if _, posts, _, _ := c.fake.snapshot(); len(posts) != 1 {
			t.Errorf("a refused message was posted %d times", len(posts))
		}
	})

	t.Run("a session the server forgot is replaced and the message still sent", func(t *testing.T) {
		c := openChat(t, browser, "")
		old := c.started()
		c.fake.push(old, botMessage{Seq: 1, Kind: "text", Text: "From the old session"})
		c.waitSeq("1")
		c.fake.forget(old)
		c.say("are you there?")
		var tries []post
		waitFor(t, "the message accepted in a new session", func() bool {
			_, posts, _, _ := c.fake.snapshot()
			tries = slices.DeleteFunc(posts, func(p post) bool { return p.Text != "are you there?" })
			return len(tries) > 0 && tries[len(tries)-1].Status == http.StatusAccepted
		})
		for _, p := range tries {
			if p.ID != tries[0].ID {
				t.Errorf("message posted with ids %q and %q", tries[0].ID, p.ID)
			}
		}
		if s := tries[len(tries)-1].Session; s == old {
			t.Errorf("message accepted in the forgotten session %s", s)
		}
		c.waitJS(`!document.querySelector('[data-seq="1"]') && document.querySelectorAll('.row.traveller').length === 1`, "the old transcript cleared, the unsent message kept")
	})

	t.Run("without a working stream the page polls", func(t *testing.T) {
		c := openChat(t, browser, "")
		c.fake.setStreamStatus(http.StatusServiceUnavailable)
		c.say("hello")
		session := c.fake.session(t)
		c.fake.push(session, botMessage{Seq: 1, Kind: "text", Text: "Polled"})
		c.waitSeq("1")
		if _, _, _, polls := c.fake.snapshot(); polls == 0 {
			t.Error("message shown without polling")
		}
	})

	t.Run("the page speaks the browser's language", func(t *testing.T) {
		c := openChat(t, browser, "fr-BE")
		got := c.js(`[...document.querySelectorAll('.greeting .choice')].map(b => b.textContent).join('|')`)
		if got != "M’enregistrer|Ma carte d’embarquement|Parler à un conseiller" {
			t.Errorf("French starters = %q", got)
		}
		if lang := c.js(`document.documentElement.lang`); lang != "fr" {
			t.Errorf("html lang = %q", lang)
		}
		c.say("bonjour")
		if p := c.fake.posted(t, 1)[0]; p.Locale != "fr-BE" {
			t.Errorf("posted locale %q, want fr-BE", p.Locale)
		}
	})

	t.Run("screenshots", func(t *testing.T) {
		c := openChat(t, browser, "")
		webtest.Do(t, c.ctx, chromedp.Click(chromedp.CSS(`.greeting .choice[data-payload="intent:check_in"]`)))
		session := c.fake.session(t)
		c.fake.push(session, botMessage{Seq: 1, Kind: "text", Text: "Sure! What is your booking reference?\nIt is the 6-character code in your confirmation e-mail."})
		c.waitSeq("1")
		c.say("X7KQ2P")
		c.fake.push(session, botMessage{Seq: 2, Kind: "choices", Text: "I found flight SB123 Brussels → Lisbon. Who is checking in?", Choices: []choice{
			{ID: "pax:1", Title: "Ada Lovelace"}, {ID: "pax:2", Title: "Charles Babbage"}, {ID: "pax:all", Title: "Both passengers", Description: "2 travellers"},
		}})
		c.waitSeq("2")
		webtest.Do(t, c.ctx, chromedp.Click(chromedp.CSS(`.choice[data-payload="pax:all"]`)))
		c.fake.posted(t, 3)
		c.fake.push(session, botMessage{Seq: 3, Kind: "text", Text: "You are checked in: seats 14A and 14B. Trip details: https://skybridge.example/trips/X7KQ2P"})
		c.fake.push(session, botMessage{Seq: 4, Kind: "image", Attachment: &attachment{URL: "/passes/ada.png", Filename: "ada.png", MIME: "image/png", Caption: "Boarding pass · Ada Lovelace · SB123 · seat 14A"}})
		c.fake.push(session, botMessage{Seq: 5, Kind: "document", Attachment: &attachment{URL: "/passes/X7KQ2P.pdf", Filename: "SB123-boarding-passes.pdf", MIME: "application/pdf", Caption: "Both boarding passes"}})
		c.waitSeq("5")
		c.waitJS(`document.querySelector('[data-seq="4"] img').complete`, "the image")
		webtest.Screenshot(t, c.ctx, "webchat-phone", 390, 844)
		webtest.Screenshot(t, c.ctx, "webchat-laptop", 1280, 800)
		_, err := chromedp.Call(c.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		if err != nil {
			t.Fatalf("emulate dark mode: %v", err)
		}
		webtest.Screenshot(t, c.ctx, "webchat-phone-dark", 390, 844)
	})
}
