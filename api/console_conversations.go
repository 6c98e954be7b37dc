package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
)

// ConversationConsole is what the console's conversation pages, inbox,
// takeover and hand-back, agent replies and results dashboard need from
// persistence. The console store provides it when it can (s.console is asked
// for it); without it those pages answer 404.
type ConversationConsole interface {
	FindConversations(ctx context.Context, q domain.ConversationQuery) ([]domain.ConversationSummary, error)
	ConversationSummary(ctx context.Context, id int64) (domain.ConversationSummary, error)
	Conversation(ctx context.Context, id int64) (domain.Conversation, error)
	Transcript(ctx context.Context, conversationID int64, limit int) ([]domain.TranscriptEntry, error)
	Inbox(ctx context.Context, since time.Time, limit int) ([]domain.InboxItem, error)
	// StaffAction stores "staff:takeover" or "staff:handback[:<state>]" for the
	// conversation's turn processing, with its audit entry.
	StaffAction(ctx context.Context, conversationID int64, payload string, audit domain.AuditEntry) error
	// AgentReply queues a person's reply with its delivery and audit entry.
	AgentReply(ctx context.Context, conversationID int64, staff, text string, audit domain.AuditEntry) (domain.Outbound, error)
	// RetryMessage queues an undelivered message of the conversation again,
	// once, under the channel's usual policy; DismissMessage sets it aside with
	// a reason. Both commit with their audit entry.
	RetryMessage(ctx context.Context, conversationID int64, seq int, audit domain.AuditEntry) error
	DismissMessage(ctx context.Context, conversationID int64, seq int, reason string, audit domain.AuditEntry) error
	Results(ctx context.Context, q domain.ResultsQuery) (domain.Results, error)
}

// agents may take conversations over, answer travellers and hand back; they and
// admins see travellers' personal data (document numbers only ever by their
// last three characters).
var agents = []domain.Role{domain.RoleAdmin, domain.RoleAgent}

// transcriptSize is how many messages a conversation page shows.
const transcriptSize = 200

// conversations returns the store's conversation side, or answers 404.
func (s *Server) conversations(c *gin.Context, api bool) (ConversationConsole, bool) {
	cc, ok := s.console.(ConversationConsole)
	if !ok {
		s.consoleRefuse(c, api, http.StatusNotFound, "Conversations are not available.")
		return nil, false
	}
	return cc, true
}

// conversationID reads the :conversation parameter, or answers 404.
func (s *Server) conversationID(c *gin.Context, api bool) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("conversation"), 10, 64)
	if err != nil || id <= 0 {
		s.consoleRefuse(c, api, http.StatusNotFound, "There is no such conversation.")
		return 0, false
	}
	return id, true
}

// conversationTarget is the console store and the conversation a request names,
// or a refusal already answered.
func (s *Server) conversationTarget(c *gin.Context, api bool) (ConversationConsole, int64, bool) {
	cc, ok := s.conversations(c, api)
	if !ok {
		return nil, 0, false
	}
	id, ok := s.conversationID(c, api)
	return cc, id, ok
}

// parkedFlow reads the flow a handoff parked from a conversation's slots; the
// flow whose steps a hand-back may resume at is that one, or the current flow.
func parkedFlow(conv domain.Conversation) (*flows.ParkedFlow, string) {
	var slots struct {
		Parked *flows.ParkedFlow `json:"parked"`
	}
	if len(conv.Data) > 0 && json.Unmarshal(conv.Data, &slots) == nil && slots.Parked != nil {
		return slots.Parked, slots.Parked.Flow
	}
	return nil, conv.Flow
}

// conversationView is one conversation as the console shows it.
type conversationView struct {
	Summary domain.ConversationSummary
	Slots   string // indented JSON, masked for the role
	Parked  *flows.ParkedFlow
	// Steps are the states of the parked flow (or of the current one) that read
	// an answer, where a hand-back may resume.
	Steps      []string
	Transcript []transcriptLine
	// Undelivered are the messages that did not go out and that an agent may
	// send again or set aside.
	Undelivered []transcriptLine
	WithPerson  bool
	CanAct      bool
	Private     bool // personal data is shown (admin, agent)
	// CanRetry is false on web chat: the traveller's browser reads its own
	// queue, so there is nothing to send again (the store refuses it too).
	CanRetry bool
}

