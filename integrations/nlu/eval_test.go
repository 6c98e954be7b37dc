package nlu

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/skybridge/skybridge/domain"
)

type evalCase struct {
	lang    domain.Lang
	intent  domain.Intent
	message string
}

func readEval(t *testing.T) []evalCase {
	t.Helper()
	f, err := os.Open("testdata/eval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []evalCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.Split(line, "\t")
		if len(p) != 3 {
			t.Fatalf("eval.tsv: bad line %q", line)
		}
		in, ok := knownIntents[p[1]]
		if !ok {
			t.Fatalf("eval.tsv: unknown intent in %q", line)
		}
		out = append(out, evalCase{lang: domain.Lang(p[0]), intent: in, message: p[2]})
	}
	return out
}

// TestEvaluation measures the classifier on testdata/eval.tsv, written apart
// from the training examples, with no stored language as a hint. It fails
// below 90% intent accuracy overall or 95% language accuracy on messages of
// three words or more.
func TestEvaluation(t *testing.T) {
	t.Parallel()
	c := testClassifier(t)
	type tally struct{ ok, n, langOK, langN int }
	per := map[domain.Lang]*tally{}
	var all tally
	var misses []string
	for _, e := range readEval(t) {
		u := c.Understand(e.message, "")
		tl := per[e.lang]
		if tl == nil {
			tl = &tally{}
			per[e.lang] = tl
		}
		tl.n++
		all.n++
		if u.Intent == e.intent {
			tl.ok++
			all.ok++
		} else {
			misses = append(misses, string(e.lang)+" want "+string(e.intent)+" got "+string(u.Intent)+": "+e.message)
		}
		if len(strings.Fields(e.message)) >= 3 {
			tl.langN++
			all.langN++
			if u.Lang == e.lang {
				tl.langOK++
				all.langOK++
			} else {
				misses = append(misses, string(e.lang)+" language got "+string(u.Lang)+": "+e.message)
			}
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }
	for _, l := range domain.Languages {
		if tl := per[l]; tl != nil {
			t.Logf("%s: intent %.1f%% (%d/%d), language %.1f%% (%d/%d messages of 3+ words)",
				l, pct(tl.ok, tl.n), tl.ok, tl.n, pct(tl.langOK, tl.langN), tl.langOK, tl.langN)
		}
	}
	t.Logf("overall: intent %.1f%% (%d/%d), language %.1f%% (%d/%d messages of 3+ words)",
		pct(all.ok, all.n), all.ok, all.n, pct(all.langOK, all.langN), all.langOK, all.langN)
	sort.Strings(misses)
	if testing.Verbose() {
		for _, m := range misses {
			t.Log("miss: " + m)
		}
	}
	if pct(all.ok, all.n) < 90 {
		t.Errorf("intent accuracy %.1f%%, want at least 90%%", pct(all.ok, all.n))
	}
	if pct(all.langOK, all.langN) < 95 {
		t.Errorf("language accuracy on 3+ words %.1f%%, want at least 95%%", pct(all.langOK, all.langN))
	}
}
