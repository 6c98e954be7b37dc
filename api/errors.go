package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// statusOf maps a domain error code to an HTTP status.
func statusOf(err error) int {
	switch domain.ErrorCode(err) {
	case domain.NotFound:
		return http.StatusNotFound
	case domain.Invalid:
		return http.StatusBadRequest
	case domain.Conflict:
		return http.StatusConflict
	case domain.Forbidden:
		return http.StatusForbidden
	case domain.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// fail answers with a JSON error. Internal errors are logged, and the client gets a
// generic message.
func (s *Server) fail(c *gin.Context, err error) {
	st := statusOf(err)
	msg := domain.ErrorMessage(err)
	if st == http.StatusInternalServerError {
		s.log.ErrorContext(c.Request.Context(), "request failed", "path", c.FullPath(), "err", err)
		msg = "internal error"
	}
	c.AbortWithStatusJSON(st, gin.H{"error": msg})
}

func badRequest(c *gin.Context, msg string) {
	c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": msg})
}
