package api

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
)

// shippedArticle returns an article of the shipped content in a language.
func shippedArticle(t *testing.T, l domain.Lang, id string) flows.Article {
	t.Helper()
	e, ok := testContent(t).Article(id)
	if !ok || e.ByLang[l].ID == "" {
		t.Fatalf("no shipped article %s in %s", id, l)
	}
	return e.ByLang[l]
}

// TestConsoleKnowledgeEditPublishAndAnswerOverTheAPI: an editor's token changes
// an article's English text and adds an article; the missing French translation,
// a bad link and an empty text are problems that stop publication; completed, the
// draft is published and the version's diff names each article field that
// changed. The assistant quotes the old text from version 1 and the new one from
// version 2. Refused edits (not a slug, unknown language, translations without
// English, unknown fields, removing twice) change nothing.
func TestConsoleKnowledgeEditPublishAndAnswerOverTheAPI(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		r := newConsoleRigOn(t, db)
		editor, publisher, viewer := r.token(domain.RoleEditor), r.token(domain.RolePublisher), r.token(domain.RoleViewer)

		st, list := r.api(viewer, http.MethodGet, "/api/v1/console/knowledge", nil)
		if st != http.StatusOK || list["draft"] != false || !strings.Contains(asJSON(list["articles"]), `"id":"sports-equipment"`) ||
			asJSON(list["fallback"]) != "[]" {
			t.Fatalf("knowledge: %d %.300s", st, asJSON(list))
		}

		bikes := shippedArticle(t, "en", "sports-equipment")
		const oldPrice, newPrice = "EUR 60 per flight", "EUR 75 per flight"
		if !strings.Contains(bikes.Body[0], oldPrice) {
			t.Fatalf("the shipped bike paragraph no longer says %q: %q", oldPrice, bikes.Body[0])
		}
		edited := append([]string{strings.Replace(bikes.Body[0], oldPrice, newPrice, 1)}, bikes.Body[1:]...)
		st, d := r.api(editor, http.MethodPut, "/api/v1/console/draft/articles/sports-equipment", map[string]any{
			"translations": map[string]any{"en": map[string]any{"title": bikes.Title, "body": edited, "url": bikes.URL, "tags": bikes.Tags}}})
		if st != http.StatusOK || d["exists"] != true || len(d["problems"].([]any)) != 0 {
			t.Fatalf("edit: %d problems %s error %v", st, asJSON(d["problems"]), d["error"])
		}
		if got := asJSON(d["changes"]); !strings.Contains(got, `"key":"articles.sports-equipment.body[0]","kind":"changed","lang":"en"`) || strings.Count(got, `"kind"`) != 1 {
			t.Fatalf("changes after the edit: %s", got)
		}

		// A new article in English only: French lacks it, its link is plain http.
		st, d = r.api(editor, http.MethodPut, "/api/v1/console/draft/articles/lounge-access", map[string]any{
			"translations": map[string]any{"en": map[string]any{"title": "Lounge access", "body": []string{"Business travellers use our lounges for free."},
				"url": "http://www.skybridge-air.example/en/help/lounges", "tags": []string{"lounge", "Lounge", " vip "}}}})
		if st != http.StatusCreated {
			t.Fatalf("new article: %d %v", st, d["error"])
		}
		art := asJSON(d["article"])
		if !strings.Contains(art, `"missing":["fr"]`) || !strings.Contains(art, `"tags":["lounge","vip"]`) {
			t.Fatalf("the new article: %s", art)
		}
		probs := asJSON(d["problems"])
		for _, want := range []string{
			`{"key":"articles.lounge-access","lang":"en","message":"url must start with https://"}`,
			`{"key":"articles.lounge-access","lang":"fr","message":"missing translation`,
		} {
			if !strings.Contains(probs, want) {
				t.Errorf("problems %s lack %s", probs, want)
			}
		}
		st, body := r.api(publisher, http.MethodPost, "/api/v1/console/draft/publish", map[string]string{"comment": "lounges"})
		if st != http.StatusUnprocessableEntity || !strings.Contains(asJSON(body["problems"]), "articles.lounge-access") {
			t.Fatalf("publishing with article problems: %d %v", st, body)
		}
		// A French text with no words in it is still a problem.
		st, d = r.api(editor, http.MethodPut, "/api/v1/console/draft/articles/lounge-access", map[string]any{
			"translations": map[string]any{
				"en": map[string]any{"title": "Lounge access", "body": []string{"Business travellers use our lounges for free."},
					"url": "https://www.skybridge-air.example/en/help/lounges"},
				"fr": map[string]any{"title": "Salons", "body": []string{"  "}}}})
		if st != http.StatusOK || asJSON(d["problems"]) != `[{"key":"articles.lounge-access","lang":"fr","message":"empty body or paragraph"}]` {
			t.Fatalf("with an empty French text: %d %s", st, asJSON(d["problems"]))
		}

		for name, tc := range map[string]struct {
			method, path string
			body         any
			status       int
			want         string
		}{
			"not a slug": {http.MethodPut, "/api/v1/console/draft/articles/Lounge_Access", map[string]any{"translations": map[string]any{"en": map[string]any{"title": "x", "body": []string{"y"}}}},
				http.StatusBadRequest, "not a slug"},
			"unknown language": {http.MethodPut, "/api/v1/console/draft/articles/lounge-access", map[string]any{"translations": map[string]any{"xx": map[string]any{"title": "x", "body": []string{"y"}}}},
				http.StatusBadRequest, `unknown language \"xx\"`},
			"translation before English": {http.MethodPut, "/api/v1/console/draft/articles/wifi", map[string]any{"translations": map[string]any{"fr": map[string]any{"title": "Wi-Fi", "body": []string{"y"}}}},
				http.StatusBadRequest, "needs its en text"},
			"English removed alone": {http.MethodPut, "/api/v1/console/draft/articles/lounge-access", map[string]any{"translations": map[string]any{"en": nil}},
				http.StatusBadRequest, "needs its en text"},
			"unknown field": {http.MethodPut, "/api/v1/console/draft/articles/lounge-access", map[string]any{"translations": map[string]any{"en": map[string]any{"title": "x", "body": []string{"y"}, "author": "me"}}},
				http.StatusBadRequest, "unknown field"},
			"no such article": {http.MethodDelete, "/api/v1/console/draft/articles/wifi", nil, http.StatusNotFound, "no article"},
		} {
			st, body := r.api(editor, tc.method, tc.path, tc.body)
			if st != tc.status || !strings.Contains(asJSON(body), tc.want) {
				t.Errorf("%s: %d %s, want %d %q", name, st, asJSON(body), tc.status, tc.want)
			}
		}

		st, d = r.api(editor, http.MethodPut, "/api/v1/console/draft/articles/lounge-access", map[string]any{
			"translations": map[string]any{"fr": map[string]any{"title": "Accès aux salons", "body": []string{"Les voyageurs en Business profitent de nos salons gratuitement."}}}})
		if st != http.StatusOK || len(d["problems"].([]any)) != 0 {
			t.Fatalf("with the French text: %d %s", st, asJSON(d["problems"]))
		}
		st, body = r.api(publisher, http.MethodPost, "/api/v1/console/draft/publish", map[string]string{"comment": "bike price, lounges"})
		if st != http.StatusCreated || body["version"] != float64(2) {
			t.Fatalf("publish: %d %v", st, body)
		}
		_, v2 := r.api(viewer, http.MethodGet, "/api/v1/console/versions/2", nil)
		changes := asJSON(v2["changes"])
		for _, want := range []string{
			`"key":"articles.sports-equipment.body[0]","kind":"changed","lang":"en","new":"Bicycles travel in the hold for ` + newPrice,
			`"key":"articles.lounge-access.title","kind":"added","lang":"en","new":"Lounge access"`,
			`"key":"articles.lounge-access.title","kind":"added","lang":"fr","new":"Accès aux salons"`,
		} {
			if !strings.Contains(changes, want) {
				t.Errorf("the diff of version 2 lacks %s:\n%s", want, changes)
			}
		}

		// What the assistant quotes: version 1's text, then version 2's.
		e, err := flows.NewEngine(flows.Config{Store: r.store, Knowledge: r.store})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			version   int
			want, not string
			lounge    bool
		}{{1, oldPrice, newPrice, false}, {2, newPrice, oldPrice, true}} {
			c, err := e.Content(t.Context(), tc.version)
			if err != nil {
				t.Fatal(err)
			}
			a, err := e.Lookup(t.Context(), c, "en", "can I bring my bike?")
			if err != nil || !a.Found || !strings.Contains(a.Hit.Passage, tc.want) || strings.Contains(a.Hit.Passage, tc.not) {
				t.Fatalf("version %d answers %+v %v, want a quote with %q", tc.version, a, err, tc.want)
			}
			l, err := e.Lookup(t.Context(), c, "fr", "salons gratuits en Business ?")
			if err != nil || (l.Found && l.Hit.ID == "lounge-access") != tc.lounge {
				t.Fatalf("version %d, lounge question in French: %+v %v", tc.version, l, err)
			}
		}

		// Removing an article goes into the next draft, in every language.
		st, d = r.api(editor, http.MethodDelete, "/api/v1/console/draft/articles/lounge-access", nil)
		if st != http.StatusOK || strings.Count(asJSON(d["changes"]), `"kind":"removed"`) != 5 {
			t.Fatalf("remove: %d %s", st, asJSON(d["changes"]))
		}
		if st, _ := r.api(editor, http.MethodDelete, "/api/v1/console/draft/articles/lounge-access", nil); st != http.StatusNotFound {
			t.Fatalf("removing it twice: %d", st)
		}
	})
}

