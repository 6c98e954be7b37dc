package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// Privacy answers a traveller's subject access and erasure requests, made on
// their behalf by staff. actor names who asked; it is recorded with the request.
type Privacy interface {
	// ExportSubject returns everything held about the subject, ready to be
	// encoded as one JSON document.
	ExportSubject(ctx context.Context, subj domain.DataSubject, actor string) (any, error)
	// EraseSubject deletes it and returns the rows erased per table.
	EraseSubject(ctx context.Context, subj domain.DataSubject, actor string) (map[string]int64, error)
	// FindSubject says what is held about the subject without disclosing it:
	// the console's step before an export or an erasure.
	FindSubject(ctx context.Context, subj domain.DataSubject) (domain.SubjectSummary, error)
}

// maxPrivacyBody bounds a privacy request: it names one traveller.
const maxPrivacyBody = 4 << 10

// privacyJSON names the traveller of a request: kind is whatsapp, messenger,
// webchat or booking; surname goes with a booking reference.
type privacyJSON struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Surname string `json:"surname"`
}

// routePrivacy serves POST /api/v1/privacy/export and /erase to admin tokens:
// erasure cannot be undone and an export discloses everything, so no narrower
// role may do either.
func (s *Server) routePrivacy(r *gin.Engine, c Config) {
	// The console's privacy pages (console_privacy.go) use it too.
	s.privacy = c.Privacy
	if c.Privacy == nil || c.Tokens == nil {
		return
	}
	p := c.Privacy
	v1 := r.Group("/api/v1/privacy", s.requireRole(domain.RoleAdmin))
	v1.POST("/export", func(g *gin.Context) {
		subj, actor, ok := s.privacyRequest(g)
		if !ok {
			return
		}
		exp, err := p.ExportSubject(g.Request.Context(), subj, actor)
		if err != nil {
			s.fail(g, err)
			return
		}
		// Personal data: never cached on the way.
		g.Header("Cache-Control", "no-store")
		g.JSON(http.StatusOK, exp)
	})
	v1.POST("/erase", func(g *gin.Context) {
		subj, actor, ok := s.privacyRequest(g)
		if !ok {
			return
		}
		rep, err := p.EraseSubject(g.Request.Context(), subj, actor)
		if err != nil {
			s.fail(g, err)
			return
		}
		var total int64
		for _, n := range rep {
			total += n
		}
		g.JSON(http.StatusOK, gin.H{"erased": total, "rows": rep})
	})
}

// privacyRequest reads and checks the subject of a request and names the token
// that made it; on a problem it has answered already.
func (s *Server) privacyRequest(g *gin.Context) (domain.DataSubject, string, bool) {
	tok, ok := apiToken(g)
	if !ok {
		s.fail(g, errNoToken)
		return domain.DataSubject{}, "", false
	}
	body, err := io.ReadAll(http.MaxBytesReader(g.Writer, g.Request.Body, maxPrivacyBody))
	if err != nil {
		badRequest(g, "request body too large")
		return domain.DataSubject{}, "", false
	}
	var req privacyJSON
	if err := json.Unmarshal(body, &req); err != nil {
		badRequest(g, `want {"kind": "whatsapp|messenger|webchat|booking", "id": "...", "surname": "..."}`)
		return domain.DataSubject{}, "", false
	}
	subj, err := domain.ParseDataSubject(req.Kind, req.ID, req.Surname)
	if err != nil {
		s.fail(g, err)
		return domain.DataSubject{}, "", false
	}
	return subj, "token:" + tok.Name, true
}
