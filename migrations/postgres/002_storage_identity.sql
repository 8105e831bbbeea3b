-- The storage's identity, for index files (issue 20): a file records the database's id, the import
-- feed position it was built to and the token of the import committed there, and is trusted only
-- while the database still holds that same id and token at that position. A copy of the database,
-- or a restored backup, keeps the id; the tokens tell them apart as soon as they take different imports.

-- One row, made once, here: 32 random hex digits (gen_random_uuid is built in since PostgreSQL 13).
CREATE TABLE storage_identity (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  id       text    NOT NULL
);
INSERT INTO storage_identity (id) VALUES (replace(gen_random_uuid()::text, '-', ''));

-- Each import's random token. A volatile default is evaluated for each row: the imports that exist
-- get one each now, and every new import its own when its row is written (in its commit).
ALTER TABLE imports ADD COLUMN token text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '');
