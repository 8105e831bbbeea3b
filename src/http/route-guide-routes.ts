import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import type { InFlight } from '../transport/in-flight.js';
import { RouteGuide as RouteGuideService } from '../gen/es/route_guide_pb.js';
import type { Logger } from '../observability/logger.js';
import type { RouteGuide } from '../service/route-guide.js';
import { pointSchema, rectangleSchema, routeNoteSchema, validate } from '../service/validation.js';
import { httpCallFacts } from './call-context.js';
import { abortError, streamCall, unimplementedOverHttp1, validatedBatches, validatedRequests } from './call-streaming.js';
import { toConnectError } from './status.js';

export interface RouteDependencies {
  readonly log: Logger;
  /** The streams in flight on the HTTP port; a watch registers how shutdown ends it. */
  readonly streams: InFlight;
  /** Named in the UNIMPLEMENTED answer to a client or bidi stream over HTTP/1.1. */
  readonly grpcPort: number;
}

/** Runs a unary call's work, mapping any failure to a ConnectError in one place. */
export async function unaryCall<T>(log: Logger, method: string, work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toConnectError(error, log, method);
  }
}

function overHttp2(context: HandlerContext): boolean {
  return context.values.get(httpCallFacts).httpMajor >= 2;
}

/**
 * Adapts the RouteGuide logic to Connect (and gRPC-Web) as src/grpc/handlers.ts does to grpc-js:
 * validate, call the same logic with the call's AbortSignal, stream, settle through one path.
 */
export function createRouteGuideRoutes(guide: RouteGuide, { log, streams, grpcPort }: RouteDependencies): ServiceImpl<typeof RouteGuideService> {
  return {
    getFeature: (request) => unaryCall(log, 'GetFeature', () => guide.getFeature(validate(pointSchema, request))),

    listFeatures: (request, context) =>
      streamCall(streams, log, 'ListFeatures', context, () => guide.listFeatures(validate(rectangleSchema, request))),

    async recordRoute(requests, context) {
      if (!overHttp2(context)) throw unimplementedOverHttp1('RecordRoute', grpcPort);
      const done = streams.add();
      try {
        return await guide.recordRoute(validatedBatches(requests, pointSchema, 'point'), { signal: context.signal });
      } catch (error) {
        // Cancelled, past its deadline, or ended by shutdown: the signal's reason says which.
        if (context.signal.aborted) throw abortError(context.signal);
        throw toConnectError(error, log, 'RecordRoute');
      } finally {
        done();
      }
    },

    routeChat(requests, context) {
      // Over HTTP/1.1 connect-node refuses a bidi stream before it gets here; the server answers it.
      return streamCall(streams, log, 'RouteChat', context, (signal) => guide.routeChat(validatedRequests(requests, routeNoteSchema, 'note'), { signal }));
    },
  };
}
