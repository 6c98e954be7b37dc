package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// Finding conversations. A search names a traveller (a phone number, a
// Messenger id, a name, a booking reference), so the console's form posts it
// and the result page links to conversations by id only: the query never
// reaches a URL, a browser's history, a Referer header or an access log. The
// JSON API takes a personal search in the body of POST
// /api/v1/console/conversations/search; its GET keeps the booking reference,
// which is on every boarding pass, and refuses the personal keys.

// searchKinds are what the console's form searches by, with their labels.
var searchKinds = []struct{ Value, Label string }{
	{"reference", "booking reference"},
	{"phone", "WhatsApp phone number"},
	{"messenger", "Messenger id"},
	{"name", "traveller's name"},
}

// searchView is what the conversations page shows.
type searchView struct {
	By, Q    string
	Kinds    []struct{ Value, Label string }
	Searched bool
	Found    []domain.ConversationSummary
}

// searchBody is the body of POST /api/v1/console/conversations/search.
type searchBody struct {
	Locator string `json:"locator"`
	Phone   string `json:"phone"`
	PSID    string `json:"psid"`
	Name    string `json:"name"`
}

func (b searchBody) query() domain.ConversationQuery {
	return domain.ConversationQuery{Locator: domain.RecordLocator(strings.TrimSpace(b.Locator)), Phone: strings.TrimSpace(b.Phone),
		PSID: strings.TrimSpace(b.PSID), Name: strings.TrimSpace(b.Name)}
}

// formQuery reads the console's search form: q with by=reference|phone|
// messenger|name.
func formQuery(by, text string) domain.ConversationQuery {
	var q domain.ConversationQuery
	switch by {
	case "phone":
		q.Phone = text
	case "messenger":
		q.PSID = text
	case "name":
		q.Name = text
	default:
		q.Locator = domain.RecordLocator(text)
	}
	return q
}

// emptyQuery reports whether a search names nothing to look for.
func emptyQuery(q domain.ConversationQuery) bool {
	return q.Locator == "" && q.Phone == "" && q.PSID == "" && strings.TrimSpace(q.Name) == ""
}

// findConversations runs a search as the actor may: a personal one is for
// agents and admins (whether a person is a customer is personal too), and
// booking references are masked for the other roles.
func (s *Server) findConversations(ctx context.Context, cc ConversationConsole, a actor, q domain.ConversationQuery) ([]domain.ConversationSummary, error) {
	if personalQuery(q) && !a.can(agents) {
		return nil, domain.Errorf(domain.Forbidden, "find conversations", "searching by phone number, Messenger id or name is for agents and admins")
	}
	found, err := cc.FindConversations(ctx, q)
	if err != nil {
		return nil, err
	}
	return maskSummaries(found, a.can(agents)), nil
}

// conversationsPage shows the search form. It reads nothing from the URL: a
// search is posted (conversationsSearch).
func conversationsPage(s *Server, c *gin.Context, a actor) {
	if _, ok := s.conversations(c, false); !ok {
		return
	}
	p := pageFor(a, "Conversations", "conversations")
	p.Data = searchView{By: "reference", Kinds: searchKinds}
	s.render(c, http.StatusOK, "conversations", p)
}

// conversationsSearch runs the posted search and shows the form again, with
// what was searched in the form only, and the conversations found.
func conversationsSearch(s *Server, c *gin.Context, a actor) {
	cc, ok := s.conversations(c, false)
	if !ok {
		return
	}
	p := pageFor(a, "Conversations", "conversations")
	v := searchView{By: c.PostForm("by"), Q: strings.TrimSpace(c.PostForm("q")), Kinds: searchKinds}
	if v.By == "" {
		v.By = "reference"
	}
	status := http.StatusOK
	if q := formQuery(v.By, v.Q); emptyQuery(q) {
		p.Error, status = "Type what to search for.", http.StatusBadRequest
	} else if found, err := s.findConversations(c.Request.Context(), cc, a, q); err != nil {
		if statusOf(err) == http.StatusInternalServerError {
			s.consoleFail(c, false, err)
			return
		}
		p.Error, status = domain.ErrorMessage(err), statusOf(err)
	} else {
		v.Searched, v.Found = true, found
	}
	p.Data = v
	s.render(c, status, "conversations", p)
}

// apiConversations finds conversations by booking reference (?locator=). The
// personal keys are refused here, so that no client puts them in a URL.
func apiConversations(s *Server, c *gin.Context, a actor) {
	cc, ok := s.conversations(c, true)
	if !ok {
		return
	}
	for _, k := range []string{"phone", "psid", "name", "q"} {
		if _, ok := c.GetQuery(k); ok {
			badRequest(c, "search by phone number, Messenger id or name with POST /api/v1/console/conversations/search and a JSON body: personal data stays out of URLs")
			return
		}
	}
	q := domain.ConversationQuery{Locator: domain.RecordLocator(strings.TrimSpace(c.Query("locator")))}
	if emptyQuery(q) {
		badRequest(c, "give locator, or search by phone number, Messenger id or name with POST /api/v1/console/conversations/search")
		return
	}
	s.answerConversations(c, cc, a, q)
}

// apiSearchConversations finds conversations by what the JSON body names.
func apiSearchConversations(s *Server, c *gin.Context, a actor) {
	cc, ok := s.conversations(c, true)
	if !ok {
		return
	}
	var b searchBody
	if !bindJSON(c, &b) {
		return
	}
	q := b.query()
	if emptyQuery(q) {
		badRequest(c, "give one of locator, phone, psid or name")
		return
	}
	s.answerConversations(c, cc, a, q)
}

func (s *Server) answerConversations(c *gin.Context, cc ConversationConsole, a actor, q domain.ConversationQuery) {
	found, err := s.findConversations(c.Request.Context(), cc, a, q)
	if statusOf(err) == http.StatusForbidden {
		c.JSON(http.StatusForbidden, gin.H{"error": gin.H{"code": "forbidden", "message": "searching by phone number, Messenger id or name is for agents and admins"}})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]summaryJSON, len(found))
	for i, f := range found {
		out[i] = toSummaryJSON(f)
	}
	c.JSON(http.StatusOK, gin.H{"conversations": out})
}
