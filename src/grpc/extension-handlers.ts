import type { ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import type { Rectangle, RouteNote } from '../gen/messages/route_guide.js';
import type {
  CountFeaturesRequest,
  CountFeaturesResponse,
  ExportFeaturesRequest,
  NearestFeaturesRequest,
  NearestFeaturesResponse,
  PostNoteResponse,
} from '../gen/messages/route_guide_extensions.js';
import type { Logger } from '../observability/logger.js';
import { countFeaturesRequestSchema, exportFeaturesRequestSchema, nearestFeaturesRequestSchema } from '../service/extension-validation.js';
import type { RouteGuideExtensions } from '../service/extensions.js';
import { rectangleSchema, routeNoteSchema, validate } from '../service/validation.js';
import { batchSizeOf, maxBatchBytes, type ExportBatching } from '../transport/export-batching.js';
import { createCallSignal } from './call-signal.js';
import { endWithStatus, runStream, writeAll, writeEach } from './call-streaming.js';
import { encodeFeatureBatches } from './feature-batch-encoder.js';
import type { OpenCalls } from './open-calls.js';
import { toGrpcStatus } from './status.js';

/**
 * Adapts the RouteGuideExtensions logic to grpc-js, as handlers.ts does for RouteGuide: validate, call
 * the logic with the call's AbortSignal, stream with backpressure, settle through one path.
 */
export function createExtensionHandlers(
  extensions: RouteGuideExtensions,
  log: Logger,
  openCalls: OpenCalls,
  batching: ExportBatching,
  /** Where WatchNotes calls are kept: shutdown ends them as soon as it starts, not after the grace. */
  watches: OpenCalls,
) {
  const maxBytes = maxBatchBytes(batching);
  return {
    nearestFeatures(call: ServerUnaryCall<NearestFeaturesRequest, NearestFeaturesResponse>, callback: sendUnaryData<NearestFeaturesResponse>) {
      try {
        callback(null, extensions.nearestFeatures(validate(nearestFeaturesRequestSchema, call.request)));
      } catch (error) {
        callback(toGrpcStatus(error, log, 'NearestFeatures'));
      }
    },

    countFeatures(call: ServerUnaryCall<CountFeaturesRequest, CountFeaturesResponse>, callback: sendUnaryData<CountFeaturesResponse>) {
      try {
        callback(null, extensions.countFeatures(validate(countFeaturesRequestSchema, call.request)));
      } catch (error) {
        callback(toGrpcStatus(error, log, 'CountFeatures'));
      }
    },

    exportFeatures(call: ServerWritableStream<ExportFeaturesRequest, Buffer>) {
      const callSignal = createCallSignal(call);
      void runStream(openCalls, log, 'ExportFeatures', callSignal, endWithStatus(call), () => call.end(), () => {
        const request = validate(exportFeaturesRequestSchema, call.request);
        return writeAll(call, callSignal, encodeFeatureBatches(extensions.exportFeatures(request), batchSizeOf(request.batchSize, batching), maxBytes));
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
