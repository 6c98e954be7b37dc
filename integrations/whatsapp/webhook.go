package whatsapp

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// Wire types of the webhook body. They are private DTOs: Parse converts them to
// domain values by name. Fields Skybridge does not use are left out and ignored.

type wireEnvelope struct {
	Object string            `json:"object"`
	Entry  []json.RawMessage `json:"entry"`
}

type wireEntry struct {
	Changes []wireChange `json:"changes"`
}

type wireChange struct {
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
}

// wireValue is the value of a "messages" or "user_preferences" change. Messages and
// statuses are kept raw and decoded one by one, so that one odd item does not hide
// the others of a batch.
type wireValue struct {
	Metadata struct {
		PhoneNumberID string `json:"phone_number_id"`
	} `json:"metadata"`
	Contacts        []wireContact     `json:"contacts"`
	Messages        []json.RawMessage `json:"messages"`
	Statuses        []json.RawMessage `json:"statuses"`
	UserPreferences []json.RawMessage `json:"user_preferences"`
	Errors          []json.RawMessage `json:"errors"`
}

type wireContact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID   string `json:"wa_id"`
	UserID string `json:"user_id"` // BSUID
}

type wireMessage struct {
	From       string   `json:"from"`         // phone digits; absent for some BSUID-only users
	FromUserID string   `json:"from_user_id"` // BSUID
	ID         string   `json:"id"`
	Timestamp  unixTime `json:"timestamp"`
	Type       string   `json:"type"`
	Text       *struct {
		Body string `json:"body"`
	} `json:"text"`
	Interactive *struct {
		Type        string       `json:"type"`
		ButtonReply *wireIDTitle `json:"button_reply"`
		ListReply   *wireIDTitle `json:"list_reply"`
	} `json:"interactive"`
	Button *struct {
		Payload string `json:"payload"`
		Text    string `json:"text"`
	} `json:"button"`
	Image    *wireMedia `json:"image"`
	Video    *wireMedia `json:"video"`
	Document *wireMedia `json:"document"`
}

type wireIDTitle struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type wireMedia struct {
	Caption string `json:"caption"`
}

type wireStatus struct {
	ID              string      `json:"id"`
	Status          string      `json:"status"`
	Timestamp       unixTime    `json:"timestamp"`
	RecipientID     string      `json:"recipient_id"`      // phone digits
	RecipientUserID string      `json:"recipient_user_id"` // BSUID
	CallbackData    string      `json:"biz_opaque_callback_data"`
	Errors          []wireError `json:"errors"`
}

type wireError struct {
	Code      int    `json:"code"`
	Title     string `json:"title"`
	Message   string `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}

type wirePreference struct {
	WaID      string   `json:"wa_id"`
	UserID    string   `json:"user_id"`
	Category  string   `json:"category"`
	Value     string   `json:"value"`
	Timestamp unixTime `json:"timestamp"`
}

// unixTime reads Unix seconds sent as a string ("1767000000", the usual form) or as a
// number (user_preferences examples use numbers). Anything else reads as the zero
// time rather than failing the batch: a missing timestamp is not worth losing a
// traveller's message over.
type unixTime struct{ time.Time }

// maxUnix is the last second of year 9999, beyond which time.Time does not marshal.
const maxUnix = 253402300799

func (t *unixTime) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(bytes.TrimSpace(b), `"`)
	sec, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || sec <= 0 || sec > maxUnix {
		t.Time = time.Time{}
		return nil
	}
	t.Time = time.Unix(sec, 0).UTC()
	return nil
}