// transcriptLine is a transcript entry with its text as the role may see it.
type transcriptLine struct {
	domain.TranscriptEntry
	Shown string
}

func (s *Server) loadConversation(ctx context.Context, cc ConversationConsole, a actor, id int64) (conversationView, error) {
	sum, err := cc.ConversationSummary(ctx, id)
	if err != nil {
		return conversationView{}, err
	}
	conv, err := cc.Conversation(ctx, id)
	if err != nil {
		return conversationView{}, err
	}
	entries, err := cc.Transcript(ctx, id, transcriptSize)
	if err != nil {
		return conversationView{}, err
	}
	private := a.can(agents)
	sum = maskSummaries([]domain.ConversationSummary{sum}, private)[0]
	v := conversationView{Summary: sum, Slots: maskSlots(conv.Data, private), WithPerson: conv.Flow == "handoff",
		CanAct: private, Private: private, CanRetry: sum.Channel != domain.WebChat}
	var flow string
	v.Parked, flow = parkedFlow(conv)
	v.Steps = answerSteps(flow)
	for _, e := range entries {
		if !private {
			// Choice titles name passengers and flights.
			choices := make([]domain.Choice, len(e.Choices))
			for i, ch := range e.Choices {
				choices[i] = domain.Choice{ID: ch.ID, Title: masked}
			}
			e.Choices = choices
		}
		// A dismissal's reason is typed by staff about the traveller: it is
		// shown as a message text is (document numbers by their last three
		// characters; nothing of it to roles that see no personal data).
		e.DismissReason = maskText(e.DismissReason, private)
		line := transcriptLine{TranscriptEntry: e, Shown: maskText(e.Text, private)}
		v.Transcript = append(v.Transcript, line)
		if e.Undelivered {
			v.Undelivered = append(v.Undelivered, line)
		}
	}
	return v, nil
}

// answerSteps lists the states of a flow that read the traveller's answer (a
// hand-back may resume there), sorted.
func answerSteps(flow string) []string {
	for _, f := range flows.Flows() {
		if f.Name != flow || flow == "handoff" {
			continue
		}
		var out []string
		for st, def := range f.States {
			if def.Handle != nil && def.Effect == nil {
				out = append(out, string(st))
			}
		}
		slices.Sort(out)
		return out
	}
	return nil
}

// conversationPage shows a conversation: its flow, state, slots, content
// version and transcript, and to agents the takeover, reply and hand-back forms.
func conversationPage(s *Server, c *gin.Context, a actor) {
	cc, id, ok := s.conversationTarget(c, false)
	if !ok {
		return
	}
	v, err := s.loadConversation(c.Request.Context(), cc, a, id)
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	p := pageFor(a, "Conversation "+strconv.FormatInt(id, 10), "conversations")
	p.Notice = map[string]string{
		"takeover": "You have taken this conversation over: the assistant stays silent until you hand it back.",
		"reply":    "Your reply is on its way.",
		"handback": "The assistant has the conversation again.",
		"retry":    "The message is queued again: it goes out under the channel's usual rules (inside the 24-hour window as it is, otherwise as an approved template).",
		"dismiss":  "The message is set aside; your reason is kept with it, encrypted, and the audit log records the dismissal.",
	}[c.Query("done")]
	p.Data = v
	s.render(c, http.StatusOK, "conversation", p)
}

// transcriptPartial renders the transcript alone, for the page's polling.
func transcriptPartial(s *Server, c *gin.Context, a actor) {
	cc, id, ok := s.conversationTarget(c, false)
	if !ok {
		return
	}
	v, err := s.loadConversation(c.Request.Context(), cc, a, id)
	if err != nil {
		s.consoleFail(c, false, err)
		return
	}
	s.renderTemplate(c, http.StatusOK, "conversation", "transcript", v)
}

