-- +goose Up
-- Knowledge articles of a content version, one row per paragraph, indexed for
-- full-text search (FTS5). Rows are written once, when a content version is first
-- searched, and never change: conversations pinned to an old version search that
-- version's articles.
CREATE TABLE knowledge_versions (
    content_version INTEGER PRIMARY KEY,
    indexed_at      DATETIME NOT NULL
);

CREATE TABLE knowledge_passages (
    id              INTEGER PRIMARY KEY,
    content_version INTEGER NOT NULL REFERENCES knowledge_versions (content_version),
    lang            TEXT    NOT NULL,
    article         TEXT    NOT NULL,
    paragraph       INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    url             TEXT    NOT NULL DEFAULT '',
    tags            TEXT    NOT NULL DEFAULT '',
    body            TEXT    NOT NULL,
    UNIQUE (content_version, lang, article, paragraph)
);

-- The searchable text of each passage (rowid = knowledge_passages.id), already
-- folded and stemmed for its language by the store; porter then unifies English
-- word forms. scope ("v<version><lang>") restricts a search to one version and
-- language inside the index.
CREATE VIRTUAL TABLE knowledge_fts USING fts5(
    scope, title, tags, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- +goose Down
DROP TABLE knowledge_fts;
DROP TABLE knowledge_passages;
DROP TABLE knowledge_versions;
