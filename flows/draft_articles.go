package flows

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/skybridge/skybridge/domain"
)

// ArticleEntry is one knowledge article in every language that has it: what the
// console lists and edits as one thing.
type ArticleEntry struct {
	ID     string
	ByLang map[domain.Lang]Article
}

// ArticleEntries lists the content's articles by id: the default language's in
// their order, then the ids only other languages have, sorted. An id a language
// holds twice is listed once, with its first occurrence (the validator reports
// the duplicate).
func (c Content) ArticleEntries() []ArticleEntry {
	var order []string
	byID := map[string]ArticleEntry{}
	add := func(l domain.Lang, a Article) {
		e, ok := byID[a.ID]
		if !ok {
			e = ArticleEntry{ID: a.ID, ByLang: map[domain.Lang]Article{}}
			order = append(order, a.ID)
		}
		if _, seen := e.ByLang[l]; !seen {
			e.ByLang[l] = a
		}
		byID[a.ID] = e
	}
	for _, a := range c.Articles[domain.DefaultLang] {
		add(domain.DefaultLang, a)
	}
	known := len(order)
	for _, l := range c.articleLangs() {
		if l == domain.DefaultLang {
			continue
		}
		for _, a := range c.Articles[l] {
			add(l, a)
		}
	}
	sort.Strings(order[known:])
	out := make([]ArticleEntry, len(order))
	for i, id := range order {
		out[i] = byID[id]
	}
	return out
}

// Article returns article id in every language that has it; ok is false when
// none has.
func (c Content) Article(id string) (ArticleEntry, bool) {
	e := ArticleEntry{ID: id, ByLang: map[domain.Lang]Article{}}
	for l, list := range c.Articles {
		if i := slices.IndexFunc(list, func(a Article) bool { return a.ID == id }); i >= 0 {
			e.ByLang[l] = list[i]
		}
	}
	return e, len(e.ByLang) > 0
}

// articleLangs lists the languages with an article list, in display order.
func (c Content) articleLangs() []domain.Lang {
	set := map[domain.Lang]bool{}
	for l := range c.Articles {
		set[l] = true
	}
	return sortedLangs(set)
}

// Bounds of an article as staff write it. The longest shipped paragraph has
// about 600 characters; these leave room without letting one article swamp a
// search.
const (
	MaxArticleTitle      = 200
	MaxArticleParagraphs = 30
	MaxArticleParagraph  = 3000
	MaxArticleTags       = 40
	MaxArticleTag        = 60
	MaxArticleURL        = 500
)

// ValidArticleID reports whether id can name an article: a slug of lower-case
// letters, digits and single dashes, at most 80 characters.
func ValidArticleID(id string) bool { return len(id) <= 80 && slug.MatchString(id) }

// PutArticle sets article id in the languages of byLang; a nil entry removes that
// language's translation. The article keeps its place in each language's list, a
// new one goes last. Texts are trimmed, blank paragraphs and tags dropped and
// repeated tags merged. A non-slug id, text beyond the bounds, a language the
// assistant does not speak, or translations left without the default language's
// article are Invalid. What a draft may hold while staff work on it (an empty
// title or body, a bad link, a missing translation) is left for CheckDraft to
// report.
//
// The article lists are copied before the change, so that content shared with
// others is never modified.
func (c *Content) PutArticle(id string, byLang map[domain.Lang]*Article) error {
	const op = "edit article"
	if !ValidArticleID(id) {
		return domain.Errorf(domain.Invalid, op, "article id %q is not a slug (a-z, 0-9, single dashes, at most 80 characters)", id)
	}
	if len(byLang) == 0 {
		return domain.Errorf(domain.Invalid, op, "give the article in at least one language")
	}
	clean := make(map[domain.Lang]*Article, len(byLang))
	for l, a := range byLang {
		if !l.Supported() {
			return domain.Errorf(domain.Invalid, op, "unknown language %q", l)
		}
		if a == nil {
			clean[l] = nil
			continue
		}
		n, err := normalizeArticle(id, l, *a)
		if err != nil {
			return err
		}
		clean[l] = &n
	}
	articles := c.cloneArticles()
	for l, a := range clean {
		list := articles[l]
		i := slices.IndexFunc(list, func(x Article) bool { return x.ID == id })
		switch {
		case a == nil && i >= 0:
			list = slices.Delete(list, i, i+1)
		case a == nil:
		case i >= 0:
			list[i] = *a
		default:
			list = append(list, *a)
		}
		if len(list) == 0 {
			delete(articles, l)
		} else {
			articles[l] = list
		}
	}
	has := func(l domain.Lang) bool {
		return slices.ContainsFunc(articles[l], func(x Article) bool { return x.ID == id })
	}
	if !has(domain.DefaultLang) {
		for l := range articles {
			if has(l) {
				return domain.Errorf(domain.Invalid, op, "article %s needs its %s text while it has translations: to remove it, remove it in every language", id, domain.DefaultLang)
			}
		}
	}
	c.Articles = articles
	return nil
}

