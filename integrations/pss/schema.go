package pss

import (
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// importSchema is the JSON Schema of the import format; IMPORT.md explains it.
//
//go:embed import.schema.json
var importSchema []byte

const schemaURL = "https://skybridge.example/schemas/pss-import.json"

var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(importSchema))
	if err != nil {
		return nil, fmt.Errorf("read import schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("load import schema: %w", err)
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile import schema: %w", err)
	}
	return s, nil
})

// Schema returns the JSON Schema of the import format, for editors and tools.
func Schema() []byte { return bytes.Clone(importSchema) }

// schemaProblems validates a decoded document and returns one problem per failing
// leaf, addressed like "bookings[3].passengers[1].type".
func schemaProblems(doc any) ([]Problem, error) {
	s, err := compiledSchema()
	if err != nil {
		return nil, err
	}
	err = s.Validate(doc)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	p := message.NewPrinter(language.English)
	var out []Problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, Problem{Path: jsonPath(e.InstanceLocation), Message: describe(e.ErrorKind, p)})
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return dedupe(out), nil
}

func dedupe(ps []Problem) []Problem {
	var out []Problem
	seen := map[Problem]bool{}
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func jsonPath(loc []string) string {
	if len(loc) == 0 {
		return "(document)"
	}
	var b strings.Builder
	for _, t := range loc {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

// describe words schema errors for people editing the file by hand.
func describe(k jsonschema.ErrorKind, p *message.Printer) string {
	switch k := k.(type) {
	case *kind.Enum:
		var vals []string
		for _, w := range k.Want {
			if s, ok := w.(string); ok && s != "" {
				vals = append(vals, s)
			}
		}
		if len(vals) > 1 {
			return "must be " + strings.Join(vals[:len(vals)-1], ", ") + " or " + vals[len(vals)-1]
		}
	case *kind.Pattern:
		if want, ok := patternWords[k.Want]; ok {
			return fmt.Sprintf("%q: must be %s", k.Got, want)
		}
		return fmt.Sprintf("%q has the wrong form", k.Got)
	}
	return k.LocalizedString(p)
}

// patternWords explains the schema's patterns.
var patternWords = map[string]string{
	"^[A-Z0-9]{2}$":                "a 2-character IATA airline code like SB",
	"^[A-Z]{3}$":                   "3 capital letters like AMS",
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a date like 2025-01-31",
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?$": "a time like 2025-01-31T09:30 (local) or 2025-01-31T09:30:00+01:00",
	"^[A-Z]$":                      "one capital letter",
	"^[A-Z]?$":                     "empty or one capital letter",
	"^[0-9]{1,2}[A-Z]$":            "a seat like 14C",
	"^[0-9]{3}$":                   "3 digits",
	"^[A-Z0-9]{6}$":                "6 capital letters or digits",
	"^[0-9]{1,32}$":                "digits only",
	"^[0-9]{1,9}(\\.[0-9]{1,3})?$": "an amount like 35.00",
	"^[A-Z0-9]{1,10}$":             "up to 10 capital letters or digits",
	"^[A-Z0-9]{1,15}$":             "up to 15 capital letters or digits",
	"^[A-Z0-9]{3}$":                "3 capital letters or digits",
}
