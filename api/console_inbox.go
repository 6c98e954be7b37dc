package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// The staff inbox: conversations waiting for a person, turns that ended on an
// error, and messages that did not go out, newest first. The page asks for its
// list again every few seconds (htmx), so that new handoffs appear without a
// reload. An undelivered message links to its conversation, where agents send it
// again or set it aside (console_conversations_undelivered.go).

const (
	// inboxHorizon is how far back failures are listed; handoffs are listed
	// however long they have waited.
	inboxHorizon = 7 * 24 * time.Hour
	inboxSize    = 100
	// inboxPoll is how often the page refreshes its list.
	inboxPoll = "3s"
)

func (s *Server) inboxItems(c *gin.Context, api bool) ([]domain.InboxItem, bool) {
	cc, ok := s.conversations(c, api)
	if !ok {
		return nil, false
	}
	items, err := cc.Inbox(c.Request.Context(), s.now().Add(-inboxHorizon), inboxSize)
	if err != nil {
		s.consoleFail(c, api, err)
		return nil, false
	}
	return items, true
}

type inboxData struct {
	Items   []domain.InboxItem
	Poll    string
	Waiting int
	// CanAct: the reader may send undelivered messages again or set them aside.
	CanAct bool
}

func newInboxData(items []domain.InboxItem, a actor) inboxData {
	d := inboxData{Items: items, Poll: inboxPoll, CanAct: a.can(agents)}
	for _, it := range items {
		if it.Kind == domain.InboxHandoff && it.TakenBy == "" {
			d.Waiting++
		}
	}
	return d
}

// inboxPage shows the inbox; its list refreshes itself.
func inboxPage(s *Server, c *gin.Context, a actor) {
	items, ok := s.inboxItems(c, false)
	if !ok {
		return
	}
	p := pageFor(a, "Inbox", "inbox")
	p.Data = newInboxData(items, a)
	s.render(c, http.StatusOK, "inbox", p)
}

// inboxPartial is the inbox's list alone, for the page's polling.
func inboxPartial(s *Server, c *gin.Context, a actor) {
	items, ok := s.inboxItems(c, false)
	if !ok {
		return
	}
	s.renderTemplate(c, http.StatusOK, "inbox", "items", newInboxData(items, a))
}

func apiInbox(s *Server, c *gin.Context, _ actor) {
	items, ok := s.inboxItems(c, true)
	if !ok {
		return
	}
	type itemJSON struct {
		Kind           domain.InboxKind      `json:"kind"`
		ConversationID int64                 `json:"conversation_id"`
		Channel        domain.Channel        `json:"channel"`
		Flow           string                `json:"flow,omitempty"`
		State          string                `json:"state,omitempty"`
		At             time.Time             `json:"at"`
		Reason         string                `json:"reason,omitempty"`
		Code           int                   `json:"code,omitempty"`
		Status         domain.DeliveryStatus `json:"status,omitempty"`
		TakenBy        string                `json:"taken_by,omitempty"`
		// Seq names an undelivered message for its retry and dismiss routes.
		Seq     int  `json:"seq,omitempty"`
		Retried bool `json:"retried,omitempty"`
	}
	out := make([]itemJSON, len(items))
	for i, it := range items {
		out[i] = itemJSON{it.Kind, it.ConversationID, it.Channel, it.Flow, it.State, it.At, it.Reason, it.Code, it.Status, it.TakenBy,
			it.Seq, it.Retried}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}
