import type { PointE7 } from './feature.js';
import { INT32_MAX } from './int32.js';

/** The Earth's mean radius in metres, as the public RouteGuide examples use. */
export const EARTH_RADIUS_METRES = 6_371_000;

function radians(e7: number): number {
  return ((e7 / 1e7) * Math.PI) / 180;
}

/** Great-circle distance in metres between two E7 points (haversine, atan2 form), not rounded. */
export function haversineMetres(from: PointE7, to: PointE7): number {
  const lat1 = radians(from.latitude);
  const lat2 = radians(to.latitude);
  const deltaLat = lat2 - lat1;
  const deltaLng = radians(to.longitude) - radians(from.longitude);
  const a =
    Math.sin(deltaLat / 2) * Math.sin(deltaLat / 2) +
    Math.cos(lat1) * Math.cos(lat2) * Math.sin(deltaLng / 2) * Math.sin(deltaLng / 2);
  const c = 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  return EARTH_RADIUS_METRES * c;
}

/** Truncates a distance sum to whole metres, saturating at int32's maximum. */
export function toInt32Metres(total: number): number {
  return Math.min(Math.trunc(total), INT32_MAX);
}