// RemoveArticle removes article id from every language. NotFound when no
// language has it.
func (c *Content) RemoveArticle(id string) error {
	if _, ok := c.Article(id); !ok {
		return domain.Errorf(domain.NotFound, "remove article", "there is no article %q", id)
	}
	articles := c.cloneArticles()
	for l, list := range articles {
		list = slices.DeleteFunc(list, func(a Article) bool { return a.ID == id })
		if len(list) == 0 {
			delete(articles, l)
		} else {
			articles[l] = list
		}
	}
	c.Articles = articles
	return nil
}

func (c Content) cloneArticles() map[domain.Lang][]Article {
	out := make(map[domain.Lang][]Article, len(c.Articles))
	for l, list := range c.Articles {
		out[l] = slices.Clone(list)
	}
	return out
}

// normalizeArticle trims an article's texts and checks them against the bounds.
func normalizeArticle(id string, l domain.Lang, a Article) (Article, error) {
	const op = "edit article"
	tooLong := func(what string, n int) error {
		return domain.Errorf(domain.Invalid, op, "%s.%s: %s is longer than %d characters", l, id, what, n)
	}
	out := Article{ID: id, Title: strings.TrimSpace(a.Title), URL: strings.TrimSpace(a.URL)}
	if len([]rune(out.Title)) > MaxArticleTitle {
		return out, tooLong("the title", MaxArticleTitle)
	}
	if len(out.URL) > MaxArticleURL {
		return out, tooLong("the link", MaxArticleURL)
	}
	for _, p := range a.Body {
		p = strings.TrimSpace(strings.ReplaceAll(p, "\r\n", "\n"))
		if p == "" {
			continue
		}
		if len([]rune(p)) > MaxArticleParagraph {
			return out, tooLong("a paragraph", MaxArticleParagraph)
		}
		out.Body = append(out.Body, p)
	}
	if len(out.Body) > MaxArticleParagraphs {
		return out, domain.Errorf(domain.Invalid, op, "%s.%s: at most %d paragraphs", l, id, MaxArticleParagraphs)
	}
	seen := map[string]bool{}
	for _, t := range a.Tags {
		t = strings.Join(strings.Fields(t), " ")
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		if len([]rune(t)) > MaxArticleTag {
			return out, tooLong("a tag", MaxArticleTag)
		}
		seen[strings.ToLower(t)] = true
		out.Tags = append(out.Tags, t)
	}
	if len(out.Tags) > MaxArticleTags {
		return out, domain.Errorf(domain.Invalid, op, "%s.%s: at most %d tags", l, id, MaxArticleTags)
	}
	return out, nil
}

// articleProblems adds to validateArticles what only staff edits produce: a
// link that starts right but is no web address.
func (c Content) articleProblems() []Problem {
	var out []Problem
	for l, list := range c.Articles {
		for _, a := range list {
			if a.URL == "" || !strings.HasPrefix(a.URL, "https://") {
				continue // none, or reported by validateArticles
			}
			u, err := url.Parse(a.URL)
			if err != nil || u.Host == "" || strings.ContainsAny(a.URL, " \t\n") || u.User != nil {
				out = append(out, Problem{Lang: l, Key: ArticleKey(a.ID), Message: "url is not a web address (https://host/path)"})
			}
		}
	}
	return out
}

// diffArticles lists what changed in one language's articles, field by field:
// articles.ID.title, .url, .tags (comma-separated) and each paragraph,
// .body[0], .body[1], …, so that a change of one sentence shows that paragraph
// alone.
func diffArticles(l domain.Lang, old, new []Article) []Change {
	return diffMaps(l, flattenArticles(old), flattenArticles(new))
}

func flattenArticles(list []Article) map[string]string {
	out := map[string]string{}
	for _, a := range list {
		key := "articles." + a.ID
		if _, dup := out[key+".title"]; dup {
			continue // a duplicate id: the validator reports it
		}
		out[key+".title"] = a.Title
		for i, p := range a.Body {
			out[fmt.Sprintf("%s.body[%d]", key, i)] = p
		}
		if a.URL != "" {
			out[key+".url"] = a.URL
		}
		if len(a.Tags) > 0 {
			out[key+".tags"] = strings.Join(a.Tags, ", ")
		}
	}
	return out
}

// ArticleProblemField says which field of an article a problem of
// validateArticles or articleProblems is about: "title", "body", "url", "id" or
// "" (the article as a whole, such as a missing translation).
func ArticleProblemField(msg string) string {
	switch {
	case strings.HasPrefix(msg, "empty title"):
		return "title"
	case strings.HasPrefix(msg, "empty body"):
		return "body"
	case strings.HasPrefix(msg, "url "):
		return "url"
	case strings.HasPrefix(msg, "duplicate article id"), strings.HasPrefix(msg, "id "):
		return "id"
	}
	return ""
}

// ArticleKey is the Problem key under which the validator reports article id.
func ArticleKey(id string) string { return "articles." + id }
