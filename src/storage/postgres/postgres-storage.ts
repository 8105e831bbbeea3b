import { createSerialQueue } from '../serial-queue.js';
import type { Storage } from '../storage.js';
import { createPostgresChanges } from './changes.js';
import { createClient, describeFailure } from './connection.js';
import { createCursorScans } from './cursor-scans.js';
import { openDatabase } from './database.js';
import { createPostgresFeatures } from './features.js';
import { createPostgresNotes } from './notes.js';
import type { PostgresStorageOptions } from './options.js';

/** A PostgreSQL storage, usable at once: its calls wait for `ready`, which settles once it is connected and migrated. */
export interface PostgresStorage extends Storage {
  /** Resolves once the database answered and is migrated; rejects (one line, password redacted) if it cannot be. */
  readonly ready: Promise<void>;
}

/**
 * Opens a PostgreSQL storage over a pool of `poolSize` connections: connects (retrying while the
 * server cannot be reached, up to `connectTimeoutMs`) and migrates in the background; every call
 * waits for that. Durability is PostgreSQL's: notes are committed before addNotes resolves, which
 * survives a crash of the server under its defaults (synchronous_commit=on, fsync=on).
 */
export function openPostgresStorage(options: PostgresStorageOptions): PostgresStorage {
  const { target } = options;
  const database = openDatabase(options);
  const changes = createPostgresChanges({
    createClient: () => createClient(options),
    ready: database.ready,
    onError: (error) => {
      const reason = describeFailure(error, target, target.password ?? options.password);
      (options.onChangeListenError ?? ((failure: Error) => process.emitWarning(failure)))(new Error(reason, { cause: error }));
    },
    onRestored: (afterMs) => options.onChangeListenRestored?.(afterMs),
  });
  const scans = createCursorScans(database);
  const inserts = createSerialQueue();
  let closing: Promise<void> | undefined;

  async function closeNow(): Promise<void> {
    changes.close();
    await inserts.idle();
    scans.dropAll();
    await database.end();
  }

  return {
    scheme: 'postgres',
    ready: database.ready,
    ...createPostgresFeatures(database, scans, inserts),
    ...createPostgresNotes(database),

    async identity() {
      await database.assertOpen();
      // Migration 002's one row.
      const { rows } = await database.query<{ id: string }>('SELECT id FROM storage_identity');
      return rows[0]!.id;
    },

    onChange(listener) {
      database.assertNotClosed();
      return changes.onChange(listener);
    },

    close() {
      if (closing === undefined) {
        database.beginClose();
        closing = closeNow();
      }
      return closing;
    },
  };
}
