package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Rows mirror the tables of migrations/*/00001_core.sql. Sealed columns hold the
// output of domain.Sealer.Seal; the converters seal and open them.

type conversationRow struct {
	ID             int64
	Channel        string
	UserID         string
	Lang           string
	LangExplicit   bool
	Flow           string
	State          string
	Data           string // sealed JSON
	ContentVersion int
	Version        int64
	AltUserID      string
	ProfileName    string // sealed
	LastInboundAt  *time.Time
	IdleSince      *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// UserID and AltUserID hold blind indexes of the identifiers (clear in rows
	// written before 00007); these hold them sealed.
	UserSealed    string
	AltUserSealed string
}

func (conversationRow) TableName() string { return "conversations" }

type inboundRow struct {
	ID               int64
	ConversationID   int64
	Channel          string
	ChannelMessageID string
	Text             string // sealed
	Payload          string // sealed
	Unsupported      string
	ReceivedAt       time.Time
	ProcessedAt      *time.Time
	RequestID        string
}

func (inboundRow) TableName() string { return "inbound_messages" }

type outboundRow struct {
	ID               int64
	ConversationID   int64
	Seq              int
	Kind             string
	Body             string // sealed JSON of outboundBody
	Status           string
	ChannelMessageID string
	Error            string
	ErrorCode        int
	Purpose          string
	Attempts         int
	TemplateOnly     bool
	PartsSent        int
	PartsTotal       int
	// DedupeKey is "" for replies; a proactive message carries a key unique in its
	// conversation, so that a retried fan-out queues it once.
	DedupeKey string
	CreatedAt time.Time
	UpdatedAt time.Time
	// RetriedAt and DismissedAt record what a person did with it after it did
	// not go out (console_dead_letters.go).
	RetriedAt   *time.Time
	DismissedAt *time.Time
	// DismissReason is the sealed reason given with DismissedAt.
	DismissReason string
}

func (outboundRow) TableName() string { return "outbound_messages" }

// outboundBody is the JSON inside outbound_messages.body.
type outboundBody struct {
	Text       string            `json:"text,omitempty"`
	Choices    []choiceBody      `json:"choices,omitempty"`
	Attachment *attachmentBody   `json:"attachment,omitempty"`
	Params     map[string]string `json:"params,omitempty"`
	HumanAgent bool              `json:"human_agent,omitempty"`
}

type choiceBody struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type attachmentBody struct {
	URL      string `json:"url"`
	Filename string `json:"filename,omitempty"`
	MIME     string `json:"mime,omitempty"`
	Caption  string `json:"caption,omitempty"`
}

type transitionRow struct {
	ID             int64
	ConversationID int64
	Flow           string
	FromState      string
	ToState        string
	Event          string
	ContentVersion int
	Lang           string
	At             time.Time
}

func (transitionRow) TableName() string { return "transitions" }

type contentRow struct {
	Version   int `gorm:"primaryKey;autoIncrement:false"`
	Body      string
	Author    string
	Comment   string
	CreatedAt time.Time
}

func (contentRow) TableName() string { return "content_versions" }

type passRow struct {
	Token       string `gorm:"primaryKey"`
	Locator     string
	PassengerID int64
	SegmentID   int64
	Body        string // sealed JSON of passBody
	Valid       bool
	IssuedAt    time.Time
}

func (passRow) TableName() string { return "boarding_passes" }

type lookupFailureRow struct {
	ID  int64
	Key string
	At  time.Time
}

func (lookupFailureRow) TableName() string { return "lookup_failures" }

func (s *Store) fromDomainConversation(c domain.Conversation) conversationRow {
	return conversationRow{
		ID:             c.ID,
		Channel:        string(c.Channel),
		UserID:         c.UserID,
		Lang:           string(c.Lang),
		LangExplicit:   c.LangExplicit,
		Flow:           c.Flow,
		State:          c.State,
		Data:           s.sealer.Seal(string(c.Data)),
		ContentVersion: c.ContentVersion,
		Version:        c.Version,
		CreatedAt:      c.CreatedAt.UTC(),
		UpdatedAt:      c.UpdatedAt.UTC(),
	}
}

func (s *Store) toDomainConversation(r conversationRow) (domain.Conversation, error) {
	data, err := s.sealer.Open(r.Data)
	if err != nil {
		return domain.Conversation{}, fmt.Errorf("conversation %d data: %w", r.ID, err)
	}
	user, alt, err := s.openUser(r)
	if err != nil {
		return domain.Conversation{}, err
	}
	c := domain.Conversation{
		ID:             r.ID,
		Channel:        domain.Channel(r.Channel),
		UserID:         user,
		Lang:           domain.Lang(r.Lang),
		LangExplicit:   r.LangExplicit,
		Flow:           r.Flow,
		State:          r.State,
		ContentVersion: r.ContentVersion,
		Version:        r.Version,
		CreatedAt:      r.CreatedAt.UTC(),
		UpdatedAt:      r.UpdatedAt.UTC(),
	}
	if r.LastInboundAt != nil {
		c.LastInboundAt = r.LastInboundAt.UTC()
	}
	if r.IdleSince != nil {
		c.IdleSince = r.IdleSince.UTC()
	}
	c.AltUserID = alt
	if data != "" {
		c.Data = json.RawMessage(data)
	}
	return c, nil
}

func (s *Store) fromDomainInbound(in domain.Inbound) inboundRow {
	return inboundRow{
		ID:               in.ID,
		ConversationID:   in.ConversationID,
		Channel:          string(in.Channel),
		ChannelMessageID: in.ChannelMessageID,
		Text:             s.sealer.Seal(in.Text),
		Payload:          s.sealer.Seal(in.Payload),
		Unsupported:      in.Unsupported,
		ReceivedAt:       in.ReceivedAt.UTC(),
		RequestID:        in.RequestID,
	}
}

func (s *Store) toDomainInbound(r inboundRow) (domain.Inbound, error) {
	text, err := s.sealer.Open(r.Text)
	if err != nil {
		return domain.Inbound{}, fmt.Errorf("inbound %d text: %w", r.ID, err)
	}
	payload, err := s.sealer.Open(r.Payload)
	if err != nil {
		return domain.Inbound{}, fmt.Errorf("inbound %d payload: %w", r.ID, err)
	}
	return domain.Inbound{
		ID:               r.ID,
		ConversationID:   r.ConversationID,
		Channel:          domain.Channel(r.Channel),
		ChannelMessageID: r.ChannelMessageID,
		RequestID:        r.RequestID,
		Text:             text,
		Payload:          payload,
		Unsupported:      r.Unsupported,
		ReceivedAt:       r.ReceivedAt.UTC(),
	}, nil
}

// fromDomainOutbound builds the row of a new outbound message; the caller assigns
// Seq and the store sets the status to queued.
func (s *Store) fromDomainOutbound(o domain.Outbound) (outboundRow, error) {
	b := outboundBody{Text: o.Text, Params: o.Params, HumanAgent: o.HumanAgent}
	for _, c := range o.Choices {
		b.Choices = append(b.Choices, choiceBody(c))
	}
	if a := o.Attachment; a != nil {
		b.Attachment = &attachmentBody{URL: a.URL, Filename: a.Filename, MIME: a.MIME, Caption: a.Caption}
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return outboundRow{}, fmt.Errorf("encode outbound: %w", err)
	}
	status := o.Status
	if status == "" {
		status = domain.StatusQueued
	}
	return outboundRow{
		ConversationID: o.ConversationID,
		Seq:            o.Seq,
		Kind:           string(o.Kind),
		Body:           s.sealer.Seal(string(raw)),
		Status:         string(status),
		Purpose:        o.Purpose,
		CreatedAt:      o.CreatedAt.UTC(),
		UpdatedAt:      o.CreatedAt.UTC(),
	}, nil
}

func (s *Store) toDomainOutbound(r outboundRow) (domain.Outbound, error) {
	raw, err := s.sealer.Open(r.Body)
	if err != nil {
		return domain.Outbound{}, fmt.Errorf("outbound %d body: %w", r.ID, err)
	}
	var b outboundBody
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		return domain.Outbound{}, fmt.Errorf("outbound %d body: %w", r.ID, err)
	}
	o := domain.Outbound{
		ID:               r.ID,
		ConversationID:   r.ConversationID,
		Seq:              r.Seq,
		Kind:             domain.OutboundKind(r.Kind),
		Text:             b.Text,
		Status:           domain.DeliveryStatus(r.Status),
		Purpose:          r.Purpose,
		TemplateOnly:     r.TemplateOnly,
		PartsSent:        r.PartsSent,
		PartsTotal:       r.PartsTotal,
		Params:           b.Params,
		HumanAgent:       b.HumanAgent,
		ChannelMessageID: r.ChannelMessageID,
		Error:            r.Error,
		CreatedAt:        r.CreatedAt.UTC(),
	}
	for _, c := range b.Choices {
		o.Choices = append(o.Choices, domain.Choice(c))
	}
	if a := b.Attachment; a != nil {
		o.Attachment = &domain.Attachment{URL: a.URL, Filename: a.Filename, MIME: a.MIME, Caption: a.Caption}
	}
	return o, nil
}

func fromDomainTransition(conversationID int64, t domain.Transition) transitionRow {
	return transitionRow{
		ConversationID: conversationID,
		Flow:           t.Flow,
		FromState:      t.From,
		ToState:        t.To,
		Event:          t.Event,
		ContentVersion: t.ContentVersion,
		Lang:           string(t.Lang),
		At:             t.At.UTC(),
	}
}

func toDomainContent(r contentRow) domain.ContentVersion {
	return domain.ContentVersion{
		Version:   r.Version,
		Body:      []byte(r.Body),
		Author:    r.Author,
		Comment:   r.Comment,
		CreatedAt: r.CreatedAt.UTC(),
	}
}
