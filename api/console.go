package api

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// ConsoleStore is what the staff console needs from persistence: accounts,
// sessions, the audit log, the shared draft and the published content versions.
// Machine tokens come through Tokens plus the token methods here.
type ConsoleStore interface {
	AddStaff(ctx context.Context, name string, role domain.Role, passwordHash string, audit domain.AuditEntry) (domain.Staff, error)
	StaffByName(ctx context.Context, name string) (domain.Staff, error)
	StaffList(ctx context.Context) ([]domain.Staff, error)
	ChangeStaff(ctx context.Context, name string, role domain.Role, disabled bool, audit domain.AuditEntry) error

	CreateStaffSession(ctx context.Context, id string, sess domain.StaffSession, audit domain.AuditEntry) error
	StaffSession(ctx context.Context, id string, idleSince time.Time) (domain.StaffSession, error)
	TouchStaffSession(ctx context.Context, id string) error
	EndStaffSession(ctx context.Context, id string, audit domain.AuditEntry) error

	Audit(ctx context.Context, e domain.AuditEntry) error
	AuditLog(ctx context.Context, beforeID int64, limit int) ([]domain.AuditEntry, error)
	CountAudit(ctx context.Context, action domain.AuditAction, subject, address string, since time.Time) (int, error)

	Draft(ctx context.Context) (domain.ContentDraft, bool, error)
	SaveDraft(ctx context.Context, d domain.ContentDraft, expect int64) (int64, error)
	DiscardDraft(ctx context.Context, expect int64) error
	PublishDraft(ctx context.Context, body []byte, expect int64, author, comment string, audit domain.AuditEntry) (int, error)
	Republish(ctx context.Context, version int, author, comment string, audit domain.AuditEntry) (int, error)
	ContentVersions(ctx context.Context) ([]domain.ContentVersion, error)
	Content(ctx context.Context, version int) (domain.ContentVersion, error)

	CreateToken(ctx context.Context, name string, role domain.Role) (string, error)
	RevokeToken(ctx context.Context, name string) error
	Tokens(ctx context.Context) ([]domain.APIToken, error)
}

// Console session and sign-in limits.
const (
	consoleCookie = "skybridge_console"
	loginCookie   = "skybridge_login"
	// defaultIdle ends a session nobody used for this long; defaultMaxAge ends any.
	defaultIdle   = 30 * time.Minute
	defaultMaxAge = 12 * time.Hour
	// touchEvery bounds the writes that keep a session alive to one a minute.
	touchEvery = time.Minute
	// maxSignInFailures failed sign-ins of one name from one address within
	// signInWindow lock that pair out for the rest of the window.
	maxSignInFailures = 5
	signInWindow      = 15 * time.Minute
)

// Role sets of the route table.
var (
	everyone   = domain.StaffRoles
	editors    = []domain.Role{domain.RoleAdmin, domain.RoleEditor}
	publishers = []domain.Role{domain.RoleAdmin, domain.RolePublisher}
	admins     = []domain.Role{domain.RoleAdmin}
)

// consoleRoute is one line of the console's route table: the roles that may use it
// and whether it is part of the JSON API (where bearer tokens are accepted too and
// refusals are JSON). A route with no roles is public.
type consoleRoute struct {
	Method string
	Path   string
	Roles  []domain.Role
	API    bool
	Handle func(s *Server, c *gin.Context, a actor)
}

// actor is who a console request acts for: a signed-in staff member (Session
// set) or a machine client's token.
type actor struct {
	Name    string
	Role    domain.Role
	Session *domain.StaffSession
	// sid is the raw session id, to end or touch the session.
	sid string
}

// auditEntry starts an audit entry for what the actor does from c's address.
func (a actor) auditEntry(c *gin.Context, action domain.AuditAction, detail string) domain.AuditEntry {
	return domain.AuditEntry{Actor: a.Name, Action: action, Detail: detail, Address: c.ClientIP()}
}

func (a actor) can(roles []domain.Role) bool { return slices.Contains(roles, a.Role) }

// mountConsole registers every route of the table with its access check.
func (s *Server) mountConsole(r *gin.Engine) {
	for _, rt := range consoleRoutes {
		r.Handle(rt.Method, rt.Path, s.consoleAccess(rt))
	}
	r.GET("/console/static/*file", s.consoleStatic)
}

