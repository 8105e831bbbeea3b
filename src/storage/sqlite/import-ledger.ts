import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { ImportAbandonedError, ImportInProgressError } from '../errors.js';
import type { AbandonedImport } from './options.js';

/**
 * The `imports` table (migrations 003, 004, 005): one row per SQLite import, written by the importing
 * process. An import's features carry its id and stay invisible until its row is committed, so an
 * import can copy in many short transactions and still be all-or-nothing. This module is the one
 * place that knows those rules: who may import, when an import counts as abandoned, and which rows
 * readers see.
 *
 * An import is removed in three steps: its row is marked abandoned (`abandoned_at`), then its
 * features are deleted, then its row. The mark commits first, so the importer's guards (checked in
 * every copy transaction and in the commit) refuse from then on, even if the importer was only
 * stalled; and a marked row left by a removal cut short is finished by the next removal.
 */

/** An import whose process has not touched its row for this long is treated as dead. */
const ABANDONED_AFTER_MS = 60_000;
/** How often a live import refreshes its row. */
export const HEARTBEAT_MS = 5_000;

/** This import's ledger row was removed by another process that took it for abandoned. */
function abandoned(importId: number): ImportAbandonedError {
  return new ImportAbandonedError(
    `import ${importId} was removed as abandoned by another process (it saw no heartbeat for ` +
      `${ABANDONED_AFTER_MS / 1000} s); nothing was imported`,
  );
}

interface PendingRow {
  readonly id: number;
  readonly host: string;
  readonly pid: number;
  readonly started_at: number;
  readonly heartbeat_at: number;
  readonly abandoned_at: number | null;
}

