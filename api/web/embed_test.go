package web_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/api/web"
)

// TestFSHoldsThePage checks, without a browser, that the binary carries the page and
// everything it loads, and that the page loads nothing from elsewhere.
func TestFSHoldsThePage(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"index.html", "static/chat.css", "static/chat.js"} {
		data, err := fs.ReadFile(web.FS, name)
		if err != nil {
			t.Fatalf("embedded %s: %v", name, err)
		}
		if len(data) == 0 {
			t.Errorf("embedded %s is empty", name)
		}
	}
	index, _ := fs.ReadFile(web.FS, "index.html")
	for _, ref := range []string{`href="/static/chat.css"`, `src="/static/chat.js"`} {
		if !strings.Contains(string(index), ref) {
			t.Errorf("index.html lacks %s", ref)
		}
	}
	external := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//|@import|url\(\s*["']?(https?:)?//`)
	err := fs.WalkDir(web.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(web.FS, path)
		if err != nil {
			return err
		}
		if m := external.Find(data); m != nil {
			t.Errorf("%s loads from another origin: %s", path, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
