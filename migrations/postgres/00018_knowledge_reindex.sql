-- +goose Up
-- The knowledge index now holds the store's own folded and stemmed words under
-- the 'simple' text search configuration, the same words SQLite indexes, instead
-- of words stemmed by each language's configuration. Passages indexed the old way
-- are dropped: every content version is indexed again when it is next searched.
DELETE FROM knowledge_passages;
DELETE FROM knowledge_versions;

-- +goose Down
-- Nothing to restore: the index is rebuilt from the content versions on demand.
DELETE FROM knowledge_passages;
DELETE FROM knowledge_versions;
