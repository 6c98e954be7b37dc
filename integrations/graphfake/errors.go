package graphfake

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is one refusal, rendered as a Graph API error body.
type apiError struct {
	status  int    // HTTP status
	code    int    // Graph error code
	subcode int    // error_subcode, 0 when absent
	typ     string // "OAuthException", "GraphMethodException"
	message string // the full message, "(#100) …"
	details string // error_data.details
}

// body renders e the way the Graph API does. WhatsApp errors carry
// error_data.messaging_product; Messenger ones do not.
func (e *apiError) body(ch Channel, trace string) []byte {
	data := map[string]any{"details": e.details}
	if ch == WhatsApp {
		data["messaging_product"] = "whatsapp"
	}
	inner := map[string]any{
		"message":    e.message,
		"type":       e.typ,
		"code":       e.code,
		"error_data": data,
		"fbtrace_id": trace,
	}
	if e.subcode != 0 {
		inner["error_subcode"] = e.subcode
	}
	b, _ := json.Marshal(map[string]any{"error": inner})
	return b
}

// invalid is the usual (#100) refusal of a malformed request.
func invalid(format string, args ...any) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		code:    100,
		typ:     "OAuthException",
		message: "(#100) Invalid parameter",
		details: fmt.Sprintf(format, args...),
	}
}

// required is the (#100) refusal of a missing parameter.
func required(param string) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		code:    100,
		typ:     "OAuthException",
		message: fmt.Sprintf("(#100) The parameter %s is required.", param),
		details: fmt.Sprintf("The parameter %s is required.", param),
	}
}

// tooLong refuses a field over its limit.
func tooLong(field string, max int) *apiError {
	return invalid("%s length invalid. Max length: %d", field, max)
}

// knownError describes a platform error code the fake can answer with.
type knownError struct {
	status  int
	subcode int
	title   string
	details string
}

// whatsappErrors are the WhatsApp Cloud API codes faults can produce.
var whatsappErrors = map[int]knownError{
	130429: {http.StatusTooManyRequests, 0, "Rate limit hit", "Cloud API message throughput has been reached."},
	80007:  {http.StatusTooManyRequests, 0, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit."},
	131056: {http.StatusBadRequest, 0, "(Business Account, Consumer Account) pair rate limit hit", "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time."},
	4:      {http.StatusBadRequest, 0, "Application request limit reached", "The app has reached its API call rate limit."},
	131047: {http.StatusBadRequest, 0, "Re-engagement message", "More than 24 hours have passed since the recipient last replied to the sender number."},
	131000: {http.StatusInternalServerError, 0, "Something went wrong", "Message failed to send due to an unknown error."},
	131016: {http.StatusServiceUnavailable, 0, "Service unavailable", "A service is temporarily unavailable."},
}

// messengerErrors are the Messenger Send API codes faults can produce.
var messengerErrors = map[int]knownError{
	613: {http.StatusBadRequest, 0, "Calls to this api have exceeded the rate limit.", "Calls to this api have exceeded the rate limit."},
	4:   {http.StatusBadRequest, 0, "Application request limit reached", "Too many send requests to phone numbers."},
	10:  {http.StatusBadRequest, 2018278, "This message is sent outside of allowed window.", "This message is sent outside of allowed window."},
	1545041: {http.StatusBadRequest, 0, "Message Not Sent: This person isn't available right now.",
		"The messaging window with this person is closed."},
	1: {http.StatusInternalServerError, 0, "An unknown error occurred", "An unknown error occurred."},
	2: {http.StatusServiceUnavailable, 0, "Service temporarily unavailable", "Service temporarily unavailable."},
}

// platformError builds the refusal for code on ch; status, when not zero,
// overrides the HTTP status. An unknown code gets a generic 400.
func platformError(ch Channel, code, status int) *apiError {
	table := whatsappErrors
	if ch == Messenger {
		table = messengerErrors
	}
	k, ok := table[code]
	if !ok {
		k = knownError{http.StatusBadRequest, 0, "Injected error", "Injected by the fake Graph API."}
	}
	if status != 0 {
		k.status = status
	}
	return &apiError{
		status:  k.status,
		code:    code,
		subcode: k.subcode,
		typ:     "OAuthException",
		message: fmt.Sprintf("(#%d) %s", code, k.title),
		details: k.details,
	}
}
