package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api/web/webtest"
)

// TestBrowserConsoleHandoff drives the real binary in headless Chromium: a web
// chat traveller half-way through check-in asks for a person; the handoff
// appears in an agent's open inbox without a reload; the agent takes the
// conversation over, replies (the traveller's chat shows the reply) and hands
// it back at the passport step; the traveller finishes checking in without
// being asked for their booking again. Screenshots go to SKYBRIDGE_ARTIFACTS when set.
func TestBrowserConsoleHandoff(t *testing.T) {
	browser := webtest.Browser(t)
	env := []string{"SKYBRIDGE_DATABASE_URL=" + filepath.Join(t.TempDir(), "sky.db"), "SKYBRIDGE_STATUS_POLL=off"}
	out := runCommand(t, env, "staff", "add", "--role", "agent", "Sofie")
	m := passwordLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("staff add printed %q", out)
	}
	in := start(t, env...)

	// The traveller starts checking in and gets to the passport question.
	chat := longTab(t, browser)
	say := func(text string) {
		t.Helper()
		webtest.Do(t, chat, chromedp.SendKeys(`#input`, text), webtest.PressEnter())
	}
	botSaid := func(text string) string {
		return `[...document.querySelectorAll('.row.bot')].some(r => r.textContent.includes(` + quote(text) + `))`
	}
	waitBot := func(text string) {
		t.Helper()
		webtest.WaitJS(t, chat, botSaid(text), text)
	}
	countBot := func(text string) int {
		t.Helper()
		return webtest.Eval[int](t, chat, `[...document.querySelectorAll('.row.bot')].filter(r => r.textContent.includes(`+quote(text)+`)).length`)
	}
	click := func(payload string) {
		t.Helper()
		webtest.WaitJS(t, chat, `[...document.querySelectorAll('button.choice[data-payload^="`+payload+`"]')].some(b => !b.disabled)`, "button "+payload)
		webtest.Eval[bool](t, chat, `(() => { const b = [...document.querySelectorAll('button.choice[data-payload^="`+payload+`"]')].filter(b => !b.disabled).pop(); b.click(); return true })()`)
	}
	webtest.Do(t, chat, chromedp.Navigate(in.URL), chromedp.WaitVisible(`#input`))
	say("check in")
	waitBot("booking reference")
	say("DB4LHR dubois")
	waitBot("Claire Dubois")
	click("pax:2")
	waitBot("passport")
	passportAsked := countBot("passport")

	// The agent signs in and opens the inbox, which has nothing waiting yet.
	console := longTab(t, browser)
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/"), chromedp.WaitVisible(`#password`))
	webtest.Do(t, console, chromedp.SendKeys(`#name`, "sofie"), chromedp.SendKeys(`#password`, m[1]))
	submit := func(form string) {
		t.Helper()
		webtest.Eval[bool](t, console, `(() => { window.__before = true; document.querySelector(`+quote(form+` button[type=submit]`)+`).click(); return true })()`)
		waitNewPage(t, console)
	}
	submit("form.signin")
	webtest.Do(t, console, chromedp.Navigate(in.URL+"/console/inbox"), chromedp.WaitVisible(`#inbox-items`))
	if n := webtest.Eval[int](t, console, `document.querySelectorAll('#inbox-items tr.handoff').length`); n != 0 {
		t.Fatalf("%d handoffs before anyone asked", n)
	}
	webtest.Eval[bool](t, console, `(() => { window.__noReload = true; return true })()`)

	// The traveller asks for a person: the handoff shows up in the open inbox.
	say("I want to talk to a person")
	waitBot("asked a colleague")
	webtest.WaitJS(t, console, `document.querySelectorAll('#inbox-items tr.handoff').length === 1`, "the handoff in the inbox")
	if !webtest.Eval[bool](t, console, `window.__noReload === true`) {
		t.Fatal("the inbox page reloaded instead of updating its list")
	}
	webtest.Screenshot(t, console, "console-inbox-handoff", 1280, 800)

	// The agent opens it and takes it over.
	webtest.Eval[bool](t, console, `(() => { window.__before = true; document.querySelector('#inbox-items tr.handoff a').click(); return true })()`)
	waitNewPage(t, console)
	webtest.WaitJS(t, console, `document.getElementById('conv-parked') && document.getElementById('conv-parked').textContent.includes('checkin at collect_documents')`, "the parked check-in")
	slots := webtest.Eval[string](t, console, `document.getElementById('slots').textContent`)
	if !strings.Contains(slots, "DB4LHR") {
		t.Fatalf("the agent does not see the booking in the slots: %s", slots)
	}
	submit("form.takeover")
	webtest.WaitJS(t, console, `document.body.textContent.includes('You have taken this conversation over')`, "taken over")
	waitBot("colleague has joined")
	webtest.Do(t, console, chromedp.SendKeys(`#reply-text`, "Hello Claire, this is Sofie. Your passport number, please, and I will hand you back."))
	submit("form.reply")
	webtest.WaitJS(t, console, `document.body.textContent.includes('Your reply is on its way')`, "reply queued")
	waitBot("this is Sofie")
	webtest.Screenshot(t, chat, "webchat-agent-reply", 400, 860)
	webtest.WaitJS(t, console, `[...document.querySelectorAll('#transcript tr.out.human')].some(r => r.textContent.includes('this is Sofie'))`, "the reply in the transcript")
	webtest.Screenshot(t, console, "console-conversation", 1280, 1000)

	// Hand back at the passport step.
	webtest.Do(t, console, chromedp.SetValue(`#handback-state`, "collect_documents"))
	submit("form.handback")
	webtest.WaitJS(t, console, `document.body.textContent.includes('The assistant has the conversation again')`, "handed back")
	waitBot("back to help you")
	webtest.WaitJS(t, chat, `[...document.querySelectorAll('.row.bot')].filter(r => r.textContent.includes('passport')).length > `+strconv.Itoa(passportAsked), "asked for the passport again")

	// The traveller goes on where they were, with the data kept.
	for _, answer := range []string{"X1234567", "France"} {
		say(answer)
	}
	waitBot("issued")
	click("same")
	waitBot("expire")
	say("01-05-2031")
	waitBot("date of birth")
	say("12-03-1985")
	waitBot("dangerous goods")
	click("yes")
	waitBot("Keep it?")
	click("seat:keep")
	waitBot("Please check")
	click("yes")
	waitBot("checked in")
	if n := countBot("booking reference"); n != 1 {
		t.Fatalf("asked for the booking reference %d times: the hand-back lost the check-in's data", n)
	}
	webtest.Screenshot(t, chat, "webchat-after-handback", 400, 860)

	// The transcript records the staff actions as system messages.
	webtest.Do(t, console, chromedp.Reload())
	webtest.WaitJS(t, console, `[...document.querySelectorAll('#transcript tr.in.system')].some(r => r.textContent.includes('staff:handback:collect_documents'))`, "the hand-back in the transcript")
	in.stop()
}
