package messenger

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skybridge/skybridge/integrations/graphapi"

	"github.com/skybridge/skybridge/domain"
)

// Messenger error codes and subcodes Skybridge acts on.
const (
	CodeWindowClosed = 1545041 // the 24-hour messaging window is closed
	CodePermission   = 10      // permission error; with an outside-window subcode, the window is closed
	CodeRateLimit    = 613     // calls to this API exceeded the rate limit

	SubcodeOutsideWindow  = 2018278 // "message sent outside of allowed window"
	SubcodeOutsideWindow2 = 2018065 // older form of the same refusal
)

// retryable are codes that succeed later: throttling and transient outages.
var retryable = map[int]bool{
	1:   true, // unknown error, possibly transient
	2:   true, // service temporarily unavailable
	4:   true, // application request limit reached
	613: true, // rate limit exceeded
}

// errorResponse is Meta's Graph API error body.
type errorResponse struct {
	Error struct {
		Message      string  `json:"message"`
		Type         string  `json:"type"`
		Code         flexInt `json:"code"`
		ErrorSubcode flexInt `json:"error_subcode"`
		FBTraceID    string  `json:"fbtrace_id"`
	} `json:"error"`
}

// classify turns a refused Send API call into a *domain.SendError:
//
//   - 1545041, and 10 with subcode 2018065 or 2018278: WindowClosed (a utility
//     template is needed);
//   - 1, 2, 4, 613, any 5xx and 429: Retryable, with the Retry-After wait if given;
//   - everything else is permanent: 10 (permissions, and 10/1893063 "Page
//     temporarily restricted from sending"), 100 (invalid parameter, also what a
//     retired tag gets), 190 (token expired), 551 (person not available), other 4xx.
//
// The subcode and fbtrace_id, which Meta's support asks for, are kept in Message.
func classify(status int, h http.Header, body []byte, now time.Time) *domain.SendError {
	se := &domain.SendError{HTTPStatus: status}
	var er errorResponse
	subcode := 0
	if err := json.Unmarshal(body, &er); err == nil && (er.Error.Code != 0 || er.Error.Message != "") {
		se.Code = int(er.Error.Code)
		subcode = int(er.Error.ErrorSubcode)
		se.Message = shorten(oneLine(er.Error.Message), 400)
		var extra []string
		if subcode != 0 {
			extra = append(extra, "subcode "+strconv.Itoa(subcode))
		}
		if er.Error.FBTraceID != "" {
			extra = append(extra, "fbtrace_id "+shorten(er.Error.FBTraceID, 64))
		}
		if len(extra) > 0 {
			se.Message += " (" + strings.Join(extra, ", ") + ")"
		}
	} else {
		// Not Meta's error body (a proxy, an outage page): do not echo it.
		se.Message = fmt.Sprintf("http %d %s", status, http.StatusText(status))
	}
	switch {
	case se.Code == CodeWindowClosed,
		se.Code == CodePermission && (subcode == SubcodeOutsideWindow || subcode == SubcodeOutsideWindow2):
		se.WindowClosed = true
	case retryable[se.Code], status >= 500, status == http.StatusTooManyRequests:
		se.Retryable = true
		se.RetryAfter = graphapi.RetryAfter(h.Get("Retry-After"), now)
	}
	return se
}
