import { openSync, closeSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Overwrites, with garbage, the one page of a SQLite database that nothing reads at start-up: the root
 * of the notes_by_created_at index (note retention's, read only by pruneNotes). The file opens, migrates
 * and serves as before; quick_check finds the damage. The database must be closed (checkpointed).
 */
export function corruptIndexReadByNothingAtStart(path: string): void {
  const db = new Database(path, { readonly: true });
  let root: number;
  let pageSize: number;
  try {
    root = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'notes_by_created_at'").pluck().get() as number;
    pageSize = db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
  const file = openSync(path, 'r+');
  try {
    writeSync(file, Buffer.alloc(pageSize, 0xde), 0, pageSize, (root - 1) * pageSize);
  } finally {
    closeSync(file);
  }
}
