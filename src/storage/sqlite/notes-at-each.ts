import type Database from 'better-sqlite3';
import type { PointE7 } from '../../geo/feature.js';
import { pointKey } from '../../geo/point-key.js';
import { distinctPoints } from '../notes-at-each.js';
import type { StoredNote } from '../storage.js';
import type { NoteTail } from './note-tail.js';

/** The most points one statement asks for: 2 parameters each, far under SQLite's 32766. */
const MOST_POINTS_PER_STATEMENT = 256;

/** A note found, with its id: [id, latitude, longitude, message]. */
type FoundRow = [number, number, number, string];

/**
 * notesAtEach for SQLite: the most recent `limit` notes at each point, in one read transaction: from
 * note_locations, one statement per 256 distinct points, and from the tail (see note-tail.ts). A
 * statement per point cost about six times as much per point holding notes (measured at 256 points
 * a statement), and a group commit asks for hundreds.
 */
export function createNotesAtEach(db: Database.Database, tail: NoteTail): (points: readonly PointE7[], limit: number) => StoredNote[][] {
  // One statement per power-of-two size, padded with NULL points (which match nothing), so that a
  // few sizes serve every batch and padding never more than doubles the work.
  const statements = new Map<number, Database.Statement>();
  function statementFor(size: number): Database.Statement {
    let statement = statements.get(size);
    if (statement === undefined) {
      // For each asked point, the ids of its last `limit` notes in note_locations, then those notes.
      statement = db
        .prepare(
          `SELECT notes.id, notes.latitude, notes.longitude, notes.message
           FROM (VALUES ${Array.from({ length: size }, () => '(?, ?)').join(', ')}) AS asked
           JOIN notes ON notes.id IN (
             SELECT id FROM note_locations WHERE latitude = asked.column1 AND longitude = asked.column2 ORDER BY id DESC LIMIT ?
           )`,
        )
        .raw();
      statements.set(size, statement);
    }
    return statement;
  }
  // The tail's notes by id; a note pruned since the tail read it is not found.
  const tailNotesStatement = db
    .prepare('SELECT id, latitude, longitude, message FROM notes WHERE id IN (SELECT value FROM json_each(?))')
    .raw();

  return db.transaction((points: readonly PointE7[], limit: number): StoredNote[][] => {
    tail.catchUp();
    const distinct = distinctPoints(points);
    const found: FoundRow[] = [];
    for (let start = 0; start < distinct.length; start += MOST_POINTS_PER_STATEMENT) {
      const chunk = distinct.slice(start, start + MOST_POINTS_PER_STATEMENT);
      let size = 1;
      while (size < chunk.length) size *= 2;
      const parameters: (number | null)[] = [];
      for (let i = 0; i < size; i++) {
        const point = chunk[i];
        parameters.push(point?.latitude ?? null, point?.longitude ?? null);
      }
      for (const row of statementFor(size).all(...parameters, limit) as FoundRow[]) found.push(row);
    }
    const tailIds: number[] = [];
    for (const { latitude, longitude } of distinct) {
      const ids = tail.idsAt(latitude, longitude);
      if (ids !== undefined) tailIds.push(...ids.slice(-limit));
    }
    if (tailIds.length > 0) {
      for (const row of tailNotesStatement.all(JSON.stringify(tailIds)) as FoundRow[]) found.push(row);
    }
    return notesByPoint(points, found, limit);
  });
}

/**
 * For each point asked, in order, a new array of its last `limit` notes found, oldest first. Each
 * note is found once: the tail holds the notes after indexed_through, note_locations those up to it.
 */
function notesByPoint(points: readonly PointE7[], found: FoundRow[], limit: number): StoredNote[][] {
  found.sort((a, b) => a[0] - b[0]);
  const byPoint = new Map<string, StoredNote[]>();
  for (const [, latitude, longitude, message] of found) {
    const key = pointKey(latitude, longitude);
    const list = byPoint.get(key);
    const note = { latitude, longitude, message };
    if (list === undefined) byPoint.set(key, [note]);
    else list.push(note);
  }
  return points.map(({ latitude, longitude }) => {
    const notes = byPoint.get(pointKey(latitude, longitude));
    return notes === undefined ? [] : notes.slice(-limit);
  });
}
