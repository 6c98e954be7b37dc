package llm

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/skybridge/skybridge/domain"
)

// Classifier is the built-in classifier the endpoint backs up
// (integrations/nlu's Classifier).
type Classifier interface {
	Understand(text string, hint domain.Lang) domain.Understanding
}

// Source names who decided what a message is about.
type Source string

// Sources of an understanding.
const (
	SourceBuiltin Source = "built-in"
	SourceLLM     Source = "llm"
)

// Outcomes of asking the endpoint, for metrics.
const (
	OutcomeAccepted = "accepted" // its intent was taken
	OutcomeRejected = "rejected" // a valid answer the rule did not take
	OutcomeInvalid  = "invalid"  // not a verdict of the schema
	OutcomeError    = "error"    // the endpoint failed
	OutcomeTimeout  = "timeout"  // no answer in time
	OutcomeOpen     = "open"     // the circuit is open: not asked
)

// Rules say when the endpoint is asked and when its answer is taken.
type Rules struct {
	// MinWords: a message the classifier read as no intent at all is sent only
	// when it has at least this many words besides numbers and codes
	// (default 3); an unsure one always is.
	MinWords int
	// MinConfidence is the endpoint's confidence an intent needs to be taken
	// (default 0.6).
	MinConfidence float64
	// ConsequentialConfidence is the confidence a transactional intent (change,
	// cancel, a purchase) or a "yes" needs (default 0.85); it must also be one
	// of the built-in classifier's alternatives.
	ConsequentialConfidence float64
}

// DefaultRules are the rules when none are given.
var DefaultRules = Rules{MinWords: 3, MinConfidence: 0.6, ConsequentialConfidence: 0.85}

// asker is the endpoint as the Understander uses it (*Client).
type asker interface {
	Classify(ctx context.Context, m Message) (Answer, error)
}

// Understander is the built-in classifier with the endpoint as a second
// opinion. It implements the flows' Understander, and passes the turn's
// context to the endpoint when the engine offers one.
type Understander struct {
	builtin Classifier
	client  asker
	rules   Rules
	observe func(outcome string, took time.Duration)
	log     *slog.Logger
}

// UnderstanderConfig configures an Understander.
type UnderstanderConfig struct {
	Rules Rules // zero fields take DefaultRules'
	// Observe is told the outcome and duration of every request to the
	// endpoint, for metrics; nil records nothing.
	Observe func(outcome string, took time.Duration)
	// Log records failures of the endpoint (never the message); nil discards.
	Log *slog.Logger
}

// NewUnderstander returns builtin backed up by client.
func NewUnderstander(builtin Classifier, client *Client, cfg UnderstanderConfig) *Understander {
	return newUnderstander(builtin, client, cfg)
}

