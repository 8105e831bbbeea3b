/**
 * `sslmode` as node-postgres reads it, which is not libpq's: `prefer`, `require` and `verify-ca` all
 * verify the server's certificate and host name (libpq's `verify-full`), and `prefer` never falls
 * back to plaintext; `no-verify` encrypts without checking the certificate.
 */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Where a PostgreSQL database is, as parsed from a `postgres://` URL (open-storage.ts parses it). */
export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user?: string;
  /** From the URL; when absent, `PostgresStorageOptions.password`, then node-postgres's own fallbacks. */
  readonly password?: string;
  readonly sslMode?: SslMode;
  readonly applicationName?: string;
  /** The URL with its password replaced by `***`: the only form that is logged or shown in an error. */
  readonly redacted: string;
}

/** One failed attempt to reach the database at start-up, before the next one. */
export interface ConnectRetry {
  /** 1 for the first failure. */
  readonly attempt: number;
  /** Milliseconds until the next attempt. */
  readonly delayMs: number;
  /** Why it failed, in one line, password redacted. */
  readonly reason: string;
}

/** Options for the PostgreSQL backend (`postgres://` or `postgresql://`). */
export interface PostgresStorageOptions {
  readonly target: PostgresTarget;
  /** Used when the URL has no password (the CLI passes PGPASSWORD here). */
  readonly password?: string;
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /**
   * How long to keep retrying while the server cannot be reached (refused, unknown host, starting
   * up), in milliseconds; undefined: keep trying. A refused login or a missing database fails at once.
   */
  readonly connectTimeoutMs?: number;
  /** Told of each failed attempt before the next one. */
  readonly onConnectRetry?: (retry: ConnectRetry) => void;
  /**
   * Told when an idle pooled connection fails (the server restarted, say); the pool drops it and the
   * next call opens a new one. Default: a process warning.
   */
  readonly onPoolError?: (error: Error) => void;
  /**
   * Told when the database stops or starts answering after the open (a probe runs every second while
   * this is given): `false` with the reason, then `true` when it is back. For health and metrics.
   */
  readonly onAvailability?: (available: boolean, reason?: string) => void;
  /**
   * Told when the connection that listens for changes (Storage.onChange) fails or is lost, once per
   * outage (one line, password redacted); it reconnects by itself. Default: a process warning.
   */
  readonly onChangeListenError?: (error: Error) => void;
  /** Told when listening for changes again after `onChangeListenError`, with how long it was not listening. */
  readonly onChangeListenRestored?: (afterMs: number) => void;
  /** Called with the names of the migrations this open applied. */
  readonly onMigrated?: (names: string[]) => void;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_PORT = 5432;
