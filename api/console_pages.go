package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// homePage: the newest version, the draft's state and the flows.
func homePage(s *Server, c *gin.Context, a actor) {
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	p := pageFor(a, "Console", "home")
	p.Data = map[string]any{"Draft": v, "Flows": consoleFlows(flows.MessageKeys())}
	s.render(c, http.StatusOK, "home", p)
}

// cell is one text of one key in one language, with its problems.
type cell struct {
	Lang     domain.Lang
	Field    string // form field: t.LANG.KEY
	ID       string
	Value    string
	Problems []string
}

// keyRow is one message key with its text in every shown language.
type keyRow struct {
	Key          string
	Placeholders []string
	Reference    string // the English text, for translators
	Cells        []cell
}

// groupData is one state's form.
type groupData struct {
	Group   keyGroup
	Rows    []keyRow
	CSRF    string
	CanEdit bool
	Saved   bool
	Return  string
	Error   string
}

func rowsFor(v draftView, keys []string, langs []domain.Lang) []keyRow {
	known := flows.MessageKeys()
	rows := make([]keyRow, 0, len(keys))
	for _, k := range keys {
		r := keyRow{Key: k, Placeholders: known[k], Reference: v.Content.Messages[domain.DefaultLang][k]}
		for _, l := range langs {
			r.Cells = append(r.Cells, cell{Lang: l, Field: "t." + string(l) + "." + k, ID: "t-" + string(l) + "-" + k,
				Value: v.Content.Messages[l][k], Problems: v.problemsOf(l, k)})
		}
		rows = append(rows, r)
	}
	return rows
}

func (s *Server) groupData(a actor, v draftView, g keyGroup) groupData {
	return groupData{Group: g, Rows: rowsFor(v, g.Keys, v.Langs), CSRF: csrfOf(a), CanEdit: a.can(editors),
		Return: "/console/flows/" + g.Flow + "#g-" + g.ID()}
}

func csrfOf(a actor) string {
	if a.Session == nil {
		return ""
	}
	return a.Session.CSRF
}

// flowPage: a flow's diagram beside the texts of each of its states.
func flowPage(s *Server, c *gin.Context, a actor) {
	views := consoleFlows(flows.MessageKeys())
	i := slices.IndexFunc(views, func(f flowView) bool { return f.Name == c.Param("flow") })
	if i < 0 {
		s.consoleRefuse(c, false, http.StatusNotFound, "There is no such flow.")
		return
	}
	f := views[i]
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	linked := map[string]string{}
	var groups []groupData
	for _, g := range f.Groups {
		linked[g.State] = "#g-" + g.ID()
		groups = append(groups, s.groupData(a, v, g))
	}
	p := pageFor(a, f.Title, "flows")
	p.Data = map[string]any{"Flow": f, "Groups": groups, "Draft": v, "Diagram": diagramSVG(f.Mermaid, linked)}
	s.render(c, http.StatusOK, "flow", p)
}

// textsFromForm collects the t.LANG.KEY fields.
func textsFromForm(c *gin.Context) map[domain.Lang]map[string]string {
	texts := map[domain.Lang]map[string]string{}
	for name, vals := range c.Request.PostForm {
		rest, ok := strings.CutPrefix(name, "t.")
		if !ok || len(vals) == 0 {
			continue
		}
		l, k, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		if texts[domain.Lang(l)] == nil {
			texts[domain.Lang(l)] = map[string]string{}
		}
		texts[domain.Lang(l)][k] = vals[0]
	}
	return texts
}

