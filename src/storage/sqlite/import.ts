import type Database from 'better-sqlite3';
import { nextTurn } from '../../common/event-loop.js';
import { beginImport, HEARTBEAT_MS } from './import-ledger.js';
import type { AbandonedImport } from './options.js';
import type { InsertSummary, FeatureRecord } from '../storage.js';

/** Staged rows per temp-table commit, and per event-loop yield when the input is asynchronous. */
const STAGED_PER_COMMIT = 20_000;
/** Staged rows per multi-row INSERT (3 parameters each; SQLite allows 32766). */
const ROWS_PER_STATEMENT = 100;
/**
 * Page cache of the import connection while it stages and sorts, in KiB. SQLite's sorter cuts its
 * input into in-memory runs as large as this cache, and small runs sort faster: sorting 10M staged
 * rows took 8.1 s of CPU with 4 MiB runs and 16.1 s with 64 MiB ones (a large run's list sort misses
 * the CPU caches), and 30M rows sorted at the same cost a row, the longer merge included.
 */
const SORT_CACHE_KIB = 4_096;
/** Page cache of the import connection while it copies: a batch's pages, appended in key order. */
const COPY_CACHE_KIB = 16_384;

export interface ImportOptions {
  /** The storage's own connection: registers the import and keeps its heartbeat (never in a transaction). */
  readonly ledgerDb: Database.Database;
  /** A fresh connection for this import alone: it stages in TEMP tables and copies. Closed by the caller. */
  readonly importDb: Database.Database;
  /** Rows per copy transaction: the longest the import holds the write lock is one batch. */
  readonly batchRows: number;
  /** Called when the input has been read, before the staged rows are sorted. */
  readonly onSorting?: (total: number) => void;
  /** Called after each committed copy batch with the rows copied so far and the total staged. */
  readonly onBatch?: (copied: number, total: number) => void | Promise<void>;
  readonly onAbandoned?: (removed: AbandonedImport) => void;
}

function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/** Appends the input to temp.staged_features in short transactions; returns how many rows it staged. */
async function stage(
  importDb: Database.Database,
  input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
  beat: () => void,
): Promise<number> {
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
  const write = (feature: FeatureRecord): void => {
    values.push(feature.latitude, feature.longitude, feature.name);
    staged++;
    if (values.length === ROWS_PER_STATEMENT * 3) flushRows();
    if (++pending >= STAGED_PER_COMMIT) {
      pending = 0;
      flushRows();
      importDb.exec('COMMIT');
      // Between transactions, so the heartbeat never holds a lock open; also covers synchronous input.
      beat();
      importDb.exec('BEGIN');
    }
  };
  if (Symbol.iterator in input) {
    for (const feature of input) write(feature);
  } else {
    for await (const feature of input) {
      write(feature);
      // Let other work run during a long import from a stream.
      if (pending === 0) await nextTurn();
    }
  }
  flushRows();
  importDb.exec('COMMIT');
  return staged;
}

/**
 * Imports features into a SQLite database that servers may be using, all or nothing, without
 * holding its write lock for long:
 * 1. register the import in the ledger (one at a time per database; abandoned ones are cleaned up);
 * 2. stage the input in a TEMP table on the import's own connection (outside the database file, so
 *    this locks nothing a server uses, however long the input takes to read);
 * 3. sort the staged rows by key (rowid breaks ties, so the first of several features at one point
 *    in the input is the one kept);
 * 4. copy them into `features` in transactions of `batchRows`, tagged with the import's id, yielding
 *    to the event loop between batches; the rows are invisible to readers meanwhile;
 * 5. commit the import with one UPDATE of its ledger row, which makes every row visible at once.
 * On any failure the import's rows and ledger row are deleted; if the process dies instead, the next
 * open of the database deletes them.
 */
export async function importFeatures(
  input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
  options: ImportOptions,
): Promise<InsertSummary> {
  const { importDb, batchRows } = options;
  const ticket = beginImport(options.ledgerDb, batchRows, options.onAbandoned);
  // The timer keeps the import alive while it awaits its input; a failure there fails the import.
  let heartbeatError: unknown;
  const heartbeat = setInterval(() => {
    try {
      ticket.beat();
    } catch (error) {
      heartbeatError ??= error;
    }
  }, HEARTBEAT_MS).unref();
  const beat = (): void => {
    if (heartbeatError !== undefined) throw heartbeatError;
    ticket.beat();
  };
  let copiedAny = false;
  try {
    importDb.pragma(`cache_size = -${SORT_CACHE_KIB}`);
    // No sorter worker threads (PRAGMA threads): a second one sorted 10M rows 2.3 s faster of 26 s,
    // but raised the import's peak RSS from 197 to 328 MiB.
    const staged = await stage(importDb, input, beat);
    options.onSorting?.(staged);
    importDb.exec(
      `CREATE TEMP TABLE sorted_features AS
       SELECT latitude, longitude, name FROM temp.staged_features ORDER BY latitude, longitude, rowid`,
    );
    // The staged rows stay until the connection closes: dropping them walked all their pages (about
    // 2 s at 30M) and gave no disk back, since the temp file never shrinks.
    importDb.pragma(`cache_size = -${COPY_CACHE_KIB}`);
    // This connection checkpoints after each batch itself (below).
    importDb.pragma('wal_autocheckpoint = 0');
    const copy = importDb.prepare(
      `INSERT OR IGNORE INTO main.features (latitude, longitude, name, import_id)
       SELECT latitude, longitude, name, ? FROM temp.sorted_features WHERE rowid BETWEEN ? AND ? ORDER BY rowid`,
    );
    const copyBatch = importDb.transaction((first: number, last: number): number => {
      ticket.assertPending(importDb);
      return copy.run(ticket.id, first, last).changes;
    });
    let inserted = 0;
    for (let first = 1; first <= staged; first += batchRows) {
      const last = Math.min(staged, first + batchRows - 1);
      copiedAny = true;
      const lockedFrom = performance.now();
      inserted += copyBatch.immediate(first, last);
      const lockedMs = performance.now() - lockedFrom;
      // Fold the batch into the database file. The automatic checkpoint ran inside the commit call,
      // after the lock was released, but the pause below counted it as lock time, and at 10M it was
      // about 40% of that call (it fsyncs). PASSIVE: it waits for no one and copies what readers
      // allow; the WAL stays about one batch long. The lock is free meanwhile.
      importDb.pragma('wal_checkpoint(PASSIVE)');
      beat();
      await options.onBatch?.(last, staged);
      // Then leave the lock free for as long as the batch held it. SQLite has no queue for the write
      // lock: a waiting writer polls (after 1, 2, 5, ... up to 100 ms), and with back-to-back batches
      // it kept missing the gaps, waiting up to 830 ms at 10M and, over a copy longer than its busy
      // timeout, it could fail. More than half the time free, a poll rarely misses. (Pausing only
      // for the rest of the batch's time after the checkpoint left writers half the time; their
      // median p99 wait beside a 10M seed rose from 54 to 65 ms.)
      await sleep(Math.max(1, lockedMs));
    }
    beat();
    ticket.commit();
    return { inserted, duplicates: staged - inserted };
  } catch (error) {
    try {
      if (importDb.inTransaction) importDb.exec('ROLLBACK');
      ticket.discard(copiedAny);
    } catch (cleanupError) {
      const reason = cleanupError instanceof Error ? cleanupError.message : String(cleanupError);
      throw new Error(
        `${error instanceof Error ? error.message : String(error)} (and removing the partial import failed: ${reason}; ` +
          'the next open of the database removes it)',
        { cause: error },
      );
    }
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}
