package pssrest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// spec is openapi.yaml read for checking exchanges against it: a small checker of
// what the contract uses (paths and methods, required parameters, $ref, allOf,
// types, required and undocumented properties, enums, patterns, formats, item
// counts), not a general OpenAPI validator.
type spec struct {
	doc   map[string]any
	paths []specPath
}

type specPath struct {
	template string
	re       *regexp.Regexp
	names    []string
	item     map[string]any
}

func loadSpec(t testing.TB) *spec {
	t.Helper()
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Fatalf("openapi.yaml is not OpenAPI 3: %v", doc["openapi"])
	}
	s := &spec{doc: doc}
	paths, _ := doc["paths"].(map[string]any)
	for tmpl, item := range paths {
		var names []string
		parts := strings.Split(tmpl, "/")
		for i, part := range parts {
			if strings.HasPrefix(part, "{") {
				names = append(names, strings.Trim(part, "{}"))
				parts[i] = "([^/]+)"
			} else {
				parts[i] = regexp.QuoteMeta(part)
			}
		}
		pat := strings.Join(parts, "/")
		s.paths = append(s.paths, specPath{template: tmpl, re: regexp.MustCompile("^" + pat + "$"), names: names, item: item.(map[string]any)})
	}
	return s
}

// ref follows a $ref inside the document.
func (s *spec) ref(node any) map[string]any {
	m, _ := node.(map[string]any)
	for m != nil {
		r, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = s.doc
		for _, part := range strings.Split(strings.TrimPrefix(r, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

// operation finds the operation of a request.
func (s *spec) operation(method, path string) (string, map[string]any, map[string]string) {
	for _, p := range s.paths {
		m := p.re.FindStringSubmatch(path)
		if m == nil {
			continue
		}
		op, ok := p.item[strings.ToLower(method)].(map[string]any)
		if !ok {
			return p.template, nil, nil
		}
		vals := map[string]string{}
		for i, n := range p.names {
			vals[n] = m[i+1]
		}
		return p.template, op, vals
	}
	return "", nil, nil
}

// checkRequest returns what is wrong with a request, and its operationId.
func (s *spec) checkRequest(r *http.Request, body []byte) (string, []string) {
	tmpl, op, pathVals := s.operation(r.Method, r.URL.Path)
	if op == nil {
		return "", []string{fmt.Sprintf("%s %s is not in the contract", r.Method, r.URL.Path)}
	}
	id, _ := op["operationId"].(string)
	var probs []string
	params, _ := op["parameters"].([]any) // an operation may have none
	for _, p := range params {
		pm := s.ref(p)
		name, in := pm["name"].(string), pm["in"].(string)
		required, _ := pm["required"].(bool)
		var vals []string
		switch in {
		case "path":
			vals = []string{pathVals[name]}
		case "query":
			vals = r.URL.Query()[name]
		case "header":
			if v := r.Header.Get(name); v != "" {
				vals = []string{v}
			}
		}
		if len(vals) == 0 {
			if required {
				probs = append(probs, fmt.Sprintf("%s %s: %s parameter %s missing", r.Method, tmpl, in, name))
			}
			continue
		}
		sch := s.ref(pm["schema"])
		if t, _ := sch["type"].(string); t == "array" {
			sch = s.ref(sch["items"])
		} else {
			vals = vals[:1]
		}
		for _, v := range vals {
			probs = append(probs, s.validate(sch, paramValue(sch, v), fmt.Sprintf("%s %s %s", tmpl, in, name))...)
		}
	}
	if rb, ok := op["requestBody"]; ok {
		sch := s.ref(s.ref(s.ref(rb)["content"].(map[string]any)["application/json"])["schema"])
		probs = append(probs, s.validateJSON(sch, body, tmpl+" request")...)
	} else if len(body) > 0 {
		probs = append(probs, tmpl+": a body where the contract has none")
	}
	return id, probs
}

func paramValue(sch map[string]any, v string) any {
	if t, _ := sch["type"].(string); t == "integer" || t == "boolean" {
		var x any
		if json.Unmarshal([]byte(v), &x) == nil {
			if n, ok := x.(float64); ok {
				return json.Number(fmt.Sprint(n))
			}
			return x
		}
	}
	return v
}

// checkResponse returns what is wrong with an answer.
func (s *spec) checkResponse(method, path string, status int, body []byte) []string {
	tmpl, op, _ := s.operation(method, path)
	if op == nil {
		return nil
	}
	rs := op["responses"].(map[string]any)
	resp, ok := rs[fmt.Sprint(status)]
	if !ok {
		resp, ok = rs["default"]
	}
	if !ok {
		return []string{fmt.Sprintf("%s %s: status %d not in the contract", method, tmpl, status)}
	}
	content, _ := s.ref(resp)["content"].(map[string]any)
	if content == nil {
		return nil
	}
	sch := s.ref(s.ref(content["application/json"])["schema"])
	return s.validateJSON(sch, body, fmt.Sprintf("%s %s %d", method, tmpl, status))
}

func (s *spec) validateJSON(sch map[string]any, body []byte, at string) []string {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return []string{at + ": not JSON: " + err.Error()}
	}
	return s.validate(sch, v, at)
}

// flatten merges allOf parts into one schema.
func (s *spec) flatten(sch map[string]any) map[string]any {
	all, ok := sch["allOf"].([]any)
	if !ok {
		return sch
	}
	out := map[string]any{"type": "object", "properties": map[string]any{}, "required": []any{}}
	for _, part := range all {
		p := s.flatten(s.ref(part))
		for k, v := range p["properties"].(map[string]any) {
			out["properties"].(map[string]any)[k] = v
		}
		if req, ok := p["required"].([]any); ok {
			out["required"] = append(out["required"].([]any), req...)
		}
	}
	return out
}

func (s *spec) validate(sch map[string]any, v any, at string) []string {
	sch = s.flatten(s.ref(sch))
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, at+": "+fmt.Sprintf(format, args...)) }
	if enum, ok := sch["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		bad("%v not in %v", v, enum)
	}
	switch t, _ := sch["type"].(string); t {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("want an object, got %T", v)
			return probs
		}
		props, _ := sch["properties"].(map[string]any)
		if req, ok := sch["required"].([]any); ok {
			for _, r := range req {
				if _, has := obj[r.(string)]; !has {
					bad("required property %s missing", r)
				}
			}
		}
		for k, x := range obj {
			p, ok := props[k]
			if !ok {
				bad("property %s is not in the contract", k)
				continue
			}
			probs = append(probs, s.validate(s.ref(p), x, at+"."+k)...)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			bad("want an array, got %T", v)
			return probs
		}
		if n, ok := sch["minItems"].(uint64); ok && uint64(len(arr)) < n {
			bad("%d items, at least %d", len(arr), n)
		}
		if n, ok := sch["maxItems"].(uint64); ok && uint64(len(arr)) > n {
			bad("%d items, at most %d", len(arr), n)
		}
		for i, x := range arr {
			probs = append(probs, s.validate(s.ref(sch["items"]), x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("want a string, got %T", v)
			return probs
		}
		if p, ok := sch["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			bad("%q does not match %s", str, p)
		}
		switch sch["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				bad("%q is not a date-time", str)
			}
		case "date":
			if _, err := time.Parse(time.DateOnly, str); err != nil {
				bad("%q is not a date", str)
			}
		}
	case "integer":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			bad("want an integer, got %v", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			bad("want a boolean, got %T", v)
		}
	}
	return probs
}

// checked wraps a handler and checks every exchange against the contract.
type checked struct {
	spec *spec
	next http.Handler

	mu       sync.Mutex
	problems []string
	seen     map[string]bool // operationIds exercised
}

func newChecked(s *spec, next http.Handler) *checked {
	return &checked{spec: s, next: next, seen: map[string]bool{}}
}

func (c *checked) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	id, probs := c.spec.checkRequest(r, body)
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	probs = append(probs, c.spec.checkResponse(r.Method, r.URL.Path, rec.Code, rec.Body.Bytes())...)
	c.mu.Lock()
	c.problems = append(c.problems, probs...)
	if id != "" {
		c.seen[id] = true
	}
	c.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// TestSpecCheckerCatchesDrift: the checker itself finds an undocumented field, a
// missing required one, a wrong type and an unknown path.
func TestSpecCheckerCatchesDrift(t *testing.T) {
	s := loadSpec(t)
	probs := s.checkResponse("GET", "/bookings/AB1234", 200, []byte(`{"locator": 7, "passengers": [], "segments": [], "contact": {}, "check_ins": [], "extra": true}`))
	want := []string{"locator: want a string", "required property seats missing", "property extra is not in the contract"}
	for _, w := range want {
		if !slices.ContainsFunc(probs, func(p string) bool { return strings.Contains(p, w) }) {
			t.Errorf("checker missed %q in %v", w, probs)
		}
	}
	r := httptest.NewRequest("POST", "/bookings/AB1234/reissues", nil)
	if _, probs := s.checkRequest(r, []byte(`{"segment_ids": [], "alternative_id": "x", "involuntary": false}`)); len(probs) != 2 {
		t.Errorf("reissue without key and with no segment: %v, want 2 problems", probs)
	}
	if _, probs := s.checkRequest(httptest.NewRequest("GET", "/nowhere", nil), nil); len(probs) != 1 {
		t.Errorf("unknown path: %v", probs)
	}
}
