import type { Logger } from '../observability/logger.js';
import { CallAborted, Code, RouteGuideError } from '../service/errors.js';
import { StorageUnavailableError } from '../storage/errors.js';

/**
 * How a failed call ends, in the service's codes. gRPC and Connect number their codes as the
 * service does, so each transport only puts this on its wire.
 */
export interface ErrorStatus {
  readonly code: Exclude<Code, Code.OK>;
  /** Safe to send: never a stack or an internal detail. */
  readonly message: string;
}

/** One row of the table: the status of an error of its type, or undefined when the row does not answer for it. */
type ErrorRow = (error: unknown, log: Logger, method: string) => ErrorStatus | undefined;

function row<E>(type: abstract new (...args: never[]) => E, status: (error: E, log: Logger, method: string) => ErrorStatus | undefined): ErrorRow {
  return (error, log, method) => (error instanceof type ? status(error, log, method) : undefined);
}

/**
 * The one table from the errors a call may end with, other than bugs, to the status the client
 * sees, over gRPC and over HTTP alike. The first row that answers for an error decides.
 * - RouteGuideError: the service's own code and message (invalid arguments, a starting server, a
 *   WatchNotes reader that fell behind; a malformed request arrives here as INVALID_ARGUMENT).
 * - StorageUnavailableError: the database cannot be reached right now; the client may retry, here or
 *   on another server. Logged as a warning, since it is not a bug.
 * - CallAborted: the call was cancelled, past its deadline or ended by shutdown. The transports have
 *   usually settled such a call already and send nothing; if one has not, CANCELLED says what happened.
 */
const ERROR_STATUSES: readonly ErrorRow[] = [
  row(RouteGuideError, (error) => (error.code === Code.OK ? undefined : { code: error.code, message: error.message })),
  row(StorageUnavailableError, (error, log, method) => {
    log.warn({ method, reason: error.message }, 'storage unavailable');
    return { code: Code.UNAVAILABLE, message: 'storage unavailable; try again' };
  }),
  row(CallAborted, () => ({ code: Code.CANCELLED, message: 'the call was cancelled' })),
];

/**
 * The status a call that threw `error` ends with: an error of the table as the table says; anything
 * else is a bug, logged with its stack, and reaches the client as INTERNAL without internals.
 */
export function errorStatus(error: unknown, log: Logger, method: string): ErrorStatus {
  for (const status of ERROR_STATUSES) {
    const answer = status(error, log, method);
    if (answer !== undefined) return answer;
  }
  log.error({ err: error, method }, 'unexpected error in handler');
  return { code: Code.INTERNAL, message: 'internal error' };
}
