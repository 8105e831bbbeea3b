import { nextTurn } from '../../common/event-loop.js';
import { openConnection, openMigrated } from './connection.js';
import { viewImports, visibleFeatures } from './import-ledger.js';
import { DEFAULT_IMPORT_BATCH_ROWS, type SqliteStorageOptions } from './options.js';
import { importFeatures } from './import.js';
import { createNotesAtEach } from './notes-at-each.js';
import { createSerialQueue } from '../serial-queue.js';
import type { CommittedImport, FeatureRecord, FeedNote, InsertSummary, Storage, StoredNote } from '../storage.js';
import { StorageClosedError } from '../errors.js';
import { createSqliteChanges, DEFAULT_CHANGE_POLL_MS } from './changes.js';

const PRUNES_PER_BATCH = 5_000;
/** Notes per multi-row INSERT in addNotes (4 parameters each). */
const NOTES_PER_INSERT = 64;

/** Opens (creating if needed) and migrates a SQLite database. */
export function openSqliteStorage(options: SqliteStorageOptions): Storage {
  const db = openMigrated(options);

  // Readers see only the features of committed imports (see import-ledger.ts). One read transaction
  // for the view and the count: with no import pending in it, every row counts.
  const countAll = db.prepare('SELECT count(*) FROM features').pluck();
  const countVisible = db.transaction((): number => {
    const view = viewImports(db);
    if (view.pending.length === 0) return countAll.get() as number;
    const visible = visibleFeatures(view);
    return db.prepare(`SELECT count(*) FROM features WHERE ${visible.sql}`).pluck().get(...visible.params) as number;
  });
  // Any visible feature: one of before imports were tracked (import_id 0), or one of a committed
  // import; each is one seek in features_by_import, however many rows a pending import holds.
  const hasFeaturesStatement = db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM features WHERE import_id = 0)
           OR EXISTS (SELECT 1 FROM imports WHERE commit_position IS NOT NULL
                        AND EXISTS (SELECT 1 FROM features WHERE features.import_id = imports.id))`,
    )
    .pluck();
  // Migration 006: the database's identity, and each import's token.
  const identityStatement = db.prepare('SELECT id FROM storage_identity').pluck();
  const importTokenStatement = db.prepare('SELECT token FROM imports WHERE commit_position = ?').pluck();
  const insertNotes = (rows: number) =>
    db.prepare(`INSERT INTO notes (latitude, longitude, message, created_at) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ')}`);
  // Rows are inserted (and numbered) in the order listed. NOTES_PER_INSERT rows a statement cost
  // about a third less per note than one row a statement (measured at 500 notes a commit).
  const addManyStatement = insertNotes(NOTES_PER_INSERT);
  const addOneStatement = insertNotes(1);
  // One transaction per batch: one commit (one WAL write) for all of them, and all or nothing.
  const addNotesTransaction = db.transaction((notes: readonly StoredNote[], createdAt: number) => {
    let next = 0;
    for (; next + NOTES_PER_INSERT <= notes.length; next += NOTES_PER_INSERT) {
      const parameters: (number | string)[] = [];
      for (let i = next; i < next + NOTES_PER_INSERT; i++) parameters.push(notes[i]!.latitude, notes[i]!.longitude, notes[i]!.message, createdAt);
      addManyStatement.run(...parameters);
    }
    for (; next < notes.length; next++) addOneStatement.run(notes[next]!.latitude, notes[next]!.longitude, notes[next]!.message, createdAt);
  });
  const lastNoteStatement = db.prepare("SELECT coalesce(max(id), 0) FROM notes").pluck();
  // The note feed is the notes table in id order (AUTOINCREMENT: ids only grow, even after pruning).
  const notesAfterStatement = db.prepare(
    'SELECT id AS position, latitude, longitude, message FROM notes WHERE id > ? ORDER BY id LIMIT ?',
  );
  const notesAtStatement = db.prepare(
    `SELECT latitude, longitude, message FROM (
       SELECT id, latitude, longitude, message FROM notes
       WHERE latitude = ? AND longitude = ? ORDER BY id DESC LIMIT ?
     ) ORDER BY id`,
  );
  const notesAtEach = createNotesAtEach(db);
  // In batches, so that pruning a large backlog never holds the write lock for long.
  const pruneStatement = db.prepare(
    `DELETE FROM notes WHERE id IN (SELECT id FROM notes WHERE created_at < ? ORDER BY created_at LIMIT ${PRUNES_PER_BATCH})`,
  );
  // The import feed (migration 005): committed imports by commit_position, and one import's features
  // by key through features_by_import.
  const lastImportStatement = db.prepare('SELECT coalesce(max(commit_position), 0) FROM imports').pluck();
  const importsAfterStatement = db.prepare(
    'SELECT commit_position AS position FROM imports WHERE commit_position > ? ORDER BY commit_position LIMIT ?',
  );
  const importIdStatement = db.prepare('SELECT id FROM imports WHERE commit_position = ?').pluck();
  const importPageStatement = db.prepare(
    `SELECT latitude, longitude, name FROM features
     WHERE import_id = ? AND (latitude, longitude) > (?, ?) ORDER BY latitude, longitude LIMIT ?`,
  );
  const changes = createSqliteChanges(db, options.changePollMs ?? DEFAULT_CHANGE_POLL_MS, (error) => {
    // A poll fails only when the database does; the calls that need it report the same error.
    options.onChangePollError?.(error);
  });
  // One import at a time per storage object: a second one waits its turn instead of failing with
  // ImportInProgressError, which stays the answer to another process (or storage object).
  const inserts = createSerialQueue();
  let closing: Promise<void> | undefined;

  function assertOpen(): void {
    if (closing !== undefined) throw new StorageClosedError(`SQLite storage ${options.path}`);
  }

  /**
   * Pages of features in (latitude, longitude) order, each read by `page` after the last point of
   * the one before; the paging crosses awaits, so it stops at a page, not on a closed connection.
   */
  function* keysetPages(batchSize: number, page: (latitude: number, longitude: number) => FeatureRecord[]): Generator<FeatureRecord[]> {
    let latitude = -Infinity;
    let longitude = -Infinity;
    for (;;) {
      assertOpen();
      const rows = page(latitude, longitude);
      if (rows.length === 0) return;
      const last = rows[rows.length - 1]!;
      latitude = last.latitude;
      longitude = last.longitude;
      yield rows;
      if (rows.length < batchSize) return;
    }
  }


  async function insertNow(input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>): Promise<InsertSummary> {
    // Queued imports that had not started when close() began are refused here.
    assertOpen();
    const importDb = openConnection(options);
    try {
      const summary = await importFeatures(input, {
        ledgerDb: db,
        importDb,
        batchRows: options.importBatchRows ?? DEFAULT_IMPORT_BATCH_ROWS,
        onSorting: options.onImportSorting,
        onBatch: options.onImportBatch,
        onAbandoned: options.onAbandonedImport,
      });
      // Committed on this storage's own connection, which its data_version poll does not see.
      changes.committed();
      return summary;
    } finally {
      // Closing drops the temp tables and their files.
      importDb.close();
    }
  }

  async function closeAfterImports(): Promise<void> {
    // The import in flight keeps its heartbeat and commits on `db`: let it finish first.
    await inserts.idle();
    changes.close();
    // Fold the WAL back into the main file so the database is one self-contained file at rest.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }

  return {
    scheme: 'sqlite',

    async countFeatures() {
      assertOpen();
      return countVisible();
    },

    async hasFeatures() {
      assertOpen();
      return hasFeaturesStatement.get() === 1;
    },

    async identity() {
      assertOpen();
      return identityStatement.get() as string;
    },

    async importToken(position) {
      assertOpen();
      return (importTokenStatement.get(position) as string | null | undefined) ?? undefined;
    },

    async insertFeatures(input) {
      assertOpen();
      return inserts.run(() => insertNow(input));
    },

    async *scanFeatures(batchSize = 10_000) {
      assertOpen();
      // Keyset paging rather than one open cursor: an open cursor would block note writes
      // on this connection for as long as the scan runs.
      // One view for the whole scan: an import that commits meanwhile is not seen half-way.
      const visible = visibleFeatures(viewImports(db));
      // Rows as objects straight from better-sqlite3, already FeatureRecords: at 1M features this
      // took about a third less CPU than raw rows mapped to objects (fewer allocations, less GC).
      const scanStatement = db.prepare(
        `SELECT latitude, longitude, name FROM features
         WHERE (latitude, longitude) > (?, ?) AND ${visible.sql} ORDER BY latitude, longitude LIMIT ?`,
      );
      yield* keysetPages(batchSize, (latitude, longitude) => scanStatement.all(latitude, longitude, ...visible.params, batchSize) as FeatureRecord[]);
    },

    async addNotes(notes) {
      assertOpen();
      if (notes.length === 0) return;
      addNotesTransaction(notes, Date.now());
      changes.committed();
    },

    async lastImportPosition() {
      assertOpen();
      return lastImportStatement.get() as number;
    },

    async importsAfter(position, limit) {
      assertOpen();
      if (limit <= 0) return [];
      return importsAfterStatement.all(position, limit) as CommittedImport[];
    },

    async *scanImport(position, batchSize = 10_000) {
      assertOpen();
      const importId = importIdStatement.get(position) as number | undefined;
      if (importId === undefined) return;
      // Keyset paging, as in scanFeatures; a committed import's rows never change.
      yield* keysetPages(batchSize, (latitude, longitude) => importPageStatement.all(importId, latitude, longitude, batchSize) as FeatureRecord[]);
    },

    onChange(listener) {
      assertOpen();
      return changes.onChange(listener);
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
      return notesAtStatement.all(latitude, longitude, limit) as StoredNote[];
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
        const { changes } = pruneStatement.run(cutoff);
        deleted += changes;
        if (changes < PRUNES_PER_BATCH) return deleted;
        // Let calls in flight write between batches.
        await nextTurn();
      }
    },

    close() {
      closing ??= closeAfterImports();
      return closing;
    },
  };
}
