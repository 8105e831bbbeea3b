-- The PostgreSQL schema. Coordinates are E7 integers, as everywhere in routeguide.

-- Features are keyed by their point: a location holds at most one feature. The server loads them all
-- into its in-memory R-tree, so no spatial query is answered here and no spatial index is kept (a
-- GiST index on point(longitude, latitude) is the one to add when one is).
-- import_id names the import that wrote the row (0: none), so that a server following imports can
-- read just the rows of one. An import appends its rows together, so a BRIN index finds them: it is
-- a few pages, and costs an import almost nothing (a B-tree on import_id made a COPY 1.5x slower).
CREATE TABLE features (
  latitude  integer NOT NULL,
  longitude integer NOT NULL,
  name      text    NOT NULL,
  import_id bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (latitude, longitude)
);
CREATE INDEX features_by_import ON features USING brin (import_id);

-- The feeds' positions. A writer takes the next position of its feed in the transaction that stores
-- what it numbers, by updating this row as the last thing before COMMIT. The row stays locked until
-- the transaction ends, so positions are handed out in commit order: once a reader sees position P,
-- everything numbered below P has committed, and a catch-up query `WHERE position > $last` never
-- skips a transaction that commits late (sequence values, handed out at INSERT time, would).
CREATE TABLE feed_positions (
  feed          text   PRIMARY KEY,
  last_position bigint NOT NULL
);
INSERT INTO feed_positions (feed, last_position) VALUES ('notes', 0), ('imports', 0);

-- Route notes, in the order they committed (position), replayed per exact location.
-- created_at is the writer's clock in milliseconds since the epoch, for --notes-max-age.
CREATE TABLE notes (
  position   bigint  PRIMARY KEY,
  latitude   integer NOT NULL,
  longitude  integer NOT NULL,
  message    text    NOT NULL,
  created_at bigint  NOT NULL
);
CREATE INDEX notes_by_location ON notes (latitude, longitude, position);
CREATE INDEX notes_by_created_at ON notes (created_at);

-- One row per committed import, written in the import's own transaction: a row here means every
-- feature of that import is visible. id comes from the sequence when the import starts (features
-- carry it); position from feed_positions when it commits.
CREATE TABLE imports (
  id           bigserial PRIMARY KEY,
  position     bigint    NOT NULL UNIQUE,
  inserted     bigint    NOT NULL,
  duplicates   bigint    NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now()
);

-- NOTIFY on commit: channel routeguide_notes for notes, routeguide_imports for imports, each with the
-- highest position the statement wrote as its payload. PostgreSQL delivers a notification when its
-- transaction commits, and never for one that rolls back.
CREATE FUNCTION routeguide_notify_notes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('routeguide_notes', (SELECT max(position) FROM stored)::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER notes_notify AFTER INSERT ON notes
  REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION routeguide_notify_notes();

CREATE FUNCTION routeguide_notify_imports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('routeguide_imports', (SELECT max(position) FROM stored)::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER imports_notify AFTER INSERT ON imports
  REFERENCING NEW TABLE AS stored FOR EACH STATEMENT EXECUTE FUNCTION routeguide_notify_imports();