// saveTextsForm saves texts into the draft. From htmx it answers the state's
// section again (with the problems next to the fields); otherwise it redirects
// back to where the form was.
func saveTextsForm(s *Server, c *gin.Context, a actor) {
	if err := c.Request.ParseForm(); err != nil {
		s.consoleRefuse(c, false, http.StatusBadRequest, "The form could not be read.")
		return
	}
	texts := textsFromForm(c)
	v, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error { return applyTexts(ct, texts) })
	if err != nil && statusOf(err) == http.StatusInternalServerError {
		s.consoleFail(c, false, err)
		return
	}
	if c.GetHeader("HX-Request") == "true" {
		g, ok := findGroup(consoleFlows(flows.MessageKeys()), c.PostForm("group"))
		if !ok {
			// Not a flow's state (a language's missing texts): reload the page.
			c.Header("HX-Redirect", safeNext(c.PostForm("return")))
			c.Status(http.StatusNoContent)
			return
		}
		d := s.groupData(a, v, g)
		d.Saved = err == nil
		if err != nil {
			d.Error = domain.ErrorMessage(err)
		}
		status := http.StatusOK
		if err != nil {
			status = statusOf(err)
		}
		s.renderTemplate(c, status, "flow", "group", d)
		return
	}
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, safeNext(c.PostForm("return")))
}

// rulesPage shows the rules with their problems.
func rulesPage(s *Server, c *gin.Context, a actor) {
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	s.renderRules(c, http.StatusOK, a, v, "")
}

func (s *Server) renderRules(c *gin.Context, status int, a actor, v draftView, msg string) {
	notify := domain.DefaultNotifyRules()
	if v.Content.Rules.Notify != nil {
		notify = *v.Content.Rules.Notify
	}
	type kindRow struct {
		Kind domain.FlightEventKind
		Rule domain.NotifyRule
	}
	var kinds []kindRow
	for _, k := range domain.FlightEventKinds {
		kinds = append(kinds, kindRow{k, notify.Kinds[k]})
	}
	type tplRow struct {
		ID       string
		Rule     flows.TemplateRule
		Problems []string
	}
	var tpls []tplRow
	for _, t := range v.Content.Rules.Templates {
		id := string(t.Channel) + "/" + t.Purpose + "/" + string(t.Lang)
		tpls = append(tpls, tplRow{ID: id, Rule: t, Problems: v.rulesProblems("rules.templates[" + id + "]")})
	}
	p := pageFor(a, "Rules", "rules")
	p.Error = msg
	p.Data = map[string]any{"Draft": v, "Rules": v.Content.Rules, "Notify": notify, "Kinds": kinds, "Templates": tpls,
		"Problems": map[string][]string{
			"airline": v.rulesProblems("rules.airline_name"), "lookup": v.rulesProblems("rules.lookup"),
			"notify": v.rulesProblems("rules.notify"),
		}}
	s.render(c, status, "rules", p)
}

// rulesFromForm reads the rules form over the current rules.
func rulesFromForm(c *gin.Context, r flows.Rules) (flows.Rules, error) {
	const op = "read rules"
	num := func(name string) (int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(c.PostForm(name)))
		if err != nil {
			return 0, domain.Errorf(domain.Invalid, op, "%s is not a whole number", strings.ReplaceAll(name, "_", " "))
		}
		return n, nil
	}
	var err error
	r.AirlineName = strings.TrimSpace(c.PostForm("airline_name"))
	r.SeatChoice = c.PostForm("seat_choice") == "on"
	if r.MaxLookupFailures, err = num("max_lookup_failures"); err != nil {
		return r, err
	}
	if r.LookupWindowMinutes, err = num("lookup_window_minutes"); err != nil {
		return r, err
	}
	n := domain.DefaultNotifyRules()
	if r.Notify != nil {
		n = *r.Notify
	}
	kinds := map[domain.FlightEventKind]domain.NotifyRule{}
	for _, k := range domain.FlightEventKinds {
		rule := domain.NotifyRule{Enabled: c.PostForm("n."+string(k)+".enabled") == "on", Quiet: c.PostForm("n."+string(k)+".quiet") == "on"}
		if c.PostForm("n."+string(k)+".threshold") != "" {
			if rule.ThresholdMinutes, err = num("n." + string(k) + ".threshold"); err != nil {
				return r, err
			}
		}
		kinds[k] = rule
	}
	n.Kinds = kinds
	n.QuietStart = strings.TrimSpace(c.PostForm("quiet_start"))
	n.QuietEnd = strings.TrimSpace(c.PostForm("quiet_end"))
	if n.RebookDelayMinutes, err = num("rebook_delay_minutes"); err != nil {
		return r, err
	}
	r.Notify = &n
	tpls := slices.Clone(r.Templates)
	for i, t := range tpls {
		id := string(t.Channel) + "/" + t.Purpose + "/" + string(t.Lang)
		if name, ok := c.GetPostForm("tpl." + id + ".name"); ok {
			tpls[i].Name = strings.TrimSpace(name)
		}
		if lang, ok := c.GetPostForm("tpl." + id + ".language"); ok {
			tpls[i].Language = strings.TrimSpace(lang)
		}
	}
	r.Templates = tpls
	return r, nil
}

