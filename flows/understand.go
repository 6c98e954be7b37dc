package flows

import "github.com/skybridge/skybridge/domain"

// Understander turns one message into a language, an intent and entities.
// integrations/nlu implements it.
type Understander interface {
	Understand(text string, hint domain.Lang) domain.Understanding
}

// UnderstanderFunc adapts a function to Understander (handy in tests).
type UnderstanderFunc func(text string, hint domain.Lang) domain.Understanding

// Understand calls f.
func (f UnderstanderFunc) Understand(text string, hint domain.Lang) domain.Understanding {
	return f(text, hint)
}
