-- The storage's identity, for index files (issue 20): a file records the database's id, the import
-- feed position it was built to and the token of the import committed there, and is trusted only
-- while the database still holds that same id and token at that position. A copy of the file, or a
-- restored backup, keeps the id; the tokens tell them apart as soon as they take different imports.

-- One row, made once, here: 32 random hex digits.
CREATE TABLE storage_identity (
  only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
  id       TEXT    NOT NULL
);
INSERT INTO storage_identity (only_row, id) VALUES (1, lower(hex(randomblob(16))));

-- Each import's random token. ALTER TABLE cannot give a column a random default, so the imports
-- that exist get theirs here and every new row gets its own from the trigger, in the INSERT's own
-- statement, whatever the code that inserts it.
ALTER TABLE imports ADD COLUMN token TEXT;
UPDATE imports SET token = lower(hex(randomblob(16)));
CREATE TRIGGER imports_token AFTER INSERT ON imports WHEN NEW.token IS NULL
BEGIN
  UPDATE imports SET token = lower(hex(randomblob(16))) WHERE id = NEW.id;
END;