func newUnderstander(builtin Classifier, client asker, cfg UnderstanderConfig) *Understander {
	r := cfg.Rules
	if r.MinWords <= 0 {
		r.MinWords = DefaultRules.MinWords
	}
	if r.MinConfidence <= 0 {
		r.MinConfidence = DefaultRules.MinConfidence
	}
	if r.ConsequentialConfidence <= 0 {
		r.ConsequentialConfidence = DefaultRules.ConsequentialConfidence
	}
	if cfg.Observe == nil {
		cfg.Observe = func(string, time.Duration) {}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Understander{builtin: builtin, client: client, rules: r, observe: cfg.Observe, log: cfg.Log}
}

// Understand reads a message without a caller's deadline: the client's
// timeout bounds the wait.
func (u *Understander) Understand(text string, hint domain.Lang) domain.Understanding {
	out, _ := u.Decide(context.Background(), text, hint)
	return out
}

// UnderstandContext reads a message within ctx (the turn's budget).
func (u *Understander) UnderstandContext(ctx context.Context, text string, hint domain.Lang) domain.Understanding {
	out, _ := u.Decide(ctx, text, hint)
	return out
}

// Decide reads a message with the built-in classifier and, when it is unsure
// (or finds no intent in a sentence of a few words), asks the endpoint. It
// returns the understanding and who decided it. Any failure of the endpoint
// leaves the built-in result.
func (u *Understander) Decide(ctx context.Context, text string, hint domain.Lang) (domain.Understanding, Source) {
	first := u.builtin.Understand(text, hint)
	if !u.worthAsking(text, first) {
		return first, SourceBuiltin
	}
	lang := first.Lang
	if lang == "" {
		lang = hint
	}
	start := time.Now()
	a, err := u.client.Classify(ctx, Message{Text: text, Lang: lang, Found: first.Entities})
	took := time.Since(start)
	if err != nil {
		outcome := failure(err)
		u.observe(outcome, took)
		if outcome != OutcomeOpen { // the circuit logs its own changes
			u.log.WarnContext(ctx, "llm classify", "outcome", outcome, "err", err)
		}
		return first, SourceBuiltin
	}
	out, ok := u.merge(first, a)
	if !ok {
		u.observe(OutcomeRejected, took)
		u.log.DebugContext(ctx, "llm answer not taken", "intent", string(a.Intent), "confidence", a.Confidence,
			"alternatives", len(first.Alternatives))
		return first, SourceBuiltin
	}
	u.observe(OutcomeAccepted, took)
	return out, SourceLLM
}

func failure(err error) string {
	switch {
	case errors.Is(err, ErrOpen):
		return OutcomeOpen
	case errors.Is(err, ErrInvalid):
		return OutcomeInvalid
	case errors.Is(err, context.DeadlineExceeded):
		return OutcomeTimeout
	}
	return OutcomeError
}

// worthAsking: the classifier hesitated between intents, or found none in a
// real sentence. Confident readings and short answers ("Jansen", "2", "yes")
// never leave the process, nor does a sentence with no intent that carries a
// booking reference, a ticket or a document number: it answers a flow's
// question, which the flow reads itself.
func (u *Understander) worthAsking(text string, first domain.Understanding) bool {
	if first.Unsure {
		return true
	}
	if first.Intent != domain.IntentNone || freeWords(text) < u.rules.MinWords {
		return false
	}
	flights := map[string]bool{}
	for _, e := range first.All(domain.EntityFlight) {
		flights[e.Text] = true
	}
	for _, e := range first.Entities {
		switch e.Type {
		case domain.EntityTicket:
			return false
		case domain.EntityLocator, domain.EntityDocument:
			if countDigits(e.Text) > 0 && !flights[e.Text] {
				return false
			}
		}
	}
	return true
}

// Consequential reports whether acting on an intent changes a booking, leads
// to a payment or confirms one: transactional intents and "yes".
func Consequential(in domain.Intent) bool {
	return in.Transactional() || in == domain.IntentYes
}

// merge applies the rule of the second opinion. The endpoint's intent is
// taken when its confidence reaches MinConfidence, except:
//   - a consequential intent needs ConsequentialConfidence and must be one of
//     the built-in classifier's own alternatives: the endpoint may pick among
//     what the classifier hesitated between, never bring a purchase, a change
//     or a cancellation of its own;
//   - "resume" comes from a button only, and "none" decides nothing.
//
// Taken, the intent replaces the classifier's (no longer unsure) and the
// endpoint's values are added to the classifier's, which all stay.
func (u *Understander) merge(first domain.Understanding, a Answer) (domain.Understanding, bool) {
	switch {
	case a.Intent == domain.IntentNone, a.Intent == domain.IntentResume:
		return first, false
	case a.Confidence < u.rules.MinConfidence:
		return first, false
	case Consequential(a.Intent) && (a.Confidence < u.rules.ConsequentialConfidence || !slices.Contains(first.Alternatives, a.Intent)):
		return first, false
	}
	out := first
	out.Intent, out.Confidence = a.Intent, a.Confidence
	out.Unsure, out.Alternatives = false, nil
	out.Entities = slices.Clone(first.Entities)
	for _, e := range a.Entities {
		if !hasEntity(out.Entities, e) {
			out.Entities = append(out.Entities, e)
		}
	}
	return out, true
}

func hasEntity(es []domain.Entity, e domain.Entity) bool {
	for _, x := range es {
		if x.Type == e.Type && x.Normalized == e.Normalized {
			return true
		}
	}
	return false
}
