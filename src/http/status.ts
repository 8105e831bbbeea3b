import { Code as ConnectCode, ConnectError } from '@connectrpc/connect';
import type { Logger } from '../observability/logger.js';
import { Code } from '../service/errors.js';
import { errorStatus } from '../transport/error-status.js';

// Connect numbers its codes as gRPC and the service do (test/transport/error-status.test.ts checks it).

/** A Connect error code in the service's terms, for call logs and metrics. */
export function serviceCodeOf(code: ConnectCode): Code {
  return code as number as Code;
}

/** A ConnectError with the service's code and the message as it is (no prefix on the wire). */
export function connectError(code: Exclude<Code, Code.OK>, message: string): ConnectError {
  return new ConnectError(message, code as number as ConnectCode);
}

/**
 * Maps anything a handler threw to the error the client sees: a ConnectError (the library's own,
 * e.g. a deadline, or one a route built) as it is, and anything else by the table both transports
 * share (src/transport/error-status.ts), so that a call ends the same way on either port.
 */
export function toConnectError(error: unknown, log: Logger, method: string): ConnectError {
  if (error instanceof ConnectError) return error;
  const { code, message } = errorStatus(error, log, method);
  return connectError(code, message);
}
