package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/skybridge/skybridge/api/web/webtest"
)

// TestBrowserShowsAFlightUpdateWithoutReloading: a traveller in the real web chat
// page (headless Chromium) identifies DB4LHR; the operations centre pushes a gate
// change for its flight through the API; the update appears in the open page, with
// its buttons, without a reload, and "Continue where I was" asks the check-in
// question again.
func TestBrowserShowsAFlightUpdateWithoutReloading(t *testing.T) {
	browser := webtest.Browser(t)
	url := filepath.Join(t.TempDir(), "sky.db")
	env := []string{"SKYBRIDGE_DATABASE_URL=" + url, "SKYBRIDGE_STATUS_POLL=off"}
	in := start(t, env...)
	token := strings.TrimSpace(runCommand(t, env, "token", "create", "--role", "ops", "ops-centre"))
	f := flightOf(t, url, "DB4LHR")

	ctx := webtest.Tab(t, browser)
	botRows := func(text string) string {
		return `[...document.querySelectorAll('.row.bot')].filter(r => r.textContent.includes(` + quote(text) + `))`
	}
	waitText := func(text string) {
		t.Helper()
		webtest.WaitJS(t, ctx, botRows(text)+`.length > 0`, text)
	}
	say := func(text string) {
		t.Helper()
		webtest.Do(t, ctx, chromedp.SendKeys(`#input`, text), webtest.PressEnter())
	}
	webtest.Do(t, ctx, chromedp.Navigate(in.URL), chromedp.WaitVisible(`#input`))
	say("check in")
	waitText("booking reference")
	say("DB4LHR Dubois")
	waitText("Claire Dubois")
	const question = "Who would you like to check in"
	asked := webtest.Eval[int](t, ctx, botRows(question)+`.length`)
	if asked == 0 {
		t.Fatalf("the check-in question %q is not on the page", question)
	}
	// A mark on this very document: a reload would lose it.
	webtest.Eval[bool](t, ctx, `(() => { window.__noReload = true; return true })()`)

	status := map[string]any{
		"carrier": f.Carrier, "flight_number": fmt.Sprint(f.Number), "departure_date": f.FlightDate,
		"status": "scheduled", "scheduled_departure": f.Departure.Format(time.RFC3339), "departure_gate": "D7",
	}
	// The first status known is the baseline (gate D7, as scheduled): nothing to tell.
	if st, body := pushStatus(t, in.URL, token, status); st != http.StatusOK || !strings.Contains(body, `"events":0`) {
		t.Fatalf("baseline push: %d %s", st, body)
	}
	status["departure_gate"] = "D12"
	if st, body := pushStatus(t, in.URL, token, status); st != http.StatusOK || !strings.Contains(body, `"events":1`) {
		t.Fatalf("gate change push: %d %s", st, body)
	}

	const pushText = "leaves from gate D12"
	waitText(pushText)
	if !webtest.Eval[bool](t, ctx, `window.__noReload === true`) {
		t.Fatal("the page was reloaded to show the update")
	}
	got := webtest.Eval[string](t, ctx, botRows(pushText)+`.map(r => r.textContent).join(' | ')`)
	if !strings.Contains(got, "Gate change") || !strings.Contains(got, "SB"+fmt.Sprint(f.Number)) {
		t.Fatalf("update reads %q", got)
	}
	buttons := webtest.Eval[[]string](t, ctx, botRows(pushText)+
		`.flatMap(r => [...r.querySelectorAll('button.choice:not([disabled])')].map(b => b.dataset.payload + '=' + b.textContent.trim()))`)
	want := []string{"intent:boarding_pass=Boarding pass", "intent:resume=Continue where I was"}
	for _, w := range want {
		found := false
		for _, b := range buttons {
			found = found || b == w
		}
		if !found {
			t.Fatalf("update buttons %q, want %q", buttons, want)
		}
	}
	if n := webtest.Eval[int](t, ctx, botRows(pushText)+`.length`); n != 1 {
		t.Fatalf("the update is shown %d times", n)
	}
	webtest.Screenshot(t, ctx, "flight-update-phone", 400, 860)

	// "Continue where I was" brings the check-in question back.
	webtest.Eval[bool](t, ctx, `(() => { `+botRows(pushText)+
		`[0].querySelector('button.choice[data-payload="intent:resume"]').click(); return true })()`)
	webtest.WaitJS(t, ctx, botRows(question)+fmt.Sprintf(`.length > %d`, asked), "the check-in question again")
	if !webtest.Eval[bool](t, ctx, `window.__noReload === true`) {
		t.Fatal("the page was reloaded")
	}
	in.stop()
}
