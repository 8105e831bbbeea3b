import type Database from 'better-sqlite3';
import type { PointE7 } from '../../geo/feature.js';
import type { StoredNote } from '../storage.js';
import type { NoteTail } from './note-tail.js';
import { PointTable } from '../../geo/point-table.js';

/** The most points one statement asks for: 3 parameters each, far under SQLite's 32766. */
const MOST_POINTS_PER_STATEMENT = 256;

/** The points asked, without repeats, and for each point asked the index of its point there. */
interface DistinctPoints {
  readonly points: PointE7[];
  readonly indexOf: number[];
}

function distinctPoints(points: readonly PointE7[], table: PointTable): DistinctPoints {
  table.clear();
  const distinct: PointE7[] = [];
  const indexOf = points.map((point) => {
    let index = table.get(point.latitude, point.longitude);
    if (index < 0) {
      index = distinct.push(point) - 1;
      table.set(point.latitude, point.longitude, index);
    }
    return index;
  });
  return { points: distinct, indexOf };
}

/**
 * notesAtEach for SQLite: the most recent `limit` notes at each point, in one read transaction.
 * Most points asked hold no note: the location filter (location-filter.ts) rules most of those out
 * in memory, one statement per 256 points finds which of the rest hold any in note_locations (an
 * existence probe costs about half of a lookup of the notes), a second reads the notes at those;
 * the tail (see note-tail.ts) adds the notes stored since its last move. A statement
 * per point cost about six times as much per point holding notes, and a group commit asks for hundreds.
 */
export function createNotesAtEach(db: Database.Database, tail: NoteTail): (points: readonly PointE7[], limit: number) => StoredNote[][] {
  // Statements by the number of points, a power of two: NULL points pad a batch to the next one, so
  // a few sizes serve every batch and padding never more than doubles the work. Each asked row
  // carries the index of its point, which comes back with what is found there.
  const values = (size: number) => `(VALUES ${Array.from({ length: size }, () => '(?, ?, ?)').join(', ')}) AS asked`;
  const holding = statementsBySize((size) =>
    db
      .prepare(
        `SELECT asked.column3 FROM ${values(size)}
         WHERE EXISTS (SELECT 1 FROM note_locations WHERE latitude = asked.column1 AND longitude = asked.column2)`,
      )
      .pluck(),
  );
  // For each asked point, the ids of its last `limit` notes in note_locations, then those notes.
  const notesAt = statementsBySize((size) =>
    db
      .prepare(
        `SELECT asked.column3, notes.id, notes.message FROM ${values(size)}
         JOIN notes ON notes.id IN (
           SELECT id FROM note_locations WHERE latitude = asked.column1 AND longitude = asked.column2 ORDER BY id DESC LIMIT ?
         )`,
      )
      .raw(),
  );
  // The tail's notes by id; a note pruned since the tail read it is not found.
  const tailNotes = db.prepare('SELECT id, message FROM notes WHERE id IN (SELECT value FROM json_each(?))').raw();

  // One array of parameters per statement size, filled again for each statement: no garbage.
  const parametersBySize = new Map<number, (number | null)[]>();

  /** Runs `statement` over `indexes` of `points`, 256 at a time, with `extra` parameters after the points. */
  function eachChunk<Row>(
    statementFor: (size: number) => Database.Statement,
    points: readonly PointE7[],
    indexes: readonly number[],
    extra: readonly number[],
    onRow: (row: Row) => void,
  ): void {
    for (let start = 0; start < indexes.length; start += MOST_POINTS_PER_STATEMENT) {
      const count = Math.min(MOST_POINTS_PER_STATEMENT, indexes.length - start);
      let size = 1;
      while (size < count) size *= 2;
      const length = size * 3 + extra.length;
      let parameters = parametersBySize.get(length);
      if (parameters === undefined) parametersBySize.set(length, (parameters = new Array<number | null>(length).fill(null)));
      for (let i = 0; i < size; i++) {
        const index = i < count ? indexes[start + i]! : -1;
        const point = points[index];
        parameters[i * 3] = point?.latitude ?? null;
        parameters[i * 3 + 1] = point?.longitude ?? null;
        parameters[i * 3 + 2] = point === undefined ? null : index;
      }
      extra.forEach((value, i) => (parameters[size * 3 + i] = value));
      for (const row of statementFor(size).all(...parameters) as Row[]) onRow(row);
    }
  }
  const table = new PointTable(1024);

  return db.transaction((points: readonly PointE7[], limit: number): StoredNote[][] => {
    tail.catchUp();
    const distinct = distinctPoints(points, table);
    /** Notes found at each distinct point, as [id, message], in no order yet. */
    const found: ([number, string][] | undefined)[] = [];
    const take = (index: number, id: number, message: string): void => {
      (found[index] ??= []).push([id, message]);
    };
    // Only the points that the location filter lets through may hold notes in note_locations.
    const asked: number[] = [];
    distinct.points.forEach(({ latitude, longitude }, index) => {
      if (tail.mayHoldMoved(latitude, longitude)) asked.push(index);
    });
    const holdingIndexes: number[] = [];
    eachChunk<number>(holding, distinct.points, asked, [], (index) => holdingIndexes.push(index));
    eachChunk<[number, number, string]>(notesAt, distinct.points, holdingIndexes, [limit], ([index, id, message]) => take(index, id, message));
    const tailIndexOf = new Map<number, number>();
    distinct.points.forEach(({ latitude, longitude }, index) => {
      for (const id of tail.idsAt(latitude, longitude)?.slice(-limit) ?? []) tailIndexOf.set(id, index);
    });
    if (tailIndexOf.size > 0) {
      for (const [id, message] of tailNotes.all(JSON.stringify([...tailIndexOf.keys()])) as [number, string][]) take(tailIndexOf.get(id)!, id, message);
    }
    const notesByIndex = found.map((notes, index) => {
      if (notes === undefined) return undefined;
      const { latitude, longitude } = distinct.points[index]!;
      return notes
        .sort((a, b) => a[0] - b[0])
        .slice(-limit)
        .map(([, message]): StoredNote => ({ latitude, longitude, message }));
    });
    // A new array for every point asked, repeats included.
    return distinct.indexOf.map((index) => notesByIndex[index]?.slice() ?? []);
  });
}

/** A statement for each power-of-two size, made when first needed. */
function statementsBySize(make: (size: number) => Database.Statement): (size: number) => Database.Statement {
  const statements = new Map<number, Database.Statement>();
  return (size) => {
    let statement = statements.get(size);
    if (statement === undefined) statements.set(size, (statement = make(size)));
    return statement;
  };
}
