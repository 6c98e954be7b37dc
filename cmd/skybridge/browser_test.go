package main

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api/web/webtest"
)

// TestBrowserCheckIn checks a traveller in through the real page of the real binary
// in headless Chromium: buttons, free text, seat choice, and the boarding pass shown
// as an image with a PDF link.
func TestBrowserCheckIn(t *testing.T) {
	browser := webtest.Browser(t)
	in := start(t, "SKYBRIDGE_DATABASE_URL="+filepath.Join(t.TempDir(), "sky.db"))
	ctx := webtest.Tab(t, browser)
	lastBot := `document.querySelectorAll('.row.bot').length`
	waitText := func(text string) {
		t.Helper()
		webtest.WaitJS(t, ctx, `[...document.querySelectorAll('.row.bot')].some(r => r.textContent.includes(`+quote(text)+`))`, text)
	}
	click := func(payload string) {
		t.Helper()
		sel := `.row.bot:last-of-type button.choice[data-payload^="` + payload + `"]:not([disabled])`
		webtest.WaitJS(t, ctx, `[...document.querySelectorAll('button.choice[data-payload^="`+payload+`"]')].some(b => !b.disabled)`, "button "+payload)
		webtest.Eval[bool](t, ctx, `(() => { const b = [...document.querySelectorAll('button.choice[data-payload^="`+payload+`"]')].filter(b => !b.disabled).pop(); b.click(); return true })()`)
		_ = sel
	}
	webtest.Do(t, ctx, chromedp.Navigate(in.URL), chromedp.WaitVisible(`#input`))
	click("intent:check_in")
	waitText("booking reference")
	webtest.Do(t, ctx, chromedp.SendKeys(`#input`, "DB4LHR dubois"), webtest.PressEnter())
	waitText("Claire Dubois")
	click("pax:2")
	waitText("passport")
	for _, answer := range []string{"X1234567", "France"} {
		webtest.Do(t, ctx, chromedp.SendKeys(`#input`, answer), webtest.PressEnter())
	}
	waitText("issued")
	click("same")
	waitText("expire")
	webtest.Do(t, ctx, chromedp.SendKeys(`#input`, "01-05-2031"), webtest.PressEnter())
	waitText("date of birth")
	webtest.Do(t, ctx, chromedp.SendKeys(`#input`, "12-03-1985"), webtest.PressEnter())
	waitText("dangerous goods")
	click("yes")
	waitText("Keep it?")
	click("seat:pick")
	waitText("Which seat")
	click("seat:")
	waitText("Please check")
	click("yes")
	waitText("checked in")
	webtest.WaitJS(t, ctx, `[...document.querySelectorAll('.row.bot img')].some(i => i.complete && i.naturalWidth > 100)`, "barcode image loaded")
	webtest.WaitJS(t, ctx, `[...document.querySelectorAll('.row.bot a')].some(a => a.href.includes('/passes/') && a.href.endsWith('.pdf'))`, "PDF link")
	if n := webtest.Eval[int](t, ctx, lastBot); n < 10 {
		t.Fatalf("only %d bot messages", n)
	}
	webtest.Screenshot(t, ctx, "checkin-phone", 400, 860)
	webtest.Screenshot(t, ctx, "checkin-laptop", 1280, 860)
}

func quote(s string) string { return "`" + s + "`" }
