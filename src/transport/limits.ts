/** Transport limits, each a flag of `routeguide serve` (defaults there and in docs/commands.md); both ports enforce them. */
export interface ServerLimits {
  /** Largest message received or sent, in bytes; larger ones fail with RESOURCE_EXHAUSTED. */
  readonly maxMessageBytes: number;
  /** Concurrent streams (calls) one HTTP/2 connection may have open; more wait on the client. */
  readonly maxConcurrentStreams: number;
  /** Interval between the server's keepalive pings on an idle connection. */
  readonly keepaliveTimeMs: number;
  /** How long a keepalive ping may go unanswered before the connection is closed. */
  readonly keepaliveTimeoutMs: number;
}

/** gRPC's usual values, except for a cap on concurrent streams. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxConcurrentStreams: 100,
  keepaliveTimeMs: 7_200_000,
  keepaliveTimeoutMs: 20_000,
};