// consoleAccess authenticates a request (bearer token on API routes, session
// cookie otherwise), checks the route's roles and, for a session, the CSRF token
// of every unsafe method; then runs the handler.
func (s *Server) consoleAccess(rt consoleRoute) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		if len(rt.Roles) == 0 {
			rt.Handle(s, c, actor{})
			return
		}
		if rt.API && c.GetHeader("Authorization") != "" {
			a, ok := s.consoleBearer(c)
			if !ok {
				return
			}
			if !a.can(rt.Roles) {
				c.Header("WWW-Authenticate", `Bearer realm="skybridge", error="insufficient_scope"`)
				c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "this token's role may not do this"})
				return
			}
			rt.Handle(s, c, a)
			return
		}
		a, err := s.consoleSession(c)
		if err != nil {
			s.consoleFail(c, rt.API, err)
			return
		}
		if a.Session == nil {
			if rt.API {
				unauthorized(c, "", "sign in or send a bearer token")
				return
			}
			next := c.Request.URL.RequestURI()
			if c.Request.Method != http.MethodGet {
				next = "/console/"
			}
			c.Redirect(http.StatusSeeOther, "/console/sign-in?next="+url.QueryEscape(next))
			c.Abort()
			return
		}
		if unsafeMethod(c.Request.Method) && !s.csrfOK(c, a) {
			s.consoleRefuse(c, rt.API, http.StatusForbidden, "the form was stale or came from another site: reload the page and try again")
			return
		}
		if !a.can(rt.Roles) {
			s.consoleRefuse(c, rt.API, http.StatusForbidden, "your role ("+string(a.Role)+") may not do this")
			return
		}
		rt.Handle(s, c, a)
	}
}

// consoleBearer authenticates a bearer token as requireRole does.
func (s *Server) consoleBearer(c *gin.Context) (actor, bool) {
	raw, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok || s.tokens == nil {
		unauthorized(c, "invalid_token", "invalid or revoked token")
		return actor{}, false
	}
	tok, err := s.tokens.Authenticate(c.Request.Context(), raw)
	if err != nil {
		switch domain.ErrorCode(err) {
		case domain.Forbidden, domain.NotFound, domain.Invalid:
			unauthorized(c, "invalid_token", "invalid or revoked token")
		default:
			s.fail(c, redacted{err: err, secret: raw})
		}
		return actor{}, false
	}
	if !tok.RevokedAt.IsZero() {
		unauthorized(c, "invalid_token", "invalid or revoked token")
		return actor{}, false
	}
	return actor{Name: "token:" + tok.Name, Role: tok.Role}, true
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// csrfOK checks the synchronizer token (form field csrf or header X-CSRF-Token)
// against the session's, and refuses a request whose Origin is another site.
func (s *Server) csrfOK(c *gin.Context, a actor) bool {
	// Under Referrer-Policy: no-referrer a browser sends "Origin: null" with a
	// form post; the token below is what protects it then.
	if o := c.GetHeader("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != c.Request.Host {
			return false
		}
	}
	got := c.GetHeader("X-CSRF-Token")
	if got == "" {
		got = c.PostForm("csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(a.Session.CSRF)) == 1
}

// consoleRefuse answers a refusal as JSON on API routes and as a page otherwise.
func (s *Server) consoleRefuse(c *gin.Context, api bool, status int, msg string) {
	if api {
		c.AbortWithStatusJSON(status, gin.H{"error": msg})
		return
	}
	s.render(c, status, "error", pageData{Title: http.StatusText(status), Error: msg})
	c.Abort()
}

// consoleFail maps an error as fail does, as JSON or as a page.
func (s *Server) consoleFail(c *gin.Context, api bool, err error) {
	if api {
		s.fail(c, err)
		return
	}
	st := statusOf(err)
	msg := domain.ErrorMessage(err)
	if st == http.StatusInternalServerError {
		s.log.Error("console request failed", "path", c.FullPath(), "err", err)
		msg = "Something went wrong on our side."
	}
	s.consoleRefuse(c, false, st, msg)
}

// secureCookies reports whether cookies must be Secure: always, except on a
// plain-HTTP request to a loopback address or localhost (a laptop in development).
// Behind a TLS-terminating load balancer the host is the public name, so the
// cookie is Secure.
func secureCookies(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = strings.Trim(r.Host, "[]")
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// setCookie writes an HttpOnly, SameSite=Strict cookie for the whole site.
func setCookie(c *gin.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secureCookies(c.Request)}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(c.Writer, ck)
}

// initConsole takes the console's settings from c, with their defaults.
func (s *Server) initConsole(c Config) {
	s.console, s.langs, s.consoleIdle, s.consoleMaxAge = c.Console, c.Languages, c.ConsoleIdle, c.ConsoleMaxAge
	if len(s.langs) == 0 {
		s.langs = domain.Languages[:6]
	}
	if s.consoleIdle <= 0 {
		s.consoleIdle = defaultIdle
	}
	if s.consoleMaxAge <= 0 {
		s.consoleMaxAge = defaultMaxAge
	}
	// Each sign-in attempt costs a 64 MiB argon2 hash: at most 30 a minute per
	// address on this instance, whatever the names tried.
	s.signIns = newLimiter(30, time.Minute, s.now)
}
