import { UserError } from './user-error.js';

/** A port the server cannot listen on (in use, not permitted, no such address): one line for the CLI. */
export class ListenError extends UserError {
  override readonly name = 'ListenError';
  readonly exitCode = 1;
}
