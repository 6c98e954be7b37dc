package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
)

// What agents do with a message that did not go out (the inbox lists them):
// send it again, once — it then goes through the channel's usual policy, the
// 24-hour window or an approved template — or set it aside with a reason. The
// forms sit on the conversation page, outside its self-refreshing transcript, so
// that a reason being typed is not wiped by a refresh.

// messageTarget reads the conversation and the :seq of one of its messages, or
// answers 404.
func (s *Server) messageTarget(c *gin.Context, api bool) (ConversationConsole, int64, int, bool) {
	cc, id, ok := s.conversationTarget(c, api)
	if !ok {
		return nil, 0, 0, false
	}
	seq, err := strconv.Atoi(c.Param("seq"))
	if err != nil || seq <= 0 {
		s.consoleRefuse(c, api, http.StatusNotFound, "There is no such message.")
		return nil, 0, 0, false
	}
	return cc, id, seq, true
}

func (s *Server) retryMessage(ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, seq int) error {
	return cc.RetryMessage(ctx, id, seq, a.auditEntry(c, domain.AuditRetryMessage, ""))
}

func (s *Server) dismissMessage(ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, seq int, reason string) error {
	return cc.DismissMessage(ctx, id, seq, reason, a.auditEntry(c, domain.AuditDismissMessage, ""))
}

// messageForm runs one of the undelivered-message forms and goes back to the
// conversation.
func messageForm(do func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, seq int) error, done string) func(*Server, *gin.Context, actor) {
	return func(s *Server, c *gin.Context, a actor) {
		cc, id, seq, ok := s.messageTarget(c, false)
		if !ok {
			return
		}
		if err := do(s, c.Request.Context(), cc, c, a, id, seq); err != nil {
			s.consoleFail(c, false, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/console/conversations/"+strconv.FormatInt(id, 10)+"?done="+done)
	}
}

var (
	retryMessageForm = messageForm(func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, seq int) error {
		return s.retryMessage(ctx, cc, c, a, id, seq)
	}, "retry")
	dismissMessageForm = messageForm(func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, seq int) error {
		return s.dismissMessage(ctx, cc, c, a, id, seq, c.PostForm("reason"))
	}, "dismiss")
)

type dismissBody struct {
	Reason string `json:"reason"`
}

// apiRetryMessage answers 202: the message is queued, its delivery follows.
func apiRetryMessage(s *Server, c *gin.Context, a actor) {
	cc, id, seq, ok := s.messageTarget(c, true)
	if !ok {
		return
	}
	if err := s.retryMessage(c.Request.Context(), cc, c, a, id, seq); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"seq": seq, "status": domain.StatusQueued})
}

func apiDismissMessage(s *Server, c *gin.Context, a actor) {
	cc, id, seq, ok := s.messageTarget(c, true)
	if !ok {
		return
	}
	var b dismissBody
	if c.Request.ContentLength != 0 && !bindJSON(c, &b) {
		return
	}
	if err := s.dismissMessage(c.Request.Context(), cc, c, a, id, seq, b.Reason); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"seq": seq, "dismissed": true})
}
