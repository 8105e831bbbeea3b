import type Database from 'better-sqlite3';
import { nextTurn } from '../../common/event-loop.js';
import { beginImport, HEARTBEAT_MS } from './import-ledger.js';
import { ImportPacing } from './import-pacing.js';
import { ImportRows } from './import-rows.js';
import { DEFAULT_IMPORT_MEMORY_BYTES, type AbandonedImport, type ImportedRows } from './options.js';
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
  /** Memory the input may take to be sorted in memory (default DEFAULT_IMPORT_MEMORY_BYTES); tests set it low. */
  readonly inMemoryBytes?: number;
  /** Called when the input has been read, before the staged rows are sorted. */
  readonly onSorting?: (total: number) => void;
  /** Called after each committed copy batch with the rows copied so far and the total staged. */
  readonly onBatch?: (copied: number, total: number) => void | Promise<void>;
  readonly onAbandoned?: (removed: AbandonedImport) => void;
  /** Called after the commit of an import sorted in memory, with its distinct rows. */
  readonly onCommitted?: (rows: ImportedRows) => void;
}

/** The input, one feature at a time; read without awaiting when it is synchronous. */
type Input = { readonly sync: true; readonly rows: Iterator<FeatureRecord> } | { readonly sync: false; readonly rows: AsyncIterator<FeatureRecord> };

function inputOf(input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>): Input {
  return Symbol.iterator in input ? { sync: true, rows: input[Symbol.iterator]() } : { sync: false, rows: input[Symbol.asyncIterator]() };
}

/**
 * Reads `input` into `rows` until it ends (true) or `rows` is over its budget (false: the rest is
 * still to read), beating the heartbeat, and letting other work run for an asynchronous input.
 */
async function fill(input: Input, rows: ImportRows, beat: () => void): Promise<boolean> {
  let pending = 0;
  for (;;) {
    const next = input.sync ? input.rows.next() : await input.rows.next();
    if (next.done === true) return true;
    rows.add(next.value);
    if (++pending >= STAGED_PER_COMMIT) {
      pending = 0;
      beat();
      if (!input.sync) await nextTurn();
    }
    if (rows.full) return false;
  }
}

/** Appends rows to a new TEMP table, many to a statement, in short transactions (beating between them). */
function tempTableWriter(importDb: Database.Database, table: string, beat: () => void) {
  importDb.exec(`CREATE TEMP TABLE ${table} (latitude INTEGER NOT NULL, longitude INTEGER NOT NULL, name TEXT NOT NULL)`);
  const insertSql = `INSERT INTO temp.${table} (latitude, longitude, name) VALUES `;
  // Many rows per statement: the per-statement overhead was most of the staging cost.
  const insertMany = importDb.prepare(insertSql + Array(ROWS_PER_STATEMENT).fill('(?, ?, ?)').join(', '));
  const insertOne = importDb.prepare(insertSql + '(?, ?, ?)');
  const values: (number | string)[] = [];
  let written = 0;
  let pending = 0;
  const flushRows = (): void => {
    if (values.length === ROWS_PER_STATEMENT * 3) insertMany.run(values);
    else for (let i = 0; i < values.length; i += 3) insertOne.run(values[i], values[i + 1], values[i + 2]);
    values.length = 0;
  };
  importDb.exec('BEGIN');
  return {
    /** Whether the last write ended a transaction: a moment to let other work run. */
    get committed(): boolean {
      return pending === 0;
    },
    write(latitude: number, longitude: number, name: string): void {
      values.push(latitude, longitude, name);
      written++;
      if (values.length === ROWS_PER_STATEMENT * 3) flushRows();
      if (++pending >= STAGED_PER_COMMIT) {
        pending = 0;
        flushRows();
        importDb.exec('COMMIT');
        // Between transactions, so the heartbeat never holds a lock open; also covers synchronous input.
        beat();
        importDb.exec('BEGIN');
      }
    },
    /** Commits the rest; returns how many rows were written. */
    end(): number {
      flushRows();
      importDb.exec('COMMIT');
      return written;
    },
  };
}

/**
 * Appends `rows`, then the rest of `input`, to temp.staged_features in short transactions; returns
 * how many rows it staged.
 */
async function stage(importDb: Database.Database, rows: ImportRows, input: Input, beat: () => void): Promise<number> {
  const staged = tempTableWriter(importDb, 'staged_features', beat);
  for (let i = 0; i < rows.length; i++) staged.write(rows.latitudes[i]!, rows.longitudes[i]!, rows.name(i));
  for (;;) {
    const next = input.sync ? input.rows.next() : await input.rows.next();
    if (next.done === true) break;
    staged.write(next.value.latitude, next.value.longitude, next.value.name);
    // Let other work run during a long import from a stream.
    if (staged.committed && !input.sync) await nextTurn();
  }
  return staged.end();
}

/**
 * Writes `rows` in key order (`order`) to temp.sorted_features, as the staged path's sort does, so
 * that the copy is the same INSERT ... SELECT: copying straight from JS bound every value inside the
 * copy transaction, which held the write lock twice as long per batch, and a server's note writes
 * beside a 1M seed waited 57-81 ms at p99 instead of 24-34 ms.
 */
function stageSorted(importDb: Database.Database, rows: ImportRows, order: Uint32Array, beat: () => void): void {
  const sorted = tempTableWriter(importDb, 'sorted_features', beat);
  for (let position = 0; position < order.length; position++) {
    const row = order[position]!;
    sorted.write(rows.latitudes[row]!, rows.longitudes[row]!, rows.name(row));
  }
  sorted.end();
}

/** What one copy batch did: the rows it inserted, and how long it held the write lock. */
interface CopiedBatch {
  readonly inserted: number;
  readonly lockedMs: number;
}

