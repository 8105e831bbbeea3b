/**
 * The map's view: a centre in degrees and a zoom level, shown through Web Mercator as web maps do
 * (the world is 256 x 2^zoom pixels square). Pure arithmetic, so Node tests can check it too.
 */

export interface View {
  readonly latitude: number;
  readonly longitude: number;
  readonly zoom: number;
}

/** The map's size in CSS pixels. */
export interface Viewport {
  readonly width: number;
  readonly height: number;
}

/** What the view shows, in degrees, clipped to the world (no wrap across the antimeridian). */
export interface Bounds {
  readonly south: number;
  readonly west: number;
  readonly north: number;
  readonly east: number;
}

export interface ScreenPoint {
  readonly x: number;
  readonly y: number;
}

/** Web Mercator reaches this latitude at the world's square edge. */
export const MERCATOR_MAX_LATITUDE = 85.0511287798066;
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 20;
const TILE = 256;

/** Where the canonical 100 features are (northern New Jersey), close enough to see them all. */
export const DEFAULT_VIEW: View = { latitude: 40.55, longitude: -74.45, zoom: 8 };

export function worldSize(zoom: number): number {
  return TILE * 2 ** zoom;
}

/** Degrees to world pixels at this zoom; latitudes past Mercator's edge land on the edge. */
export function project(latitude: number, longitude: number, zoom: number): ScreenPoint {
  const size = worldSize(zoom);
  const clamped = Math.max(-MERCATOR_MAX_LATITUDE, Math.min(MERCATOR_MAX_LATITUDE, latitude));
  const sin = Math.sin((clamped * Math.PI) / 180);
  return {
    x: ((longitude + 180) / 360) * size,
    y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * size,
  };
}

/** World pixels to degrees at this zoom. */
export function unproject(x: number, y: number, zoom: number): { latitude: number; longitude: number } {
  const size = worldSize(zoom);
  const n = Math.PI - (2 * Math.PI * y) / size;
  return { latitude: (180 / Math.PI) * Math.atan(Math.sinh(n)), longitude: (x / size) * 360 - 180 };
}

/** The view with its zoom and centre kept inside the world. */
export function clampView(view: View): View {
  return {
    latitude: Math.max(-MERCATOR_MAX_LATITUDE, Math.min(MERCATOR_MAX_LATITUDE, view.latitude)),
    longitude: Math.max(-180, Math.min(180, view.longitude)),
    zoom: Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, view.zoom)),
  };
}

/** The screen position of a point in degrees. */
export function toScreen(view: View, viewport: Viewport, latitude: number, longitude: number): ScreenPoint {
  const centre = project(view.latitude, view.longitude, view.zoom);
  const point = project(latitude, longitude, view.zoom);
  return { x: point.x - centre.x + viewport.width / 2, y: point.y - centre.y + viewport.height / 2 };
}

/** The degrees under a screen position. */
export function fromScreen(view: View, viewport: Viewport, x: number, y: number): { latitude: number; longitude: number } {
  const centre = project(view.latitude, view.longitude, view.zoom);
  return unproject(centre.x + x - viewport.width / 2, centre.y + y - viewport.height / 2, view.zoom);
}

/**
 * What the viewport shows, clipped to the world. An edge at or past Mercator's top or bottom means
 * the pole, so features above 85.05° are in the world view too (drawn on the edge).
 */
export function viewBounds(view: View, viewport: Viewport): Bounds {
  const centre = project(view.latitude, view.longitude, view.zoom);
  const size = worldSize(view.zoom);
  const left = centre.x - viewport.width / 2;
  const top = centre.y - viewport.height / 2;
  const right = left + viewport.width;
  const bottom = top + viewport.height;
  const westEast = (x: number): number => Math.max(-180, Math.min(180, unproject(x, 0, view.zoom).longitude));
  return {
    north: top <= 0 ? 90 : unproject(0, top, view.zoom).latitude,
    south: bottom >= size ? -90 : unproject(0, bottom, view.zoom).latitude,
    west: westEast(left),
    east: westEast(right),
  };
}

/** The view moved so that the content follows the pointer by (dx, dy) pixels. */
export function panBy(view: View, dx: number, dy: number): View {
  const centre = project(view.latitude, view.longitude, view.zoom);
  const moved = unproject(centre.x - dx, centre.y - dy, view.zoom);
  return clampView({ ...moved, zoom: view.zoom });
}

/** The view at a new zoom that keeps the point under (x, y) where it is on screen. */
export function zoomAround(view: View, viewport: Viewport, zoom: number, x: number, y: number): View {
  const target = Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, zoom));
  const anchor = fromScreen(view, viewport, x, y);
  const anchorPixel = project(anchor.latitude, anchor.longitude, target);
  const centre = unproject(anchorPixel.x - (x - viewport.width / 2), anchorPixel.y - (y - viewport.height / 2), target);
  return clampView({ ...centre, zoom: target });
}

/**
 * `#map=ZOOM/LAT/LNG`, as OpenStreetMap writes it, with as many decimals of a degree as make the
 * centre exact to a pixel (5, about a metre, up to 7).
 */
export function formatViewHash(view: View): string {
  const decimals = Math.min(7, Math.max(5, Math.ceil(Math.log10(worldSize(view.zoom) / 360))));
  return `#map=${round(view.zoom, 2)}/${round(view.latitude, decimals)}/${round(view.longitude, decimals)}`;
}

/** The view as its link names it: what a settled view snaps to, so that the link reopens exactly it. */
export function linkedView(view: View): View {
  return parseViewHash(formatViewHash(view)) ?? view;
}

/** The view a `#map=ZOOM/LAT/LNG` hash names, or undefined if it names none. */
export function parseViewHash(hash: string): View | undefined {
  const match = /^#map=(-?[\d.]+)\/(-?[\d.]+)\/(-?[\d.]+)$/.exec(hash);
  if (!match) return undefined;
  const [zoom, latitude, longitude] = match.slice(1).map(Number) as [number, number, number];
  if (![zoom, latitude, longitude].every(Number.isFinite)) return undefined;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return clampView({ latitude, longitude, zoom });
}

function round(value: number, decimals: number): string {
  return String(Number(value.toFixed(decimals)));
}
