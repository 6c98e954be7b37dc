package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api/web/webtest"
)

var passwordLine = regexp.MustCompile(`(?m)^password: (\S+)$`)

// TestBrowserConsolePublishesSafely drives the staff console of the real binary in
// headless Chromium: an administrator created on the command line signs in, edits
// the surname question of check-in in English and French, sees publication
// refused while the French text is missing (the problem next to its field and on
// the draft page), completes it and publishes. A web chat conversation that
// started before keeps the old question; one started after gets the new one. A
// rollback brings the old text back for the next conversation. Screenshots of the
// main pages go to SKYBRIDGE_ARTIFACTS when it is set.
func TestBrowserConsolePublishesSafely(t *testing.T) {
	browser := webtest.Browser(t)
	env := []string{"SKYBRIDGE_DATABASE_URL=" + filepath.Join(t.TempDir(), "sky.db"), "SKYBRIDGE_STATUS_POLL=off"}
	out := runCommand(t, env, "staff", "add", "--role", "admin", "Ana")
	m := passwordLine.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "staff ana added with role admin") {
		t.Fatalf("staff add printed %q", out)
	}
	password := m[1]
	in := start(t, env...)

	const (
		oldEN = "Thanks. And what is the surname of one of the passengers?"
		newEN = "Thank you! Which surname is on the booking?"
		newFR = "Merci ! Quel nom de famille figure sur la réservation ?"
	)
	// A traveller starts checking in before anything is published.
	oldChat := webtest.Tab(t, browser)
	sayIn := func(tab context.Context, text string) {
		t.Helper()
		webtest.Do(t, tab, chromedp.SendKeys(`#input`, text), webtest.PressEnter())
	}
	waitBot := func(tab context.Context, text string) {
		t.Helper()
		webtest.WaitJS(t, tab, `[...document.querySelectorAll('.row.bot')].some(r => r.textContent.includes(`+quote(text)+`))`, text)
	}
	webtest.Do(t, oldChat, chromedp.Navigate(in.URL), chromedp.WaitVisible(`#input`))
	sayIn(oldChat, "check in")
	waitBot(oldChat, "booking reference")

	// Staff sign in.
	console := longTab(t, browser)
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/"), chromedp.WaitVisible(`#password`))
	webtest.Screenshot(t, console, "console-sign-in", 1280, 800)
	// Forms are submitted by clicking their button, as a pointer or the keyboard's
	// space bar on the focused button does.
	submit := func(form string) {
		t.Helper()
		webtest.Eval[bool](t, console, `(() => { window.__before = true; document.querySelector(`+quote(form+` button[type=submit]`)+`).click(); return true })()`)
		waitNewPage(t, console)
	}
	webtest.Do(t, console, chromedp.SendKeys(`#name`, "ana"), chromedp.SendKeys(`#password`, password))
	submit("form.signin")
	webtest.WaitJS(t, console, `location.pathname === '/console/' && document.body.textContent.includes('Published: version 1')`, "the console home")

	// Edit the question in two languages, saved in place (htmx) into the draft.
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/flows/checkin"), chromedp.WaitVisible(`svg.diagram`))
	section := `document.getElementById('g-checkin/ask_booking')`
	setText := func(lang, text string) {
		t.Helper()
		webtest.Eval[bool](t, console, fmt.Sprintf(`(() => { document.getElementById('t-%s-checkin.ask_surname').value = %s; return true })()`, lang, quote(text)))
	}
	save := func() {
		t.Helper()
		webtest.Eval[bool](t, console, `(() => { window.__noReload = true; `+section+`.querySelector('button[type=submit]').click(); return true })()`)
		webtest.WaitJS(t, console, section+` && `+section+`.querySelector('.saved') !== null`, "saved to the draft")
		if !webtest.Eval[bool](t, console, `window.__noReload === true`) {
			t.Fatal("saving reloaded the page instead of updating the section")
		}
	}
	setText("en", newEN)
	setText("fr", "")
	save()
	// The French text is missing: said next to its field.
	webtest.WaitJS(t, console, `(document.getElementById('t-fr-checkin.ask_surname-p') || {}).textContent === 'missing translation'`, "the missing French text flagged")
	if got := webtest.Eval[string](t, console, `document.getElementById('t-en-checkin.ask_surname').value`); got != newEN {
		t.Fatalf("English text after saving: %q", got)
	}
	webtest.Screenshot(t, console, "console-flow-checkin", 1280, 900)

	// Publication is refused and says why.
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/draft"), chromedp.WaitVisible(`#comment`))
	webtest.Do(t, console, chromedp.SendKeys(`#comment`, "friendlier surname question"))
	submit("form.publish")
	webtest.WaitJS(t, console, `document.querySelector('.problems') !== null && document.querySelector('.problems').textContent.includes('fr.checkin.ask_surname: missing translation')`, "publication refused")
	webtest.Screenshot(t, console, "console-draft-refused", 1280, 900)

	// Complete it and publish.
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/flows/checkin"), chromedp.WaitVisible(`svg.diagram`))
	setText("fr", newFR)
	save()
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/draft"), chromedp.WaitVisible(`#comment`))
	if n := webtest.Eval[int](t, console, `document.querySelectorAll('.problems li').length`); n != 0 {
		t.Fatalf("%d problems left", n)
	}
	webtest.Do(t, console, chromedp.SendKeys(`#comment`, "friendlier surname question"))
	submit("form.publish")
	webtest.WaitJS(t, console, `location.pathname === '/console/versions/2'`, "version 2")
	diff := webtest.Eval[string](t, console, `document.querySelector('table.changes').textContent`)
	if !strings.Contains(diff, newEN) || !strings.Contains(diff, newFR) || !strings.Contains(diff, oldEN) {
		t.Fatalf("the diff of version 2 reads %q", diff)
	}
	webtest.Screenshot(t, console, "console-version-diff", 1280, 900)

	// The conversation that started before keeps its version; a new one takes the new.
	sayIn(oldChat, "DB4LHR")
	waitBot(oldChat, oldEN)
	newChat := webtest.Tab(t, browser)
	webtest.Do(t, newChat, chromedp.Navigate(in.URL), chromedp.WaitVisible(`#input`))
	sayIn(newChat, "check in")
	waitBot(newChat, "booking reference")
	sayIn(newChat, "DB4LHR")
	waitBot(newChat, newEN)
	if webtest.Eval[bool](t, oldChat, `[...document.querySelectorAll('.row.bot')].some(r => r.textContent.includes(`+quote(newEN)+`))`) {
		t.Fatal("the conversation that started before publication got the new text")
	}

	// Roll back to version 1: the next conversation reads the old question again.
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/versions/1"), chromedp.WaitVisible(`#comment`))
	webtest.Do(t, console, chromedp.SendKeys(`#comment`, "back to the original"))
	submit("form.publish")
	webtest.WaitJS(t, console, `location.pathname === '/console/versions/3'`, "version 3")
	third := webtest.Tab(t, browser)
	webtest.Do(t, third, chromedp.Navigate(in.URL), chromedp.WaitVisible(`#input`))
	sayIn(third, "check in")
	waitBot(third, "booking reference")
	sayIn(third, "DB4LHR")
	waitBot(third, oldEN)

	// The audit log shows the sign-in, the publication and the rollback.
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/audit"), chromedp.WaitVisible(`table.audit`))
	log := webtest.Eval[string](t, console, `document.querySelector('table.audit').textContent`)
	for _, want := range []string{"sign_in", "publish", "content v2", "rollback", "content v3", "staff_add"} {
		if !strings.Contains(log, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
	webtest.Screenshot(t, console, "console-audit", 1280, 800)
	webtest.Screenshot(t, console, "console-audit-tablet", 820, 1000)
	in.stop()
}

// waitNewPage waits until the tab shows a new, loaded document (the mark set on
// the old one is gone), riding out the moments when there is no page to ask.
func waitNewPage(t *testing.T, ctx context.Context) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__before === undefined && document.readyState === 'complete'`))
		if err == nil && loaded {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no new page within 10s")
}

// longTab opens a tab like webtest.Tab (own cookies, console to the log) but
// bounded by two minutes: the console walk does more than one tab's usual 20 s.
func longTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tabCtx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(tabCtx); err != nil {
		cancel()
		t.Fatalf("open tab: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(tabCtx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
	})
	return ctx
}
