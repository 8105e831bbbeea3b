import type pg from 'pg';
import { createSerialQueue } from '../serial-queue.js';
import type { CommittedImport, FeatureRecord, FeedNote, InsertSummary, Storage, StoredNote } from '../storage.js';
import { StorageClosedError } from '../storage-closed-error.js';
import { StorageUnavailableError } from '../storage-unavailable-error.js';
import { createPostgresChanges } from './changes.js';
import { createClient, createPool, describeFailure, isTransient, waitForDatabase } from './connection.js';
import { ADD_NOTES_SQL, LAST_POSITION_SQL } from './feed-positions.js';
import { importFeatures } from './import.js';
import { watchAvailability, type Availability } from './availability.js';
import { applyMigrations } from './migrations.js';
import { notesAtEach } from './notes-at-each.js';
import type { PostgresStorageOptions } from './options.js';

const PRUNES_PER_BATCH = 5_000;

/** A PostgreSQL storage, usable at once: its calls wait for `ready`, which settles once it is connected and migrated. */
export interface PostgresStorage extends Storage {
  /** Resolves once the database answered and is migrated; rejects (one line, password redacted) if it cannot be. */
  readonly ready: Promise<void>;
}

interface NoteRow {
  position: string;
  latitude: number;
  longitude: number;
  message: string;
}

/**
 * Opens a PostgreSQL storage over a pool of `poolSize` connections: connects (retrying while the
 * server cannot be reached, up to `connectTimeoutMs`) and migrates in the background; every call
 * waits for that. Durability is PostgreSQL's: notes are committed before addNotes resolves, which
 * survives a crash of the server under its defaults (synchronous_commit=on, fsync=on).
 */
