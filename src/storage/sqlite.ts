import Database from 'better-sqlite3';
import { removeAbandonedImports, viewImports, visibleFeatures, type AbandonedImport } from './import-ledger.js';
import { applyMigrations } from './migrations.js';
import { importFeatures } from './sqlite-import.js';
import type { InsertSummary, Storage, StoredFeature, StoredNote } from './storage.js';

/** Options for the SQLite backend (`sqlite:<path>`). */
export interface SqliteStorageOptions {
  /** The database file; created if missing (its directory must exist). */
  readonly path: string;
  /**
   * `normal` (default): a committed note survives a crash of the process; the last commits may be
   * lost on power loss. `full`: fsync on every commit, surviving power loss too, at a cost in speed.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long a write waits for another connection's write lock, in milliseconds. */
  readonly busyTimeoutMs?: number;
  /** Called with the names of the migrations this open applied. */
  readonly onMigrated?: (names: string[]) => void;
  /**
   * Called for each import found abandoned (its process died before committing) and deleted, at open
   * or when an import starts.
   */
  readonly onAbandonedImport?: (removed: AbandonedImport) => void;
  /** Rows per import copy transaction, the longest an import holds the write lock (default 50,000). */
  readonly importBatchRows?: number;
  /** Called when an import has read its input and starts sorting it, with the number of rows. */
  readonly onImportSorting?: (total: number) => void;
  /** Called after each committed copy batch of an import, with rows copied so far and the total. */
  readonly onImportBatch?: (copied: number, total: number) => void | Promise<void>;
}

/** Thrown when the file at the path cannot be used as this service's database. */
export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
}

/** Rows per import copy transaction: about 20 ms of write lock each (39 ms at most) at 10M here (see README). */
export const DEFAULT_IMPORT_BATCH_ROWS = 50_000;
const PRUNES_PER_BATCH = 5_000;

function openConnection(options: SqliteStorageOptions): Database.Database {
  const db = new Database(options.path);
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    db.pragma('journal_mode = WAL');
    // Set after WAL on purpose: right after the switch the connection can still report FULL.
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Opens the main connection, checks the file is a sound database and migrates it. */
function openMigrated(options: SqliteStorageOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = openConnection(options);
    // A corrupted file fails here with a clear message, not later as INTERNAL on some call.
    const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((row) => row.quick_check);
    if (problems.join() !== 'ok') {
      throw new Error(`database is corrupted (quick_check: ${problems.join('; ').replace(/\s*\n\s*/g, ' ')})`);
    }
    const ran = applyMigrations(db);
    options.onMigrated?.(ran);
    const batchRows = options.importBatchRows ?? DEFAULT_IMPORT_BATCH_ROWS;
    for (const removed of removeAbandonedImports(db, batchRows)) options.onAbandonedImport?.(removed);
    return db;
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new StorageOpenError(`cannot open SQLite database ${options.path}: ${reason}`, { cause: error });
  }
}

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
  const addNoteStatement = db.prepare(
    'INSERT INTO notes (latitude, longitude, message, created_at) VALUES (?, ?, ?, ?)',
  );
  const notesAtStatement = db.prepare(
    `SELECT latitude, longitude, message FROM (
       SELECT id, latitude, longitude, message FROM notes
       WHERE latitude = ? AND longitude = ? ORDER BY id DESC LIMIT ?
     ) ORDER BY id`,
  );
  // In batches, so that pruning a large backlog never holds the write lock for long.
  const pruneStatement = db.prepare(
    `DELETE FROM notes WHERE id IN (SELECT id FROM notes WHERE created_at < ? ORDER BY created_at LIMIT ${PRUNES_PER_BATCH})`,
  );
  let closed = false;

  function assertOpen(): void {
    if (closed) throw new Error(`SQLite storage ${options.path} is closed`);
  }

  async function insertFeatures(
    input: Iterable<StoredFeature> | AsyncIterable<StoredFeature>,
  ): Promise<InsertSummary> {
    assertOpen();
    const importDb = openConnection(options);
    try {
      return await importFeatures(input, {
        ledgerDb: db,
        importDb,
        batchRows: options.importBatchRows ?? DEFAULT_IMPORT_BATCH_ROWS,
        onSorting: options.onImportSorting,
        onBatch: options.onImportBatch,
        onAbandoned: options.onAbandonedImport,
      });
    } finally {
      // Closing drops the temp tables and their files.
      importDb.close();
    }
  }

  return {
    scheme: 'sqlite',

    async countFeatures() {
      assertOpen();
      return countVisible();
    },

    insertFeatures,

    async *scanFeatures(batchSize = 10_000) {
      assertOpen();
      // Keyset paging rather than one open cursor: an open cursor would block note writes
      // on this connection for as long as the scan runs.
      // One view for the whole scan: an import that commits meanwhile is not seen half-way.
      const visible = visibleFeatures(viewImports(db));
      const scanStatement = db
        .prepare(
          `SELECT latitude, longitude, name FROM features
           WHERE (latitude, longitude) > (?, ?) AND ${visible.sql} ORDER BY latitude, longitude LIMIT ?`,
        )
        .raw();
      let latitude = -Infinity;
      let longitude = -Infinity;
      for (;;) {
        const rows = scanStatement.all(latitude, longitude, ...visible.params, batchSize) as [number, number, string][];
        if (rows.length === 0) return;
        const batch = rows.map(([lat, lng, name]) => ({ latitude: lat, longitude: lng, name }));
        const last = rows[rows.length - 1]!;
        latitude = last[0];
        longitude = last[1];
        yield batch;
        if (rows.length < batchSize) return;
      }
    },

    async addNote(note: StoredNote) {
      assertOpen();
      addNoteStatement.run(note.latitude, note.longitude, note.message, Date.now());
    },

    async notesAt(latitude, longitude, limit) {
      assertOpen();
      if (limit <= 0) return [];
      return notesAtStatement.all(latitude, longitude, limit) as StoredNote[];
    },

    async pruneNotes(cutoff) {
      let deleted = 0;
      for (;;) {
        assertOpen();
        const { changes } = pruneStatement.run(cutoff);
        deleted += changes;
        if (changes < PRUNES_PER_BATCH) return deleted;
        // Let calls in flight write between batches.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      // Fold the WAL back into the main file so the database is one self-contained file at rest.
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}
