import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * The part of a better-sqlite3 connection the check uses, declared here so that this module's public
 * declarations (open-storage.ts re-exports its types) never need better-sqlite3's own types.
 */
export interface PragmaRunner {
  pragma(source: string): unknown;
}

/**
 * SQLite's `PRAGMA quick_check`: it reads the whole file, about 0.2 s at 1M features and 20 s at
 * 100M, so a corrupted file is refused with a clear message rather than failing later as INTERNAL.
 * At open (the default), or after start on a thread of its own (quickCheckInBackground).
 */

/** The problems quick_check finds on `db`; none when the file is sound. */
export function quickCheckProblems(db: PragmaRunner): string[] {
  const rows = (db.pragma('quick_check') as { quick_check: string }[]).map((row) => row.quick_check);
  return rows.join() === 'ok' ? [] : rows;
}

/** One line naming the problems: `database is corrupted (quick_check: ...)`. */
export function describeProblems(problems: readonly string[]): string {
  return `database is corrupted (quick_check: ${problems.join('; ').replace(/\s*\n\s*/g, ' ')})`;
}

/** A check running on its own thread. */
export interface BackgroundCheck {
  /**
   * The problems found (none: the file is sound). A file SQLite cannot read as a database counts
   * as a problem; a check that cannot run at all (the file is gone, say) rejects.
   */
  readonly problems: Promise<readonly string[]>;
  /** Ends the check; a statement in progress runs to its end first (SQLite cannot be interrupted from another thread). */
  stop(): Promise<void>;
}

/** What the worker posts back. */
type Outcome = { readonly problems: string[] } | { readonly failure: string };

/**
 * The worker's code, as plain JavaScript (it runs from src/ under the tests as well as from dist/):
 * its own read-only connection, one quick_check, one message. better-sqlite3 is loaded from the path
 * this module resolves, wherever the worker's working directory is.
 */
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
let db;
try {
  db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  const rows = db.pragma('quick_check').map((row) => row.quick_check);
  parentPort.postMessage({ problems: rows.join() === 'ok' ? [] : rows });
} catch (error) {
  const code = String(error && error.code);
  // SQLITE_CORRUPT, SQLITE_CORRUPT_INDEX, ..., SQLITE_NOTADB: what quick_check is there to find.
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') parentPort.postMessage({ problems: [error.message] });
  else parentPort.postMessage({ failure: error instanceof Error ? error.message : String(error) });
} finally {
  if (db) db.close();
}
`;

/**
 * Runs quick_check on the database at `path` in a worker thread, on a connection of its own, so
 * that the event loop goes on meanwhile (better-sqlite3 is synchronous). Read-only, and a reader
 * in WAL mode blocks no writer; it does hold checkpoints back until it ends. The thread does not
 * keep the process alive, but a process that exits meanwhile waits for the statement to end.
 */
export function quickCheckInBackground(options: { readonly path: string; readonly busyTimeoutMs?: number }): BackgroundCheck {
  const worker = new Worker(WORKER_CODE, {
    eval: true,
    workerData: {
      betterSqlite3: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: options.path,
      busyTimeoutMs: options.busyTimeoutMs ?? 5000,
    },
  });
  worker.unref();
  const problems = new Promise<readonly string[]>((resolve, reject) => {
    worker.once('message', (outcome: Outcome) => {
      if ('problems' in outcome) resolve(outcome.problems);
      else reject(new Error(outcome.failure));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the quick_check thread exited with code ${code} before it answered`)));
  });
  // Whoever stops the check early does not read the outcome.
  problems.catch(() => undefined);
  return {
    problems,
    async stop() {
      await worker.terminate();
    },
  };
}
