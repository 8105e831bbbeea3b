import { UserError } from '../common/user-error.js';

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
