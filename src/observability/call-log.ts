import { Code } from '../service/errors.js';
import type { CallHooks, CallObserver } from './call-observer.js';
import type { Logger } from './logger.js';

/** Codes that mean the server failed, rather than the client asking for something it cannot have. */
const SERVER_FAULTS = new Set<Code>([Code.INTERNAL, Code.UNKNOWN, Code.DATA_LOSS]);

/** Probes and tooling: logged at debug, so an orchestrator's health checks do not flood the log. */
const QUIET_SERVICES = new Set(['grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection']);

/**
 * One log line per call: method, status code, duration in milliseconds, peer, client (its name in
 * the auth file, or anonymous) and the number of messages streamed each way.
 */
export function logCalls(log: Logger): CallObserver {
  // One set of hooks for every call: the start comes with the end.
  const hooks: CallHooks = {
    end(start, end) {
      const level = SERVER_FAULTS.has(end.code) ? 'warn' : QUIET_SERVICES.has(start.service) ? 'debug' : 'info';
      if (!log.isLevelEnabled(level)) return;
      log[level](
        {
          method: start.path,
          code: Code[end.code],
          ...(end.code === Code.OK ? {} : { details: end.details }),
          durationMs: Math.round(end.durationMs * 1000) / 1000,
          peer: start.peer,
          client: start.client,
          protocol: start.protocol,
          received: end.received,
          sent: end.sent,
        },
        'call',
      );
    },
  };
  return () => hooks;
}
