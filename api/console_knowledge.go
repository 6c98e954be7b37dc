package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// The knowledge articles in the console: a list per language with what each
// article lacks, one page per article with every language's version beside the
// English one, and the JSON API's counterparts. Articles are part of the content:
// edits go into the shared draft, problems block publication like any other, and
// a published version's articles are what the assistant answers from.

// articleRow is one article of the list, in the language the list shows.
type articleRow struct {
	ID       string
	Title    string
	URL      string
	Tags     []string
	Has      bool // the article exists in the listed language
	Missing  []domain.Lang
	Problems int
}

// knowledgeView is the draft's articles as the console shows them.
type knowledgeView struct {
	Entries []flows.ArticleEntry
	// Langs are the languages shown: the draft's (enabled and being added).
	Langs []domain.Lang
	// Fallback are the shown languages with no article at all: travellers
	// writing in them are answered from the default language's articles.
	Fallback []domain.Lang
	v        draftView
}

func knowledgeOf(v draftView) knowledgeView {
	k := knowledgeView{Entries: v.Content.ArticleEntries(), Langs: v.Langs, v: v}
	for _, l := range v.Langs {
		if l != domain.DefaultLang && len(v.Content.Articles[l]) == 0 {
			k.Fallback = append(k.Fallback, l)
		}
	}
	return k
}

