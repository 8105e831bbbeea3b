import { UserError } from '../common/user-error.js';

/** A storage URL that names no backend, or a path that cannot be used. */
export class StorageUrlError extends UserError {
  override readonly name = 'StorageUrlError';
  readonly exitCode = 1;
}
