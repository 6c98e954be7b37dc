// Package llm is the optional second opinion on what a traveller wants: when
// the built-in classifier is unsure, it asks an OpenAI-compatible
// chat-completions endpoint for the intent and the non-personal values of the
// message (dates, times, places, flight numbers, counts, seats).
//
// It never produces text for the traveller: its only output is an intent and
// entities, checked against the same schema as the built-in classifier's and
// re-read by the built-in normalisers, so it cannot state policy. Personal data
// (booking references, ticket numbers, phone numbers, e-mail addresses,
// passport-like numbers, capitalised names) is replaced by placeholders before
// the message leaves.
//
// The answer is taken only under the rule of Understander: a transactional
// intent (or a "yes", which can confirm one) needs the endpoint's confidence
// above a threshold and must be among the built-in classifier's own
// alternatives; anything else leaves the built-in result, so the assistant asks
// as it would have. The flows' confirmation steps apply to whatever is taken.
package llm