// saveRulesForm saves the rules into the draft; out-of-range values are kept in
// the draft and shown as problems next to their fields.
func saveRulesForm(s *Server, c *gin.Context, a actor) {
	var formErr error
	v, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error {
		r, err := rulesFromForm(c, ct.Rules)
		if err != nil {
			formErr = err
			return err
		}
		ct.Rules = r
		return nil
	})
	if formErr != nil {
		s.renderRules(c, http.StatusBadRequest, a, v, domain.ErrorMessage(formErr))
		return
	}
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/rules")
}

// languageRow is one language's coverage.
type languageRow struct {
	Lang      domain.Lang
	Enabled   bool
	Published int
	Draft     int
	InDraft   bool
	Missing   int
}

// languagesPage: which languages are enabled, and what each lacks.
func languagesPage(s *Server, c *gin.Context, a actor) {
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	var rows []languageRow
	var addable []domain.Lang
	keys := flows.MessageKeys()
	for _, l := range domain.Languages {
		_, inDraft := v.Content.Messages[l]
		r := languageRow{Lang: l, Enabled: slices.Contains(s.langs, l), Published: len(v.Latest.Messages[l]),
			Draft: len(v.Content.Messages[l]), InDraft: inDraft}
		r.Missing = len(missingKeys(v, l, keys))
		if !inDraft {
			addable = append(addable, l)
		}
		rows = append(rows, r)
	}
	p := pageFor(a, "Languages", "languages")
	p.Data = map[string]any{"Rows": rows, "Addable": addable, "Total": len(keys)}
	s.render(c, http.StatusOK, "languages", p)
}

// missingKeys lists the keys of lang with a problem (missing, or a placeholder
// the state does not provide), sorted, whether or not the language is enabled.
func missingKeys(v draftView, l domain.Lang, keys map[string][]string) []string {
	var out []string
	for _, p := range v.Content.Validate([]domain.Lang{l}) {
		if p.Key == "*" {
			out = out[:0]
			for k := range keys {
				out = append(out, k)
			}
			break
		}
		if !slices.Contains(out, p.Key) {
			out = append(out, p.Key)
		}
	}
	slices.Sort(out)
	return out
}

// languagePage shows exactly what one language lacks, with the English text
// beside each field.
func languagePage(s *Server, c *gin.Context, a actor) {
	l := domain.Lang(c.Param("lang"))
	if !l.Supported() {
		s.consoleRefuse(c, false, http.StatusNotFound, "There is no such language.")
		return
	}
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	missing := missingKeys(v, l, flows.MessageKeys())
	g := groupData{Group: keyGroup{Flow: "lang", State: string(l), Keys: missing}, CSRF: csrfOf(a),
		CanEdit: a.can(editors), Return: "/console/languages/" + string(l)}
	g.Rows = rowsFor(v, missing, []domain.Lang{l})
	for i := range g.Rows {
		for j := range g.Rows[i].Cells {
			if len(g.Rows[i].Cells[j].Problems) == 0 {
				for _, p := range v.Content.Validate([]domain.Lang{l}) {
					if p.Key == g.Rows[i].Key {
						g.Rows[i].Cells[j].Problems = append(g.Rows[i].Cells[j].Problems, p.Message)
					}
				}
			}
		}
	}
	_, inDraft := v.Content.Messages[l]
	p := pageFor(a, "Language "+string(l), "languages")
	p.Data = map[string]any{"Lang": l, "Enabled": slices.Contains(s.langs, l), "InDraft": inDraft, "Group": g, "Missing": len(missing)}
	s.render(c, http.StatusOK, "language", p)
}