/** Which features a reader sees: those of committed imports that existed when the view was taken. */
export interface ImportsView {
  /** The highest import id at that moment: later imports are not seen. */
  readonly maxId: number;
  /** The ids pending at that moment: not seen, even if they commit while the reader pages on. */
  readonly pending: readonly number[];
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it just is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Ids of the imports this process is running, so that a dead process's import with our pid is told apart. */
const runningHere = new Set<number>();

/**
 * Dead when its process is gone (decidable only on this host: SQLite's WAL mode already requires
 * every process to share one host, but containers may not share a pid namespace), or when its
 * heartbeat is older than ABANDONED_AFTER_MS (which also covers a pid reused by another process).
 */
function isAbandoned(row: PendingRow, now: number): boolean {
  if (row.host === hostname()) {
    if (row.pid === process.pid ? !runningHere.has(row.id) : !processExists(row.pid)) return true;
  }
  return now - row.heartbeat_at > ABANDONED_AFTER_MS;
}

/** Uncommitted imports, including those marked abandoned whose removal is not finished. */
function pendingImports(db: Database.Database): PendingRow[] {
  return db
    .prepare('SELECT id, host, pid, started_at, heartbeat_at, abandoned_at FROM imports WHERE committed_at IS NULL ORDER BY id')
    .all() as PendingRow[];
}

function markAbandoned(db: Database.Database, importId: number): void {
  db.prepare('UPDATE imports SET abandoned_at = ? WHERE id = ? AND committed_at IS NULL AND abandoned_at IS NULL').run(
    Date.now(),
    importId,
  );
}

function forgetImport(db: Database.Database, importId: number): void {
  db.prepare('DELETE FROM imports WHERE id = ? AND committed_at IS NULL').run(importId);
}

export function viewImports(db: Database.Database): ImportsView {
  const maxId = db.prepare('SELECT coalesce(max(id), 0) FROM imports').pluck().get() as number;
  // A marked import never commits (the guards see to it); it is named here all the same.
  const pending = db
    .prepare('SELECT id FROM imports WHERE committed_at IS NULL OR abandoned_at IS NOT NULL')
    .pluck()
    .all() as number[];
  return { maxId, pending };
}

/**
 * The SQL condition on `features` that selects what the view sees, with its parameters. Usually no
 * import is pending, and the condition is one cheap comparison.
 */
export function visibleFeatures(view: ImportsView): { readonly sql: string; readonly params: number[] } {
  if (view.pending.length === 0) return { sql: 'import_id <= ?', params: [view.maxId] };
  return {
    sql: `import_id <= ? AND import_id NOT IN (${view.pending.map(() => '?').join(', ')})`,
    params: [view.maxId, ...view.pending],
  };
}

/**
 * Deletes the features of one import, walking the key order in batches so that each transaction
 * holds the write lock briefly. Returns how many were deleted.
 */
function deleteImportFeatures(db: Database.Database, importId: number, batchRows: number): number {
  const lastKeyOfBatch = db
    .prepare(
      `SELECT latitude, longitude FROM (
         SELECT latitude, longitude FROM features
         WHERE import_id = ? AND (latitude, longitude) > (?, ?) ORDER BY latitude, longitude LIMIT ?
       ) ORDER BY latitude DESC, longitude DESC LIMIT 1`,
    )
    .raw();
  const deleteRange = db.prepare(
    `DELETE FROM features
     WHERE import_id = ? AND (latitude, longitude) > (?, ?) AND (latitude, longitude) <= (?, ?)`,
  );
  let deleted = 0;
  let after: [number, number] = [-Infinity, -Infinity];
  for (;;) {
    const last = lastKeyOfBatch.get(importId, after[0], after[1], batchRows) as [number, number] | undefined;
    if (last === undefined) return deleted;
    deleted += deleteRange.run(importId, after[0], after[1], last[0], last[1]).changes;
    after = last;
  }
}

/** Whether a pending import is to be removed: found dead now, or marked by a removal cut short. */
function isToRemove(row: PendingRow, now: number): boolean {
  return row.abandoned_at !== null || isAbandoned(row, now);
}

/**
 * Marks the imports to remove, deciding in the same write transaction as the marking so that an
 * import that beats or commits meanwhile is never marked. Returns the marked rows.
 */
function markImportsToRemove(db: Database.Database): PendingRow[] {
  // Most opens find nothing to remove: they take no write lock.
  if (!pendingImports(db).some((row) => isToRemove(row, Date.now()))) return [];
  return db
    .transaction((): PendingRow[] => {
      const now = Date.now();
      const rows = pendingImports(db).filter((row) => isToRemove(row, now));
      for (const row of rows) markAbandoned(db, row.id);
      return rows;
    })
    .immediate();
}

/**
 * Removes every abandoned import, and finishes removals that were cut short: marks each row, then
 * deletes its features, then the row. Returns the imports removed.
 */
export function removeAbandonedImports(db: Database.Database, batchRows: number): AbandonedImport[] {
  const removed: AbandonedImport[] = [];
  for (const row of markImportsToRemove(db)) {
    const removedFeatures = deleteImportFeatures(db, row.id, batchRows);
    forgetImport(db, row.id);
    removed.push({ id: row.id, host: row.host, pid: row.pid, startedAt: row.started_at, removedFeatures });
  }
  return removed;
}

/** A registered, not yet committed import, owned by this process. */
export interface ImportTicket {
  readonly id: number;
  /** Refreshes the heartbeat if HEARTBEAT_MS has passed (cheap to call often). */
  beat(): void;
  /**
   * Throws ImportAbandonedError if another process marked this import abandoned or removed it. Run
   * it on the copying connection inside each copy transaction, so a removed import copies no further batch.
   */
  assertPending(connection: Database.Database): void;
  /** Makes the import's features visible, in one short transaction. Throws if it was marked or removed as abandoned. */
  commit(): void;
  /** Deletes the import's row, and first (after marking the row) its features if any were copied (a walk of every feature). */
  discard(copiedAny: boolean): void;
}

/**
 * Registers a new import. Fails with ImportInProgressError while another live import exists;
 * abandoned ones are removed first. `db` must be a connection that is not inside a transaction,
 * so the heartbeat never joins (and prolongs) someone's transaction.
 */
export function beginImport(db: Database.Database, batchRows: number, onAbandoned?: (removed: AbandonedImport) => void): ImportTicket {
  for (const removed of removeAbandonedImports(db, batchRows)) onAbandoned?.(removed);
  const now = Date.now();
  const register = db.transaction((): number => {
    const [live] = pendingImports(db);
    if (live !== undefined) {
      const which = `another import (id ${live.id}, pid ${live.pid} on ${live.host}, started ${new Date(live.started_at).toISOString()})`;
      // Marked: its features are being deleted right now, and until then they would count as duplicates.
      throw new ImportInProgressError(
        live.abandoned_at === null
          ? `${which} is writing to this database; imports run one at a time, so wait for it to finish`
          : `${which} is being removed (it failed or was abandoned); try again when that has finished`,
      );
    }
    return Number(
      db
        .prepare('INSERT INTO imports (host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?)')
        .run(hostname(), process.pid, now, now).lastInsertRowid,
    );
  });
  const id = register.immediate();
  runningHere.add(id);
  const heartbeat = db.prepare('UPDATE imports SET heartbeat_at = ? WHERE id = ?');
  let lastBeat = now;
  return {
    id,
    beat() {
      const at = Date.now();
      if (at - lastBeat < HEARTBEAT_MS) return;
      heartbeat.run(at, id);
      lastBeat = at;
    },
    assertPending(connection) {
      const pending = connection
        .prepare('SELECT count(*) FROM main.imports WHERE id = ? AND committed_at IS NULL AND abandoned_at IS NULL')
        .pluck();
      if (pending.get(id) !== 1) throw abandoned(id);
    },
    commit() {
      const at = Date.now();
      const { changes } = db
        .prepare(
          // One statement, so its position is taken under the write lock: positions follow commit order.
          `UPDATE imports SET committed_at = ?, heartbeat_at = ?,
             commit_position = (SELECT coalesce(max(commit_position), 0) + 1 FROM imports)
           WHERE id = ? AND committed_at IS NULL AND abandoned_at IS NULL`,
        )
        .run(at, at, id);
      if (changes !== 1) throw abandoned(id);
      runningHere.delete(id);
    },
    discard(copiedAny) {
      if (copiedAny) {
        // Marked first, like any removal: if this process dies half-way, the next open finishes it.
        markAbandoned(db, id);
        deleteImportFeatures(db, id, batchRows);
      }
      forgetImport(db, id);
      runningHere.delete(id);
    },
  };
}
