package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/migrations"
)

// Knowledge articles are searched per content version and language. IndexArticles
// writes a version's articles once, one row per paragraph, into a full-text index
// of the words the store's own text analysis makes of them (knowledge_text.go):
// a tsvector of the 'simple' configuration on PostgreSQL, an FTS5 table on
// SQLite. SearchArticles asks that index for the passages using any meaningful
// word of the question, ranks them by BM25 computed from the lexicon of the
// version (knowledge_lexicon.go), the same on both databases, and scores each
// article by how much of the question it covers.

type knowledgeVersionRow struct {
	ContentVersion int `gorm:"primaryKey;autoIncrement:false"`
	IndexedAt      time.Time
}

func (knowledgeVersionRow) TableName() string { return "knowledge_versions" }

type knowledgePassageRow struct {
	ID             int64
	ContentVersion int
	Lang           string
	Article        string
	Paragraph      int
	Title          string
	URL            string
	Tags           string
	Body           string
}

func (knowledgePassageRow) TableName() string { return "knowledge_passages" }

// IndexArticles indexes the articles of a content version for search. It is
// idempotent and safe to call from several instances at once: the first call for a
// version writes every passage in one transaction, later calls (and concurrent
// ones, once the first commits) find the version indexed and do nothing.
func (s *Store) IndexArticles(ctx context.Context, version int, articles []domain.Article) error {
	const op = "index articles"
	if version < 1 {
		return domain.Errorf(domain.Invalid, op, "content version %d", version)
	}
	err := s.inTx(ctx, func(tx *gorm.DB, _ *sql.Tx) error {
		res := tx.Exec("INSERT INTO knowledge_versions (content_version, indexed_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
			version, s.now().UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // indexed already
		}
		for _, a := range articles {
			tags := strings.Join(a.Tags, ", ")
			for i, p := range a.Paragraphs {
				row := knowledgePassageRow{ContentVersion: version, Lang: string(a.Lang), Article: a.ID, Paragraph: i,
					Title: a.Title, URL: a.URL, Tags: tags, Body: p}
				if err := s.insertPassage(tx, row); err != nil {
					return fmt.Errorf("article %s/%s: %w", a.Lang, a.ID, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s of content version %d: %w", op, version, err)
	}
	return nil
}

func (s *Store) insertPassage(tx *gorm.DB, r knowledgePassageRow) error {
	lang := domain.Lang(r.Lang)
	if s.dialect == migrations.Postgres {
		return tx.Exec(`INSERT INTO knowledge_passages (content_version, lang, article, paragraph, title, url, tags, body, search)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?,
				setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') ||
				setweight(to_tsvector('simple', ?), 'C'))`,
			r.ContentVersion, r.Lang, r.Article, r.Paragraph, r.Title, r.URL, r.Tags, r.Body,
			stemmed(lang, r.Title), stemmed(lang, r.Tags), stemmed(lang, r.Body)).Error
	}
	if err := tx.Create(&r).Error; err != nil {
		return err
	}
	return tx.Exec("INSERT INTO knowledge_fts (rowid, scope, title, tags, body) VALUES (?, ?, ?, ?, ?)",
		r.ID, scopeOf(r.ContentVersion, lang), stemmed(lang, r.Title), stemmed(lang, r.Tags), stemmed(lang, r.Body)).Error
}

// scopeOf is the FTS5 token that restricts a search to one version and language.
func scopeOf(version int, l domain.Lang) string { return fmt.Sprintf("v%d%s", version, l) }

// maxPassages bounds the passages read per search, the database's best first:
// every paragraph of the best articles, with room to spare.
const maxPassages = 200

type passageMatch struct {
	Article, Title, URL, Body string
	Paragraph                 int
	Rank                      float64
}

// SearchArticles returns up to limit articles of a content version in lang that
// match the question, best first, each with the paragraph that matched best. An
// article's Score says how much of the question it covers (domain.ArticleHit). A
// question with no meaningful word, or a version or language without articles,
// finds nothing.
func (s *Store) SearchArticles(ctx context.Context, version int, lang domain.Lang, query string, limit int) ([]domain.ArticleHit, error) {
	const op = "search articles"
	if limit < 1 {
		limit = 3
	}
	lex, err := s.lexicon(ctx, version, lang)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	terms := lex.questionWords(lang, query)
	if len(terms) == 0 || lex.articles == 0 {
		return nil, nil
	}
	stems := make([]string, 0, len(terms))
	for _, t := range terms {
		if st := stem(lang, t); !slices.Contains(stems, st) {
			stems = append(stems, st)
		}
	}
	var rows []passageMatch
	if s.dialect == migrations.Postgres {
		// The stems are letters, digits and marks (words): nothing to quote.
		err = s.db.WithContext(ctx).Raw(`SELECT article, paragraph, title, url, body
			FROM knowledge_passages, to_tsquery('simple', ?) AS q
			WHERE content_version = ? AND lang = ? AND search @@ q
			ORDER BY ts_rank('{0.1, 0.3, 0.6, 1.0}', search, q) DESC, article, paragraph LIMIT ?`,
			strings.Join(stems, " | "), version, string(lang), maxPassages).Scan(&rows).Error
	} else {
		alts := make([]string, len(stems))
		for i, st := range stems {
			alts[i] = `"` + st + `"`
		}
		match := fmt.Sprintf(`scope:"%s" AND (%s)`, scopeOf(version, lang), strings.Join(alts, " OR "))
		err = s.db.WithContext(ctx).Raw(`SELECT p.article, p.paragraph, p.title, p.url, p.body
			FROM knowledge_fts JOIN knowledge_passages p ON p.id = knowledge_fts.rowid
			WHERE knowledge_fts MATCH ?
			ORDER BY bm25(knowledge_fts, 0.0, 4.0, 2.0, 1.0), p.article, p.paragraph LIMIT ?`, match, maxPassages).Scan(&rows).Error
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for i := range rows {
		rows[i].Rank = lex.passageRank(lang, rows[i].Article, rows[i].Paragraph, terms)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Rank != rows[j].Rank {
			return rows[i].Rank > rows[j].Rank
		}
		if rows[i].Article != rows[j].Article {
			return rows[i].Article < rows[j].Article
		}
		return rows[i].Paragraph < rows[j].Paragraph
	})
	return lex.rank(lang, terms, rows, limit), nil
}

// rank orders the articles as their best passage ranks (passageRank) and
// scores each by how much of the question it covers. The passage quoted is the
// article's paragraph that contains most of the question (weighted by rarity),
// the earliest on a tie: articles lead with the general rule. Ordering articles
// by coverage instead, or by their best passage's rank times their coverage,
// was measured worse on the evaluation set: the rank knows that a word in the
// title counts more than one in passing.
func (lex *lexicon) rank(lang domain.Lang, terms []string, rows []passageMatch, limit int) []domain.ArticleHit {
	var order []string
	byArticle := map[string][]passageMatch{}
	for _, r := range rows {
		if _, ok := byArticle[r.Article]; !ok {
			order = append(order, r.Article)
		}
		byArticle[r.Article] = append(byArticle[r.Article], r)
	}
	var out []domain.ArticleHit
	for _, id := range order {
		if len(out) == limit {
			break
		}
		best, bestScore := passageMatch{Paragraph: -1}, -1.0
		for _, r := range byArticle[id] {
			sc := lex.passageScore(lang, r.Body, terms)
			if sc > bestScore || sc == bestScore && r.Paragraph < best.Paragraph {
				best, bestScore = r, sc
			}
		}
		out = append(out, domain.ArticleHit{ID: id, Title: best.Title, Passage: best.Body, URL: best.URL,
			Score: lex.coverage(lang, id, terms)})
	}
	return out
}

// passageScore is the idf-weighted count of the question's words in a paragraph.
func (lex *lexicon) passageScore(lang domain.Lang, body string, terms []string) float64 {
	in := map[string]bool{}
	for _, w := range analyze(body) {
		in[stem(lang, w)] = true
	}
	var sc float64
	for _, t := range terms {
		if st := stem(lang, t); in[st] {
			sc += lex.idf(st)
		}
	}
	return sc
}
