-- An import copies its features in many short transactions, so that it never holds the write lock
-- for long. Its rows stay invisible until its row here gets committed_at, which keeps the import
-- all-or-nothing. Rows of an import that never committed (its process died) are deleted at open.
CREATE TABLE imports (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  host         TEXT    NOT NULL,
  pid          INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  committed_at INTEGER
);

-- 0 for the features stored before imports were tracked: always visible.
ALTER TABLE features ADD COLUMN import_id INTEGER NOT NULL DEFAULT 0;
