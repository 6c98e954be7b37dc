package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// Everything here is for admins: machine tokens, staff accounts, the audit log.

func tokensPage(s *Server, c *gin.Context, a actor) { s.renderTokens(c, http.StatusOK, a, "", "", "") }

func (s *Server) renderTokens(c *gin.Context, status int, a actor, newName, newToken, msg string) {
	toks, err := s.console.Tokens(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	p := pageFor(a, "API tokens", "tokens")
	p.Error = msg
	p.Data = map[string]any{"Tokens": toks, "NewName": newName, "NewToken": newToken, "Roles": domain.Roles}
	s.render(c, status, "tokens", p)
}

// createToken issues a token and audits it.
func (s *Server) createToken(ctx context.Context, a actor, addr, name string, role domain.Role) (string, error) {
	if _, err := domain.ParseRole(string(role)); err != nil {
		return "", err
	}
	tok, err := s.console.CreateToken(ctx, name, role)
	if err != nil {
		return "", err
	}
	err = s.console.Audit(ctx, domain.AuditEntry{Actor: a.Name, Action: domain.AuditTokenCreate,
		Subject: strings.TrimSpace(name), Detail: "role " + string(role), Address: addr})
	return tok, err
}

func (s *Server) revokeToken(ctx context.Context, a actor, addr, name string) error {
	if err := s.console.RevokeToken(ctx, name); err != nil {
		return err
	}
	return s.console.Audit(ctx, domain.AuditEntry{Actor: a.Name, Action: domain.AuditTokenRevoke, Subject: name, Address: addr})
}

func createTokenForm(s *Server, c *gin.Context, a actor) {
	name := c.PostForm("name")
	tok, err := s.createToken(c.Request.Context(), a, c.ClientIP(), name, domain.Role(c.PostForm("role")))
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			s.consoleFail(c, false, err)
			return
		}
		s.renderTokens(c, statusOf(err), a, "", "", domain.ErrorMessage(err))
		return
	}
	// Shown once, on this very page; never stored in the clear.
	s.renderTokens(c, http.StatusCreated, a, strings.TrimSpace(name), tok, "")
}

func revokeTokenForm(s *Server, c *gin.Context, a actor) {
	if err := s.revokeToken(c.Request.Context(), a, c.ClientIP(), c.PostForm("name")); err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/tokens")
}

func staffPage(s *Server, c *gin.Context, a actor) { s.renderStaff(c, http.StatusOK, a, "", "", "") }

func (s *Server) renderStaff(c *gin.Context, status int, a actor, newName, newPassword, msg string) {
	list, err := s.console.StaffList(c.Request.Context())
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	p := pageFor(a, "Staff", "staff")
	p.Error = msg
	p.Data = map[string]any{"Staff": list, "Roles": domain.StaffRoles, "NewName": newName, "NewPassword": newPassword}
	s.render(c, status, "staff", p)
}

// addStaff creates an account; with no password given, one is generated and
// returned (to be shown once).
func (s *Server) addStaff(ctx context.Context, a actor, addr, name string, role domain.Role, password string) (domain.Staff, string, error) {
	generated := ""
	if password == "" {
		password = GeneratePassword()
		generated = password
	}
	hash, err := HashPassword(password)
	if err != nil {
		return domain.Staff{}, "", err
	}
	st, err := s.console.AddStaff(ctx, name, role, hash, domain.AuditEntry{Actor: a.Name, Action: domain.AuditStaffAdd,
		Detail: "role " + string(role), Address: addr})
	return st, generated, err
}

func addStaffForm(s *Server, c *gin.Context, a actor) {
	st, generated, err := s.addStaff(c.Request.Context(), a, c.ClientIP(), c.PostForm("name"),
		domain.Role(c.PostForm("role")), c.PostForm("password"))
	if err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			s.consoleFail(c, false, err)
			return
		}
		s.renderStaff(c, statusOf(err), a, "", "", domain.ErrorMessage(err))
		return
	}
	s.renderStaff(c, http.StatusCreated, a, st.Name, generated, "")
}

func changeStaffForm(s *Server, c *gin.Context, a actor) {
	name := c.PostForm("name")
	role := domain.Role(c.PostForm("role"))
	disabled := c.PostForm("disabled") == "on"
	if strings.EqualFold(strings.TrimSpace(name), a.Name) && (role != domain.RoleAdmin || disabled) {
		s.renderStaff(c, http.StatusConflict, a, "", "", "You cannot take away your own administrator rights.")
		return
	}
	detail := "role " + string(role)
	if disabled {
		detail += ", disabled"
	}
	err := s.console.ChangeStaff(c.Request.Context(), name, role, disabled,
		domain.AuditEntry{Actor: a.Name, Action: domain.AuditStaffChange, Detail: detail, Address: c.ClientIP()})
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/staff")
}

// auditPageSize is how many audit entries one page shows.
const auditPageSize = 100

func auditPage(s *Server, c *gin.Context, a actor) {
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	entries, err := s.console.AuditLog(c.Request.Context(), before, auditPageSize)
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	var next int64
	if len(entries) == auditPageSize {
		next = entries[len(entries)-1].ID
	}
	p := pageFor(a, "Audit log", "audit")
	p.Data = map[string]any{"Entries": entries, "Next": next}
	s.render(c, http.StatusOK, "audit", p)
}