// takeOver, reply and handBack are what the forms and the API share.
func (s *Server) takeOver(ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64) error {
	e := a.auditEntry(c, domain.AuditTakeover, "")
	e.Subject = domain.ConversationSubject(id)
	return cc.StaffAction(ctx, id, "staff:takeover", e)
}

func (s *Server) reply(ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, text string) (domain.Outbound, error) {
	e := a.auditEntry(c, domain.AuditAgentReply, strconv.Itoa(len([]rune(strings.TrimSpace(text))))+" characters")
	e.Subject = domain.ConversationSubject(id)
	return cc.AgentReply(ctx, id, a.Name, text, e)
}

func (s *Server) handBack(ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, state string) error {
	payload, detail := "staff:handback", "at the step it was in"
	if state != "" {
		conv, err := cc.Conversation(ctx, id)
		if err != nil {
			return err
		}
		_, flow := parkedFlow(conv)
		if !slices.Contains(answerSteps(flow), state) {
			return domain.Errorf(domain.Invalid, "hand back", "%q is not a step of %s that reads an answer", state, flow)
		}
		payload, detail = payload+":"+state, "at "+state
	}
	e := a.auditEntry(c, domain.AuditHandBack, detail)
	e.Subject = domain.ConversationSubject(id)
	return cc.StaffAction(ctx, id, payload, e)
}

// staffForm runs one of the conversation forms and goes back to the page.
func staffForm(do func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64) error, done string) func(*Server, *gin.Context, actor) {
	return func(s *Server, c *gin.Context, a actor) {
		cc, id, ok := s.conversationTarget(c, false)
		if !ok {
			return
		}
		if err := do(s, c.Request.Context(), cc, c, a, id); err != nil {
			s.consoleFail(c, false, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/console/conversations/"+strconv.FormatInt(id, 10)+"?done="+done)
	}
}

var (
	takeoverForm = staffForm(func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64) error {
		return s.takeOver(ctx, cc, c, a, id)
	}, "takeover")
	replyForm = staffForm(func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64) error {
		_, err := s.reply(ctx, cc, c, a, id, c.PostForm("text"))
		return err
	}, "reply")
	handbackForm = staffForm(func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64) error {
		return s.handBack(ctx, cc, c, a, id, c.PostForm("state"))
	}, "handback")
)

// JSON API.

type summaryJSON struct {
	ID             int64                  `json:"id"`
	Channel        domain.Channel         `json:"channel"`
	Flow           string                 `json:"flow"`
	State          string                 `json:"state"`
	Lang           domain.Lang            `json:"lang"`
	ContentVersion int                    `json:"content_version"`
	Bookings       []domain.RecordLocator `json:"bookings"`
	LastInboundAt  *time.Time             `json:"last_inbound_at,omitempty"`
	UpdatedAt      time.Time              `json:"updated_at"`
}

func toSummaryJSON(c domain.ConversationSummary) summaryJSON {
	out := summaryJSON{ID: c.ID, Channel: c.Channel, Flow: c.Flow, State: c.State, Lang: c.Lang, ContentVersion: c.ContentVersion,
		Bookings: c.Locators, UpdatedAt: c.UpdatedAt}
	if out.Bookings == nil {
		out.Bookings = []domain.RecordLocator{}
	}
	if !c.LastInboundAt.IsZero() {
		t := c.LastInboundAt
		out.LastInboundAt = &t
	}
	return out
}

