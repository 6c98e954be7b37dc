package whatsapp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/skybridge/skybridge/integrations/graphapi"

	"github.com/skybridge/skybridge/domain"
)

// pairRateWait is the least wait after 131056: WhatsApp allows one message per
// 6 seconds to the same user, and suggests retrying after 4^X seconds.
const pairRateWait = 6 * time.Second

// WhatsApp error codes Skybridge acts on (channels.md §5.2).
const (
	CodeWindowClosed  = 131047 // more than 24 h since the user last wrote: send a template
	CodePairRateLimit = 131056 // too many messages to the same user
)

// retryable are codes that succeed later: rate limits, maintenance, outages.
var retryable = map[int]bool{
	4:      true, // app call rate limit
	80007:  true, // WABA rate limit
	130429: true, // throughput reached
	131056: true, // pair rate limit
	131057: true, // account in maintenance
	131000: true, // unknown error
	131016: true, // service unavailable
	1:      true, // unknown
	2:      true, // service temporarily unavailable
}

// classify turns a non-2xx response into a *domain.SendError. Codes listed as
// retryable and any 5xx or 429 are Retryable; 131047 is WindowClosed; everything
// else (131026 undeliverable, 131050 marketing stopped, 131048/131049 spam and
// engagement limits, 132000–132016 template problems, 368/131031 restrictions,
// 100 invalid parameter, other 4xx) is permanent.
func classify(status int, h http.Header, body []byte, now time.Time) *domain.SendError {
	se := &domain.SendError{HTTPStatus: status}
	var er errorResponse
	if err := json.Unmarshal(body, &er); err == nil && (er.Error.Code != 0 || er.Error.Message != "") {
		se.Code = er.Error.Code
		se.Message = er.Error.Message
		if d := er.Error.ErrorData.Details; d != "" && !strings.Contains(se.Message, d) {
			se.Message += ": " + d
		}
	} else {
		// Not Meta's error body (a proxy, an outage page): do not echo it.
		se.Message = fmt.Sprintf("http %d %s", status, http.StatusText(status))
	}
	se.Message = shorten(se.Message, 500)
	switch {
	case se.Code == CodeWindowClosed:
		se.WindowClosed = true
	case retryable[se.Code], status >= 500, status == http.StatusTooManyRequests:
		se.Retryable = true
	}
	if se.Retryable {
		se.RetryAfter = graphapi.RetryAfter(h.Get("Retry-After"), now)
		if se.Code == CodePairRateLimit && se.RetryAfter < pairRateWait {
			se.RetryAfter = pairRateWait
		}
	}
	return se
}
