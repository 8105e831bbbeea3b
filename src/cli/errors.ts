import { UserError } from '../common/user-error.js';

/**
 * The two kinds of ordinary mistake a command reports. Each message is the whole line printed,
 * command name first (`routeguide client get: ...`); neither ever shows a stack.
 */

/** A usage mistake: bad arguments, flags or settings. Exit code 2. */
export class UsageError extends UserError {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
  override readonly namesCommand = true;
}

/** A failure at run time that is not a bug: a missing or malformed file, a refused connection, an error status. Exit code 1. */
export class CommandFailure extends UserError {
  override readonly name = 'CommandFailure';
  readonly exitCode = 1;
  override readonly namesCommand = true;
}
