package flows

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDiagramsMatchGolden renders every flow from its definition and compares it with
// the committed picture under testdata/, and checks that README.md shows the same
// picture: a change to the graph without a new picture fails.
func TestDiagramsMatchGolden(t *testing.T) {
	readmePath := filepath.Join("..", "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Flows() {
		t.Run(f.Name, func(t *testing.T) {
			got, err := f.Diagram()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", f.Name+".mmd")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				// The README shows each diagram in a mermaid block after a marker.
				re := regexp.MustCompile("(?s)(<!-- diagram:" + f.Name + " -->\n```mermaid\n).*?(\n```)")
				readme = re.ReplaceAll(readme, []byte("${1}"+strings.TrimSpace(got)+"${2}"))
				if err := os.WriteFile(readmePath, readme, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./flows -run Diagram -update)", err)
			}
			if got != string(want) {
				t.Errorf("flow %s changed but %s did not: run go test ./flows -run Diagram -update\n%s", f.Name, path, got)
			}
			if !strings.Contains(string(readme), strings.TrimSpace(got)) {
				t.Errorf("README.md does not show the current %s diagram; paste %s into it", f.Name, path)
			}
		})
	}
}

func TestFlowsAreWellFormed(t *testing.T) {
	for _, f := range Flows() {
		if err := f.Check(); err != nil {
			t.Error(err)
		}
		if len(f.Transitions()) < 3 {
			t.Errorf("flow %s has only %d transitions", f.Name, len(f.Transitions()))
		}
	}
}

func TestCheckFindsBrokenFlows(t *testing.T) {
	f := checkInFlow()
	delete(f.States, confirmCheckIn)
	if err := f.Check(); err == nil || !strings.Contains(err.Error(), `"confirm" has no definition`) {
		t.Fatalf("Check() = %v, want a missing definition", err)
	}
	f = checkInFlow()
	f.States["orphan"] = &StateDef{Enter: func(*Turn) {}, Final: true}
	if err := f.Check(); err == nil || !strings.Contains(err.Error(), `"orphan" is unreachable`) {
		t.Fatalf("Check() = %v, want unreachable", err)
	}
}