// TestConsoleKnowledgePages: the list shows each article in the chosen language
// with the translations it lacks; an editor adds an article (a taken id is
// refused next to its field), sees the missing French translation next to the
// French fields beside the English text, saves in place (htmx) with the problems
// next to their fields, and removes the article. A viewer reads the same page
// without a way to save. Forms need the session's CSRF token.
func TestConsoleKnowledgePages(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	ed := r.sessionFor(domain.RoleEditor)

	res := ed.get("/console/knowledge")
	bikesFR := shippedArticle(t, "fr", "sports-equipment")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, `href="/console/knowledge" aria-current="page">Knowledge`) ||
		!strings.Contains(res.Body, `<a href="/console/knowledge/sports-equipment"><code>sports-equipment</code></a>`) ||
		!strings.Contains(res.Body, `<label for="new-id">`) {
		t.Fatalf("knowledge page: %d\n%s", res.Status, res.Body)
	}
	if fr := ed.get("/console/knowledge?lang=fr"); !strings.Contains(fr.Body, bikesFR.Title) {
		t.Fatalf("the French list lacks %q", bikesFR.Title)
	}

	// A taken id.
	res = ed.post("/console/draft/articles", url.Values{"id": {"sports-equipment"}, "title": {"Bikes"}, "body": {"Text."}})
	if res.Status != http.StatusConflict || !strings.Contains(res.Body, `id="new-error"`) || !strings.Contains(res.Body, `aria-invalid="true" aria-describedby="new-error"`) ||
		!strings.Contains(res.Body, "has an article &#34;sports-equipment&#34; already") {
		t.Fatalf("adding a taken id: %d\n%s", res.Status, res.Body)
	}
	if _, ok, _ := r.store.Draft(t.Context()); ok {
		t.Fatal("a refused addition started a draft")
	}
	res = ed.post("/console/draft/articles", url.Values{"id": {"lounge-access"}, "title": {"Lounge access"},
		"body": {"Business travellers use our lounges.\r\n\r\nGuests pay EUR 40."}, "tags": {"lounge, vip"}})
	if res.Status != http.StatusSeeOther || res.Location != "/console/knowledge/lounge-access" {
		t.Fatalf("adding an article: %d %s\n%s", res.Status, res.Location, res.Body)
	}
	if l := ed.get("/console/knowledge?lang=fr"); !strings.Contains(l.Body, `<tr id="row-lounge-access" class="bad">`) ||
		!strings.Contains(l.Body, `Lounge access <span class="ref">(not in fr: English title)</span>`) ||
		!strings.Contains(l.Body, `<td class="missing">fr</td>`) || strings.Count(l.Body, `<td class="missing">none</td>`) != len(testContent(t).ArticleEntries()) {
		t.Fatalf("the French list after adding an English article:\n%s", l.Body)
	}
	page := ed.get("/console/knowledge/lounge-access")
	for _, want := range []string{
		`<fieldset class="article-lang bad-lang" id="a-fr" aria-describedby="a-fr-p">`,
		`<p class="problem" id="a-fr-p">missing translation`,
		`<label for="a-fr-title">Title (fr)</label>`,
		`<div class="ref-col" role="group" aria-label="English article">`,
		`<p class="ref">Guests pay EUR 40.</p>`,
		`name="a.en.body" rows="8"`,
		"Business travellers use our lounges.\n\nGuests pay EUR 40.</textarea>",
		`hx-post="/console/draft/articles/lounge-access"`,
		`action="/console/draft/articles/lounge-access/remove"`,
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("article page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatal(page.Body)
	}
	// The draft page names the problem and links the article.
	if d := ed.get("/console/draft"); !strings.Contains(d.Body, `<a href="/console/knowledge/lounge-access">fr.articles.lounge-access: missing translation`) {
		t.Fatalf("draft page:\n%s", d.Body)
	}

	// Saved in place: the French text, and an English link that is no address.
	form := url.Values{"csrf": {ed.csrf},
		"a.en.title": {"Lounge access"}, "a.en.body": {"Business travellers use our lounges.\n\nGuests pay EUR 40."},
		"a.en.url": {"https://www.skybridge-air.example/en/help/lounges and more"}, "a.en.tags": {"lounge, vip"},
		"a.fr.title": {"Accès aux salons"}, "a.fr.body": {"Les voyageurs en Business profitent de nos salons."}, "a.fr.url": {""}, "a.fr.tags": {""}}
	res = ed.do(http.MethodPost, "/console/draft/articles/lounge-access", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
	if res.Status != http.StatusOK || strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `<span class="saved" role="status">Saved to the draft.</span>`) ||
		!strings.Contains(res.Body, `aria-invalid="true" aria-describedby="a-en-url-p"`) ||
		!strings.Contains(res.Body, `<p class="problem" id="a-en-url-p">url is not a web address`) ||
		strings.Contains(res.Body, "missing translation") {
		t.Fatalf("htmx save: %d\n%s", res.Status, res.Body)
	}
	// Refused input keeps what was typed and says why.
	form.Set("a.fr.title", strings.Repeat("é", flows.MaxArticleTitle+1))
	res = ed.do(http.MethodPost, "/console/draft/articles/lounge-access", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true"})
	if res.Status != http.StatusBadRequest || !strings.Contains(res.Body, `role="alert">fr.lounge-access: the title is longer than 200 characters`) ||
		!strings.Contains(res.Body, strings.Repeat("é", 10)) {
		t.Fatalf("refused save: %d\n%s", res.Status, res.Body)
	}
	d, _, _ := r.store.Draft(t.Context())
	if strings.Contains(string(d.Body), "éééééééééé") {
		t.Fatal("a refused save reached the draft")
	}

	// Without the session's token nothing is saved.
	bad := url.Values{"csrf": {"forged"}, "a.fr.title": {"Salons"}}
	if res := ed.do(http.MethodPost, "/console/draft/articles/lounge-access", strings.NewReader(bad.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); res.Status != http.StatusForbidden {
		t.Fatalf("forged form: %d", res.Status)
	}

	// A viewer reads, cannot save.
	vw := r.sessionFor(domain.RoleViewer)
	vp := vw.get("/console/knowledge/lounge-access")
	if vp.Status != http.StatusOK || strings.Contains(vp.Body, "Save to draft") || strings.Contains(vp.Body, "Remove this article") ||
		!strings.Contains(vp.Body, `name="a.fr.title" value="Accès aux salons" maxlength="200" readonly`) {
		t.Fatalf("viewer's article page: %d\n%s", vp.Status, vp.Body)
	}

	res = ed.post("/console/draft/articles/lounge-access/remove", nil)
	if res.Status != http.StatusSeeOther || res.Location != "/console/knowledge" {
		t.Fatalf("remove: %d %s", res.Status, res.Location)
	}
	if st := ed.get("/console/knowledge/lounge-access").Status; st != http.StatusNotFound {
		t.Fatalf("the removed article's page: %d", st)
	}
}

var (
	articleInput    = regexp.MustCompile(`<input[^>]* name="(a\.[a-z]+\.[a-z]+)" value="([^"]*)"`)
	articleTextarea = regexp.MustCompile(`<textarea[^>]* name="(a\.[a-z]+\.body)"[^>]*>([^<]*)</textarea>`)
)

// articlePageForm is what a browser submits from an article page as shown.
func articlePageForm(t *testing.T, page string) url.Values {
	t.Helper()
	form := url.Values{}
	for _, m := range articleInput.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range articleTextarea.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], strings.ReplaceAll(html.UnescapeString(m[2]), "\n", "\r\n"))
	}
	if form.Get("a.en.was") == "" || form.Get("a.fr.was") == "" {
		t.Fatalf("the article page has no fields for en and fr:\n%s", page)
	}
	return form
}

