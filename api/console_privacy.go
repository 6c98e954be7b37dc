package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// The console's privacy pages, for admins: find a traveller by WhatsApp number,
// Messenger id, web chat session or booking reference with surname; see what is
// held about them (counts, no data); download the same JSON export the privacy
// API produces; erase them after typing their identifier again. Every step is a
// POST, so that identifiers stay out of URLs, browser histories and access
// logs. Exports and erasures are recorded twice: in the privacy requests (by
// the store, with the actor) and in the console's audit log, both under a blind
// index of the identifier.

// privacyKinds are the kinds of identifier a traveller is found by, with their
// labels.
var privacyKinds = []struct{ Value, Label string }{
	{"whatsapp", "WhatsApp phone number"},
	{"messenger", "Messenger id"},
	{"webchat", "web chat session"},
	{"booking", "booking reference and surname"},
}

// privacyView is what the privacy page shows.
type privacyView struct {
	Kind, ID, Surname string
	Kinds             []struct{ Value, Label string }
	Found             *domain.SubjectSummary
	Counts            []countLine
	// Erased lists what an erasure deleted, per table.
	Erased      []countLine
	ErasedTotal int64
}

type countLine struct {
	Name  string
	Count int64
}

func sortedCounts(m map[string]int64) []countLine {
	out := make([]countLine, 0, len(m))
	for k, v := range m {
		out = append(out, countLine{strings.ReplaceAll(k, "_", " "), v})
	}
	slices.SortFunc(out, func(a, b countLine) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// privacyService returns the privacy service, or answers 404.
func (s *Server) privacyService(c *gin.Context, api bool) (Privacy, bool) {
	if s.privacy == nil {
		s.consoleRefuse(c, api, http.StatusNotFound, "Privacy requests are not available.")
		return nil, false
	}
	return s.privacy, true
}

// privacyFormView reads the traveller named by a form.
func privacyFormView(c *gin.Context) privacyView {
	return privacyView{Kind: c.PostForm("kind"), ID: strings.TrimSpace(c.PostForm("id")),
		Surname: strings.TrimSpace(c.PostForm("surname")), Kinds: privacyKinds}
}

func (s *Server) renderPrivacy(c *gin.Context, status int, a actor, v privacyView, msg, notice string) {
	p := pageFor(a, "Privacy requests", "privacy")
	p.Error, p.Notice = msg, notice
	if v.Kinds == nil {
		v.Kinds = privacyKinds
	}
	if v.Found != nil {
		v.Counts = sortedCounts(v.Found.Counts)
	}
	p.Data = v
	s.render(c, status, "privacy", p)
}

// privacyFail shows a refusal on the page (a bad identifier, an unknown
// booking) or fails the request.
func (s *Server) privacyFail(c *gin.Context, a actor, v privacyView, err error) {
	if statusOf(err) == http.StatusInternalServerError {
		s.consoleFail(c, false, err)
		return
	}
	v.Found = nil
	s.renderPrivacy(c, statusOf(err), a, v, domain.ErrorMessage(err), "")
}

// privacySubject reads the traveller a form names and finds what is held about
// them; on failure it has answered the request.
func (s *Server) privacySubject(c *gin.Context, a actor) (Privacy, privacyView, domain.DataSubject, domain.SubjectSummary, bool) {
	p, ok := s.privacyService(c, false)
	if !ok {
		return nil, privacyView{}, domain.DataSubject{}, domain.SubjectSummary{}, false
	}
	v := privacyFormView(c)
	subj, err := domain.ParseDataSubject(v.Kind, v.ID, v.Surname)
	if err != nil {
		s.privacyFail(c, a, v, err)
		return nil, v, subj, domain.SubjectSummary{}, false
	}
	found, err := p.FindSubject(c.Request.Context(), subj)
	if err != nil {
		s.privacyFail(c, a, v, err)
		return nil, v, subj, found, false
	}
	return p, v, subj, found, true
}

// privacyPage shows the form that finds a traveller.
func privacyPage(s *Server, c *gin.Context, a actor) {
	if _, ok := s.privacyService(c, false); !ok {
		return
	}
	s.renderPrivacy(c, http.StatusOK, a, privacyView{Kind: "whatsapp"}, "", "")
}

// privacyFind shows what is held about the traveller, with the export and
// erase forms.
func privacyFind(s *Server, c *gin.Context, a actor) {
	_, v, _, found, ok := s.privacySubject(c, a)
	if !ok {
		return
	}
	v.Found = &found
	s.renderPrivacy(c, http.StatusOK, a, v, "", "")
}

// privacyExport downloads everything held about the traveller: the JSON
// document of POST /api/v1/privacy/export, as an attachment.
func privacyExport(s *Server, c *gin.Context, a actor) {
	p, v, subj, found, ok := s.privacySubject(c, a)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	exp, err := p.ExportSubject(ctx, subj, a.Name)
	if err != nil {
		s.privacyFail(c, a, v, err)
		return
	}
	e := a.auditEntry(c, domain.AuditPrivacyExport, subj.Kind())
	e.Subject = found.Key
	if err := s.console.Audit(ctx, e); err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `attachment; filename="skybridge-export-`+subj.Kind()+`-`+s.now().UTC().Format("20060102-150405")+`.json"`)
	c.JSON(http.StatusOK, exp)
}

// confirms reports whether what an admin typed to confirm an erasure is the
// subject's identifier (a booking's reference; a number however punctuated).
func confirms(subj domain.DataSubject, typed string) bool {
	if subj.Locator != "" {
		loc, err := domain.ParseRecordLocator(strings.TrimSpace(typed))
		return err == nil && loc == subj.Locator
	}
	if subj.Channel == domain.WhatsApp {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, typed)
		return digits == subj.UserID
	}
	return strings.TrimSpace(typed) == subj.UserID
}

