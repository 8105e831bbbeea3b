import { UserError } from '../common/user-error.js';

/** Thrown when a storage the URL names cannot be opened: a bad file, a refused login, a missing database. */
export class StorageOpenError extends UserError {
  override readonly name = 'StorageOpenError';
  readonly exitCode = 1;
}
