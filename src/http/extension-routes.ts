import type { ServiceImpl } from '@connectrpc/connect';
import type { Feature } from '../gen/messages/route_guide.js';
import { RouteGuideExtensions as ExtensionsService } from '../gen/es/route_guide_extensions_pb.js';
import { exportFeaturesRequestSchema, nearestFeaturesRequestSchema } from '../service/extension-validation.js';
import type { RouteGuideExtensions } from '../service/extensions.js';
import { rectangleSchema, routeNoteSchema, validate } from '../service/validation.js';
import { streamCall } from './call-streaming.js';
import { unaryCall, type RouteDependencies } from './route-guide-routes.js';

export interface ExportBatching {
  /** Features per FeatureBatch when the request says 0. */
  readonly defaultBatchSize: number;
  /** The largest message the server sends (--max-message-size). */
  readonly maxMessageBytes: number;
}

/** A client's default receive limit: a batch stays under it, as over gRPC. */
const CLIENT_DEFAULT_RECEIVE_BYTES = 4 * 1024 * 1024;

/**
 * The most a feature can add to a FeatureBatch, from its name's UTF-16 length (3 bytes a unit at most
 * in UTF-8; JSON escapes a control character in 6): a cheap upper bound, so a batch stays under the
 * limit without measuring each name.
 */
function featureBytesBound(feature: Feature, json: boolean): number {
  return json ? feature.name.length * 6 + 96 : feature.name.length * 3 + 32;
}

/** Groups features into batches of `batchSize`, fewer where a batch would pass `maxBytes`. */
export function* batchFeatures(features: Iterable<Feature>, batchSize: number, maxBytes: number, json: boolean): Generator<{ features: Feature[] }> {
  let batch: Feature[] = [];
  let bytes = 0;
  for (const feature of features) {
    const size = featureBytesBound(feature, json);
    if (batch.length > 0 && (batch.length >= batchSize || bytes + size > maxBytes)) {
      yield { features: batch };
      batch = [];
      bytes = 0;
    }
    batch.push(feature);
    bytes += size;
  }
  if (batch.length > 0) yield { features: batch };
}

/** Adapts the RouteGuideExtensions logic to Connect, as route-guide-routes.ts does for RouteGuide. */
export function createExtensionRoutes(
  extensions: RouteGuideExtensions,
  { log, streams }: RouteDependencies,
  batching: ExportBatching,
): ServiceImpl<typeof ExtensionsService> {
  const maxBatchBytes = Math.min(batching.maxMessageBytes, CLIENT_DEFAULT_RECEIVE_BYTES) - 64;
  return {
    nearestFeatures: (request) => unaryCall(log, 'NearestFeatures', () => extensions.nearestFeatures(validate(nearestFeaturesRequestSchema, request))),

    exportFeatures: (request, context) =>
      streamCall(streams, log, 'ExportFeatures', context, () => {
        const valid = validate(exportFeaturesRequestSchema, request);
        const batchSize = valid.batchSize === 0 ? batching.defaultBatchSize : valid.batchSize;
        const json = (context.requestHeader.get('content-type') ?? '').includes('json');
        return batchFeatures(extensions.exportFeatures(valid), batchSize, maxBatchBytes, json);
      }),

    watchNotes: (request, context) =>
      streamCall(streams, log, 'WatchNotes', context, (signal) => extensions.watchNotes(validate(rectangleSchema, request), { signal }), {
        watch: true,
      }),

    postNote: (request) => unaryCall(log, 'PostNote', () => extensions.postNote(validate(routeNoteSchema, request))),
  };
}
