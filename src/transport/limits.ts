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
  /** Connections the gRPC port holds at once; past it a new one is closed at once. */
  readonly maxConnections: number;
  /** A new gRPC connection's TLS handshake and HTTP/2 preface must arrive within this. */
  readonly connectionSetupTimeoutMs: number;
  /** Connections the HTTP port holds at once; past it a new one is closed at once. */
  readonly httpMaxConnections: number;
  /** A request's headers (and the TLS handshake before them) must arrive within this, on the HTTP port. */
  readonly httpHeadersTimeoutMs: number;
  /** A request's body, unless it is a client stream, must arrive within this, on the HTTP port. */
  readonly httpBodyTimeoutMs: number;
}

/** gRPC's usual values, except for a cap on concurrent streams; caps and deadlines for connections that stall. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxConcurrentStreams: 100,
  keepaliveTimeMs: 7_200_000,
  keepaliveTimeoutMs: 20_000,
  maxConnections: 10_000,
  connectionSetupTimeoutMs: 10_000,
  httpMaxConnections: 10_000,
  httpHeadersTimeoutMs: 10_000,
  httpBodyTimeoutMs: 30_000,
};
