-- Features are keyed by their point: a location holds at most one feature.
CREATE TABLE features (
  latitude  INTEGER NOT NULL,
  longitude INTEGER NOT NULL,
  name      TEXT    NOT NULL,
  PRIMARY KEY (latitude, longitude)
) WITHOUT ROWID;

-- Route notes, in arrival order (id), replayed per exact location.
CREATE TABLE notes (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  latitude   INTEGER NOT NULL,
  longitude  INTEGER NOT NULL,
  message    TEXT    NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE INDEX notes_by_location ON notes (latitude, longitude, id);
