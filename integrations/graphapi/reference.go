package graphapi

import (
	"strconv"
	"strings"
)

// ReferencePrefix starts our references in the field Meta hands back with a
// message's webhooks: Messenger's message.metadata (in the echo) and WhatsApp's
// biz_opaque_callback_data (in every status).
const ReferencePrefix = "skybridge:"

// maxParts bounds the part count a reference may name: no message is rendered
// into more wire requests than this, and a larger count is not ours.
const maxParts = 1000

// Reference names part k of the n wire requests that outbound message id is
// sent as: "skybridge:<id>:<k>/<n>". Every part carries one, so that the webhook
// of any part tells how far the message got, even when the sender died before
// recording it. It is empty for a message not stored yet (id 0).
func Reference(id int64, k, n int) string {
	if id <= 0 {
		return ""
	}
	return ReferencePrefix + strconv.FormatInt(id, 10) + ":" + strconv.Itoa(k) + "/" + strconv.Itoa(n)
}

// ParseReference reads a Reference, giving the outbound id, the part k and the
// part count n. The older form "skybridge:<id>", written before references named
// their part, reads with k = n = 0. On Messenger it was the last part's, or a
// single request's: the whole message. On WhatsApp every part carried it alike,
// so it cannot say which part a status is about. ok is false for anything else,
// such as another system's metadata.
func ParseReference(s string) (id int64, k, n int, ok bool) {
	rest, ours := strings.CutPrefix(s, ReferencePrefix)
	if !ours {
		return 0, 0, 0, false
	}
	idText, part, hasPart := strings.Cut(rest, ":")
	id, ok = positive(idText, 1<<62)
	if !ok {
		return 0, 0, 0, false
	}
	if !hasPart {
		return id, 0, 0, true
	}
	kText, nText, _ := strings.Cut(part, "/")
	k64, kok := positive(kText, maxParts)
	n64, nok := positive(nText, maxParts)
	if !kok || !nok || k64 > n64 {
		return 0, 0, 0, false
	}
	return id, int(k64), int(n64), true
}

// templateMark ends the reference of a message sent as an approved template.
const templateMark = ":t"

// TemplateReference names outbound message id sent as an approved template
// ("skybridge:<id>:t", one request). Its statuses are told apart from those of
// a free-form send of the same message that the platform refused (WhatsApp
// 131047), after which the message is queued again for a template only.
func TemplateReference(id int64) string {
	if id <= 0 {
		return ""
	}
	return ReferencePrefix + strconv.FormatInt(id, 10) + templateMark
}

// ParseTemplateReference reads a TemplateReference, giving the outbound id.
func ParseTemplateReference(s string) (int64, bool) {
	rest, ours := strings.CutPrefix(s, ReferencePrefix)
	idText, isTemplate := strings.CutSuffix(rest, templateMark)
	if !ours || !isTemplate {
		return 0, false
	}
	return positive(idText, 1<<62)
}

// positive reads a decimal number of digits only (no sign, no spaces) between 1
// and max.
func positive(s string, max int64) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 || v > max {
		return 0, false
	}
	return v, true
}