// missing lists the shown languages that have articles but not this one: each is
// a missing translation that blocks publication.
func (k knowledgeView) missing(e flows.ArticleEntry) []domain.Lang {
	var out []domain.Lang
	for _, l := range k.Langs {
		if _, ok := e.ByLang[l]; !ok && len(k.v.Content.Articles[l]) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// problems lists the draft's problems of one article (every language).
func (k knowledgeView) problems(id string) []flows.Problem {
	var out []flows.Problem
	for _, p := range k.v.Problems {
		if p.Key == flows.ArticleKey(id) {
			out = append(out, p)
		}
	}
	return out
}

func (k knowledgeView) rows(l domain.Lang) []articleRow {
	rows := make([]articleRow, 0, len(k.Entries))
	for _, e := range k.Entries {
		a, has := e.ByLang[l]
		if !has {
			a = e.ByLang[domain.DefaultLang]
		}
		rows = append(rows, articleRow{ID: e.ID, Title: a.Title, URL: a.URL, Tags: a.Tags, Has: has,
			Missing: k.missing(e), Problems: len(k.problems(e.ID))})
	}
	return rows
}

// newArticleForm is the add-an-article form with what was typed and why it was
// refused.
type newArticleForm struct {
	ID, Title, Body, URL, Tags string
	Error                      string
}

// knowledgePage lists the draft's articles in one language (?lang=, English by
// default) with the languages each lacks, and the form that adds one.
func knowledgePage(s *Server, c *gin.Context, a actor) {
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	s.renderKnowledge(c, http.StatusOK, a, v, domain.Lang(c.Query("lang")), newArticleForm{})
}

func (s *Server) renderKnowledge(c *gin.Context, status int, a actor, v draftView, l domain.Lang, form newArticleForm) {
	k := knowledgeOf(v)
	if !slices.Contains(k.Langs, l) {
		l = domain.DefaultLang
	}
	p := pageFor(a, "Knowledge articles", "knowledge")
	p.Data = map[string]any{"Draft": v, "Lang": l, "Langs": k.Langs, "Rows": k.rows(l), "Fallback": k.Fallback, "New": form}
	s.render(c, status, "knowledge", p)
}

// articleLang is one language's version of an article on its page, beside the
// English one.
type articleLang struct {
	Lang    domain.Lang
	Enabled bool
	Has     bool
	Title   string
	URL     string
	Tags    string
	Body    string
	// Was names what the fields show (articleDigest), so that a save writes
	// only the languages changed on the page.
	Was string
	// Problems by field ("title", "body", "url", "id", "" for the article as a
	// whole, such as a missing translation).
	Problems map[string][]string
	// Ref is the English article, shown beside the fields of a translation.
	Ref *flows.Article
}

// articleForm is the section of an article page that htmx replaces on save.
type articleForm struct {
	ID      string
	Langs   []articleLang
	CSRF    string
	CanEdit bool
	Saved   bool
	Error   string
	// Problems is the number of the article's problems, all languages.
	Problems int
}

func (s *Server) articleForm(a actor, v draftView, e flows.ArticleEntry) articleForm {
	k := knowledgeOf(v)
	f := articleForm{ID: e.ID, CSRF: csrfOf(a), CanEdit: a.can(editors)}
	// The draft's languages, then any other the article exists in.
	langs := slices.Clone(k.Langs)
	for _, l := range domain.Languages {
		if _, ok := e.ByLang[l]; ok && !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	ref, hasRef := e.ByLang[domain.DefaultLang]
	probs := k.problems(e.ID)
	f.Problems = len(probs)
	for _, l := range langs {
		art, has := e.ByLang[l]
		row := articleLang{Lang: l, Enabled: slices.Contains(s.langs, l), Has: has, Title: art.Title, URL: art.URL,
			Tags: strings.Join(art.Tags, ", "), Body: strings.Join(art.Body, "\n\n"), Problems: map[string][]string{}}
		row.Was = articleDigest(row.Title, row.URL, row.Tags, row.Body)
		if l != domain.DefaultLang && hasRef {
			r := ref
			row.Ref = &r
		}
		for _, p := range probs {
			if p.Lang == l {
				field := flows.ArticleProblemField(p.Message)
				row.Problems[field] = append(row.Problems[field], p.Message)
			}
		}
		f.Langs = append(f.Langs, row)
	}
	return f
}

// articlePage edits one article of the draft in every language.
func articlePage(s *Server, c *gin.Context, a actor) {
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	e, ok := v.Content.Article(c.Param("article"))
	if !ok {
		s.consoleRefuse(c, false, http.StatusNotFound, "There is no such article in the draft.")
		return
	}
	p := pageFor(a, "Article "+e.ID, "knowledge")
	p.Data = map[string]any{"Draft": v, "Form": s.articleForm(a, v, e)}
	s.render(c, http.StatusOK, "article", p)
}

// paragraphs splits a body typed in a text area: paragraphs are separated by a
// blank line.
func paragraphs(body string) []string {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	var out []string
	var cur []string
	flush := func() {
		if p := strings.TrimSpace(strings.Join(cur, "\n")); p != "" {
			out = append(out, p)
		}
		cur = cur[:0]
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return out
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// articleDigest names one language's fields of an article as the page shows
// them (read the way a save reads them), so that a save can tell the languages
// changed on the page from those left as they were.
func articleDigest(title, link, tags, body string) string {
	h := sha256.New()
	for _, f := range append([]string{strings.TrimSpace(title), strings.TrimSpace(link), strings.Join(splitTags(tags), ",")}, paragraphs(body)...) {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// articleFromForm reads the a.LANG.title, .url, .tags and .body fields of each
// language in the form. A translation left entirely blank is no translation
// (removed if there was one); the English article is kept even when blank, and
// the draft then shows what it lacks. A language whose fields are still what the
// page showed (a.LANG.was) is left out: the draft keeps what another editor
// saved in that language meanwhile, even a translation added since.
func articleFromForm(form url.Values) map[domain.Lang]*flows.Article {
	out := map[domain.Lang]*flows.Article{}
	seen := map[string]bool{}
	for name := range form {
		rest, ok := strings.CutPrefix(name, "a.")
		if !ok {
			continue
		}
		l, _, ok := strings.Cut(rest, ".")
		if !ok || seen[l] {
			continue
		}
		seen[l] = true
		lang := domain.Lang(l)
		get := func(f string) string { return form.Get("a." + l + "." + f) }
		if was := get("was"); was != "" && was == articleDigest(get("title"), get("url"), get("tags"), get("body")) {
			continue
		}
		art := &flows.Article{Title: get("title"), URL: get("url"), Tags: splitTags(get("tags")), Body: paragraphs(get("body"))}
		if lang != domain.DefaultLang && strings.TrimSpace(art.Title) == "" && strings.TrimSpace(art.URL) == "" &&
			len(art.Tags) == 0 && len(art.Body) == 0 {
			art = nil
		}
		out[lang] = art
	}
	return out
}

// saveArticleForm saves an article's languages into the draft. From htmx it
// answers the article's section again, with the problems next to the fields;
// otherwise it redirects back to the article.
func saveArticleForm(s *Server, c *gin.Context, a actor) {
	if err := c.Request.ParseForm(); err != nil {
		s.consoleRefuse(c, false, http.StatusBadRequest, "The form could not be read.")
		return
	}
	id := c.Param("article")
	byLang := articleFromForm(c.Request.PostForm)
	gone := func(ct flows.Content) error {
		if _, ok := ct.Article(id); !ok {
			return domain.Errorf(domain.NotFound, "edit article", "there is no article %q in the draft: it may have been removed meanwhile", id)
		}
		return nil
	}
	var (
		v   draftView
		err error
	)
	if len(byLang) == 0 {
		// Nothing was changed on the page: nothing to save.
		if v, err = s.loadDraft(c.Request.Context()); err == nil {
			err = gone(v.Content)
		}
	} else {
		v, err = s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error {
			if err := gone(*ct); err != nil {
				return err
			}
			return ct.PutArticle(id, byLang)
		})
	}
	if err != nil && statusOf(err) == http.StatusInternalServerError {
		s.consoleFail(c, false, err)
		return
	}
	if c.GetHeader("HX-Request") != "true" {
		if err != nil {
			s.consoleFail(c, false, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/console/knowledge/"+id)
		return
	}
	e, ok := v.Content.Article(id)
	if !ok {
		c.Header("HX-Redirect", "/console/knowledge")
		c.Status(http.StatusNoContent)
		return
	}
	f := s.articleForm(a, v, e)
	status := http.StatusOK
	if err != nil {
		// The fields keep what was typed, with the reason it was refused.
		f = formWithTyped(f, byLang)
		f.Error, status = domain.ErrorMessage(err), statusOf(err)
	}
	f.Saved = err == nil
	s.renderTemplate(c, status, "article", "articleform", f)
}

// formWithTyped puts back what was typed into a refused form.
func formWithTyped(f articleForm, byLang map[domain.Lang]*flows.Article) articleForm {
	for i, l := range f.Langs {
		art, ok := byLang[l.Lang]
		if !ok || art == nil {
			continue
		}
		f.Langs[i].Title, f.Langs[i].URL = art.Title, art.URL
		f.Langs[i].Tags, f.Langs[i].Body = strings.Join(art.Tags, ", "), strings.Join(art.Body, "\n\n")
	}
	return f
}

// addArticleForm starts an article in English in the draft and opens it for the
// translations. An id the draft has already is refused next to the field.
func addArticleForm(s *Server, c *gin.Context, a actor) {
	form := newArticleForm{ID: strings.TrimSpace(c.PostForm("id")), Title: c.PostForm("title"), Body: c.PostForm("body"),
		URL: c.PostForm("url"), Tags: c.PostForm("tags")}
	v, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error {
		if _, exists := ct.Article(form.ID); exists {
			return domain.Errorf(domain.Conflict, "add article", "the draft has an article %q already: edit it, or choose another id", form.ID)
		}
		return ct.PutArticle(form.ID, map[domain.Lang]*flows.Article{domain.DefaultLang: {
			Title: form.Title, URL: form.URL, Tags: splitTags(form.Tags), Body: paragraphs(form.Body)}})
	})
	if err != nil {
		if st := statusOf(err); st != http.StatusInternalServerError {
			form.Error = domain.ErrorMessage(err)
			s.renderKnowledge(c, st, a, v, domain.DefaultLang, form)
			return
		}
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/knowledge/"+form.ID)
}

// removeArticleForm removes an article, in every language, from the draft.
func removeArticleForm(s *Server, c *gin.Context, a actor) {
	id := c.Param("article")
	if _, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error { return ct.RemoveArticle(id) }); err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/knowledge")
}

// articleJSON is one language's version of an article in the JSON API.
type articleJSON struct {
	Title string   `json:"title"`
	Body  []string `json:"body"`
	URL   string   `json:"url,omitempty"`
	Tags  []string `json:"tags,omitempty"`
}

type articleEntryJSON struct {
	ID           string                      `json:"id"`
	Translations map[domain.Lang]articleJSON `json:"translations"`
	Missing      []domain.Lang               `json:"missing"`
	Problems     []contentProblemJSON        `json:"problems"`
}

func (k knowledgeView) entryJSON(e flows.ArticleEntry) articleEntryJSON {
	out := articleEntryJSON{ID: e.ID, Translations: map[domain.Lang]articleJSON{}, Missing: k.missing(e),
		Problems: toProblemsJSON(k.problems(e.ID))}
	if out.Missing == nil {
		out.Missing = []domain.Lang{}
	}
	for l, a := range e.ByLang {
		out.Translations[l] = articleJSON{Title: a.Title, Body: a.Body, URL: a.URL, Tags: a.Tags}
	}
	return out
}

// apiKnowledge lists the draft's articles (the newest version's when there is
// no draft) with what each lacks.
func apiKnowledge(s *Server, c *gin.Context, _ actor) {
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	k := knowledgeOf(v)
	list := make([]articleEntryJSON, len(k.Entries))
	for i, e := range k.Entries {
		list[i] = k.entryJSON(e)
	}
	fallback := k.Fallback
	if fallback == nil {
		fallback = []domain.Lang{}
	}
	c.JSON(http.StatusOK, gin.H{"draft": v.HasDraft, "latest_version": v.LatestMeta.Version, "languages": k.Langs,
		"fallback": fallback, "articles": list})
}

// apiPutArticle sets an article's versions in the languages given (null removes
// one), creating it when the draft has none of that id.
func apiPutArticle(s *Server, c *gin.Context, a actor) {
	var body struct {
		Translations map[domain.Lang]*articleJSON `json:"translations"`
	}
	if !bindJSON(c, &body) {
		return
	}
	id := c.Param("article")
	byLang := make(map[domain.Lang]*flows.Article, len(body.Translations))
	for l, t := range body.Translations {
		if t == nil {
			byLang[l] = nil
			continue
		}
		byLang[l] = &flows.Article{Title: t.Title, Body: t.Body, URL: t.URL, Tags: t.Tags}
	}
	created := false
	v, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error {
		_, exists := ct.Article(id)
		created = !exists
		return ct.PutArticle(id, byLang)
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	h := draftJSON(v)
	if e, ok := v.Content.Article(id); ok {
		h["article"] = knowledgeOf(v).entryJSON(e)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, h)
}

// apiDeleteArticle removes an article, in every language, from the draft.
func apiDeleteArticle(s *Server, c *gin.Context, a actor) {
	id := c.Param("article")
	v, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error { return ct.RemoveArticle(id) })
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, draftJSON(v))
}
