import type { FeatureDistance } from '../gen/messages/route_guide_extensions.js';
import type { FeatureIndex } from '../index/feature-index.js';
import type { RouteGuideExtensions } from './extensions.js';

function featureDistance(name: string, latitude: number, longitude: number, distanceMeters: number): FeatureDistance {
  return { feature: { name, location: { latitude, longitude } }, distanceMeters };
}

/** NearestFeatures answered from the index (never a scan): exact, nearest first, ties by latitude then longitude. */
export function createNearestFeatures(index: FeatureIndex): RouteGuideExtensions['nearestFeatures'] {
  return ({ point, limit, maxDistanceMeters, namedOnly }) => ({
    features: index.nearest(point, { limit, maxDistanceMetres: maxDistanceMeters, namedOnly }, featureDistance),
  });
}
