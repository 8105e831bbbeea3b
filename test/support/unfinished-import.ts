import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';

/** A pid that belonged to a process which has exited. */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

export interface UnfinishedImport {
  /** The ledger id; the next free one when absent. */
  readonly id?: number;
  /** This machine's host name unless given. */
  readonly host?: string;
  readonly pid: number;
  readonly startedAt?: number;
  /** Now unless given. */
  readonly heartbeatAt?: number;
  /** Set when a removal as abandoned marked the row and was cut short before deleting it. */
  readonly abandonedAt?: number;
  /** Points of the rows it had copied, each tagged with its id. */
  readonly points?: readonly (readonly [number, number])[];
}

/**
 * Writes into the SQLite file at `path` what an import leaves while it runs or after its process
 * died: a pending `imports` row and the feature rows it copied. Returns the import's id.
 */
export function leaveUnfinishedImport(path: string, unfinished: UnfinishedImport): number {
  const db = new Database(path);
  try {
    const now = Date.now();
    const id = Number(
      db
        .prepare('INSERT INTO imports (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)')
        .run(unfinished.id ?? null, unfinished.host ?? hostname(), unfinished.pid, unfinished.startedAt ?? now, unfinished.heartbeatAt ?? now)
        .lastInsertRowid,
    );
    // Only when asked: databases from before migration 004 have no such column.
    if (unfinished.abandonedAt !== undefined) {
      db.prepare('UPDATE imports SET abandoned_at = ? WHERE id = ?').run(unfinished.abandonedAt, id);
    }
    const insert = db.prepare('INSERT INTO features (latitude, longitude, name, import_id) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (const [latitude, longitude] of unfinished.points ?? []) insert.run(latitude, longitude, 'partial', id);
    })();
    return id;
  } finally {
    db.close();
  }
}
