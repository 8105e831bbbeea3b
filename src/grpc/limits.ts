import type { ChannelOptions } from '@grpc/grpc-js';

/** Transport limits, each a flag of `routeguide serve` (defaults there and in the README). */
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

/** The grpc-js server options that enforce the limits. */
export function limitChannelOptions(limits: ServerLimits): ChannelOptions {
  return {
    'grpc.max_receive_message_length': limits.maxMessageBytes,
    'grpc.max_send_message_length': limits.maxMessageBytes,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
  };
}
