package api

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/api/console"
	"github.com/skybridge/skybridge/domain"
)

// pageData is what every console page gets: who is signed in and what they may
// do (for the navigation and the forms), the session's CSRF token, and the page's
// own Data.
type pageData struct {
	Title  string
	Nav    string
	Who    string
	Role   domain.Role
	CSRF   string
	Error  string
	Notice string
	Can    struct{ Edit, Publish, Admin bool }
	Data   any
}

// pageFor starts the page data of a signed-in actor.
func pageFor(a actor, title, nav string) pageData {
	p := pageData{Title: title, Nav: nav, Who: a.Name, Role: a.Role}
	if a.Session != nil {
		p.CSRF = a.Session.CSRF
	}
	p.Can.Edit, p.Can.Publish, p.Can.Admin = a.can(editors), a.can(publishers), a.can(admins)
	return p
}

var (
	templatesOnce sync.Once
	templates     map[string]*template.Template
	templatesErr  error
)

var templateFuncs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join": strings.Join,
}

// consoleTemplates parses every page with the layout and the partials, once.
func consoleTemplates() (map[string]*template.Template, error) {
	templatesOnce.Do(func() {
		pages, err := fs.Glob(console.FS, "templates/*.html")
		if err != nil {
			templatesErr = err
			return
		}
		templates = map[string]*template.Template{}
		for _, p := range pages {
			name := strings.TrimSuffix(path.Base(p), ".html")
			if name == "layout" || name == "partials" {
				continue
			}
			t, err := template.New(name).Funcs(templateFuncs).ParseFS(console.FS,
				"templates/layout.html", "templates/partials.html", p)
			if err != nil {
				templatesErr = err
				return
			}
			templates[name] = t
		}
	})
	return templates, templatesErr
}

// render writes a whole page (the layout around the page's "content").
func (s *Server) render(c *gin.Context, status int, page string, data pageData) {
	s.renderTemplate(c, status, page, "layout", data)
}

// renderTemplate executes one named template of a page's set, into a buffer
// first so that a template error becomes a clean 500.
func (s *Server) renderTemplate(c *gin.Context, status int, page, name string, data any) {
	ts, err := consoleTemplates()
	if err != nil {
		s.log.Error("console templates", "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	t, ok := ts[page]
	if !ok {
		s.log.Error("console template missing", "page", page)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("console template", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// consoleStatic serves the stylesheet and scripts (files only, no listings).
func (s *Server) consoleStatic(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	b, err := fs.ReadFile(console.FS, "static/"+name)
	if err != nil || strings.Contains(name, "/") {
		c.JSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	ctype := "application/octet-stream"
	switch path.Ext(name) {
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".svg":
		ctype = "image/svg+xml"
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, ctype, b)
}
