package api

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// dummyHash is checked against when a name is unknown, so that a sign-in takes
// as long whether or not the account exists. Made on first use, not at start.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("no account has this password", defaultArgon)
	return h
})

// consoleSession returns the signed-in actor of the request's cookie; an actor
// without Session when there is none (or it ended).
func (s *Server) consoleSession(c *gin.Context) (actor, error) {
	sid, err := c.Cookie(consoleCookie)
	if err != nil || len(sid) < 32 || len(sid) > 64 {
		return actor{}, nil
	}
	now := s.now()
	sess, err := s.console.StaffSession(c.Request.Context(), sid, now.Add(-s.consoleIdle))
	if domain.IsCode(err, domain.NotFound) {
		setCookie(c, consoleCookie, "", -1)
		return actor{}, nil
	}
	if err != nil {
		return actor{}, err
	}
	if now.Sub(sess.SeenAt) > touchEvery {
		if err := s.console.TouchStaffSession(c.Request.Context(), sid); err != nil {
			return actor{}, err
		}
	}
	return actor{Name: sess.Name, Role: sess.Role, Session: &sess, sid: sid}, nil
}

// signInPage shows the sign-in form with a fresh login CSRF token (a
// double-submit cookie: there is no session yet to hold one).
func signInPage(s *Server, c *gin.Context, _ actor) {
	if a, err := s.consoleSession(c); err == nil && a.Session != nil {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	s.renderSignIn(c, http.StatusOK, "", "")
}

func (s *Server) renderSignIn(c *gin.Context, status int, name, msg string) {
	tok := rand.Text()
	setCookie(c, loginCookie, tok, 15*time.Minute)
	s.render(c, status, "signin", pageData{Title: "Sign in", CSRF: tok, Error: msg,
		Data: map[string]string{"Name": name, "Next": safeNext(c.Query("next"))}})
}

// signIn checks the name and password, within the rate limit, and starts a session.
func signIn(s *Server, c *gin.Context, _ actor) {
	ctx := c.Request.Context()
	name := strings.ToLower(strings.TrimSpace(c.PostForm("name")))
	if len(name) > 64 {
		name = name[:64]
	}
	ck, _ := c.Cookie(loginCookie)
	form := c.PostForm("csrf")
	if ck == "" || subtle.ConstantTimeCompare([]byte(ck), []byte(form)) != 1 {
		s.renderSignIn(c, http.StatusForbidden, name, "The sign-in form expired. Please try again.")
		return
	}
	addr := c.ClientIP()
	// Every attempt costs an argon2 hash: bound them per address in memory, and
	// failures per name and address in the audit log (shared by every instance).
	if !s.signIns.allow(addr) {
		s.renderSignIn(c, http.StatusTooManyRequests, name, "Too many attempts. Please wait a minute.")
		return
	}
	failures, err := s.console.CountAudit(ctx, domain.AuditSignInFailed, name, addr, s.now().Add(-signInWindow))
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	if failures >= maxSignInFailures {
		c.Header("Retry-After", fmt.Sprint(int(signInWindow.Seconds())))
		s.renderSignIn(c, http.StatusTooManyRequests, name,
			fmt.Sprintf("Too many failed attempts for this name. Please try again in %d minutes.", int(signInWindow.Minutes())))
		return
	}
	st, err := s.console.StaffByName(ctx, name)
	if err != nil && !domain.IsCode(err, domain.NotFound) {
		s.consoleFail(c, false, err)
		return
	}
	hash := st.PasswordHash
	if err != nil {
		hash = dummyHash()
	}
	ok := CheckPassword(hash, c.PostForm("password")) && err == nil && st.Active()
	if !ok {
		reason := "wrong name or password"
		if err == nil && !st.Active() {
			reason = "account disabled"
		}
		if aerr := s.console.Audit(ctx, domain.AuditEntry{Actor: name, Action: domain.AuditSignInFailed,
			Subject: name, Detail: reason, Address: addr}); aerr != nil {
			s.consoleFail(c, false, aerr)
			return
		}
		s.renderSignIn(c, http.StatusUnauthorized, name, "Wrong name or password.")
		return
	}
	sid := rand.Text() + rand.Text() // 256 bits
	now := s.now()
	sess := domain.StaffSession{StaffID: st.ID, Name: st.Name, Role: st.Role, CSRF: rand.Text(),
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(s.consoleMaxAge)}
	audit := domain.AuditEntry{Actor: st.Name, Action: domain.AuditSignIn, Subject: st.Name, Detail: "role " + string(st.Role), Address: addr}
	if err := s.console.CreateStaffSession(ctx, sid, sess, audit); err != nil {
		s.consoleFail(c, false, err)
		return
	}
	setCookie(c, loginCookie, "", -1)
	// No Max-Age: the cookie ends with the browser; the server ends it sooner.
	setCookie(c, consoleCookie, sid, 0)
	c.Redirect(http.StatusSeeOther, safeNext(c.PostForm("next")))
}

// signOut ends the session.
func signOut(s *Server, c *gin.Context, a actor) {
	if a.Session != nil {
		if err := s.console.EndStaffSession(c.Request.Context(), a.sid, a.auditEntry(c, domain.AuditSignOut, "")); err != nil {
			s.consoleFail(c, false, err)
			return
		}
	}
	setCookie(c, consoleCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/console/sign-in")
}

// safeNext keeps a post-sign-in redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/console/"
	}
	return next
}
