-- Notes by location, for RouteChat's replays, move out of an index on notes into note_locations,
-- which takes new notes in bulk. An index on notes by location took every note at a random place in
-- its B-tree: once that B-tree outgrew the page cache, each note dirtied a page of its own, written
-- to the WAL and checkpointed, and a note cost 40-60 µs at 1M notes stored (1 µs without the index).
-- Now a note is only appended to notes; the notes after indexed_through (the tail, a few thousand) are
-- found by reading notes in id order, and are moved into note_locations many at a time, sorted by
-- location, in the transaction that stores the note that makes the tail long enough.
CREATE TABLE note_locations (
  latitude  INTEGER NOT NULL,
  longitude INTEGER NOT NULL,
  id        INTEGER NOT NULL,
  PRIMARY KEY (latitude, longitude, id)
) WITHOUT ROWID;
INSERT INTO note_locations (latitude, longitude, id) SELECT latitude, longitude, id FROM notes ORDER BY latitude, longitude, id;

-- One row: note_locations holds every stored note whose id is at most indexed_through.
CREATE TABLE note_locations_state (
  one     INTEGER PRIMARY KEY CHECK (one = 1),
  indexed_through INTEGER NOT NULL
);
INSERT INTO note_locations_state (one, indexed_through) SELECT 1, coalesce(max(id), 0) FROM notes;

DROP INDEX notes_by_location;
