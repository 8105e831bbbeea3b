import type { ServerDuplexStream, ServerReadableStream, ServerUnaryCall, ServerWritableStream, sendUnaryData } from '@grpc/grpc-js';
import type { Feature, Point, Rectangle, RouteNote, RouteSummary } from '../gen/messages/route_guide.js';
import type { RouteGuideServer } from '../gen/grpc-js/route_guide.js';
import type { Logger } from '../observability/logger.js';
import type { RouteGuide } from '../service/route-guide.js';
import { pointSchema, rectangleSchema, routeNoteSchema, validate } from '../service/validation.js';
import { createCallSignal } from './call-signal.js';
import { endWithStatus, runStream, writeAll, writeEach } from './call-streaming.js';
import type { OpenCalls } from './open-calls.js';
import { validated, validatedBatches } from './validated-reader.js';
import { toGrpcStatus } from './status.js';

/**
 * Adapts the RouteGuide logic to grpc-js: decoding is done (request-decoding.ts), so each handler
 * validates, calls the logic with the call's AbortSignal, streams with backpressure, and settles
 * through one path, so that a rejected promise never becomes an unhandled rejection and every error
 * maps to a status in one place.
 */
export function createGrpcHandlers(guide: RouteGuide, log: Logger, openCalls: OpenCalls): RouteGuideServer {
  return {
    getFeature(call: ServerUnaryCall<Point, Feature>, callback: sendUnaryData<Feature>) {
      try {
        callback(null, guide.getFeature(validate(pointSchema, call.request)));
      } catch (error) {
        callback(toGrpcStatus(error, log, 'GetFeature'));
      }
    },

    listFeatures(call: ServerWritableStream<Rectangle, Feature>) {
      const callSignal = createCallSignal(call);
      void runStream(openCalls, log, 'ListFeatures', callSignal, endWithStatus(call), () => call.end(), () =>
        writeAll(call, callSignal, guide.listFeatures(validate(rectangleSchema, call.request))),
      );
    },

    recordRoute(call: ServerReadableStream<Point, RouteSummary>, callback: sendUnaryData<RouteSummary>) {
      const callSignal = createCallSignal(call);
      void runStream(
        openCalls,
        log,
        'RecordRoute',
        callSignal,
        (status) => callback(status),
        (summary) => callback(null, summary),
        () => guide.recordRoute(validatedBatches(call, callSignal, pointSchema, 'point'), callSignal),
      );
    },

    routeChat(call: ServerDuplexStream<RouteNote, RouteNote>) {
      const callSignal = createCallSignal(call);
      void runStream(openCalls, log, 'RouteChat', callSignal, endWithStatus(call), () => call.end(), () =>
        writeEach(call, callSignal, guide.routeChat(validated(call, callSignal, routeNoteSchema, 'note'), callSignal)),
      );
    },
  };
}