/**
 * Copies `total` rows in key order into `main.features` in transactions of `batchRows` rows,
 * `copyBatch(first, last)` copying rows first to last (1-based): each is checkpointed after its
 * commit, reported, and followed by a pause that lets other writers in. Returns the rows inserted.
 */
async function copyInBatches(
  importDb: Database.Database,
  total: number,
  options: ImportOptions,
  beat: () => void,
  copyBatch: (first: number, last: number) => CopiedBatch,
): Promise<number> {
  // This connection checkpoints after each batch itself (below).
  importDb.pragma('wal_autocheckpoint = 0');
  const pacing = new ImportPacing(importDb);
  let inserted = 0;
  for (let first = 1; first <= total; first += options.batchRows) {
    const last = Math.min(total, first + options.batchRows - 1);
    const batch = copyBatch(first, last);
    inserted += batch.inserted;
    // Fold the batch into the database file. The automatic checkpoint ran inside the commit call,
    // after the lock was released, but the pause below counted it as lock time, and at 10M it was
    // about 40% of that call (it fsyncs). PASSIVE: it waits for no one and copies what readers
    // allow; the WAL stays about one batch long. The lock is free meanwhile.
    importDb.pragma('wal_checkpoint(PASSIVE)');
    beat();
    await options.onBatch?.(last, total);
    await pacing.pause(batch.lockedMs);
  }
  return inserted;
}

/** A transaction of `work`, begun IMMEDIATE, timed from the lock's taking to its release. */
function lockedFor(importDb: Database.Database, work: () => number): CopiedBatch {
  const lockedFrom = performance.now();
  const inserted = importDb.transaction(work).immediate();
  return { inserted, lockedMs: performance.now() - lockedFrom };
}

/** Copies temp.sorted_features, in rowid order (the key's, input order breaking ties), into main.features. */
function copySorted(importDb: Database.Database, importId: number, assertPending: () => void) {
  importDb.pragma(`cache_size = -${COPY_CACHE_KIB}`);
  const copy = importDb.prepare(
    `INSERT OR IGNORE INTO main.features (latitude, longitude, name, import_id)
     SELECT latitude, longitude, name, ? FROM temp.sorted_features WHERE rowid BETWEEN ? AND ? ORDER BY rowid`,
  );
  return (first: number, last: number): CopiedBatch =>
    lockedFor(importDb, () => {
      assertPending();
      return copy.run(importId, first, last).changes;
    });
}

/**
 * Imports features into a SQLite database that servers may be using, all or nothing, without
 * holding its write lock for long:
 * 1. register the import in the ledger (one at a time per database; abandoned ones are cleaned up);
 * 2. read the input into memory, up to DEFAULT_IMPORT_MEMORY_BYTES; a longer input is staged in a TEMP table on
 *    the import's own connection (outside the database file, so this locks nothing a server uses,
 *    however long the input takes to read);
 * 3. sort the rows by key, input order breaking ties, so that the first of several features at one
 *    point in the input is the one kept (in memory: a radix sort in JS; staged: SQLite's sorter);
 * 4. copy them into `features` in transactions of `batchRows`, tagged with the import's id, pausing
 *    between batches for other writers (import-pacing.ts); the rows are invisible to readers meanwhile;
 * 5. commit the import with one UPDATE of its ledger row, which makes every row visible at once.
 * On any failure the import's rows and ledger row are deleted; if the process dies instead, the next
 * open of the database deletes them.
 */
export async function importFeatures(
  input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
  options: ImportOptions,
): Promise<InsertSummary> {
  const { importDb } = options;
  const ticket = beginImport(options.ledgerDb, options.batchRows, options.onAbandoned);
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
  const assertPending = (): void => ticket.assertPending(importDb);
  let copiedAny = false;
  const rows = new ImportRows(options.inMemoryBytes ?? DEFAULT_IMPORT_MEMORY_BYTES);
  const reader = inputOf(input);
  let readAll = false;
  let order: Uint32Array | undefined;
  let summary: InsertSummary;
  try {
    readAll = await fill(reader, rows, beat);
    let total: number;
    if (readAll) {
      total = rows.length;
      options.onSorting?.(total);
      order = rows.sortedOrder();
      importDb.pragma(`cache_size = -${SORT_CACHE_KIB}`);
      stageSorted(importDb, rows, order, beat);
    } else {
      importDb.pragma(`cache_size = -${SORT_CACHE_KIB}`);
      // No sorter worker threads (PRAGMA threads): a second one sorted 10M rows 2.3 s faster of 26 s,
      // but raised the import's peak RSS from 197 to 328 MiB.
      total = await stage(importDb, rows, reader, beat);
      readAll = true;
      rows.clear();
      options.onSorting?.(total);
      importDb.exec(
        `CREATE TEMP TABLE sorted_features AS
         SELECT latitude, longitude, name FROM temp.staged_features ORDER BY latitude, longitude, rowid`,
      );
      // The staged rows stay until the connection closes: dropping them walked all their pages (about
      // 2 s at 30M) and gave no disk back, since the temp file never shrinks.
    }
    const copyBatch = copySorted(importDb, ticket.id, assertPending);
    copiedAny = true;
    const inserted = await copyInBatches(importDb, total, options, beat, copyBatch);
    beat();
    ticket.commit();
    summary = { inserted, duplicates: total - inserted };
  } catch (error) {
    // An input given up half-way is closed (a file reader releases its file).
    if (!readAll) await reader.rows.return?.();
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
  // Committed: whatever the listener does, the import stands.
  if (order !== undefined) options.onCommitted?.(rows.distinct(order));
  return summary;
}
