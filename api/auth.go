package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// Tokens authenticates the bearer tokens of machine clients (an airline's
// operations systems) and, later, of the staff console.
type Tokens interface {
	// Authenticate returns the token's record. An unknown or revoked token is an
	// error with code domain.Forbidden.
	Authenticate(ctx context.Context, token string) (domain.APIToken, error)
}

// maxTokenLen bounds what is handed to the token store: real tokens are far
// shorter, and a megabyte header should not be hashed.
const maxTokenLen = 512

// tokenKey is where requireRole leaves the authenticated token in the gin context.
const tokenKey = "skybridge.api_token"

// requireRole lets a request through only with a valid bearer token of one of the
// roles: 401 (with WWW-Authenticate: Bearer) when the token is missing, unknown or
// revoked, 403 when its role may not do this. The token itself is never logged.
func (s *Server) requireRole(roles ...domain.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		raw, ok := bearerToken(c.GetHeader("Authorization"))
		if !ok {
			unauthorized(c, "", "a bearer token is required")
			return
		}
		if s.tokens == nil {
			unauthorized(c, "invalid_token", "invalid or revoked token")
			return
		}
		tok, err := s.tokens.Authenticate(c.Request.Context(), raw)
		if err != nil {
			switch domain.ErrorCode(err) {
			case domain.Forbidden, domain.NotFound, domain.Invalid:
				unauthorized(c, "invalid_token", "invalid or revoked token")
			default:
				// The store failed: not the client's fault. Whatever the error
				// says, the token does not reach the log.
				s.fail(c, redacted{err: err, secret: raw})
			}
			return
		}
		if !tok.RevokedAt.IsZero() {
			unauthorized(c, "invalid_token", "invalid or revoked token")
			return
		}
		if !slices.Contains(roles, tok.Role) {
			c.Header("WWW-Authenticate", `Bearer realm="skybridge", error="insufficient_scope"`)
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "this token's role may not do this"})
			return
		}
		c.Set(tokenKey, tok)
		c.Next()
	}
}

// apiToken returns the token requireRole authenticated.
func apiToken(c *gin.Context) (domain.APIToken, bool) {
	v, ok := c.Get(tokenKey)
	if !ok {
		return domain.APIToken{}, false
	}
	t, ok := v.(domain.APIToken)
	return t, ok
}

// bearerToken reads "Bearer <token>" (the scheme is case-insensitive, RFC 7235).
func bearerToken(header string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || len(tok) > maxTokenLen || strings.ContainsAny(tok, " \t\r\n") {
		return "", false
	}
	return tok, true
}

// unauthorized answers 401 with the challenge of RFC 6750; code is its error
// attribute ("" when no credentials were given).
func unauthorized(c *gin.Context, code, msg string) {
	challenge := `Bearer realm="skybridge"`
	if code != "" {
		challenge += `, error="` + code + `"`
	}
	c.Header("WWW-Authenticate", challenge)
	c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": msg})
}

// redacted is an error whose text has a secret cut out, so that it can be logged.
// Codes and messages of the chain still reach errors.As through Unwrap.
type redacted struct {
	err    error
	secret string
}

func (r redacted) Error() string {
	return strings.ReplaceAll(r.err.Error(), r.secret, "[redacted]")
}

func (r redacted) Unwrap() error { return r.err }

// errNoToken fails a handler that was routed without requireRole by mistake: it
// must not act for nobody in particular.
var errNoToken = errors.New("no authenticated token in the request")
