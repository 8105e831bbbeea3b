import type Database from 'better-sqlite3';
import type { PointE7 } from '../../geo/feature.js';
import { PointTable } from '../../geo/point-table.js';
import { createLocationFilter } from './location-filter.js';

/**
 * Notes stored after note_locations' indexed_through (migration 007), which note_locations does not
 * hold yet, move into it this many at a time. Each move dirties most of note_locations' pages once
 * (about 5,000 at 1M notes), so the more notes a move carries, the less each pays; the tail is read
 * into memory by every connection that looks notes up, about 24 bytes a note.
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
   * Takes in notes this connection has just inserted, inside the same write transaction, with the
   * id of the last (AUTOINCREMENT numbers one INSERT's rows one after another). Returns false, taking
   * in nothing, when other notes were stored since the tail was last read: then call catchUp.
   */
  added(notes: readonly PointE7[], lastId: number): boolean;
  /**
   * The ids of the tail's notes at a point, oldest first, or undefined for none. A note pruned since
   * it was read may still be listed: look the ids up in notes.
   */
  idsAt(latitude: number, longitude: number): readonly number[] | undefined;
  /** False only for a point that note_locations holds no note at (location-filter.ts): no need to ask it. */
  mayHoldMoved(latitude: number, longitude: number): boolean;
  /** Stops the location filter's filling in the background (the storage is closing). */
  stop(): void;
  /** Notes in the tail (pruned ones included). */
  readonly size: number;
  /** Moves the tail into note_locations, sorted by location; inside a write transaction, after catchUp. */
  move(): void;
  /**
   * Forgets the copy (and the location filter), to be read again by the next catchUp. For a write
   * transaction that rolled back after catchUp or move: the copy may then hold notes never stored.
   */
  reset(): void;
}

/** The tail's notes in the order read: id and point, and the entry before each at its point. */
class TailEntries {
  ids = new Float64Array(1024);
  latitudes = new Int32Array(1024);
  longitudes = new Int32Array(1024);
  /** The entry of the note before this one at its point, or -1. */
  previous = new Int32Array(1024);
  count = 0;
  /** The newest entry at each point. */
  readonly newest = new PointTable(1024);

  add(id: number, latitude: number, longitude: number): void {
    if (this.count === this.ids.length) this.grow();
    const entry = this.count++;
    this.ids[entry] = id;
    this.latitudes[entry] = latitude;
    this.longitudes[entry] = longitude;
    this.previous[entry] = this.newest.get(latitude, longitude);
    this.newest.set(latitude, longitude, entry);
  }

  idsAt(latitude: number, longitude: number): number[] | undefined {
    let entry = this.newest.get(latitude, longitude);
    if (entry < 0) return undefined;
    const ids: number[] = [];
    for (; entry >= 0; entry = this.previous[entry]!) ids.push(this.ids[entry]!);
    return ids.reverse();
  }

  clear(): void {
    this.count = 0;
    this.newest.clear();
  }

  private grow(): void {
    const { ids, latitudes, longitudes, previous } = this;
    this.ids = new Float64Array(ids.length * 2);
    this.latitudes = new Int32Array(ids.length * 2);
    this.longitudes = new Int32Array(ids.length * 2);
    this.previous = new Int32Array(ids.length * 2);
    this.ids.set(ids);
    this.latitudes.set(latitudes);
    this.longitudes.set(longitudes);
    this.previous.set(previous);
  }
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
  const filter = createLocationFilter(db);

  /*
   * The invariant: every note that note_locations holds is either in it since before the filter
   * began filling (indexedThrough then: the filling reads it) or was moved since, and every note
   * moved since was read by this tail (it reads every note after readThrough, moved or not), which
   * hands it to the filter.
   */
  /** note_locations holds every note up to this id. */
  let indexedThrough = 0;
  /** The last note id read. */
  let readThrough = 0;
  let entries = new TailEntries();
  let resync = false;

  /** Starts over from the database: an empty copy from indexed_through on, and a new filter. */
  function startOver(): void {
    indexedThrough = indexedThroughStatement.get() as number;
    readThrough = indexedThrough;
    entries.clear();
    filter.refill();
    resync = false;
  }

  // At once, so that the location filter fills while the server starts, not under its first calls.
  startOver();

  return {
    reset() {
      resync = true;
    },

    catchUp() {
      if (resync) startOver();
      const through = indexedThroughStatement.get() as number;
      if (through < indexedThrough) startOver();
      if (through > indexedThrough) {
        // A move by another connection took the tail's oldest notes into note_locations: keep the rest.
        const earlier = entries;
        entries = new TailEntries();
        for (let entry = 0; entry < earlier.count; entry++) {
          const id = earlier.ids[entry]!;
          if (id > through) entries.add(id, earlier.latitudes[entry]!, earlier.longitudes[entry]!);
          else filter.add(earlier.latitudes[entry]!, earlier.longitudes[entry]!);
        }
        indexedThrough = through;
      }
      for (const [id, latitude, longitude] of newerStatement.all(readThrough) as [number, number, number][]) {
        // Notes another connection stored and moved before this one read them go to the filter only.
        if (id > indexedThrough) entries.add(id, latitude, longitude);
        else filter.add(latitude, longitude);
        readThrough = id;
      }
    },

    added(notes, lastId) {
      const firstId = lastId - notes.length + 1;
      if (resync || firstId !== readThrough + 1) return false;
      notes.forEach(({ latitude, longitude }, i) => entries.add(firstId + i, latitude, longitude));
      readThrough = lastId;
      return true;
    },

    idsAt(latitude, longitude) {
      return entries.idsAt(latitude, longitude);
    },

    mayHoldMoved(latitude, longitude) {
      return filter.mayHold(latitude, longitude);
    },

    get size() {
      return entries.count;
    },

    move() {
      if (readThrough <= indexedThrough) return;
      moveStatement.run(indexedThrough, readThrough);
      setIndexedThrough.run(readThrough);
      for (let entry = 0; entry < entries.count; entry++) filter.add(entries.latitudes[entry]!, entries.longitudes[entry]!);
      indexedThrough = readThrough;
      entries.clear();
    },

    stop() {
      filter.stop();
    },
  };
}
