package flows

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/skybridge/skybridge/domain"
)

// Article is a knowledge article as staff write it, in one language of a content
// version: the only source of policy answers. Articles with the same ID in
// different languages are translations of each other.
type Article struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Body is the article's paragraphs: an answer quotes the one that matched.
	Body []string `json:"body"`
	// URL is the article on the airline's site, if any; answers link it.
	URL string `json:"url,omitempty"`
	// Tags are keywords that help questions find the article (synonyms, the
	// words travellers use).
	Tags []string `json:"tags,omitempty"`
}

// Knowledge indexes and searches the knowledge articles of content versions.
// integrations/store implements it on PostgreSQL text search and SQLite FTS5.
type Knowledge interface {
	// IndexArticles makes the articles of a content version searchable; calling
	// it again for an indexed version does nothing.
	IndexArticles(ctx context.Context, version int, articles []domain.Article) error
	// SearchArticles returns up to limit articles of a version in lang that match
	// the question, best first, each with its best passage and a score in [0, 1].
	SearchArticles(ctx context.Context, version int, lang domain.Lang, query string, limit int) ([]domain.ArticleHit, error)
}

// MinAnswerScore is the score below which the best article is not taken as the
// answer: the assistant says it did not find it and offers a person instead of
// quoting something beside the point. Measured on the evaluation set in
// flows/testdata/knowledge_questions.json (knowledge_eval_test.go).
const MinAnswerScore = 0.35

// knowledge is the engine's view of the knowledge base: the port, and the
// versions already indexed by this process.
type knowledge struct {
	port    Knowledge
	mu      sync.Mutex
	indexed map[int]bool
}

func newKnowledge(k Knowledge) *knowledge {
	if k == nil {
		return nil
	}
	return &knowledge{port: k, indexed: map[int]bool{}}
}

// search looks the question up in the articles of content c, in lang when c has
// articles in lang and in the default language otherwise (the language searched
// is returned). The version is indexed on first use, so that conversations pinned
// to an old version search that version's articles.
func (k *knowledge) search(ctx context.Context, c Content, lang domain.Lang, q string, limit int) ([]domain.ArticleHit, domain.Lang, error) {
	k.mu.Lock()
	done := k.indexed[c.Version]
	k.mu.Unlock()
	if !done {
		if err := k.port.IndexArticles(ctx, c.Version, c.domainArticles()); err != nil {
			return nil, "", err
		}
		k.mu.Lock()
		k.indexed[c.Version] = true
		k.mu.Unlock()
	}
	if len(c.Articles[lang]) == 0 {
		lang = domain.DefaultLang
	}
	hits, err := k.port.SearchArticles(ctx, c.Version, lang, q, limit)
	return hits, lang, err
}

// Answer is what the assistant replies to a question: the best passage quoted
// from an article, or nothing found.
type Answer struct {
	Hit domain.ArticleHit
	// Found is false when no article scores MinAnswerScore or more.
	Found bool
	// Lang is the language of the articles searched; it differs from the
	// traveller's when their language has no articles.
	Lang domain.Lang
}

// answer replies to a question from the airline's knowledge articles and reports
// whether it replied. It quotes the best passage, names the article and links it;
// when nothing matches well enough it says so and offers a person. It never
// composes policy text of its own. Without a knowledge base, or when the search
// fails, it does not reply and the caller goes on as if the message were not a
// question.
func (e *Engine) answer(ctx context.Context, t *Turn) bool {
	if e.knowledge == nil || strings.TrimSpace(t.In.Text) == "" {
		return false
	}
	a, err := e.Lookup(ctx, t.Content, t.Lang, t.In.Text)
	if err != nil {
		e.log.WarnContext(ctx, "knowledge search failed", "conversation", t.Conv.ID, "flow", t.Conv.Flow, "err", err)
		return false
	}
	if !a.Found {
		t.Ask(t.T("knowledge.no_answer"), t.Choice("intent:human", "menu.human"))
		return true
	}
	if a.Lang != t.Lang {
		t.Say("knowledge.other_language")
	}
	h := a.Hit
	if h.URL != "" {
		t.Say("knowledge.answer", "title", h.Title, "passage", h.Passage, "url", h.URL)
	} else {
		t.Say("knowledge.answer_no_url", "title", h.Title, "passage", h.Passage)
	}
	return true
}

