/*
 * How ExportFeatures cuts the features into FeatureBatch messages, the same on both ports: each port
 * only encodes the batches its own way.
 */

/** What ExportFeatures needs of the server's settings to size its batches. */
export interface ExportBatching {
  /** Features per FeatureBatch when the request says 0. */
  readonly defaultBatchSize: number;
  /** The largest message the server sends (--max-message-size). */
  readonly maxMessageBytes: number;
}

/** A client's default receive limit (gRPC's 4 MiB): a batch stays under it, whatever the server may send. */
const CLIENT_DEFAULT_RECEIVE_BYTES = 4 * 1024 * 1024;
/**
 * Room under the limit for what wraps the features inside the message: JSON's `{"features":[` and
 * `]}` take 15 bytes (the binary message has no wrapper). The limits count the message alone, not
 * gRPC's 5-byte frame nor Connect's envelope.
 */
const BATCH_HEADROOM_BYTES = 16;

/** Features per batch for a request's batch_size: the server's default when it says 0. */
export function batchSizeOf(requested: number, batching: ExportBatching): number {
  return requested === 0 ? batching.defaultBatchSize : requested;
}

/** The bytes a batch's features may take: under min(--max-message-size, 4 MiB), less the headroom. */
export function maxBatchBytes(batching: ExportBatching): number {
  return Math.min(batching.maxMessageBytes, CLIENT_DEFAULT_RECEIVE_BYTES) - BATCH_HEADROOM_BYTES;
}
