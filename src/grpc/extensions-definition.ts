import { CountFeaturesRequest, ExportFeaturesRequest, NearestFeaturesRequest } from '../gen/messages/route_guide_extensions.js';
import { RouteGuideExtensionsService } from '../gen/grpc-js/route_guide_extensions.js';
import { serializeCountFeaturesResponse } from './count-encoder.js';
import { decodeRequest, tolerant } from './request-decoding.js';
import { isRouteGuideCall } from './service-definition.js';

/** `routeguide.extensions.v1.RouteGuideExtensions`, read from the generated paths. */
export const EXTENSIONS_SERVICE_NAME = RouteGuideExtensionsService.nearestFeatures.path.split('/')[1]!;

/** The generated RouteGuideExtensions definition with request decoding that never throws. */
export const extensionsServiceDefinition = {
  nearestFeatures: {
    ...RouteGuideExtensionsService.nearestFeatures,
    requestDeserialize: tolerant(`routeguide.extensions.v1.NearestFeaturesRequest`, (bytes) => NearestFeaturesRequest.decode(bytes)),
  },
  exportFeatures: {
    ...RouteGuideExtensionsService.exportFeatures,
    requestDeserialize: tolerant(`routeguide.extensions.v1.ExportFeaturesRequest`, (bytes) => ExportFeaturesRequest.decode(bytes)),
    // The handler writes each FeatureBatch already encoded (feature-batch-encoder.ts).
    responseSerialize: (encoded: Buffer) => encoded,
  },
  watchNotes: { ...RouteGuideExtensionsService.watchNotes, requestDeserialize: decodeRequest.rectangle },
  postNote: { ...RouteGuideExtensionsService.postNote, requestDeserialize: decodeRequest.routeNote },
  countFeatures: {
    ...RouteGuideExtensionsService.countFeatures,
    requestDeserialize: tolerant(`routeguide.extensions.v1.CountFeaturesRequest`, (bytes) => CountFeaturesRequest.decode(bytes)),
    responseSerialize: serializeCountFeaturesResponse,
  },
} as const;

/**
 * Whether the stream idle timeout applies to a call: RouteGuide's and the extensions' streams, except
 * WatchNotes, whose quiet is not idleness (and health's Watch, which is not ours).
 */
export function isIdleTimedCall(path: string): boolean {
  if (path === RouteGuideExtensionsService.watchNotes.path) return false;
  return isRouteGuideCall(path) || path.startsWith(`/${EXTENSIONS_SERVICE_NAME}/`);
}
