import { format } from 'node:util';
import { setLogger } from '@grpc/grpc-js';
import type { Logger } from '../observability/logger.js';

/**
 * Sends grpc-js's own log lines (by default only its errors, such as a failed bind) through our
 * logger as structured warnings, instead of raw text on stderr. grpc-js has one process-wide
 * logger, so this is for the CLI's single server, not for libraries or tests.
 */
export function routeGrpcJsLogs(log: Logger): void {
  const child = log.child({ source: 'grpc-js' });
  setLogger({
    error: (...args: unknown[]) => child.warn(format(...args)),
    info: (...args: unknown[]) => child.info(format(...args)),
    debug: (...args: unknown[]) => child.debug(format(...args)),
  });
}
