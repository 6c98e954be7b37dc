package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/skybridge/skybridge/domain"
)

// Answer is the endpoint's reading of a message, validated: an intent of the
// schema (IntentNone when it saw none), a confidence in [0, 1] and the
// entities that survived re-reading.
type Answer struct {
	Intent     domain.Intent
	Confidence float64
	Entities   []domain.Entity
	// Dropped counts the entities refused: a type outside the schema, a value
	// that is not in the message or that the built-in normalisers do not read
	// as its type.
	Dropped int
}

// Normalizer re-reads a value the endpoint reported with the built-in
// normalisers: it returns the normalised value ("2026-11-27" for "tomorrow",
// "CDG,ORY" for "Paris") and whether value is one of type t at all. lang is
// the message's language.
type Normalizer func(t domain.EntityType, value string, lang domain.Lang) (string, bool)

// ErrInvalid is an answer that is not a verdict of the schema: not JSON, an
// unknown field or intent, a missing confidence.
var ErrInvalid = errors.New("invalid answer")

// maxEntities bounds the values taken from one answer.
const maxEntities = 10

// parseVerdict reads the content of the endpoint's message strictly: one JSON
// object of the schema and nothing else.
func parseVerdict(content string) (verdict, error) {
	var v verdict
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if _, err := dec.Token(); err == nil {
		return v, fmt.Errorf("%w: content after the JSON object", ErrInvalid)
	}
	if v.Intent == nil || v.Confidence == nil {
		return v, fmt.Errorf("%w: intent and confidence are required", ErrInvalid)
	}
	if c := *v.Confidence; math.IsNaN(c) || c < 0 || c > 1 {
		return v, fmt.Errorf("%w: confidence %v is not in [0, 1]", ErrInvalid, c)
	}
	if *v.Intent != intentNone && !slices.Contains(domain.Intents, domain.Intent(*v.Intent)) {
		return v, fmt.Errorf("%w: unknown intent %q", ErrInvalid, *v.Intent)
	}
	return v, nil
}

// validate turns a verdict into an Answer: entities of a type outside the
// schema, not found in sent (the message as the endpoint saw it) or not read
// as their type by normalize are dropped, as are duplicates.
func validate(v verdict, sent string, lang domain.Lang, normalize Normalizer) Answer {
	a := Answer{Intent: domain.Intent(*v.Intent), Confidence: *v.Confidence}
	if *v.Intent == intentNone {
		a.Intent = domain.IntentNone
	}
	seen := map[string]bool{}
	for _, e := range v.Entities {
		t := domain.EntityType(e.Type)
		value := strings.TrimSpace(e.Value)
		if !slices.Contains(EntityTypes, t) || value == "" || len(a.Entities) == maxEntities ||
			placeholderIn(value) || !contains(sent, value) || normalize == nil {
			a.Dropped++
			continue
		}
		norm, ok := normalize(t, value, lang)
		if !ok || norm == "" || seen[string(t)+"\x00"+norm] {
			a.Dropped++
			continue
		}
		seen[string(t)+"\x00"+norm] = true
		a.Entities = append(a.Entities, domain.Entity{Type: t, Text: value, Normalized: norm})
	}
	return a
}

// contains reports whether value is written in text, ignoring case and runs
// of spaces: a value the model made up is not taken.
func contains(text, value string) bool {
	return strings.Contains(fold(text), fold(value))
}

func fold(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), unicode.IsSpace), " ")
}

// placeholderIn reports whether a value is, or holds, a placeholder of
// withheld data.
func placeholderIn(value string) bool {
	return strings.ContainsAny(value, "[]")
}
