import type Database from 'better-sqlite3';
import type { Unsubscribe } from '../storage.js';

/** How often a SQLite storage with listeners asks whether another connection committed. */
export const DEFAULT_CHANGE_POLL_MS = 200;

/** Storage.onChange for SQLite: what this storage commits is announced at once, the rest by polling. */
export interface SqliteChanges {
  onChange(listener: () => void): Unsubscribe;
  /** Announces a commit made through this storage's own connection, which data_version does not count. */
  committed(): void;
  /** Stops polling and forgets every listener. */
  close(): void;
}

/**
 * Polls `PRAGMA data_version` on the storage's connection while anyone listens. It changes whenever
 * another connection (another process, or an import's own connection) commits to the database, and
 * costs about a microsecond: no table is read, and an idle database is never woken.
 */
export function createSqliteChanges(db: Database.Database, pollMs: number, onError: (error: unknown) => void): SqliteChanges {
  const listeners = new Set<() => void>();
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let timer: NodeJS.Timeout | undefined;
  let seen = 0;
  // A failing poll is reported once, not every interval, until a poll succeeds again.
  let failing = false;

  function announce(): void {
    for (const listener of listeners) listener();
  }

  function poll(): void {
    let version: number;
    try {
      version = dataVersion.get() as number;
    } catch (error) {
      if (!failing) onError(error);
      failing = true;
      return;
    }
    failing = false;
    if (version === seen) return;
    seen = version;
    announce();
  }

  function stop(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  }

  return {
    onChange(listener) {
      listeners.add(listener);
      if (timer === undefined) {
        seen = dataVersion.get() as number;
        // Unref'd: a poll never keeps a process alive that has nothing else to do.
        timer = setInterval(poll, pollMs).unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    committed() {
      if (listeners.size > 0) setImmediate(announce);
    },
    close() {
      stop();
      listeners.clear();
    },
  };
}
