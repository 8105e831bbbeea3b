import type { Client } from '@connectrpc/connect';
import type { RouteGuideExtensions } from '../../src/gen/es/route_guide_extensions_pb.js';
import { degreesToE7, MAX_LATITUDE_DEGREES, MAX_LONGITUDE_DEGREES } from '../../src/geo/e7.js';
import type { Bounds } from './view.js';

/** The calls the map makes; plain types and E7 arithmetic, so Node tests can use them too. */
export type ExtensionsClient = Client<typeof RouteGuideExtensions>;

export interface E7Point {
  readonly latitude: number;
  readonly longitude: number;
}

export interface E7Rectangle {
  readonly lo: E7Point;
  readonly hi: E7Point;
}

/** Degrees to an E7 point; the map only produces degrees inside the world. */
export function toE7(latitude: number, longitude: number): E7Point {
  return {
    latitude: degreesToE7(Math.max(-90, Math.min(90, latitude)), MAX_LATITUDE_DEGREES) ?? 0,
    longitude: degreesToE7(Math.max(-180, Math.min(180, longitude)), MAX_LONGITUDE_DEGREES) ?? 0,
  };
}

/** The view's bounds as the Rectangle ExportFeatures and WatchNotes take. */
export function boundsRectangle(bounds: Bounds): E7Rectangle {
  return { lo: toE7(bounds.south, bounds.west), hi: toE7(bounds.north, bounds.east) };
}

export function rectangleContains(rectangle: E7Rectangle, point: E7Point): boolean {
  return (
    point.latitude >= rectangle.lo.latitude &&
    point.latitude <= rectangle.hi.latitude &&
    point.longitude >= rectangle.lo.longitude &&
    point.longitude <= rectangle.hi.longitude
  );
}

/** `40.7838351° N, 74.6143763° W`. */
export function formatDegrees(point: E7Point): string {
  const part = (e7: number, positive: string, negative: string): string =>
    `${(Math.abs(e7) / 1e7).toFixed(7).replace(/\.?0+$/, '')}° ${e7 < 0 ? negative : positive}`;
  return `${part(point.latitude, 'N', 'S')}, ${part(point.longitude, 'E', 'W')}`;
}
