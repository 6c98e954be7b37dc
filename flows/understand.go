package flows

import (
	"context"

	"github.com/skybridge/skybridge/domain"
)

// Understander turns one message into a language, an intent and entities.
// integrations/nlu implements it.
type Understander interface {
	Understand(text string, hint domain.Lang) domain.Understanding
}

// ContextUnderstander is an Understander that may wait on an outside service
// (integrations/llm asks one when the built-in classifier is unsure). The
// engine gives it the turn's context, so the wait stays within the turn's
// budget; whatever it answers still goes through the flows' own thresholds
// and confirmation steps.
type ContextUnderstander interface {
	Understander
	UnderstandContext(ctx context.Context, text string, hint domain.Lang) domain.Understanding
}

// UnderstanderFunc adapts a function to Understander (handy in tests).
type UnderstanderFunc func(text string, hint domain.Lang) domain.Understanding

// Understand calls f.
func (f UnderstanderFunc) Understand(text string, hint domain.Lang) domain.Understanding {
	return f(text, hint)
}

// understandWithin reads text with u, within ctx when u can use it.
func understandWithin(ctx context.Context, u Understander, text string, hint domain.Lang) domain.Understanding {
	if cu, ok := u.(ContextUnderstander); ok && ctx != nil {
		return cu.UnderstandContext(ctx, text, hint)
	}
	return u.Understand(text, hint)
}
