import type Database from 'better-sqlite3';
import { pointKey } from '../../geo/point-key.js';

/**
 * Notes stored after note_locations' indexed_through (migration 007), which note_locations does not
 * hold yet, move into it this many at a time. Each move dirties most of note_locations' pages once
 * (about 5,000 at 1M notes), so the more notes a move carries, the less each pays; the tail is read
 * into memory by every connection that looks notes up, about 100 bytes a note.
 */
export const TAIL_NOTES_PER_MOVE = 65_536;

/**
 * One connection's copy of the tail: the ids of the notes after indexed_through, by point. Its
 * caller runs every method inside a transaction, so that the copy, note_locations and notes are read
 * from one state of the database.
 */
export interface NoteTail {
  /**
   * Takes in what other connections (and this one) committed since the last call: notes stored,
   * and a move of the tail into note_locations.
   */
  catchUp(): void;
  /**
   * The ids of the tail's notes at a point, oldest first, or undefined for none. A note pruned since
   * it was read may still be listed: look the ids up in notes.
   */
  idsAt(latitude: number, longitude: number): readonly number[] | undefined;
  /** Notes in the tail (pruned ones included). */
  readonly size: number;
  /** Moves the tail into note_locations, sorted by location; inside a write transaction, after catchUp. */
  move(): void;
  /**
   * Forgets the copy, to be read again whole by the next catchUp. For a write transaction that
   * rolled back after catchUp or move: the copy may then hold notes that were never stored.
   */
  reset(): void;
}

export function createNoteTail(db: Database.Database): NoteTail {
  const indexedThroughStatement = db.prepare('SELECT indexed_through FROM note_locations_state').pluck();
  const newerStatement = db.prepare('SELECT id, latitude, longitude FROM notes WHERE id > ? ORDER BY id').raw();
  // Sorted by location, the notes land in note_locations' B-tree in key order: each page once.
  const moveStatement = db.prepare(
    `INSERT OR IGNORE INTO note_locations (latitude, longitude, id)
     SELECT latitude, longitude, id FROM notes WHERE id > ? AND id <= ? ORDER BY latitude, longitude, id`,
  );
  const setIndexedThrough = db.prepare('UPDATE note_locations_state SET indexed_through = ?');

  /** note_locations holds every note up to this id (-1: not read yet). */
  let indexedThrough = -1;
  /** The last note id read into the tail. */
  let readThrough = -1;
  let byPoint = new Map<string, number[]>();
  let size = 0;

  function add(id: number, latitude: number, longitude: number): void {
    const key = pointKey(latitude, longitude);
    const ids = byPoint.get(key);
    if (ids === undefined) byPoint.set(key, [id]);
    else ids.push(id);
    size++;
  }

  function reset(): void {
    indexedThrough = -1;
    readThrough = -1;
    byPoint = new Map();
    size = 0;
  }

  return {
    reset,

    catchUp() {
      const through = indexedThroughStatement.get() as number;
      if (through < indexedThrough) reset();
      if (through !== indexedThrough) {
        // A move (by any connection) took the tail's oldest notes into note_locations: keep the rest.
        const kept = new Map<string, number[]>();
        size = 0;
        for (const [key, ids] of byPoint) {
          const later = ids.filter((id) => id > through);
          if (later.length === 0) continue;
          kept.set(key, later);
          size += later.length;
        }
        byPoint = kept;
        indexedThrough = through;
      }
      for (const [id, latitude, longitude] of newerStatement.all(Math.max(readThrough, indexedThrough)) as [number, number, number][]) {
        add(id, latitude, longitude);
        readThrough = id;
      }
    },

    idsAt(latitude, longitude) {
      return byPoint.get(pointKey(latitude, longitude));
    },

    get size() {
      return size;
    },

    move() {
      if (readThrough <= indexedThrough) return;
      moveStatement.run(indexedThrough, readThrough);
      setIndexedThrough.run(readThrough);
      indexedThrough = readThrough;
      byPoint = new Map();
      size = 0;
    },
  };
}
