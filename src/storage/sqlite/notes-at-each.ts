import type Database from 'better-sqlite3';
import type { PointE7 } from '../../geo/feature.js';
import { distinctPoints, notesForEachPoint } from '../notes-at-each.js';
import type { StoredNote } from '../storage.js';

/** The most points one statement asks for: 2 parameters each, far under SQLite's 32766. */
const MOST_POINTS_PER_STATEMENT = 256;

/**
 * notesAtEach for SQLite: the most recent `limit` notes at each point, in one read transaction and
 * one statement per 256 distinct points. A statement per point cost about six times as much per
 * point holding notes (measured at 256 points a statement), and a group commit asks for hundreds.
 */
export function createNotesAtEach(db: Database.Database): (points: readonly PointE7[], limit: number) => StoredNote[][] {
  // One statement per power-of-two size, padded with NULL points (which match nothing), so that a
  // few sizes serve every batch and padding never more than doubles the work.
  const statements = new Map<number, Database.Statement>();
  function statementFor(size: number): Database.Statement {
    let statement = statements.get(size);
    if (statement === undefined) {
      // For each asked point, the ids of its last `limit` notes (notes_by_location), then the notes
      // in id order: oldest first at every point.
      statement = db
        .prepare(
          `SELECT notes.latitude, notes.longitude, notes.message
           FROM (VALUES ${Array.from({ length: size }, () => '(?, ?)').join(', ')}) AS asked
           JOIN notes ON notes.id IN (
             SELECT id FROM notes WHERE latitude = asked.column1 AND longitude = asked.column2 ORDER BY id DESC LIMIT ?
           )
           ORDER BY notes.id`,
        )
        .raw();
      statements.set(size, statement);
    }
    return statement;
  }

  return db.transaction((points: readonly PointE7[], limit: number): StoredNote[][] => {
    const distinct = distinctPoints(points);
    const found: StoredNote[] = [];
    for (let start = 0; start < distinct.length; start += MOST_POINTS_PER_STATEMENT) {
      const chunk = distinct.slice(start, start + MOST_POINTS_PER_STATEMENT);
      let size = 1;
      while (size < chunk.length) size *= 2;
      const parameters: (number | null)[] = [];
      for (let i = 0; i < size; i++) {
        const point = chunk[i];
        parameters.push(point?.latitude ?? null, point?.longitude ?? null);
      }
      for (const [latitude, longitude, message] of statementFor(size).all(...parameters, limit) as [number, number, string][]) {
        found.push({ latitude, longitude, message });
      }
    }
    return notesForEachPoint(points, found);
  });
}
