import pg from 'pg';
import { StorageOpenError } from '../errors.js';
import { DEFAULT_POOL_SIZE, type PostgresStorageOptions, type PostgresTarget } from './options.js';

/** First wait between attempts to reach the database at start-up; it doubles up to the cap. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;
/** How long one connection attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * Errors worth waiting out at start-up: the server is not there yet (refused, unknown host, no
 * route), is starting or shutting down, or has no free connection. Anything else (a refused login, a
 * missing database, TLS refused) will not change by waiting.
 */
const TRANSIENT_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const TRANSIENT_SQLSTATE = new Set(['57P03', '57P01', '57P02', '53300', '08006', '08001']);

export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (TRANSIENT_NETWORK.has(code) || TRANSIENT_SQLSTATE.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /timeout expired|timeout exceeded when trying to connect|Connection terminated|not queryable/i.test(message);
}

/** One line for a connection failure, never showing the password. */
export function describeFailure(error: unknown, target: PostgresTarget, password: string | undefined): string {
  let reason = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  if (reason === '' && typeof code === 'string') reason = code;
  if (error instanceof AggregateError && error.errors.length > 0) reason = (error.errors[0] as Error).message;
  if (/client password must be a string/.test(reason)) {
    reason = 'the server asks for a password and none was given; put it in the URL or in PGPASSWORD';
  }
  if (password !== undefined && password !== '') reason = reason.split(password).join('***');
  return reason.replace(/\s*\n\s*/g, ' ');
}

/**
 * node-postgres's client, except that a handshake it fails itself (a server asking for a password
 * when none was given) also closes the socket, which node-postgres leaves open until the server's
 * authentication timeout, keeping the process alive.
 */
class HandshakeClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: ((error: Error) => void) | ((error: null, client: pg.Client) => void)): void;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the union of node-postgres's two callback shapes
  override connect(callback?: (error: any, client: pg.Client) => void): Promise<pg.Client> | void {
    const closeOnFailure = (error: Error | null | undefined): void => {
      if (error) (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    };
    if (callback) {
      super.connect((error: Error | null) => {
        closeOnFailure(error);
        callback(error, this);
      });
      return;
    }
    return super.connect().catch((error: Error) => {
      closeOnFailure(error);
      throw error;
    });
  }
}

/** What node-postgres's `ssl` option is for an sslmode, in node-postgres's meaning (see options.ts). */
function sslFor(target: PostgresTarget): pg.PoolConfig['ssl'] {
  switch (target.sslMode) {
    case undefined:
    case 'disable':
      return false;
    case 'no-verify':
      return { rejectUnauthorized: false };
    default:
      return true;
  }
}

/** How to reach the target, for the pool and for the change listener's own client. */
function clientConfig(options: PostgresStorageOptions): pg.ClientConfig {
  const { target } = options;
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    // undefined lets node-postgres fall back to its own sources (PGPASSWORD, ~/.pgpass).
    password: target.password ?? options.password,
    ssl: sslFor(target),
    application_name: target.applicationName ?? 'routeguide',
    connectionTimeoutMillis: ATTEMPT_TIMEOUT_MS,
  };
}

/** A pool for the target; nothing connects until the first query. */
export function createPool(options: PostgresStorageOptions): pg.Pool {
  const pool = new pg.Pool({
    ...clientConfig(options),
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    Client: HandshakeClosingClient,
    // The import stages its rows in a temporary table: local buffers for it (default 8MB), taken
    // only by a connection that uses one.
    options: '-c temp_buffers=128MB',
  });
  return pool;
}

/**
 * A client of its own, outside the pool (LISTEN needs a session that lives as long as it listens).
 * Keep-alive, so that a connection cut without a word is noticed.
 */
export function createClient(options: PostgresStorageOptions): pg.Client {
  return new HandshakeClosingClient({ ...clientConfig(options), keepAlive: true });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the database answers a query, retrying transient failures with doubling waits (each
 * one told to `onConnectRetry`) until `connectTimeoutMs` passes. A permanent failure, or the end of
 * the time allowed, is a StorageOpenError of one line with the password redacted.
 */
export async function waitForDatabase(pool: pg.Pool, options: PostgresStorageOptions, isClosing: () => boolean): Promise<void> {
  const { target } = options;
  const password = target.password ?? options.password;
  const started = Date.now();
  let delay = FIRST_RETRY_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      return;
    } catch (error) {
      const reason = describeFailure(error, target, password);
      const elapsed = Date.now() - started;
      const timeout = options.connectTimeoutMs;
      if (isClosing()) throw new StorageOpenError(`PostgreSQL storage ${target.redacted} is closed`, { cause: error });
      if (!isTransient(error)) {
        throw new StorageOpenError(`cannot open PostgreSQL database ${target.redacted}: ${reason}`, { cause: error });
      }
      if (timeout === 0) throw new StorageOpenError(`cannot reach PostgreSQL at ${target.redacted}: ${reason}`, { cause: error });
      if (timeout !== undefined && elapsed >= timeout) {
        throw new StorageOpenError(
          `cannot reach PostgreSQL at ${target.redacted}: ${reason}; gave up after ${(elapsed / 1000).toFixed(1)} s ` +
            `and ${attempt} ${attempt === 1 ? 'attempt' : 'attempts'} (connect timeout ${timeout / 1000} s)`,
          { cause: error },
        );
      }
      const wait = timeout === undefined ? delay : Math.min(delay, timeout - elapsed);
      options.onConnectRetry?.({ attempt, delayMs: wait, reason });
      await sleep(wait);
      delay = Math.min(MAX_RETRY_MS, delay * 2);
    }
  }
}
