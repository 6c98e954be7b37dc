package main

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api/web/webtest"
)

// TestBrowserOrderPaidOnTheDemoPage: what a newcomer does with the embedded
// default. In the real web chat (headless Chromium) a traveller of FX5LHR buys a
// checked bag, opens the payment link, presses Pay on the demo provider's page
// (no card fields), and the chat — without a reload — confirms the payment with
// the bag's document number, issued by the demo booking system.
func TestBrowserOrderPaidOnTheDemoPage(t *testing.T) {
	browser := webtest.Browser(t)
	env := []string{"SKYBRIDGE_DATABASE_URL=" + filepath.Join(t.TempDir(), "sky.db"), "SKYBRIDGE_STATUS_POLL=off"}
	in := start(t, env...)

	chat := webtest.Tab(t, browser)
	botRows := func(text string) string {
		return `[...document.querySelectorAll('.row.bot')].filter(r => r.textContent.includes(` + quote(text) + `))`
	}
	waitText := func(text string) {
		t.Helper()
		webtest.WaitJS(t, chat, botRows(text)+`.length > 0`, text)
	}
	say := func(text string) {
		t.Helper()
		webtest.Do(t, chat, chromedp.SendKeys(`#input`, text), webtest.PressEnter())
	}
	tap := func(prefix string) {
		t.Helper()
		sel := `[...document.querySelectorAll('button.choice:not([disabled])')].filter(b => b.dataset.payload.startsWith(` + quote(prefix) + `))`
		webtest.WaitJS(t, chat, sel+`.length > 0`, "a button "+prefix)
		webtest.Eval[bool](t, chat, `(() => { const b = `+sel+`; b[b.length-1].click(); return true })()`)
	}
	webtest.Do(t, chat, chromedp.Navigate(in.URL), chromedp.WaitVisible(`#input`))
	say("hello")
	tap("intent:extras")
	waitText("booking reference")
	say("FX5LHR Fischer")
	waitText("What would you like to add?")
	tap("kind:bag")
	waitText("Which one?")
	tap("item:0CC")
	waitText("For whom?")
	tap("who:all")
	waitText("Added to your basket")
	tap("checkout")
	waitText("Your basket")
	tap("pay")
	waitText("Please pay")
	text := webtest.Eval[string](t, chat, botRows("Please pay")+`.map(r => r.textContent).join(' ')`)
	path := regexp.MustCompile(`/pay/[A-Za-z0-9_-]+`).FindString(text)
	if path == "" {
		t.Fatalf("no payment link in %q", text)
	}

	page := webtest.Tab(t, browser)
	webtest.Do(t, page, chromedp.Navigate(in.URL+path), chromedp.WaitVisible(`#pay`))
	if n := webtest.Eval[int](t, page, `document.querySelectorAll('input[type=text], input[type=number], input[type=tel], input:not([type])').length`); n != 0 {
		t.Fatalf("the demo payment page asks for %d input fields; card data never passes through Skybridge", n)
	}
	if body := webtest.Eval[string](t, page, `document.body.textContent`); !regexp.MustCompile(`35[.,]00`).MatchString(body) {
		t.Fatalf("the payment page does not show the amount: %q", body)
	}
	webtest.Do(t, page, chromedp.Click(`#pay`))

	waitText("Payment received")
	receipt := webtest.Eval[string](t, chat, botRows("Payment received")+`.map(r => r.textContent).join(' ')`)
	if !regexp.MustCompile(`FX5LHR`).MatchString(receipt) || !regexp.MustCompile(`\d{13}`).MatchString(receipt) {
		t.Fatalf("the receipt lacks the booking or the document number: %q", receipt)
	}
}
