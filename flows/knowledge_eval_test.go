package flows_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/flows"
	"github.com/skybridge/skybridge/integrations/database"
	"github.com/skybridge/skybridge/integrations/dbtest"
	"github.com/skybridge/skybridge/integrations/store"
	"github.com/skybridge/skybridge/migrations"
)

// knowledgeQuestion is one question of the evaluation set with the article that
// answers it; "" means no article does, and the assistant must say so.
type knowledgeQuestion struct {
	Lang    domain.Lang `json:"lang"`
	Q       string      `json:"q"`
	Article string      `json:"article"`
}

func loadKnowledgeQuestions(t testing.TB, name string) []knowledgeQuestion {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var qs []knowledgeQuestion
	if err := json.Unmarshal(b, &qs); err != nil {
		t.Fatal(err)
	}
	return qs
}

type scored struct {
	score       float64
	right, none bool
}

type evalCounts struct{ n, top1, top3, answered, wrongAnswer, noneN, noneRefused int }

func (c evalCounts) pct(x int) string {
	if c.n == 0 {
		return "-"
	}
	return fmt.Sprintf("%5.1f%%", 100*float64(x)/float64(c.n))
}

// TestKnowledgeEvaluation searches the demo airline's articles (the shipped
// content) for every question of testdata/knowledge_questions.json, on SQLite and
// on PostgreSQL. The articles' keywords and the stop-word lists were adjusted
// while looking at that set's misses; knowledge_questions_holdout.json was
// written afterwards and never tuned on (its questions in Italian, Polish,
// Turkish, Arabic, Chinese and Hindi were written before those languages'
// articles), so its figures are the fairer ones. For each set the test reports
// per language the top-1 and top-3 hit rates, how often the best article is good
// enough to be quoted (MinAnswerScore) and is then the right one, how often a
// question no article answers is refused, and the median search time, and fails
// when the overall top-1 of either set is below the 85 % goal on either
// database. Run with -v to see the table.
func TestKnowledgeEvaluation(t *testing.T) {
	t.Parallel()
	qs := loadKnowledgeQuestions(t, "knowledge_questions.json")
	holdout := loadKnowledgeQuestions(t, "knowledge_questions_holdout.json")
	content, err := flows.DefaultContent()
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, a := range content.Articles[domain.DefaultLang] {
		ids[a.ID] = true
	}
	perArticle := map[string]int{}
	for _, q := range qs {
		if q.Article != "" && !ids[q.Article] {
			t.Fatalf("question %q names unknown article %q", q.Q, q.Article)
		}
		perArticle[q.Article]++
	}
	for id := range ids {
		if perArticle[id] < 10 {
			t.Errorf("article %s has %d questions, want at least 10", id, perArticle[id])
		}
	}
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := t.Context()
		sealer, err := domain.NewSealer(domain.NewKey("eval"))
		if err != nil {
			t.Fatal(err)
		}
		st, err := store.New(db, sealer, nil, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		var articles []domain.Article
		for l, list := range content.Articles {
			for _, a := range list {
				articles = append(articles, domain.Article{ID: a.ID, Lang: l, Title: a.Title, Paragraphs: a.Body, URL: a.URL, Tags: a.Tags})
			}
		}
		if err := st.IndexArticles(ctx, 1, articles); err != nil {
			t.Fatal(err)
		}
		for _, set := range []struct {
			name string
			qs   []knowledgeQuestion
		}{{"knowledge_questions.json", qs}, {"knowledge_questions_holdout.json", holdout}} {
			evaluate(t, st, db.Dialect, set.name, set.qs)
		}
	})
}

// evaluate runs one question set against an indexed store, logs the figures and
// fails below the 85 % top-1 goal.
func evaluate(t *testing.T, st *store.Store, dialect migrations.Dialect, name string, qs []knowledgeQuestion) {
	ctx := t.Context()
	byLang := map[domain.Lang]*evalCounts{}
	all := &evalCounts{}
	var took []time.Duration
	var misses []string
	var best []scored
	for _, q := range qs {
		start := time.Now()
		hits, err := st.SearchArticles(ctx, 1, q.Lang, q.Q, 3)
		took = append(took, time.Since(start))
		if err != nil {
			t.Fatalf("search %q: %v", q.Q, err)
		}
		c := byLang[q.Lang]
		if c == nil {
			c = &evalCounts{}
			byLang[q.Lang] = c
		}
		answered := len(hits) > 0 && hits[0].Score >= flows.MinAnswerScore
		for _, c := range []*evalCounts{c, all} {
			if q.Article == "" {
				c.noneN++
				if !answered {
					c.noneRefused++
				}
				continue
			}
			c.n++
			if len(hits) > 0 && hits[0].ID == q.Article {
				c.top1++
			}
			if slices.ContainsFunc(hits, func(h domain.ArticleHit) bool { return h.ID == q.Article }) {
				c.top3++
			}
			if answered {
				c.answered++
				if hits[0].ID != q.Article {
					c.wrongAnswer++
				}
			}
		}
		if len(hits) > 0 {
			best = append(best, scored{score: hits[0].Score, right: hits[0].ID == q.Article, none: q.Article == ""})
		}
		if q.Article != "" && (len(hits) == 0 || hits[0].ID != q.Article || !answered) || q.Article == "" && answered {
			got := "nothing"
			if len(hits) > 0 {
				got = fmt.Sprintf("%s (%.2f)", hits[0].ID, hits[0].Score)
			}
			misses = append(misses, fmt.Sprintf("%s %q: want %q, got %s", q.Lang, q.Q, q.Article, got))
		}
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	median := took[len(took)/2]
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s (%d questions, %d without an answer)\n", name, dialect, all.n, all.noneN)
	fmt.Fprintf(&b, "lang  questions  top-1   top-3   quoted  quoted-wrong  refused(no-answer set)\n")
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, string(l))
	}
	sort.Strings(langs)
	row := func(name string, c *evalCounts) {
		fmt.Fprintf(&b, "%-5s %9d  %s  %s  %s  %12d  %d/%d\n", name, c.n, c.pct(c.top1), c.pct(c.top3), c.pct(c.answered), c.wrongAnswer, c.noneRefused, c.noneN)
	}
	for _, l := range langs {
		row(l, byLang[domain.Lang(l)])
	}
	row("all", all)
	fmt.Fprintf(&b, "median search time %s (max %s)\n", median, took[len(took)-1])
	fmt.Fprintf(&b, "answer threshold (flows.MinAnswerScore = %.2f): right answers quoted, wrong answers quoted, no-answer questions answered\n", flows.MinAnswerScore)
	for th := 0.20; th < 0.61; th += 0.05 {
		var right, wrong, none int
		for _, s := range best {
			if s.score < th {
				continue
			}
			switch {
			case s.none:
				none++
			case s.right:
				right++
			default:
				wrong++
			}
		}
		fmt.Fprintf(&b, "  %.2f: %3d/%d right, %d wrong, %d/%d\n", th, right, all.n, wrong, none, all.noneN)
	}
	for _, m := range misses {
		fmt.Fprintf(&b, "  miss: %s\n", m)
	}
	t.Log("\n" + b.String())
	if top1 := float64(all.top1) / float64(all.n); top1 < 0.85 {
		t.Errorf("%s on %s: overall top-1 %.1f%%, goal 85%%", name, dialect, 100*top1)
	}
}
