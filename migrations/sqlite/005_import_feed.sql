-- The import feed, which live indexes follow. commit_position is assigned by the commit's own
-- UPDATE, as max + 1: SQLite has one writer at a time, so positions follow commit order, and a
-- reader that has taken in every import up to P never skips one by reading those after P.
-- Imports ran one at a time before this migration, so their ids were already in commit order.
ALTER TABLE imports ADD COLUMN commit_position INTEGER;
UPDATE imports SET commit_position = id WHERE committed_at IS NOT NULL AND abandoned_at IS NULL;
CREATE UNIQUE INDEX imports_by_commit_position ON imports (commit_position);

-- A live index reads one import's features at a time (and removing an abandoned import finds its
-- rows without a walk of every feature). The key columns come with it: features is WITHOUT ROWID.
CREATE INDEX features_by_import ON features (import_id);
