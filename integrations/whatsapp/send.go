package whatsapp

// Wire types of the Cloud API send request (POST /{version}/{phone-number-id}/messages).

type sendRequest struct {
	MessagingProduct string `json:"messaging_product"`
	RecipientType    string `json:"recipient_type"`
	To               string `json:"to,omitempty"`
	Recipient        string `json:"recipient,omitempty"` // BSUID, when no phone number is known
	// CallbackData is echoed in the message's status webhooks: our reference of
	// the message and the part (graphapi.Reference).
	CallbackData string           `json:"biz_opaque_callback_data,omitempty"`
	Type         string           `json:"type"`
	Text         *sendText        `json:"text,omitempty"`
	Interactive  *sendInteractive `json:"interactive,omitempty"`
	Image        *sendMedia       `json:"image,omitempty"`
	Document     *sendMedia       `json:"document,omitempty"`
	Template     *sendTemplate    `json:"template,omitempty"`
}

type sendText struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url"`
}

type sendInteractive struct {
	Type   string     `json:"type"` // button or list
	Body   sendBody   `json:"body"`
	Action sendAction `json:"action"`
}

type sendBody struct {
	Text string `json:"text"`
}

type sendAction struct {
	Buttons  []sendButton  `json:"buttons,omitempty"`
	Button   string        `json:"button,omitempty"` // the label that opens a list
	Sections []sendSection `json:"sections,omitempty"`
}

type sendButton struct {
	Type  string    `json:"type"`
	Reply sendReply `json:"reply"`
}

type sendReply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type sendSection struct {
	Title string    `json:"title,omitempty"`
	Rows  []sendRow `json:"rows"`
}

type sendRow struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

type sendMedia struct {
	Link     string `json:"link"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

type sendTemplate struct {
	Name       string          `json:"name"`
	Language   sendLanguage    `json:"language"`
	Components []sendComponent `json:"components,omitempty"`
}

type sendLanguage struct {
	Code string `json:"code"`
}

type sendComponent struct {
	Type       string          `json:"type"` // body or button
	SubType    string          `json:"sub_type,omitempty"`
	Index      string          `json:"index,omitempty"`
	Parameters []sendParameter `json:"parameters"`
}

type sendParameter struct {
	Type          string `json:"type"` // text or payload
	ParameterName string `json:"parameter_name,omitempty"`
	Text          string `json:"text,omitempty"`
	Payload       string `json:"payload,omitempty"`
}

// readReceipt marks an inbound message as read (blue ticks).
type readReceipt struct {
	MessagingProduct string `json:"messaging_product"`
	Status           string `json:"status"`
	MessageID        string `json:"message_id"`
}

// sendResponse is the success body: messages[0].id is the wamid.
type sendResponse struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
}

// errorResponse is Meta's error body.
type errorResponse struct {
	Error struct {
		Message   string `json:"message"`
		Type      string `json:"type"`
		Code      int    `json:"code"`
		ErrorData struct {
			Details string `json:"details"`
		} `json:"error_data"`
		FBTraceID string `json:"fbtrace_id"`
	} `json:"error"`
}
