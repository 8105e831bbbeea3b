import { RouteGuideService } from '../gen/grpc-js/route_guide.js';
import { serializeFeature } from './feature-encoder.js';
import { decodeRequest } from './request-decoding.js';

/** `routeguide.RouteGuide`, as health checks, logs and metrics name it: read from the generated paths. */
export const ROUTE_GUIDE_SERVICE_NAME = RouteGuideService.getFeature.path.split('/')[1]!;

/** Whether a call's path (`/routeguide.RouteGuide/GetFeature`) belongs to RouteGuide. */
export function isRouteGuideCall(path: string): boolean {
  return path.startsWith(`/${ROUTE_GUIDE_SERVICE_NAME}/`);
}

/**
 * The generated RouteGuide definition with the server's own codecs: request decoding that never
 * throws, and the faster (byte-identical) serializer for Feature responses.
 */
export const routeGuideServiceDefinition = {
  getFeature: { ...RouteGuideService.getFeature, requestDeserialize: decodeRequest.point, responseSerialize: serializeFeature },
  listFeatures: { ...RouteGuideService.listFeatures, requestDeserialize: decodeRequest.rectangle, responseSerialize: serializeFeature },
  recordRoute: { ...RouteGuideService.recordRoute, requestDeserialize: decodeRequest.point },
  routeChat: { ...RouteGuideService.routeChat, requestDeserialize: decodeRequest.routeNote },
} as const;
