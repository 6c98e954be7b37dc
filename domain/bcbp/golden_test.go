package bcbp_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain/bcbp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGolden pins the exact strings of the fixture passes: a change in any item shows
// up as a diff of testdata/encode.golden. Strings are quoted because they can end in
// spaces.
func TestGolden(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "encode.golden")
	var b strings.Builder
	b.WriteString("# BCBP strings of the fixture passes in fixtures_test.go; refresh with go test -update.\n")
	for _, c := range passCases(t) {
		s, err := bcbp.Encode(c.pass)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		fmt.Fprintf(&b, "%s %s\n", c.name, strconv.Quote(s))
	}
	got := b.String()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if got != string(want) {
		t.Errorf("encoded passes differ from %s (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
	// Every golden string must still decode.
	for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, quoted, _ := strings.Cut(line, " ")
		s, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := bcbp.Decode(s); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