// Lookup looks a question up in the articles of content c for a traveller writing
// in lang. It is what a conversation's answer is made of, and what staff tools and
// the evaluation use to see why an article was (or was not) chosen.
func (e *Engine) Lookup(ctx context.Context, c Content, lang domain.Lang, question string) (Answer, error) {
	if e.knowledge == nil {
		return Answer{}, fmt.Errorf("look up question: no knowledge base configured")
	}
	hits, searched, err := e.knowledge.search(ctx, c, lang, question, 3)
	if err != nil {
		return Answer{}, fmt.Errorf("look up question: %w", err)
	}
	a := Answer{Lang: searched}
	if len(hits) > 0 && hits[0].Score >= MinAnswerScore {
		a.Hit, a.Found = hits[0], true
	}
	return a, nil
}

// domainArticles lists every article of the content, in every language.
func (c Content) domainArticles() []domain.Article {
	var out []domain.Article
	langs := make([]string, 0, len(c.Articles))
	for l := range c.Articles {
		langs = append(langs, string(l))
	}
	sort.Strings(langs)
	for _, l := range langs {
		for _, a := range c.Articles[domain.Lang(l)] {
			out = append(out, toDomainArticle(domain.Lang(l), a))
		}
	}
	return out
}

func toDomainArticle(l domain.Lang, a Article) domain.Article {
	return domain.Article{ID: a.ID, Lang: l, Title: a.Title, Paragraphs: a.Body, URL: a.URL, Tags: a.Tags}
}

//go:embed content/articles/*.json
var defaultArticles embed.FS

// loadDefaultArticles reads content/articles/<lang>.json, one file per language.
func loadDefaultArticles(c *Content) error {
	entries, err := fs.ReadDir(defaultArticles, "content/articles")
	if err != nil {
		return fmt.Errorf("default articles: %w", err)
	}
	c.Articles = map[domain.Lang][]Article{}
	for _, e := range entries {
		b, err := defaultArticles.ReadFile(path.Join("content/articles", e.Name()))
		if err != nil {
			return fmt.Errorf("default articles: %w", err)
		}
		var list []Article
		if err := json.Unmarshal(b, &list); err != nil {
			return fmt.Errorf("default articles %s: %w", e.Name(), err)
		}
		c.Articles[domain.Lang(strings.TrimSuffix(e.Name(), ".json"))] = list
	}
	return nil
}

var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// validateArticles checks each language's articles (slug ids, unique, with a
// title and a body, links on https) and the fallback rule: a language has either
// no articles, and travellers writing in it are answered from the default
// language's articles (saying so), or the very same article ids as the default
// language, so that no question is answered in one language and not in another.
func (c Content) validateArticles(langs []domain.Lang) []Problem {
	var out []Problem
	ref := map[string]bool{}
	for _, a := range c.Articles[domain.DefaultLang] {
		ref[a.ID] = true
	}
	for l, list := range c.Articles {
		ids := map[string]bool{}
		for i, a := range list {
			key := fmt.Sprintf("articles.%s", a.ID)
			if !slug.MatchString(a.ID) {
				out = append(out, Problem{Lang: l, Key: fmt.Sprintf("articles[%d]", i), Message: fmt.Sprintf("id %q is not a slug (a-z, 0-9, dashes)", a.ID)})
			}
			if ids[a.ID] {
				out = append(out, Problem{Lang: l, Key: key, Message: "duplicate article id"})
			}
			ids[a.ID] = true
			if strings.TrimSpace(a.Title) == "" {
				out = append(out, Problem{Lang: l, Key: key, Message: "empty title"})
			}
			empty := len(a.Body) == 0
			for _, p := range a.Body {
				empty = empty || strings.TrimSpace(p) == ""
			}
			if empty {
				out = append(out, Problem{Lang: l, Key: key, Message: "empty body or paragraph"})
			}
			if a.URL != "" && !strings.HasPrefix(a.URL, "https://") {
				out = append(out, Problem{Lang: l, Key: key, Message: "url must start with https://"})
			}
		}
		if l == domain.DefaultLang || !contains(langNames(langs), string(l)) {
			continue
		}
		for id := range ref {
			if !ids[id] {
				out = append(out, Problem{Lang: l, Key: "articles." + id, Message: "missing translation (a language has all the default language's articles or none)"})
			}
		}
		for id := range ids {
			if !ref[id] {
				out = append(out, Problem{Lang: l, Key: "articles." + id, Message: fmt.Sprintf("no such article in %s", domain.DefaultLang)})
			}
		}
	}
	return out
}

func langNames(langs []domain.Lang) []string {
	out := make([]string, len(langs))
	for i, l := range langs {
		out[i] = string(l)
	}
	return out
}