// TestConsoleArticleSaveKeepsAnotherEditorsTranslation: two editors open the
// same article; one adds the French translation, the other then saves a change
// of the English text from the page opened before. The French translation stays
// (the second page's French fields were blank and untouched), and the English
// change is saved.
func TestConsoleArticleSaveKeepsAnotherEditorsTranslation(t *testing.T) {
	t.Parallel()
	r := newConsoleRig(t)
	first, second := r.sessionFor(domain.RoleEditor), r.sessionFor(domain.RoleEditor)
	first.get("/console/knowledge")
	if res := first.post("/console/draft/articles", url.Values{"id": {"lounge-access"}, "title": {"Lounge access"},
		"body": {"Business travellers use our lounges."}}); res.Status != http.StatusSeeOther {
		t.Fatalf("adding an article: %d\n%s", res.Status, res.Body)
	}
	english := articlePageForm(t, first.get("/console/knowledge/lounge-access").Body)
	french := articlePageForm(t, second.get("/console/knowledge/lounge-access").Body)

	french.Set("a.fr.title", "Accès aux salons")
	french.Set("a.fr.body", "Les voyageurs en Business profitent de nos salons.")
	if res := second.post("/console/draft/articles/lounge-access", french); res.Status != http.StatusSeeOther {
		t.Fatalf("saving the French translation: %d\n%s", res.Status, res.Body)
	}
	english.Set("a.en.body", "Business travellers use our lounges.\r\n\r\nGuests pay EUR 40.")
	if res := first.post("/console/draft/articles/lounge-access", english); res.Status != http.StatusSeeOther {
		t.Fatalf("saving the English text: %d\n%s", res.Status, res.Body)
	}

	d, ok, err := r.store.Draft(t.Context())
	if err != nil || !ok {
		t.Fatalf("draft: %v %v", ok, err)
	}
	c, err := flows.ParseContent(domain.ContentVersion{Body: d.Body})
	if err != nil {
		t.Fatal(err)
	}
	e, _ := c.Article("lounge-access")
	if fr, ok := e.ByLang["fr"]; !ok || fr.Title != "Accès aux salons" {
		t.Errorf("the French translation after the other editor's save: %+v (present %v)", fr, ok)
	}
	if en := e.ByLang[domain.DefaultLang]; len(en.Body) != 2 || en.Body[1] != "Guests pay EUR 40." {
		t.Errorf("the English text: %+v", en)
	}

	// A page saved as it was shown changes nothing.
	before := string(d.Body)
	if res := first.post("/console/draft/articles/lounge-access", articlePageForm(t, first.get("/console/knowledge/lounge-access").Body)); res.Status != http.StatusSeeOther {
		t.Fatalf("saving an unchanged page: %d\n%s", res.Status, res.Body)
	}
	if d, _, _ := r.store.Draft(t.Context()); string(d.Body) != before {
		t.Error("saving an unchanged page changed the draft")
	}
}
