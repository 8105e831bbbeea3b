import type { ServiceImpl } from '@connectrpc/connect';
import type { Feature } from '../gen/messages/route_guide.js';
import { RouteGuideExtensions as ExtensionsService } from '../gen/es/route_guide_extensions_pb.js';
import { countFeaturesRequestSchema, exportFeaturesRequestSchema, nearestFeaturesRequestSchema } from '../service/extension-validation.js';
import type { RouteGuideExtensions } from '../service/extensions.js';
import { rectangleSchema, routeNoteSchema, validate } from '../service/validation.js';
import { batchSizeOf, maxBatchBytes, type ExportBatching } from '../transport/export-batching.js';
import { streamCall } from './call-streaming.js';
import { unaryCall, type RouteDependencies } from './route-guide-routes.js';

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
  const maxBytes = maxBatchBytes(batching);
  return {
    nearestFeatures: (request) => unaryCall(log, 'NearestFeatures', () => extensions.nearestFeatures(validate(nearestFeaturesRequestSchema, request))),

    exportFeatures: (request, context) =>
      streamCall(streams, log, 'ExportFeatures', context, () => {
        const valid = validate(exportFeaturesRequestSchema, request);
        const json = (context.requestHeader.get('content-type') ?? '').includes('json');
        return batchFeatures(extensions.exportFeatures(valid), batchSizeOf(valid.batchSize, batching), maxBytes, json);
      }),

    watchNotes: (request, context) =>
      streamCall(streams, log, 'WatchNotes', context, (signal) => extensions.watchNotes(validate(rectangleSchema, request), { signal }), {
        watch: true,
      }),

    postNote: (request) => unaryCall(log, 'PostNote', () => extensions.postNote(validate(routeNoteSchema, request))),

    countFeatures: (request) =>
      unaryCall(log, 'CountFeatures', () => {
        const { counts, total, columns, rows } = extensions.countFeatures(validate(countFeaturesRequestSchema, request));
        return { counts, total: BigInt(total), columns, rows };
      }),
  };
}