export function openPostgresStorage(options: PostgresStorageOptions): PostgresStorage {
  const { target } = options;
  const pool = createPool(options);
  let closing: Promise<void> | undefined;
  // An idle connection that breaks (the server restarted) is dropped by the pool; the next call
  // opens a fresh one. Without a listener, the 'error' event would end the process.
  pool.on('error', (error) => {
    (options.onPoolError ?? ((failure: Error) => process.emitWarning(failure)))(error);
    if (isTransient(error)) availability?.failed(describeFailure(error, target, target.password ?? options.password));
  });
  let availability: Availability | undefined;
  const ready = (async () => {
    await waitForDatabase(pool, options, () => closing !== undefined);
    const ran = await applyMigrations(pool);
    options.onMigrated?.(ran);
    const onAvailability = options.onAvailability;
    if (onAvailability !== undefined && closing === undefined) {
      availability = watchAvailability(() => reach(() => pool.query('SELECT 1')), (available, reason) => onAvailability(available, reason));
    }
  })();
  // Callers see a failure through `ready` or through any call; this only keeps it from going unhandled first.
  ready.catch(() => undefined);
  const changes = createPostgresChanges({
    createClient: () => createClient(options),
    ready,
    onError: (error) => {
      const reason = describeFailure(error, target, target.password ?? options.password);
      (options.onChangeListenError ?? ((failure: Error) => process.emitWarning(failure)))(new Error(reason, { cause: error }));
    },
    onRestored: (afterMs) => options.onChangeListenRestored?.(afterMs),
  });
  const inserts = createSerialQueue();
  /** Connections held by scans in progress: close() ends them, so that a scan left unfinished never holds it up. */
  const scans = new Set<{ letGo(destroy: boolean): void }>();

  const closedError = (options?: ErrorOptions): StorageClosedError => new StorageClosedError(`PostgreSQL storage ${target.redacted}`, options);

  function assertNotClosed(): void {
    if (closing !== undefined) throw closedError();
  }

  async function assertOpen(): Promise<void> {
    assertNotClosed();
    await ready;
    assertNotClosed();
  }

  /**
   * Runs one database step; a failure to reach the database (the server restarting, a connection
   * cut) becomes a StorageUnavailableError, so that callers can tell it from a bug.
   */
  async function reach<T>(step: () => Promise<T>): Promise<T> {
    try {
      const result = await step();
      availability?.succeeded();
      return result;
    } catch (error) {
      if (closing === undefined && isTransient(error)) {
        const reason = describeFailure(error, target, target.password ?? options.password);
        availability?.failed(reason);
        throw new StorageUnavailableError(`PostgreSQL at ${target.redacted} is unavailable: ${reason}`, { cause: error });
      }
      throw error;
    }
  }

  /**
   * A connection held across awaits (an import, a scan) that breaks while no query runs reports it as
   * an 'error' event: without a listener that would end the process. Its next query fails anyway.
   */
  async function holdConnection(): Promise<{ client: pg.PoolClient; letGo(destroy: boolean): void }> {
    const client = await reach(() => pool.connect());
    const onError = (): void => undefined;
    client.on('error', onError);
    return {
      client,
      letGo(destroy) {
        client.off('error', onError);
        client.release(destroy ? true : undefined);
      },
    };
  }

  async function insertNow(input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>): Promise<InsertSummary> {
    // Queued imports that had not started when close() began are refused here.
    await assertOpen();
    const held = await holdConnection();
    try {
      const summary = await reach(() => importFeatures(held.client, input));
      held.letGo(false);
      return summary;
    } catch (error) {
      // Dropped rather than reused: a failed COPY may leave the connection in an unknown state.
      held.letGo(true);
      throw error;
    }
  }

  /**
   * Rows of `select` (latitude, longitude, name) in batches, from a cursor in one REPEATABLE READ
   * transaction on a held connection: an import that commits meanwhile is seen whole or not at all.
   */
  async function* scanCursor(select: string, batchSize: number): AsyncGenerator<readonly FeatureRecord[]> {
    await assertOpen();
    const held = await holdConnection();
    const { client } = held;
    scans.add(held);
    let committed = false;
    try {
      await reach(() => client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'));
      await reach(() => client.query(`DECLARE scan NO SCROLL CURSOR FOR ${select}`));
      for (;;) {
        // The scan pauses at each batch: once closed, it stops there.
        await assertOpen();
        const { rows } = await reach(() =>
          client.query<[number, number, string]>({ text: `FETCH ${Math.max(1, batchSize)} FROM scan`, rowMode: 'array' }),
        );
        if (rows.length === 0) break;
        yield rows.map(([latitude, longitude, name]) => ({ latitude, longitude, name }));
      }
      await client.query('COMMIT');
      committed = true;
    } catch (error) {
      if (closing !== undefined) throw closedError({ cause: error });
      throw error;
    } finally {
      // close() may have dropped the connection already.
      if (scans.delete(held)) {
        // A scan abandoned or failed part way leaves its transaction open: drop that connection.
        held.letGo(!committed);
      }
    }
  }

  async function closeNow(): Promise<void> {
    availability?.stop();
    changes.close();
    await inserts.idle();
    for (const scan of scans) scan.letGo(true);
    scans.clear();
    await ready.catch(() => undefined);
    await pool.end();
  }

  return {
    scheme: 'postgres',
    ready,

    async countFeatures() {
      await assertOpen();
      const { rows } = await reach(() => pool.query<{ count: string }>('SELECT count(*) AS count FROM features'));
      return Number(rows[0]!.count);
    },

    insertFeatures(input) {
      // Queued at once, in call order; each checks that the storage is open when its turn comes.
      if (closing !== undefined) return Promise.reject(closedError());
      return inserts.run(() => insertNow(input));
    },

    scanFeatures(batchSize = 10_000) {
      return scanCursor('SELECT latitude, longitude, name FROM features', batchSize);
    },

    async addNotes(notes) {
      await assertOpen();
      if (notes.length === 0) return;
      // Read every note before the statement: a note that throws stores nothing.
      const latitudes: number[] = [];
      const longitudes: number[] = [];
      const messages: string[] = [];
      for (const note of notes) {
        latitudes.push(note.latitude);
        longitudes.push(note.longitude);
        messages.push(note.message);
      }
      await reach(() => pool.query(ADD_NOTES_SQL, [latitudes, longitudes, messages, Date.now()]));
    },

    async notesAtEach(points, limit) {
      await assertOpen();
      if (limit <= 0 || points.length === 0) return points.map(() => []);
      return notesAtEach((sql, values) => reach(() => pool.query(sql, values)), points, limit);
    },

    async lastImportPosition() {
      await assertOpen();
      const { rows } = await reach(() => pool.query<{ last_position: string }>(LAST_POSITION_SQL, ['imports']));
      return Number(rows[0]!.last_position);
    },

    async importsAfter(position, limit) {
      await assertOpen();
      if (limit <= 0) return [];
      const { rows } = await reach(() =>
        pool.query<{ position: string }>('SELECT position FROM imports WHERE position > $1 ORDER BY position LIMIT $2', [position, limit]),
      );
      return rows.map((row): CommittedImport => ({ position: Number(row.position) }));
    },

    async *scanImport(position, batchSize = 10_000) {
      await assertOpen();
      const { rows } = await reach(() => pool.query<{ id: string }>('SELECT id FROM imports WHERE position = $1', [position]));
      if (rows.length === 0) return;
      // The import's rows were appended together: features_by_import (BRIN) finds their pages.
      // The id is the database's own bigint, so it goes into the cursor's text as a number.
      yield* scanCursor(`SELECT latitude, longitude, name FROM features WHERE import_id = ${BigInt(rows[0]!.id)}`, batchSize);
    },

    onChange(listener) {
      assertNotClosed();
      return changes.onChange(listener);
    },

    async lastNotePosition() {
      await assertOpen();
      const { rows } = await reach(() => pool.query<{ last_position: string }>(LAST_POSITION_SQL, ['notes']));
      return Number(rows[0]!.last_position);
    },

    async notesAfter(position, limit) {
      await assertOpen();
      if (limit <= 0) return [];
      const { rows } = await reach(() =>
        pool.query<NoteRow>('SELECT position, latitude, longitude, message FROM notes WHERE position > $1 ORDER BY position LIMIT $2', [
          position,
          limit,
        ]),
      );
      return rows.map((row): FeedNote => ({ latitude: row.latitude, longitude: row.longitude, message: row.message, position: Number(row.position) }));
    },

    async notesAt(latitude, longitude, limit) {
      await assertOpen();
      if (limit <= 0) return [];
      const { rows } = await reach(() =>
        pool.query<NoteRow>(
        `SELECT latitude, longitude, message FROM (
           SELECT position, latitude, longitude, message FROM notes
           WHERE latitude = $1 AND longitude = $2 ORDER BY position DESC LIMIT $3
         ) AS recent ORDER BY position`,
        [latitude, longitude, limit],
        ),
      );
      return rows.map((row): StoredNote => ({ latitude: row.latitude, longitude: row.longitude, message: row.message }));
    },

    async pruneNotes(cutoff) {
      let deleted = 0;
      for (;;) {
        await assertOpen();
        // In batches, so that a large backlog never holds many row locks for long.
        const { rowCount } = await reach(() =>
          pool.query(
            `DELETE FROM notes WHERE position IN (
               SELECT position FROM notes WHERE created_at < $1 ORDER BY created_at LIMIT ${PRUNES_PER_BATCH})`,
            [cutoff],
          ),
        );
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < PRUNES_PER_BATCH) return deleted;
      }
    },

    close() {
      closing ??= closeNow();
      return closing;
    },
  };
}
