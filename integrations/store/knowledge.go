package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skybridge/skybridge/domain"
	"github.com/skybridge/skybridge/migrations"
)

// Knowledge articles are searched per content version and language. IndexArticles
// writes a version's articles once, one row per paragraph, into a full-text index:
// PostgreSQL stores a tsvector stemmed with the language's text search
// configuration; SQLite stores text stemmed by stem (knowledge_text.go) in an FTS5
// table. SearchArticles asks that index for the passages matching any meaningful
// word of the question, ranked by the database (ts_rank, bm25), and scores each
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

// textSearchConfigs maps a language to PostgreSQL's text search configuration;
// the others use 'simple' (folded words, no stemming).
var textSearchConfigs = map[domain.Lang]string{
	"en": "english", "fr": "french", "nl": "dutch", "de": "german", "es": "spanish",
	"pt": "portuguese", "it": "italian", "tr": "turkish",
}

func textSearchConfig(l domain.Lang) string {
	if c, ok := textSearchConfigs[l]; ok {
		return c
	}
	return "simple"
}

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
		cfg, folded := textSearchConfig(lang), func(x string) string { return strings.Join(analyze(x), " ") }
		return tx.Exec(`INSERT INTO knowledge_passages (content_version, lang, article, paragraph, title, url, tags, body, search)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?,
				setweight(to_tsvector(?::regconfig, ?), 'A') || setweight(to_tsvector(?::regconfig, ?), 'B') ||
				setweight(to_tsvector(?::regconfig, ?), 'C'))`,
			r.ContentVersion, r.Lang, r.Article, r.Paragraph, r.Title, r.URL, r.Tags, r.Body,
			cfg, folded(r.Title), cfg, folded(r.Tags), cfg, folded(r.Body)).Error
	}
	if err := tx.Create(&r).Error; err != nil {
		return err
	}
	return tx.Exec("INSERT INTO knowledge_fts (rowid, scope, title, tags, body) VALUES (?, ?, ?, ?, ?)",
		r.ID, scopeOf(r.ContentVersion, lang), stemmed(lang, r.Title), stemmed(lang, r.Tags), stemmed(lang, r.Body)).Error
}

// scopeOf is the FTS5 token that restricts a search to one version and language.
func scopeOf(version int, l domain.Lang) string { return fmt.Sprintf("v%d%s", version, l) }

// maxPassages bounds the passages read per search: every paragraph of the best
// articles, with room to spare.
const maxPassages = 60

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
	var rows []passageMatch
	if s.dialect == migrations.Postgres {
		err = s.db.WithContext(ctx).Raw(`SELECT article, paragraph, title, url, body,
				ts_rank('{0.1, 0.3, 0.6, 1.0}', search, q) AS rank
			FROM knowledge_passages, to_tsquery(?::regconfig, ?) AS q
			WHERE content_version = ? AND lang = ? AND search @@ q
			ORDER BY rank DESC, article, paragraph LIMIT ?`,
			textSearchConfig(lang), strings.Join(terms, " | "), version, string(lang), maxPassages).Scan(&rows).Error
	} else {
		alts := make([]string, len(terms))
		for i, t := range terms {
			alts[i] = `"` + stem(lang, t) + `"`
		}
		match := fmt.Sprintf(`scope:"%s" AND (%s)`, scopeOf(version, lang), strings.Join(alts, " OR "))
		// bm25 is lower for better matches; the title counts most, then the keywords.
		err = s.db.WithContext(ctx).Raw(`SELECT p.article, p.paragraph, p.title, p.url, p.body,
				-bm25(knowledge_fts, 0.0, 4.0, 2.0, 1.0) AS rank
			FROM knowledge_fts JOIN knowledge_passages p ON p.id = knowledge_fts.rowid
			WHERE knowledge_fts MATCH ?
			ORDER BY rank DESC, p.article, p.paragraph LIMIT ?`, match, maxPassages).Scan(&rows).Error
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return lex.rank(lang, terms, rows, limit), nil
}

// rank orders the articles as the database ranked their best passage and
// scores each by how much of the question it covers. The passage quoted is the
// article's paragraph that contains most of the question (weighted by rarity),
// the earliest on a tie: articles lead with the general rule, and the choice is
// then the same on both databases. Ordering articles by coverage instead was
// measured worse on the evaluation set: the database's ranking knows that a
// word in the title counts more than one in passing.
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
