-- +goose Up
-- Knowledge articles of a content version, one row per paragraph, indexed for
-- full-text search with the stemming of the article's language. Rows are written
-- once, when a content version is first searched, and never change: conversations
-- pinned to an old version search that version's articles.
CREATE TABLE knowledge_versions (
    content_version INTEGER PRIMARY KEY,
    indexed_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE knowledge_passages (
    id              BIGSERIAL PRIMARY KEY,
    content_version INTEGER NOT NULL REFERENCES knowledge_versions (content_version),
    lang            TEXT    NOT NULL,
    article         TEXT    NOT NULL,
    paragraph       INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    url             TEXT    NOT NULL DEFAULT '',
    tags            TEXT    NOT NULL DEFAULT '',
    body            TEXT    NOT NULL,
    -- title (weight A), tags (B) and paragraph (C), stemmed with the language's
    -- text search configuration.
    search          TSVECTOR NOT NULL,
    UNIQUE (content_version, lang, article, paragraph)
);
CREATE INDEX knowledge_passages_search ON knowledge_passages USING GIN (search);

-- +goose Down
DROP TABLE knowledge_passages;
DROP TABLE knowledge_versions;
