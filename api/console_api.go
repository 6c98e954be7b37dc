package api

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/api/console"
	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// The JSON API of the console: the same operations as the pages, for machine
// clients with a bearer token (and for pages that prefer JSON, with the session
// and its CSRF token). openapi.json describes it.

// maxConsoleBody bounds a JSON request body (a whole rules document is ~30 KB).
const maxConsoleBody = 1 << 20

type contentProblemJSON struct {
	Lang    domain.Lang `json:"lang,omitempty"`
	Key     string      `json:"key"`
	Message string      `json:"message"`
}

type changeJSON struct {
	Kind flows.ChangeKind `json:"kind"`
	Lang domain.Lang      `json:"lang,omitempty"`
	Key  string           `json:"key"`
	Old  string           `json:"old,omitempty"`
	New  string           `json:"new,omitempty"`
}

type versionJSON struct {
	Version   int            `json:"version"`
	Author    string         `json:"author"`
	Comment   string         `json:"comment"`
	CreatedAt time.Time      `json:"created_at"`
	Content   *flows.Content `json:"content,omitempty"`
	Changes   []changeJSON   `json:"changes,omitempty"`
}

func toProblemsJSON(ps []flows.Problem) []contentProblemJSON {
	out := make([]contentProblemJSON, len(ps))
	for i, p := range ps {
		out[i] = contentProblemJSON{Lang: p.Lang, Key: p.Key, Message: p.Message}
	}
	return out
}

func toChangesJSON(cs []flows.Change) []changeJSON {
	out := make([]changeJSON, len(cs))
	for i, ch := range cs {
		out[i] = changeJSON{Kind: ch.Kind, Lang: ch.Lang, Key: ch.Key, Old: ch.Old, New: ch.New}
	}
	return out
}

func draftJSON(v draftView) gin.H {
	h := gin.H{"exists": v.HasDraft, "latest_version": v.LatestMeta.Version, "content": v.Content,
		"changes": toChangesJSON(v.Changes), "problems": toProblemsJSON(v.Problems), "languages": v.Langs}
	if v.HasDraft {
		h["base_version"] = v.Draft.BaseVersion
		h["revision"] = v.Draft.Revision
		h["updated_by"] = v.Draft.UpdatedBy
		h["updated_at"] = v.Draft.UpdatedAt
		h["stale"] = v.Stale()
	}
	return h
}

func bindJSON(c *gin.Context, v any) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxConsoleBody)
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		badRequest(c, "the body is not the JSON this route takes: "+err.Error())
		return false
	}
	return true
}

func openAPIDoc(s *Server, c *gin.Context, _ actor) {
	b, err := fs.ReadFile(console.FS, "openapi.json")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json", b)
}

func apiFlows(s *Server, c *gin.Context, _ actor) {
	type group struct {
		State string   `json:"state"`
		Keys  []string `json:"keys"`
	}
	type flowJSON struct {
		Name    string  `json:"name"`
		Title   string  `json:"title"`
		Mermaid string  `json:"mermaid,omitempty"`
		Groups  []group `json:"states"`
	}
	var out []flowJSON
	for _, f := range consoleFlows(flows.MessageKeys()) {
		fj := flowJSON{Name: f.Name, Title: f.Title, Mermaid: f.Mermaid}
		for _, g := range f.Groups {
			fj.Groups = append(fj.Groups, group{State: g.State, Keys: g.Keys})
		}
		out = append(out, fj)
	}
	c.JSON(http.StatusOK, gin.H{"flows": out, "placeholders": flows.MessageKeys(), "languages": s.langs})
}

func apiDraft(s *Server, c *gin.Context, _ actor) {
	v, err := s.loadDraft(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, draftJSON(v))
}

func apiSaveTexts(s *Server, c *gin.Context, a actor) {
	var body struct {
		Texts map[domain.Lang]map[string]string `json:"texts"`
	}
	if !bindJSON(c, &body) {
		return
	}
	v, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error { return applyTexts(ct, body.Texts) })
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, draftJSON(v))
}

func apiSaveRules(s *Server, c *gin.Context, a actor) {
	var rules flows.Rules
	if !bindJSON(c, &rules) {
		return
	}
	v, err := s.editDraft(c.Request.Context(), a.Name, func(ct *flows.Content) error { ct.Rules = rules; return nil })
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, draftJSON(v))
}

func apiDiscardDraft(s *Server, c *gin.Context, _ actor) {
	rev, err := strconv.ParseInt(c.Query("revision"), 10, 64)
	if err != nil {
		badRequest(c, "give the revision of the draft to discard (?revision=N)")
		return
	}
	if err := s.console.DiscardDraft(c.Request.Context(), rev); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func apiPublish(s *Server, c *gin.Context, a actor) {
	var body struct {
		Comment string `json:"comment"`
	}
	if !bindJSON(c, &body) {
		return
	}
	n, v, err := s.publishDraft(c.Request.Context(), a, c.ClientIP(), body.Comment)
	if err != nil {
		if domain.IsCode(err, domain.Invalid) {
			c.JSON(http.StatusUnprocessableEntity, gin.H{"error": domain.ErrorMessage(err), "problems": toProblemsJSON(v.Problems)})
			return
		}
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"version": n, "changes": toChangesJSON(v.Changes)})
}

