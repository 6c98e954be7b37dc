package main

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/skybridge/skybridge"

// TestDependenciesPointInward enforces the package rules of DESIGN.md on the
// non-test files of every package: domain depends on the standard library only,
// flows on domain and looplab/fsm, adapters never on each other (the database
// opener and the Graph API wire basics are shared infrastructure), api on flows
// and domain, scheduler on cron, flows and domain.
func TestDependenciesPointInward(t *testing.T) {
	root := filepath.Join("..", "..")
	rules := []struct {
		prefix string
		allow  func(imp string) bool
	}{
		{"domain", func(imp string) bool { return stdlib(imp) || strings.HasPrefix(imp, module+"/domain") }},
		{"flows", func(imp string) bool {
			return stdlib(imp) || strings.HasPrefix(imp, module+"/domain") || imp == "github.com/looplab/fsm"
		}},
		{"scheduler", func(imp string) bool {
			return stdlib(imp) || imp == "github.com/robfig/cron/v3" ||
				strings.HasPrefix(imp, module+"/domain") || strings.HasPrefix(imp, module+"/flows")
		}},
		{"migrations", func(imp string) bool {
			return stdlib(imp) || imp == "github.com/pressly/goose/v3" || imp == "github.com/pressly/goose/v3/lock"
		}},
		{"api", func(imp string) bool {
			return stdlib(imp) || !strings.HasPrefix(imp, module) ||
				strings.HasPrefix(imp, module+"/domain") || strings.HasPrefix(imp, module+"/flows") ||
				strings.HasPrefix(imp, module+"/api")
		}},
	}
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		pkgDir := filepath.ToSlash(filepath.Dir(rel))
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, is := range f.Imports {
			imp, _ := strconv.Unquote(is.Path.Value)
			checked++
			for _, r := range rules {
				if (pkgDir == r.prefix || strings.HasPrefix(pkgDir, r.prefix+"/")) && !r.allow(imp) {
					t.Errorf("%s imports %s: not allowed for %s", rel, imp, r.prefix)
				}
			}
			if strings.HasPrefix(pkgDir, "integrations/") {
				own := strings.SplitN(strings.TrimPrefix(pkgDir, "integrations/"), "/", 2)[0]
				if strings.HasPrefix(imp, module+"/integrations/") {
					other := strings.SplitN(strings.TrimPrefix(imp, module+"/integrations/"), "/", 2)[0]
					if other != own && other != "database" && other != "graphapi" {
						t.Errorf("%s imports %s: adapters never import each other", rel, imp)
					}
				}
				if strings.HasPrefix(imp, module+"/flows") || strings.HasPrefix(imp, module+"/api") {
					t.Errorf("%s imports %s: adapters depend on domain only", rel, imp)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d imports checked: the walk is not looking at the repository", checked)
	}
}

func stdlib(imp string) bool {
	first := strings.SplitN(imp, "/", 2)[0]
	return !strings.Contains(first, ".")
}
