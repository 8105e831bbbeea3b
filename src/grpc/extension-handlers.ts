import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import type { Rectangle, RouteNote } from '../gen/messages/route_guide.js';
import type { ExportFeaturesRequest, NearestFeaturesRequest, NearestFeaturesResponse, PostNoteResponse } from '../gen/messages/route_guide_extensions.js';
import type { Logger } from '../observability/logger.js';
import { exportFeaturesRequestSchema, nearestFeaturesRequestSchema } from '../service/extension-validation.js';
import type { RouteGuideExtensions } from '../service/extensions.js';
import { rectangleSchema, routeNoteSchema, validate } from '../service/validation.js';
import { createCallSignal } from './call-signal.js';
import { endWithStatus, runStream, writeAll, writeEach } from './call-streaming.js';
import { encodeFeatureBatches } from './feature-batch-encoder.js';
import type { OpenCalls } from './open-calls.js';
import { toGrpcStatus } from './status.js';

/** Every call's limits that ExportFeatures needs to size its batches. */
export interface ExtensionHandlerOptions {
  /** Features per FeatureBatch when the request says 0. */
  readonly defaultBatchSize: number;
  /** The largest message the server sends (--max-message-size); batches stay under min(this, 4 MiB). */
  readonly maxMessageBytes: number;
}

/** A client's default receive limit: a batch never exceeds it, whatever the server may send. */
const CLIENT_DEFAULT_RECEIVE_BYTES = 4 * 1024 * 1024;
/** Room for the message's own framing under the limit. */
const BATCH_HEADROOM_BYTES = 16;

/**
 * Adapts the RouteGuideExtensions logic to grpc-js, as handlers.ts does for RouteGuide: validate, call
 * the logic with the call's AbortSignal, stream with backpressure, settle through one path.
 */
export function createExtensionHandlers(
  extensions: RouteGuideExtensions,
  log: Logger,
  openCalls: OpenCalls,
  options: ExtensionHandlerOptions,
  /** Where WatchNotes calls are kept: shutdown ends them as soon as it starts, not after the grace. */
  watches: OpenCalls,
) {
  const maxBatchBytes = Math.min(options.maxMessageBytes, CLIENT_DEFAULT_RECEIVE_BYTES) - BATCH_HEADROOM_BYTES;
  return {
    nearestFeatures(call: ServerUnaryCall<NearestFeaturesRequest, NearestFeaturesResponse>, callback: sendUnaryData<NearestFeaturesResponse>) {
      try {
        callback(null, extensions.nearestFeatures(validate(nearestFeaturesRequestSchema, call.request)));
      } catch (error) {
        callback(toGrpcStatus(error, log, 'NearestFeatures'));
      }
    },

    exportFeatures(call: ServerWritableStream<ExportFeaturesRequest, Buffer>) {
      const callSignal = createCallSignal(call);
      void runStream(openCalls, log, 'ExportFeatures', callSignal, endWithStatus(call), () => call.end(), () => {
        const request = validate(exportFeaturesRequestSchema, call.request);
        const batchSize = request.batchSize === 0 ? options.defaultBatchSize : request.batchSize;
        return writeAll(call, callSignal, encodeFeatureBatches(extensions.exportFeatures(request), batchSize, maxBatchBytes));
      });
    },

    watchNotes(call: ServerWritableStream<Rectangle, RouteNote>) {
      const callSignal = createCallSignal(call);
      void runStream(watches, log, 'WatchNotes', callSignal, endWithStatus(call), () => call.end(), () => {
        const watch = extensions.watchNotes(validate(rectangleSchema, call.request), callSignal);
        return writeEach(call, callSignal, watch, watch.failure);
      });
    },

    postNote(call: ServerUnaryCall<RouteNote, PostNoteResponse>, callback: sendUnaryData<PostNoteResponse>) {
      let note;
      try {
        note = validate(routeNoteSchema, call.request);
      } catch (error) {
        callback(toGrpcStatus(error, log, 'PostNote'));
        return;
      }
      extensions.postNote(note).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toGrpcStatus(error, log, 'PostNote')),
      );
    },
  };
}
