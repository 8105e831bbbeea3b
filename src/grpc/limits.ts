import type { ChannelOptions } from '@grpc/grpc-js';
import type { ServerLimits } from '../transport/limits.js';

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
