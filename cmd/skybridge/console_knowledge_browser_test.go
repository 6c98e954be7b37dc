package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api/web/webtest"
)

// TestBrowserConsoleEditsAKnowledgeArticle drives the real binary in headless
// Chromium: a web chat traveller asks about bikes and is quoted the shipped
// price. An administrator opens the knowledge list, reaches the article with the
// keyboard, empties its English text and sees the problem next to the field
// (saved in place, no reload), writes the new price and publishes; the version's
// diff shows the article's text before and after. A traveller asking now is
// quoted the new price. Screenshots go to SKYBRIDGE_ARTIFACTS when it is set.
func TestBrowserConsoleEditsAKnowledgeArticle(t *testing.T) {
	browser := webtest.Browser(t)
	env := []string{"SKYBRIDGE_DATABASE_URL=" + filepath.Join(t.TempDir(), "sky.db"), "SKYBRIDGE_STATUS_POLL=off"}
	out := runCommand(t, env, "staff", "add", "--role", "admin", "Kim")
	m := passwordLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("staff add printed %q", out)
	}
	in := start(t, env...)

	const (
		oldPrice = "EUR 60 per flight"
		newPrice = "EUR 75 per flight"
		question = "can I bring my bike?"
	)
	ask := func(tab context.Context, want string) {
		t.Helper()
		webtest.Do(t, tab, chromedp.Navigate(in.URL), chromedp.WaitVisible(`#input`))
		webtest.Do(t, tab, chromedp.SendKeys(`#input`, question), webtest.PressEnter())
		webtest.WaitJS(t, tab, `[...document.querySelectorAll('.row.bot')].some(r => r.textContent.includes(`+quote(want)+`))`, want)
	}
	before := webtest.Tab(t, browser)
	ask(before, oldPrice)

	console := longTab(t, browser)
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/"), chromedp.WaitVisible(`#password`))
	webtest.Do(t, console, chromedp.SendKeys(`#name`, "kim"), chromedp.SendKeys(`#password`, m[1]))
	webtest.Eval[bool](t, console, `(() => { window.__before = true; document.querySelector('form.signin button[type=submit]').click(); return true })()`)
	waitNewPage(t, console)

	// The list, then the article reached with the keyboard.
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/knowledge"), chromedp.WaitVisible(`table.articles`))
	if row := webtest.Eval[string](t, console, `document.getElementById('row-sports-equipment').textContent`); !strings.Contains(row, "Sports equipment") {
		t.Fatalf("the list's bike row reads %q", row)
	}
	webtest.Screenshot(t, console, "console-knowledge", 1280, 900)
	webtest.Eval[bool](t, console, `(() => { window.__before = true; document.querySelector('a[href="/console/knowledge/sports-equipment"]').focus(); return true })()`)
	webtest.Do(t, console, webtest.PressEnter())
	waitNewPage(t, console)
	webtest.WaitJS(t, console, `location.pathname === '/console/knowledge/sports-equipment' && document.getElementById('a-en-body') !== null`, "the article page")
	if label := webtest.Eval[string](t, console, `document.querySelector('label[for="a-fr-body"]').textContent`); !strings.Contains(label, "fr") {
		t.Fatalf("the French text's label reads %q", label)
	}

	body := `document.getElementById('a-en-body')`
	save := func() {
		t.Helper()
		webtest.Eval[bool](t, console, `(() => { window.__noReload = true; const s = document.getElementById('article'); s.dataset.old = '1'; s.querySelector('button[type=submit]').click(); return true })()`)
		webtest.WaitJS(t, console, `document.getElementById('article') && !document.getElementById('article').dataset.old && document.querySelector('#article .saved') !== null`, "saved to the draft")
		if !webtest.Eval[bool](t, console, `window.__noReload === true`) {
			t.Fatal("saving reloaded the page instead of updating the article")
		}
	}
	original := webtest.Eval[string](t, console, body+`.value`)
	if !strings.Contains(original, oldPrice) {
		t.Fatalf("the English text does not say %q: %q", oldPrice, original)
	}
	webtest.Eval[bool](t, console, `(() => { `+body+`.value = ''; return true })()`)
	save()
	webtest.WaitJS(t, console, `(document.getElementById('a-en-body-p') || {}).textContent === 'empty body or paragraph' && `+body+`.getAttribute('aria-invalid') === 'true'`, "the empty text flagged")
	webtest.Screenshot(t, console, "console-article-problem", 1280, 900)

	webtest.Eval[bool](t, console, `(() => { `+body+`.value = `+quote(strings.Replace(original, oldPrice, newPrice, 1))+`; return true })()`)
	save()
	if webtest.Eval[bool](t, console, `document.getElementById('a-en-body-p') !== null`) {
		t.Fatal("the problem stayed after the text was written")
	}
	webtest.Eval[bool](t, console, `(() => { document.getElementById('a-fr').scrollIntoView(); return true })()`)
	webtest.Screenshot(t, console, "console-article-translation", 1280, 900)

	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/draft"), chromedp.WaitVisible(`#comment`))
	if n := webtest.Eval[int](t, console, `document.querySelectorAll('.problems li').length`); n != 0 {
		t.Fatalf("%d problems left", n)
	}
	webtest.Do(t, console, chromedp.SendKeys(`#comment`, "new bike price"))
	webtest.Eval[bool](t, console, `(() => { window.__before = true; document.querySelector('form.publish button[type=submit]').click(); return true })()`)
	waitNewPage(t, console)
	webtest.WaitJS(t, console, `location.pathname === '/console/versions/2'`, "version 2")
	diff := webtest.Eval[string](t, console, `document.querySelector('table.changes').textContent`)
	if !strings.Contains(diff, "articles.sports-equipment.body") || !strings.Contains(diff, newPrice) || !strings.Contains(diff, oldPrice) {
		t.Fatalf("the diff of version 2 reads %q", diff)
	}
	webtest.Screenshot(t, console, "console-article-diff", 1280, 900)

	ask(webtest.Tab(t, browser), newPrice)
	in.stop()
}
