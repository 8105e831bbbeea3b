-- Removing an abandoned import marks its row first, then deletes its features, then the row. The
-- mark commits before any feature is deleted, so an importer that was only stalled sees it and
-- neither copies nor commits again, and a removal cut short is finished by the next one.
ALTER TABLE imports ADD COLUMN abandoned_at INTEGER;
