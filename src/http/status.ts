import { Code as ConnectCode, ConnectError } from '@connectrpc/connect';
import type { Logger } from '../observability/logger.js';
import { Code, RouteGuideError } from '../service/errors.js';

/** The service's status codes as Connect names them; the numbers agree, the table makes that explicit. */
const CONNECT_CODES: Readonly<Record<Exclude<Code, Code.OK>, ConnectCode>> = {
  [Code.CANCELLED]: ConnectCode.Canceled,
  [Code.UNKNOWN]: ConnectCode.Unknown,
  [Code.INVALID_ARGUMENT]: ConnectCode.InvalidArgument,
  [Code.DEADLINE_EXCEEDED]: ConnectCode.DeadlineExceeded,
  [Code.NOT_FOUND]: ConnectCode.NotFound,
  [Code.ALREADY_EXISTS]: ConnectCode.AlreadyExists,
  [Code.PERMISSION_DENIED]: ConnectCode.PermissionDenied,
  [Code.RESOURCE_EXHAUSTED]: ConnectCode.ResourceExhausted,
  [Code.FAILED_PRECONDITION]: ConnectCode.FailedPrecondition,
  [Code.ABORTED]: ConnectCode.Aborted,
  [Code.OUT_OF_RANGE]: ConnectCode.OutOfRange,
  [Code.UNIMPLEMENTED]: ConnectCode.Unimplemented,
  [Code.INTERNAL]: ConnectCode.Internal,
  [Code.UNAVAILABLE]: ConnectCode.Unavailable,
  [Code.DATA_LOSS]: ConnectCode.DataLoss,
  [Code.UNAUTHENTICATED]: ConnectCode.Unauthenticated,
};

/** A Connect error code in the service's terms, for call logs and metrics. */
export function serviceCodeOf(code: ConnectCode): Code {
  return code as number as Code;
}

/** A ConnectError with the service's code and the message as it is (no prefix on the wire). */
export function connectError(code: Exclude<Code, Code.OK>, message: string): ConnectError {
  return new ConnectError(message, CONNECT_CODES[code]);
}

/**
 * Maps anything a handler threw to the error the client sees, as src/grpc/status.ts does for gRPC:
 * a RouteGuideError goes out with its code and message, a ConnectError (the library's own, e.g. a
 * deadline) as it is, and anything else is logged with its stack and reaches the client as INTERNAL
 * with no internals.
 */
export function toConnectError(error: unknown, log: Logger, method: string): ConnectError {
  if (error instanceof RouteGuideError && error.code !== Code.OK) return connectError(error.code, error.message);
  if (error instanceof ConnectError) return error;
  log.error({ err: error, method }, 'unexpected error in handler');
  return new ConnectError('internal error', ConnectCode.Internal);
}
