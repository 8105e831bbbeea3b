import Database from 'better-sqlite3';
import { applyMigrations } from './migrations.js';
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
}

/** Thrown when the file at the path cannot be used as this service's database. */
export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
}

/** Staged rows per temp-table commit, and per event-loop yield when the input is asynchronous. */
const INSERTS_PER_BATCH = 20_000;
/** Staged rows per multi-row INSERT (3 parameters each; SQLite allows 32766). */
const ROWS_PER_STATEMENT = 100;
/** Page cache of the import connection, in KiB. */
const IMPORT_CACHE_KIB = 65_536;
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

  const countStatement = db.prepare('SELECT count(*) FROM features').pluck();
  const scanStatement = db
    .prepare(
      `SELECT latitude, longitude, name FROM features
       WHERE (latitude, longitude) > (?, ?) ORDER BY latitude, longitude LIMIT ?`,
    )
    .raw();
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

  /**
   * Imports in two steps so that the write lock on the database is held only briefly, however long
   * the input takes to read: first every feature is appended to a TEMP table on the import's own
   * connection (temp tables live outside the database file, so this locks nothing a server uses);
   * then, once the input has ended without error, one short IMMEDIATE transaction copies the staged
   * rows in key order into `features`. A bad input throws before that transaction, so nothing is
   * written. The copy runs at about a million rows a second; a server's note writes wait for it
   * through their busy timeout.
   */
  async function insertFeatures(
    input: Iterable<StoredFeature> | AsyncIterable<StoredFeature>,
  ): Promise<InsertSummary> {
    assertOpen();
    const importDb = openConnection(options);
    try {
      // Cache for the sorted copy into the features B-tree; the staged rows spill to a temp file.
      importDb.pragma(`cache_size = -${IMPORT_CACHE_KIB}`);
      importDb.exec(
        'CREATE TEMP TABLE staged_features (latitude INTEGER NOT NULL, longitude INTEGER NOT NULL, name TEXT NOT NULL)',
      );
      const stageSql = 'INSERT INTO temp.staged_features (latitude, longitude, name) VALUES ';
      // Many rows per statement: the per-statement overhead was most of the staging cost.
      const stageMany = importDb.prepare(stageSql + Array(ROWS_PER_STATEMENT).fill('(?, ?, ?)').join(', '));
      const stageOne = importDb.prepare(stageSql + '(?, ?, ?)');
      const values: (number | string)[] = [];
      let staged = 0;
      let pending = 0;
      const flushRows = (): void => {
        if (values.length === ROWS_PER_STATEMENT * 3) stageMany.run(values);
        else for (let i = 0; i < values.length; i += 3) stageOne.run(values[i], values[i + 1], values[i + 2]);
        values.length = 0;
      };
      importDb.exec('BEGIN');
      const write = (feature: StoredFeature): void => {
        values.push(feature.latitude, feature.longitude, feature.name);
        staged++;
        if (values.length === ROWS_PER_STATEMENT * 3) flushRows();
        if (++pending >= INSERTS_PER_BATCH) {
          pending = 0;
          flushRows();
          importDb.exec('COMMIT');
          importDb.exec('BEGIN');
        }
      };
      if (Symbol.iterator in input) {
        for (const feature of input) write(feature);
      } else {
        for await (const feature of input) {
          write(feature);
          // Let other work run during a long import from a stream.
          if (pending === 0) await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
      flushRows();
      importDb.exec('COMMIT');
      // Key order makes the copy an append-like walk of the B-tree; rowid breaks ties so that the first
      // of several features at one point in the input is the one kept.
      const copy = importDb.prepare(
        `INSERT OR IGNORE INTO main.features (latitude, longitude, name)
         SELECT latitude, longitude, name FROM temp.staged_features ORDER BY latitude, longitude, rowid`,
      );
      importDb.exec('BEGIN IMMEDIATE');
      const inserted = copy.run().changes;
      importDb.exec('COMMIT');
      return { inserted, duplicates: staged - inserted };
    } catch (error) {
      if (importDb.inTransaction) importDb.exec('ROLLBACK');
      throw error;
    } finally {
      // Closing drops the temp table and its file.
      importDb.close();
    }
  }

  return {
    scheme: 'sqlite',

    async countFeatures() {
      assertOpen();
      return countStatement.get() as number;
    },

    insertFeatures,

    async *scanFeatures(batchSize = 10_000) {
      assertOpen();
      // Keyset paging rather than one open cursor: an open cursor would block note writes
      // on this connection for as long as the scan runs.
      let latitude = -Infinity;
      let longitude = -Infinity;
      for (;;) {
        const rows = scanStatement.all(latitude, longitude, batchSize) as [number, number, string][];
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
