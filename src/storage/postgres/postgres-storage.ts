import type pg from 'pg';
import { createSerialQueue } from '../serial-queue.js';
import type { FeatureRecord, FeedNote, InsertSummary, Storage, StoredNote } from '../storage.js';
import { StorageUnavailableError } from '../storage-unavailable-error.js';
import { createPool, describeFailure, isTransient, waitForDatabase } from './connection.js';
import { ADD_NOTE_SQL, LAST_POSITION_SQL } from './feed-positions.js';
import { importFeatures } from './import.js';
import { watchAvailability, type Availability } from './availability.js';
import { applyMigrations } from './migrations.js';
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
 * waits for that. Durability is PostgreSQL's: a note is committed before addNote resolves, which
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
  const inserts = createSerialQueue();
  /** Connections held by scans in progress: close() ends them, so that a scan left unfinished never holds it up. */
  const scans = new Set<{ letGo(destroy: boolean): void }>();

  async function assertOpen(): Promise<void> {
    if (closing !== undefined) throw new Error(`PostgreSQL storage ${target.redacted} is closed`);
    await ready;
    if (closing !== undefined) throw new Error(`PostgreSQL storage ${target.redacted} is closed`);
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

  async function closeNow(): Promise<void> {
    availability?.stop();
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
      if (closing !== undefined) return Promise.reject(new Error(`PostgreSQL storage ${target.redacted} is closed`));
      return inserts.run(() => insertNow(input));
    },

    async *scanFeatures(batchSize = 10_000) {
      await assertOpen();
      // One snapshot for the whole scan: an import that commits meanwhile is seen whole or not at all.
      const held = await holdConnection();
      const { client } = held;
      scans.add(held);
      let committed = false;
      try {
        await reach(() => client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'));
        await reach(() => client.query('DECLARE scan NO SCROLL CURSOR FOR SELECT latitude, longitude, name FROM features'));
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
        if (closing !== undefined) throw new Error(`PostgreSQL storage ${target.redacted} is closed`, { cause: error });
        throw error;
      } finally {
        // close() may have dropped the connection already.
        if (scans.delete(held)) {
          // A scan abandoned or failed part way leaves its transaction open: drop that connection.
          held.letGo(!committed);
        }
      }
    },

    async addNote(note: StoredNote) {
      await assertOpen();
      await reach(() => pool.query(ADD_NOTE_SQL, [note.latitude, note.longitude, note.message, Date.now()]));
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