func apiConversation(s *Server, c *gin.Context, a actor) {
	cc, id, ok := s.conversationTarget(c, true)
	if !ok {
		return
	}
	v, err := s.loadConversation(c.Request.Context(), cc, a, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	type entryJSON struct {
		At         time.Time             `json:"at"`
		Direction  string                `json:"direction"`
		System     bool                  `json:"system,omitempty"`
		Text       string                `json:"text"`
		Payload    string                `json:"payload,omitempty"`
		Choices    []string              `json:"choices,omitempty"`
		Purpose    string                `json:"purpose,omitempty"`
		HumanAgent bool                  `json:"human_agent,omitempty"`
		Seq        int                   `json:"seq,omitempty"`
		Status     domain.DeliveryStatus `json:"status,omitempty"`
		ErrorCode  int                   `json:"error_code,omitempty"`
		Error      string                `json:"error,omitempty"`
		// Undelivered: it may be retried (unless Retried) or dismissed.
		Undelivered bool `json:"undelivered,omitempty"`
		Retried     bool `json:"retried,omitempty"`
		Dismissed   bool `json:"dismissed,omitempty"`
		// DismissReason is why staff set it aside, masked as texts are.
		DismissReason string `json:"dismiss_reason,omitempty"`
	}
	entries := make([]entryJSON, 0, len(v.Transcript))
	for _, e := range v.Transcript {
		j := entryJSON{At: e.At, Direction: "out", Text: e.Shown, Purpose: e.Purpose, HumanAgent: e.HumanAgent, Seq: e.Seq,
			Status: e.Status, ErrorCode: e.ErrorCode, Error: e.Error, Undelivered: e.Undelivered, Retried: e.Retried, Dismissed: e.Dismissed,
			DismissReason: e.DismissReason}
		if e.Inbound {
			j.Direction, j.System, j.Payload = "in", e.System, e.Payload
		}
		for _, ch := range e.Choices {
			j.Choices = append(j.Choices, ch.Title)
		}
		entries = append(entries, j)
	}
	var slots json.RawMessage = []byte(v.Slots)
	if !json.Valid(slots) {
		slots = json.RawMessage("{}")
	}
	h := gin.H{"conversation": toSummaryJSON(v.Summary), "slots": slots, "with_person": v.WithPerson,
		"handback_steps": v.Steps, "transcript": entries}
	if v.Parked != nil {
		h["parked"] = gin.H{"flow": v.Parked.Flow, "state": v.Parked.State}
	}
	c.JSON(http.StatusOK, h)
}

// staffAPI runs an action for the API: the conversation id, a JSON body read
// into body when there is one.
func staffAPI(body func() any, do func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, body any) (int, any, error)) func(*Server, *gin.Context, actor) {
	return func(s *Server, c *gin.Context, a actor) {
		cc, id, ok := s.conversationTarget(c, true)
		if !ok {
			return
		}
		b := body()
		if c.Request.ContentLength != 0 && !bindJSON(c, b) {
			return
		}
		st, out, err := do(s, c.Request.Context(), cc, c, a, id, b)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.JSON(st, out)
	}
}

type replyBody struct {
	Text string `json:"text"`
}

type handbackBody struct {
	State string `json:"state"`
}

var (
	apiTakeover = staffAPI(func() any { return &struct{}{} },
		func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, _ any) (int, any, error) {
			return http.StatusAccepted, gin.H{"status": "queued"}, s.takeOver(ctx, cc, c, a, id)
		})
	apiReply = staffAPI(func() any { return &replyBody{} },
		func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, b any) (int, any, error) {
			m, err := s.reply(ctx, cc, c, a, id, b.(*replyBody).Text)
			return http.StatusCreated, gin.H{"seq": m.Seq, "status": m.Status, "purpose": m.Purpose}, err
		})
	apiHandback = staffAPI(func() any { return &handbackBody{} },
		func(s *Server, ctx context.Context, cc ConversationConsole, c *gin.Context, a actor, id int64, b any) (int, any, error) {
			return http.StatusAccepted, gin.H{"status": "queued"}, s.handBack(ctx, cc, c, a, id, b.(*handbackBody).State)
		})
)

// personalQuery reports whether a search names a person (number, Messenger id,
// name): only roles that help travellers may ask who is a customer.
func personalQuery(q domain.ConversationQuery) bool {
	return q.Phone != "" || q.PSID != "" || strings.TrimSpace(q.Name) != ""
}

// maskSummaries hides booking references from roles that see no personal data.
func maskSummaries(found []domain.ConversationSummary, private bool) []domain.ConversationSummary {
	if private {
		return found
	}
	for i := range found {
		locs := make([]domain.RecordLocator, len(found[i].Locators))
		for j := range locs {
			locs[j] = masked
		}
		found[i].Locators = locs
	}
	return found
}
