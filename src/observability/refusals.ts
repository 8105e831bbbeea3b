import type { Logger } from './logger.js';

/** Why a connection or request was refused before it became a call, as the metrics label it. */
export type RefusalReason =
  | 'http_max_connections'
  | 'http_headers_timeout'
  | 'http_body_timeout'
  | 'http_body_too_large'
  | 'grpc_max_connections'
  | 'grpc_connection_setup_timeout';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'http_max_connections',
  'http_headers_timeout',
  'http_body_timeout',
  'http_body_too_large',
  'grpc_max_connections',
  'grpc_connection_setup_timeout',
];

/** The warning for each reason, naming the setting that decides it. */
const WARNINGS: Record<RefusalReason, string> = {
  http_max_connections: 'HTTP connection closed at once: --http-max-connections are open',
  http_headers_timeout: 'HTTP connection closed: its request headers did not arrive within --http-headers-timeout',
  http_body_timeout: 'HTTP request ended: its body did not arrive within --http-body-timeout',
  http_body_too_large: 'HTTP request refused: its body is larger than --max-message-size',
  grpc_max_connections: 'gRPC connection closed at once: --max-connections are open',
  grpc_connection_setup_timeout: 'gRPC connection closed: its TLS handshake and HTTP/2 preface did not arrive within --connection-setup-timeout',
};

/** Where the transports report what they refused before it became a call. */
export interface Refusals {
  refuse(reason: RefusalReason): void;
}

/** Warnings per reason: at most one a second. */
const WARNING_INTERVAL_MS = 1000;

/**
 * Counts every refusal (`count`, the metrics) and logs it at warn, at most once a second per reason:
 * a flood of half-open connections is one line a second, with how many were refused since the last.
 */
export function createRefusals(log: Logger, count?: (reason: RefusalReason) => void, now: () => number = Date.now): Refusals {
  const lastWarned = new Map<RefusalReason, number>();
  const unreported = new Map<RefusalReason, number>();
  return {
    refuse(reason) {
      count?.(reason);
      const refused = (unreported.get(reason) ?? 0) + 1;
      const time = now();
      const last = lastWarned.get(reason);
      if (last !== undefined && time - last < WARNING_INTERVAL_MS) {
        unreported.set(reason, refused);
        return;
      }
      lastWarned.set(reason, time);
      unreported.set(reason, 0);
      log.warn({ reason, refused }, WARNINGS[reason]);
    },
  };
}

/** Refusals that go nowhere, for servers started without them (tests of other things). */
export const IGNORED_REFUSALS: Refusals = { refuse() {} };
