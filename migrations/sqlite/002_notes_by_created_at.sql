-- Note retention (--notes-max-age) deletes by age; this keeps that from scanning every note.
CREATE INDEX notes_by_created_at ON notes (created_at);
