import { status } from '@grpc/grpc-js';
import type { Logger } from '../observability/logger.js';
import { RouteGuideError } from '../service/errors.js';
import { StorageUnavailableError } from '../storage/storage-unavailable-error.js';

/** The status object grpc-js sends: `{ code, details }`. */
export interface GrpcStatus {
  readonly code: status;
  readonly details: string;
}

/**
 * Maps anything a handler threw to the status the client sees. This is the one place that does
 * it: a RouteGuideError goes out as it is (the service's codes are numbered as gRPC's); storage that
 * cannot be reached right now is UNAVAILABLE (the client may retry, here or on another server);
 * anything else is logged with its stack and reaches the client as INTERNAL with no internals.
 */
export function toGrpcStatus(error: unknown, log: Logger, method: string): GrpcStatus {
  if (error instanceof RouteGuideError) return { code: error.code as number as status, details: error.message };
  if (error instanceof StorageUnavailableError) {
    log.warn({ method, reason: error.message }, 'storage unavailable');
    return { code: status.UNAVAILABLE, details: 'storage unavailable; try again' };
  }
  log.error({ err: error, method }, 'unexpected error in handler');
  return { code: status.INTERNAL, details: 'internal error' };
}
