package flightstatus

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// schemaProperties returns the property names and the required ones of a schema
// under components.schemas of openapi.yaml. It reads the document by its
// indentation (two spaces a level), which is enough for this hand-kept file.
func schemaProperties(t testing.TB, name string) (props, required []string) {
	t.Helper()
	doc, err := os.ReadFile("openapi.yaml")
	if err != nil {
		doc, err = os.ReadFile("../openapi.yaml") // from the fake's directory
	}
	if err != nil {
		t.Fatal(err)
	}
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	lines := strings.Split(string(doc), "\n")
	start := slices.Index(lines, "    "+name+":")
	if start < 0 || !slices.Contains(lines[:start], "  schemas:") {
		t.Fatalf("openapi.yaml has no schema %s", name)
	}
	section := ""
	for _, l := range lines[start+1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if indent(l) <= 4 {
			break
		}
		key, rest, _ := strings.Cut(strings.TrimSpace(l), ":")
		switch indent(l) {
		case 6:
			section = key
			if key == "required" && strings.TrimSpace(rest) != "" {
				for _, r := range strings.Split(strings.Trim(strings.TrimSpace(rest), "[]"), ",") {
					required = append(required, strings.TrimSpace(r))
				}
			}
		case 8:
			switch {
			case section == "properties":
				props = append(props, key)
			case section == "required" && strings.HasPrefix(key, "- "):
				required = append(required, strings.TrimPrefix(key, "- "))
			}
		}
	}
	if len(props) == 0 {
		t.Fatalf("openapi.yaml: schema %s has no properties", name)
	}
	return props, required
}

// jsonFields lists the JSON names of a struct's fields.
func jsonFields(v any) []string {
	var out []string
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// TestClientReadsTheContract checks that the client reads every field of
// openapi.yaml and no other.
func TestClientReadsTheContract(t *testing.T) {
	for _, tt := range []struct {
		schema string
		dto    any
	}{
		{"FlightsPage", pageDTO{}},
		{"Flight", flightDTO{}},
		{"Airport", airportDTO{}},
		{"Error", errorDTO{}},
	} {
		props, _ := schemaProperties(t, tt.schema)
		got := jsonFields(tt.dto)
		slices.Sort(props)
		slices.Sort(got)
		if !slices.Equal(got, props) {
			t.Errorf("client's %s fields = %v\nopenapi.yaml has %v", tt.schema, got, props)
		}
	}
	doc, _ := os.ReadFile("openapi.yaml")
	for _, s := range []string{"/operators/{carrier_iata}/flights:", "name: x-apikey", "name: start", "name: end", "name: cursor"} {
		if !strings.Contains(string(doc), s) {
			t.Errorf("openapi.yaml does not say %q, which the client relies on", s)
		}
	}
}
