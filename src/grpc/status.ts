import type { status } from '@grpc/grpc-js';
import type { Logger } from '../observability/logger.js';
import { errorStatus } from '../transport/error-status.js';

/** The status object grpc-js sends: `{ code, details }`. */
export interface GrpcStatus {
  readonly code: status;
  readonly details: string;
}

/**
 * Maps anything a handler threw to the status the client sees, by the table both transports share
 * (src/transport/error-status.ts); gRPC numbers its codes as the service does.
 */
export function toGrpcStatus(error: unknown, log: Logger, method: string): GrpcStatus {
  const { code, message } = errorStatus(error, log, method);
  return { code: code as number as status, details: message };
}
