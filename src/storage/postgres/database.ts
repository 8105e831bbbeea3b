import type pg from 'pg';
import { StorageClosedError, StorageUnavailableError } from '../errors.js';
import { watchAvailability, type Availability } from './availability.js';
import { createPool, describeFailure, isTransient, waitForDatabase } from './connection.js';
import { applyMigrations } from './migrations.js';
import type { PostgresStorageOptions } from './options.js';

/** A pooled connection held across awaits (an import, a scan), and how to give it back. */
export interface HeldConnection {
  readonly client: pg.PoolClient;
  /** Returns it to the pool, or drops it when `destroy` (its state is unknown). */
  letGo(destroy: boolean): void;
}

/**
 * A PostgreSQL storage's hold on its database: the pool, the open (connect and migrate, in the
 * background), whether the database answers, and the closed state. Every query of the storage goes
 * through here, so that a failure to reach the database is told apart from a bug.
 */
export interface PostgresDatabase {
  /** Resolves once the database answered and is migrated; rejects (one line, password redacted) if it cannot be. */
  readonly ready: Promise<void>;
  /** Whether close() has begun. */
  isClosing(): boolean;
  /** The contract's closed error, naming this storage with its password redacted. */
  closedError(cause?: unknown): StorageClosedError;
  /** Throws the closed error once close() has begun. */
  assertNotClosed(): void;
  /** Waits for `ready`; throws the closed error once close() has begun, before or after the wait. */
  assertOpen(): Promise<void>;
  /**
   * Runs one database step; a failure to reach the database (the server restarting, a connection
   * cut) becomes a StorageUnavailableError, so that callers can tell it from a bug.
   */
  reach<T>(step: () => Promise<T>): Promise<T>;
  /** One statement on a pooled connection, through reach(). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** A pooled connection to hold across awaits, through reach(). */
  holdConnection(): Promise<HeldConnection>;
  /** Begins closing: calls are refused from now on and the availability probe stops. */
  beginClose(): void;
  /** Ends the pool, once the open has settled. */
  end(): Promise<void>;
}

/** Opens the pool and starts connecting and migrating in the background (see `ready`). */
export function openDatabase(options: PostgresStorageOptions): PostgresDatabase {
  const { target } = options;
  const password = target.password ?? options.password;
  const pool = createPool(options);
  let closing = false;
  let availability: Availability | undefined;

  // An idle connection that breaks (the server restarted) is dropped by the pool; the next call
  // opens a fresh one. Without a listener, the 'error' event would end the process.
  pool.on('error', (error) => {
    (options.onPoolError ?? ((failure: Error) => process.emitWarning(failure)))(error);
    if (isTransient(error)) availability?.failed(describeFailure(error, target, password));
  });

  async function reach<T>(step: () => Promise<T>): Promise<T> {
    try {
      const result = await step();
      availability?.succeeded();
      return result;
    } catch (error) {
      if (!closing && isTransient(error)) {
        const reason = describeFailure(error, target, password);
        availability?.failed(reason);
        throw new StorageUnavailableError(`PostgreSQL at ${target.redacted} is unavailable: ${reason}`, { cause: error });
      }
      throw error;
    }
  }

  const ready = (async () => {
    await waitForDatabase(pool, options, () => closing);
    const ran = await applyMigrations(pool);
    options.onMigrated?.(ran);
    const onAvailability = options.onAvailability;
    if (onAvailability !== undefined && !closing) {
      availability = watchAvailability(() => reach(() => pool.query('SELECT 1')), (available, reason) => onAvailability(available, reason));
    }
  })();
  // Callers see a failure through `ready` or through any call; this only keeps it from going unhandled first.
  ready.catch(() => undefined);

  const closedError = (cause?: unknown): StorageClosedError =>
    new StorageClosedError(`PostgreSQL storage ${target.redacted}`, cause === undefined ? undefined : { cause });
  const assertNotClosed = (): void => {
    if (closing) throw closedError();
  };

  return {
    ready,
    isClosing: () => closing,
    closedError,
    assertNotClosed,
    async assertOpen() {
      assertNotClosed();
      await ready;
      assertNotClosed();
    },
    reach,
    query: (text, values) => reach(() => pool.query(text, values)),
    async holdConnection() {
      const client = await reach(() => pool.connect());
      // A held connection that breaks while no query runs reports it as an 'error' event: without a
      // listener that would end the process. Its next query fails anyway.
      const onError = (): void => undefined;
      client.on('error', onError);
      return {
        client,
        letGo(destroy) {
          client.off('error', onError);
          client.release(destroy ? true : undefined);
        },
      };
    },
    beginClose() {
      closing = true;
      availability?.stop();
    },
    async end() {
      await ready.catch(() => undefined);
      await pool.end();
    },
  };
}