func apiVersions(s *Server, c *gin.Context, _ actor) {
	vs, err := s.console.ContentVersions(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]versionJSON, len(vs))
	for i, v := range vs {
		out[i] = versionJSON{Version: v.Version, Author: v.Author, Comment: v.Comment, CreatedAt: v.CreatedAt}
	}
	c.JSON(http.StatusOK, gin.H{"versions": out})
}

func apiVersion(s *Server, c *gin.Context, _ actor) {
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such version"})
		return
	}
	v, changes, err := s.versionWithDiff(c.Request.Context(), n)
	if err != nil {
		s.fail(c, err)
		return
	}
	content, err := flows.ParseContent(v)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, versionJSON{Version: v.Version, Author: v.Author, Comment: v.Comment, CreatedAt: v.CreatedAt,
		Content: &content, Changes: toChangesJSON(changes)})
}

func apiRollback(s *Server, c *gin.Context, a actor) {
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		c.JSON(http.StatusNotFound, gin.H{"error": "no such version"})
		return
	}
	var body struct {
		Comment string `json:"comment"`
	}
	if c.Request.ContentLength != 0 && !bindJSON(c, &body) {
		return
	}
	m, err := s.rollback(c.Request.Context(), a, c.ClientIP(), n, body.Comment)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"version": m})
}

type tokenJSON struct {
	Name      string      `json:"name"`
	Role      domain.Role `json:"role"`
	CreatedAt time.Time   `json:"created_at"`
	RevokedAt *time.Time  `json:"revoked_at,omitempty"`
}

func apiTokens(s *Server, c *gin.Context, _ actor) {
	toks, err := s.console.Tokens(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]tokenJSON, len(toks))
	for i, t := range toks {
		out[i] = tokenJSON{Name: t.Name, Role: t.Role, CreatedAt: t.CreatedAt}
		if !t.RevokedAt.IsZero() {
			r := t.RevokedAt
			out[i].RevokedAt = &r
		}
	}
	c.JSON(http.StatusOK, gin.H{"tokens": out})
}

func apiCreateToken(s *Server, c *gin.Context, a actor) {
	var body struct {
		Name string      `json:"name"`
		Role domain.Role `json:"role"`
	}
	if !bindJSON(c, &body) {
		return
	}
	tok, err := s.createToken(c.Request.Context(), a, c.ClientIP(), body.Name, body.Role)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"name": body.Name, "role": body.Role, "token": tok})
}

func apiRevokeToken(s *Server, c *gin.Context, a actor) {
	if err := s.revokeToken(c.Request.Context(), a, c.ClientIP(), c.Param("name")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type staffJSON struct {
	Name       string      `json:"name"`
	Role       domain.Role `json:"role"`
	CreatedAt  time.Time   `json:"created_at"`
	DisabledAt *time.Time  `json:"disabled_at,omitempty"`
}

func apiStaff(s *Server, c *gin.Context, _ actor) {
	list, err := s.console.StaffList(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]staffJSON, len(list))
	for i, st := range list {
		out[i] = staffJSON{Name: st.Name, Role: st.Role, CreatedAt: st.CreatedAt}
		if !st.Active() {
			d := st.DisabledAt
			out[i].DisabledAt = &d
		}
	}
	c.JSON(http.StatusOK, gin.H{"staff": out})
}

func apiAddStaff(s *Server, c *gin.Context, a actor) {
	var body struct {
		Name     string      `json:"name"`
		Role     domain.Role `json:"role"`
		Password string      `json:"password"`
	}
	if !bindJSON(c, &body) {
		return
	}
	st, generated, err := s.addStaff(c.Request.Context(), a, c.ClientIP(), body.Name, body.Role, body.Password)
	if err != nil {
		s.fail(c, err)
		return
	}
	h := gin.H{"name": st.Name, "role": st.Role}
	if generated != "" {
		h["password"] = generated
	}
	c.JSON(http.StatusCreated, h)
}

func apiAudit(s *Server, c *gin.Context, _ actor) {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	entries, err := s.console.AuditLog(c.Request.Context(), before, auditPageSize)
	if err != nil {
		s.fail(c, err)
		return
	}
	type entryJSON struct {
		ID      int64              `json:"id"`
		At      time.Time          `json:"at"`
		Actor   string             `json:"actor"`
		Action  domain.AuditAction `json:"action"`
		Subject string             `json:"subject,omitempty"`
		Detail  string             `json:"detail,omitempty"`
		Address string             `json:"address,omitempty"`
	}
	out := make([]entryJSON, len(entries))
	for i, e := range entries {
		out[i] = entryJSON{e.ID, e.At, e.Actor, e.Action, e.Subject, e.Detail, e.Address}
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}