// privacyErase erases the traveller once the admin typed the identifier again,
// and shows what went.
func privacyErase(s *Server, c *gin.Context, a actor) {
	p, v, subj, found, ok := s.privacySubject(c, a)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if !confirms(subj, c.PostForm("confirm")) {
		v.Found = &found
		s.renderPrivacy(c, http.StatusUnprocessableEntity, a, v,
			"Nothing was erased: type the traveller's identifier exactly, to confirm the erasure.", "")
		return
	}
	rep, err := p.EraseSubject(ctx, subj, a.Name)
	if err != nil {
		s.privacyFail(c, a, v, err)
		return
	}
	var total int64
	for _, n := range rep {
		total += n
	}
	e := a.auditEntry(c, domain.AuditPrivacyErase, subj.Kind()+": "+strconv.FormatInt(total, 10)+" rows")
	e.Subject = found.Key
	if err := s.console.Audit(ctx, e); err != nil {
		s.consoleFail(c, false, err)
		return
	}
	done := privacyView{Kind: v.Kind, Kinds: privacyKinds, Erased: sortedCounts(rep), ErasedTotal: total}
	notice := "Erased: nothing was stored about this traveller."
	if total > 0 {
		notice = "Erased " + strconv.FormatInt(total, 10) + " rows. A message the traveller sends from now on starts a new conversation."
	}
	s.renderPrivacy(c, http.StatusOK, a, done, "", notice)
}

// apiPrivacyFind answers what is held about a traveller, without the data:
// {"kind": "whatsapp|messenger|webchat|booking", "id": "...", "surname": "..."}.
func apiPrivacyFind(s *Server, c *gin.Context, _ actor) {
	p, ok := s.privacyService(c, true)
	if !ok {
		return
	}
	var req privacyJSON
	if !bindJSON(c, &req) {
		return
	}
	subj, err := domain.ParseDataSubject(req.Kind, req.ID, req.Surname)
	if err != nil {
		s.fail(c, err)
		return
	}
	found, err := p.FindSubject(c.Request.Context(), subj)
	if err != nil {
		s.fail(c, err)
		return
	}
	convs := make([]summaryJSON, len(found.Conversations))
	for i, cv := range found.Conversations {
		convs[i] = toSummaryJSON(cv)
	}
	counts := found.Counts
	if counts == nil {
		counts = map[string]int64{}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"subject": found.Key, "conversations": convs, "counts": counts})
}
