import Database from 'better-sqlite3';
import { removeAbandonedImports } from './import-ledger.js';
import { applyMigrations } from './migrations.js';
import { StorageOpenError } from '../errors.js';
import { DEFAULT_IMPORT_BATCH_ROWS, type SqliteStorageOptions } from './options.js';
import { describeProblems, quickCheckProblems } from './quick-check.js';

/** A new connection with the pragmas every connection needs: busy timeout, WAL, synchronous. */
export function openConnection(options: SqliteStorageOptions): Database.Database {
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

/** Opens the main connection, checks the file is a sound database (unless asked not to) and migrates it. */
export function openMigrated(options: SqliteStorageOptions): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = openConnection(options);
    // A corrupted file fails here with a clear message, not later as INTERNAL on some call.
    if (options.quickCheckAtOpen !== false) {
      const problems = quickCheckProblems(db);
      if (problems.length > 0) throw new Error(describeProblems(problems));
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
