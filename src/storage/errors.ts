import { UserError } from '../common/user-error.js';

/* The storage contract's errors: what a backend throws that its callers tell apart. */

/** A storage URL that names no backend, or a path that cannot be used. */
export class StorageUrlError extends UserError {
  override readonly name = 'StorageUrlError';
  readonly exitCode = 1;
}

/** Thrown when a storage the URL names cannot be opened: a bad file, a refused login, a missing database. */
export class StorageOpenError extends UserError {
  override readonly name = 'StorageOpenError';
  readonly exitCode = 1;
}

/**
 * The backend cannot be reached right now (a database server restarting, say). The call may succeed
 * if tried again; the transport answers UNAVAILABLE rather than INTERNAL.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}

/**
 * The contract's closed error (see Storage.close): every call on a storage once close() has begun
 * rejects with it, as does a scan or prune in progress at its next step. `storage` names the
 * backend and where it is, e.g. `SQLite storage ./data/rg.db`; a PostgreSQL URL is redacted first.
 */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
  constructor(storage: string, options?: ErrorOptions) {
    super(`${storage} is closed`, options);
  }
}

/*
 * Why an import (Storage.insertFeatures) was refused by a backend whose imports other processes
 * share (SQLite): failures a user can act on, so they reach the CLI as one line.
 */

/** Another process is importing into the same database; imports run one at a time. */
export class ImportInProgressError extends UserError {
  override readonly name = 'ImportInProgressError';
  readonly exitCode = 1;
}

/** This import was removed by another process that took it for abandoned; nothing was imported. */
export class ImportAbandonedError extends UserError {
  override readonly name = 'ImportAbandonedError';
  readonly exitCode = 1;
}
