import type { PointE7 } from './feature.js';
import { INT32_MAX } from './int32.js';

/** The Earth's mean radius in metres, as the public RouteGuide examples use. */
export const EARTH_RADIUS_METRES = 6_371_000;

/** An E7 angle in radians, as haversineMetres converts it. */
export function e7ToRadians(e7: number): number {
  return ((e7 / 1e7) * Math.PI) / 180;
}

/** Great-circle distance in metres between two E7 points (haversine, atan2 form), not rounded. */
export function haversineMetres(from: PointE7, to: PointE7): number {
  const lat1 = e7ToRadians(from.latitude);
  return haversineMetresFrom(lat1, e7ToRadians(from.longitude), Math.cos(lat1), to.latitude, to.longitude);
}

/**
 * haversineMetres from a point given in radians, with the cosine of its latitude, to an E7 point:
 * for measuring many features from one point, to the last bit as haversineMetres measures them.
 */
export function haversineMetresFrom(latitude: number, longitude: number, cosLatitude: number, toLatitudeE7: number, toLongitudeE7: number): number {
  const lat2 = e7ToRadians(toLatitudeE7);
  const deltaLat = lat2 - latitude;
  const deltaLng = e7ToRadians(toLongitudeE7) - longitude;
  const sinHalfDeltaLat = Math.sin(deltaLat / 2);
  const sinHalfDeltaLng = Math.sin(deltaLng / 2);
  const a = sinHalfDeltaLat * sinHalfDeltaLat + cosLatitude * Math.cos(lat2) * sinHalfDeltaLng * sinHalfDeltaLng;
  const c = 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  return EARTH_RADIUS_METRES * c;
}

/** Truncates a distance sum to whole metres, saturating at int32's maximum. */
export function toInt32Metres(total: number): number {
  return Math.min(Math.trunc(total), INT32_MAX);
}
