import { status } from '@grpc/grpc-js';
import type { Logger } from './logger.js';

/** An error meant for the client: it carries the gRPC status code and a message safe to send. */
export class RouteGuideError extends Error {
  override readonly name = 'RouteGuideError';
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export function invalidArgument(message: string): RouteGuideError {
  return new RouteGuideError(status.INVALID_ARGUMENT, message);
}

/** The status object grpc-js sends: `{ code, details }`. */
export interface GrpcStatus {
  readonly code: status;
  readonly details: string;
}

/**
 * Maps anything a handler threw to the status the client sees. This is the one place that does
 * it: a RouteGuideError goes out as it is; anything else is logged with its stack and reaches the
 * client as INTERNAL with no internals.
 */
export function toGrpcStatus(error: unknown, log: Logger, method: string): GrpcStatus {
  if (error instanceof RouteGuideError) return { code: error.code, details: error.message };
  log.error({ err: error, method }, 'unexpected error in handler');
  return { code: status.INTERNAL, details: 'internal error' };
}
