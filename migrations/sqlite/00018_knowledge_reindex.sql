-- +goose Up
-- The text analysis of the knowledge index changed (Arabic and Hindi spelling
-- variants, Chinese single characters). Passages indexed the old way are dropped:
-- every content version is indexed again when it is next searched.
DELETE FROM knowledge_fts;
DELETE FROM knowledge_passages;
DELETE FROM knowledge_versions;

-- +goose Down
-- Nothing to restore: the index is rebuilt from the content versions on demand.
DELETE FROM knowledge_fts;
DELETE FROM knowledge_passages;
DELETE FROM knowledge_versions;