// addLanguageForm starts a catalogue for a language in the draft; the language
// page then lists every text it still needs.
func addLanguageForm(s *Server, c *gin.Context, a actor) {
	l := domain.Lang(c.PostForm("lang"))
	if !l.Supported() {
		s.consoleRefuse(c, false, http.StatusBadRequest, "Choose one of the supported languages.")
		return
	}
	_, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error {
		if ct.Messages[l] == nil {
			ct.Messages[l] = map[string]string{}
		}
		return nil
	})
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/languages/"+string(l))
}

// draftPage: the draft against the newest version, its problems, and the publish
// and discard forms.
func draftPage(s *Server, c *gin.Context, a actor) {
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	s.renderDraft(c, http.StatusOK, a, v, "", "")
}

func (s *Server) renderDraft(c *gin.Context, status int, a actor, v draftView, msg, comment string) {
	views := consoleFlows(flows.MessageKeys())
	where := func(key string) string {
		for _, f := range views {
			for _, g := range f.Groups {
				if slices.Contains(g.Keys, key) {
					return "/console/flows/" + f.Name + "#g-" + g.ID()
				}
			}
		}
		if strings.HasPrefix(key, "rules") {
			return "/console/rules"
		}
		if id, ok := strings.CutPrefix(key, "articles."); ok {
			return "/console/knowledge/" + id
		}
		if strings.HasPrefix(key, "articles[") {
			return "/console/knowledge"
		}
		return ""
	}
	type problemRow struct {
		flows.Problem
		Link string
	}
	var problems []problemRow
	for _, p := range v.Problems {
		link := where(p.Key)
		if p.Key == "*" {
			link = "/console/languages/" + string(p.Lang)
		}
		problems = append(problems, problemRow{p, link})
	}
	p := pageFor(a, "Draft", "draft")
	p.Error = msg
	p.Data = map[string]any{"Draft": v, "Problems": problems, "Comment": comment}
	s.render(c, status, "draft", p)
}

func discardDraftForm(s *Server, c *gin.Context, a actor) {
	rev, _ := strconv.ParseInt(c.PostForm("revision"), 10, 64)
	if err := s.console.DiscardDraft(c.Request.Context(), rev); err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/draft")
}

// publishForm publishes the draft, or shows why it cannot be.
func publishForm(s *Server, c *gin.Context, a actor) {
	comment := c.PostForm("comment")
	n, v, err := s.publishDraft(c.Request.Context(), a, c.ClientIP(), comment)
	if err != nil {
		if st := statusOf(err); st != http.StatusInternalServerError {
			if st == http.StatusBadRequest {
				st = http.StatusUnprocessableEntity
			}
			s.renderDraft(c, st, a, v, domain.ErrorMessage(err), comment)
			return
		}
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/versions/"+strconv.Itoa(n))
}

// versionsPage lists the published versions.
func versionsPage(s *Server, c *gin.Context, a actor) {
	vs, err := s.console.ContentVersions(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	p := pageFor(a, "Versions", "versions")
	p.Data = vs
	s.render(c, http.StatusOK, "versions", p)
}

// versionPage shows one version and what it changed.
func versionPage(s *Server, c *gin.Context, a actor) {
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		s.consoleRefuse(c, false, http.StatusNotFound, "There is no such version.")
		return
	}
	v, changes, err := s.versionWithDiff(c.Request.Context(), n)
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	latest, err := s.console.Content(c.Request.Context(), 0)
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	p := pageFor(a, "Version "+strconv.Itoa(n), "versions")
	p.Data = map[string]any{"Version": v, "Changes": changes, "Latest": latest.Version}
	s.render(c, http.StatusOK, "version", p)
}

// rollbackForm publishes an earlier version again.
func rollbackForm(s *Server, c *gin.Context, a actor) {
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		s.consoleRefuse(c, false, http.StatusNotFound, "There is no such version.")
		return
	}
	m, err := s.rollback(c.Request.Context(), a, c.ClientIP(), n, c.PostForm("comment"))
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/versions/"+strconv.Itoa(m))
}
