package main

import (
	"encoding/json"
	"strings"
)

// unmarshalStrict decodes JSON refusing unknown fields, so that a misspelt fault
// is an error rather than silently nothing.
func unmarshalStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
