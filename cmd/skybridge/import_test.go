package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/integrations/pss"
)

// TestImportCommand runs `skybridge import` as an operator would: a good file loads,
// the same file again changes nothing, and a file with bad records is refused with
// every problem named by its position.
func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "SKYBRIDGE_DATABASE_URL=" + filepath.Join(dir, "sky.db"), "SKYBRIDGE_DEMO=false"}
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, pss.DemoJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(file string) (string, error) {
		cmd := exec.Command(binary(t), "import", file)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(good)
	if err != nil || !strings.Contains(out, "created") {
		t.Fatalf("first import: %v\n%s", err, out)
	}
	out, err = run(good)
	if err != nil || !strings.Contains(out, "unchanged") || strings.Contains(out, "created") && !strings.Contains(out, "0 created") {
		t.Fatalf("second import should change nothing: %v\n%s", err, out)
	}
	// Two records the schema accepts but that make no sense, and, in another file,
	// two the schema refuses: each file reports all of its problems.
	badMeaning := strings.Replace(string(pss.DemoJSON()), `"origin": "AMS"`, `"origin": "XXX"`, 1)
	badMeaning = strings.Replace(badMeaning, `"origin": "AMS"`, `"origin": "QQQ"`, 1)
	badSchema := strings.Replace(string(pss.DemoJSON()), `"type": "INF"`, `"type": "BABY"`, 1)
	badSchema = strings.Replace(badSchema, `"status": "HK"`, `"status": "OK"`, 1)
	for name, tc := range map[string]struct {
		body string
		want []string
	}{
		"meaning": {badMeaning, []string{"flights[0].origin", "XXX", "flights[1].origin", "QQQ", "nothing imported"}},
		"schema":  {badSchema, []string{"passengers[3].type", "status", "nothing imported"}},
	} {
		badFile := filepath.Join(dir, name+".json")
		os.WriteFile(badFile, []byte(tc.body), 0o644)
		out, err = run(badFile)
		if err == nil {
			t.Fatalf("%s: bad file accepted:\n%s", name, out)
		}
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("%s: report lacks %q:\n%s", name, want, out)
			}
		}
	}
	out, err = run(filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(out, "missing.json") {
		t.Fatalf("missing file: %v %s", err, out)
	}
}
