import type Database from 'better-sqlite3';
import { nextTurn } from '../../common/event-loop.js';
import type { FeedNote, Storage, StoredNote } from '../storage.js';
import { createNoteTail, TAIL_NOTES_PER_MOVE } from './note-tail.js';
import { createNotesAtEach } from './notes-at-each.js';

const PRUNES_PER_BATCH = 5_000;
/** Notes per multi-row INSERT in addNotes (4 parameters each). */
const NOTES_PER_INSERT = 64;

/** The notes and the note feed of a SQLite storage: the Storage calls that read and write notes. */
export type SqliteNotes = Pick<Storage, 'addNotes' | 'notesAt' | 'notesAtEach' | 'lastNotePosition' | 'notesAfter' | 'pruneNotes'>;

/**
 * The notes on the storage's connection, and `stop` for its close. `assertOpen` throws the closed
 * error; `committed` announces a commit of notes to onChange listeners.
 */
export function createSqliteNotes(
  db: Database.Database,
  assertOpen: () => void,
  committed: () => void,
  tailNotesPerMove = TAIL_NOTES_PER_MOVE,
): { readonly notes: SqliteNotes; stop(): void } {
  const tail = createNoteTail(db);
  const insertNotes = (rows: number) =>
    db.prepare(`INSERT INTO notes (latitude, longitude, message, created_at) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ')}`);
  // Rows are inserted (and numbered) in the order listed. NOTES_PER_INSERT rows a statement cost
  // about a third less per note than one row a statement (measured at 500 notes a commit).
  const addManyStatement = insertNotes(NOTES_PER_INSERT);
  const addOneStatement = insertNotes(1);
  // One transaction per batch: one commit (one WAL write) for all of them, and all or nothing. The
  // notes are appended to notes only; the tail takes them in, and moves into note_locations once long.
  // Filled again for each statement: no garbage.
  const parameters = new Array<number | string>(NOTES_PER_INSERT * 4).fill(0);
  const addNotesTransaction = db.transaction((notes: readonly StoredNote[], createdAt: number) => {
    let next = 0;
    let lastId = 0;
    for (; next + NOTES_PER_INSERT <= notes.length; next += NOTES_PER_INSERT) {
      for (let i = 0; i < NOTES_PER_INSERT; i++) {
        const note = notes[next + i]!;
        parameters[i * 4] = note.latitude;
        parameters[i * 4 + 1] = note.longitude;
        parameters[i * 4 + 2] = note.message;
        parameters[i * 4 + 3] = createdAt;
      }
      lastId = Number(addManyStatement.run(...parameters).lastInsertRowid);
    }
    for (; next < notes.length; next++) {
      lastId = Number(addOneStatement.run(notes[next]!.latitude, notes[next]!.longitude, notes[next]!.message, createdAt).lastInsertRowid);
    }
    // Most often nothing else was stored since the tail was read: it takes the notes from here.
    if (!tail.added(notes, lastId)) tail.catchUp();
    if (tail.size >= tailNotesPerMove) tail.move();
  });
  const lastNoteStatement = db.prepare('SELECT coalesce(max(id), 0) FROM notes').pluck();
  // The note feed is the notes table in id order (AUTOINCREMENT: ids only grow, even after pruning).
  const notesAfterStatement = db.prepare('SELECT id AS position, latitude, longitude, message FROM notes WHERE id > ? ORDER BY id LIMIT ?');
  const notesAtEach = createNotesAtEach(db, tail);
  // In batches, so that pruning a large backlog never holds the write lock for long. Both statements
  // pick the same notes: the oldest by (created_at, id), through notes_by_created_at.
  const pruneLocationsStatement = db.prepare(
    `DELETE FROM note_locations WHERE (latitude, longitude, id) IN (
       SELECT latitude, longitude, id FROM notes WHERE created_at < ? ORDER BY created_at LIMIT ${PRUNES_PER_BATCH})`,
  );
  const pruneStatement = db.prepare(
    `DELETE FROM notes WHERE id IN (SELECT id FROM notes WHERE created_at < ? ORDER BY created_at LIMIT ${PRUNES_PER_BATCH})`,
  );
  const pruneBatch = db.transaction((cutoff: number): number => {
    pruneLocationsStatement.run(cutoff);
    return pruneStatement.run(cutoff).changes;
  });

  const notes: SqliteNotes = {
    async addNotes(notes) {
      assertOpen();
      if (notes.length === 0) return;
      try {
        addNotesTransaction(notes, Date.now());
      } catch (error) {
        // Rolled back: the tail may have read notes that were never stored.
        tail.reset();
        throw error;
      }
      committed();
    },

    async lastNotePosition() {
      assertOpen();
      return lastNoteStatement.get() as number;
    },

    async notesAfter(position, limit) {
      assertOpen();
      if (limit <= 0) return [];
      return notesAfterStatement.all(position, limit) as FeedNote[];
    },

    async notesAt(latitude, longitude, limit) {
      assertOpen();
      if (limit <= 0) return [];
      return notesAtEach([{ latitude, longitude }], limit)[0]!;
    },

    async notesAtEach(points, limit) {
      assertOpen();
      if (limit <= 0 || points.length === 0) return points.map(() => []);
      // One read transaction: a consistent state of the notes for every point.
      return notesAtEach(points, limit);
    },

    async pruneNotes(cutoff) {
      let deleted = 0;
      for (;;) {
        assertOpen();
        const changes = pruneBatch(cutoff);
        deleted += changes;
        if (changes < PRUNES_PER_BATCH) return deleted;
        // Let calls in flight write between batches.
        await nextTurn();
      }
    },
  };
  return { notes, stop: () => tail.stop() };
}
