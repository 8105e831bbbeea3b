import type { Basemap, Line } from './basemap.js';
import type { FeatureSet } from './feature-set.js';
import { project, viewBounds, type View, type Viewport } from './view.js';

/** Colours of the map, shared with map.css by eye. */
const SEA = '#dbe7ef';
const LAND = '#f7f5ef';
const COAST = '#b9c3c9';
const BORDER = '#c9c2b4';
const FEATURE = [0x0b, 0x6b, 0xcb] as const;
const UNNAMED = [0x8a, 0x94, 0x9e] as const;
/** Below this many features each gets a round marker with a halo; above, a 3-pixel square. */
const MARKER_LIMIT = 3000;

export interface Marker {
  readonly latitude: number;
  readonly longitude: number;
}

export interface Scene {
  readonly view: View;
  readonly viewport: Viewport;
  readonly basemap: Basemap | undefined;
  readonly features: FeatureSet | undefined;
  readonly notes: readonly Marker[];
  readonly selected: Marker | undefined;
}

function visible(line: Line, west: number, south: number, east: number, north: number): boolean {
  return line.east >= west && line.west <= east && line.north >= south && line.south <= north;
}

function trace(context: CanvasRenderingContext2D, line: Line, zoom: number, left: number, top: number): void {
  const coordinates = line.coordinates;
  for (let i = 0; i < coordinates.length; i += 2) {
    const point = project(coordinates[i + 1]!, coordinates[i]!, zoom);
    if (i === 0) context.moveTo(point.x - left, point.y - top);
    else context.lineTo(point.x - left, point.y - top);
  }
  context.closePath();
}

/** Sea, land and borders for the view on `context` (already scaled to CSS pixels). */
export function drawBasemap(context: CanvasRenderingContext2D, scene: Scene): void {
  const { view, viewport, basemap } = scene;
  context.fillStyle = SEA;
  context.fillRect(0, 0, viewport.width, viewport.height);
  if (!basemap) return;
  const bounds = viewBounds(view, viewport);
  const centre = project(view.latitude, view.longitude, view.zoom);
  const left = centre.x - viewport.width / 2;
  const top = centre.y - viewport.height / 2;
  const margin = 1;
  const [west, south, east, north] = [bounds.west - margin, bounds.south - margin, bounds.east + margin, bounds.north + margin];
  context.beginPath();
  for (const polygon of basemap.land) {
    if (!polygon[0] || !visible(polygon[0], west, south, east, north)) continue;
    for (const ring of polygon) trace(context, ring, view.zoom, left, top);
  }
  context.fillStyle = LAND;
  context.fill('evenodd');
  context.lineWidth = 0.8;
  context.strokeStyle = COAST;
  context.stroke();
  context.beginPath();
  for (const border of basemap.borders) {
    if (!visible(border, west, south, east, north)) continue;
    const coordinates = border.coordinates;
    for (let i = 0; i < coordinates.length; i += 2) {
      const point = project(coordinates[i + 1]!, coordinates[i]!, view.zoom);
      if (i === 0) context.moveTo(point.x - left, point.y - top);
      else context.lineTo(point.x - left, point.y - top);
    }
  }
  context.setLineDash([3, 2]);
  context.strokeStyle = BORDER;
  context.stroke();
  context.setLineDash([]);
}

/** Each feature's world pixel at one zoom, kept until the set or the zoom changes: a pan needs no trigonometry. */
class ProjectionCache {
  private features: FeatureSet | undefined;
  private zoom = Number.NaN;
  private size = 0;
  x = new Float64Array(0);
  y = new Float64Array(0);

  update(features: FeatureSet, zoom: number): void {
    if (features === this.features && zoom === this.zoom && features.size === this.size) return;
    if (this.x.length < features.size) {
      this.x = new Float64Array(features.latitudes.length);
      this.y = new Float64Array(features.latitudes.length);
    }
    for (let i = 0; i < features.size; i++) {
      const point = project(features.latitudes[i]!, features.longitudes[i]!, zoom);
      this.x[i] = point.x;
      this.y[i] = point.y;
    }
    this.features = features;
    this.zoom = zoom;
    this.size = features.size;
  }
}

const cache = new ProjectionCache();

/**
 * The features, notes and selection on `canvas` (device pixels, cleared first). Returns how many
 * features were drawn: those within the canvas, edges included.
 */
export function drawFeatures(canvas: HTMLCanvasElement, scene: Scene, pixelRatio: number): number {
  const context = canvas.getContext('2d')!;
  const { view, viewport, features } = scene;
  const centre = project(view.latitude, view.longitude, view.zoom);
  const left = centre.x - viewport.width / 2;
  const top = centre.y - viewport.height / 2;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  let drawn = 0;
  if (features && features.size > 0) {
    cache.update(features, view.zoom);
    drawn = features.size > MARKER_LIMIT
      ? drawDots(context, canvas, features, left, top, pixelRatio)
      : drawMarkers(context, features, left, top, viewport, pixelRatio);
  }
  context.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
  if (scene.selected) {
    const point = project(scene.selected.latitude, scene.selected.longitude, view.zoom);
    context.beginPath();
    context.arc(point.x - left, point.y - top, 9, 0, 2 * Math.PI);
    context.lineWidth = 2.5;
    context.strokeStyle = '#d9480f';
    context.stroke();
  }
  for (const note of scene.notes) {
    const point = project(note.latitude, note.longitude, view.zoom);
    pin(context, point.x - left, point.y - top, '#f59e0b');
  }
  return drawn;
}

/** Many features: squares of 3x3 device pixels (2x2 past 20,000, so dense places keep their texture) written straight into the pixel buffer. */
function drawDots(context: CanvasRenderingContext2D, canvas: HTMLCanvasElement, features: FeatureSet, left: number, top: number, ratio: number): number {
  const { width, height } = canvas;
  const image = context.createImageData(width, height);
  const pixels = new Uint32Array(image.data.buffer);
  // ImageData is RGBA in memory: a little-endian Uint32 reads it as ABGR.
  const colour = (rgb: readonly [number, number, number]): number => ((0xff << 24) | (rgb[2] << 16) | (rgb[1] << 8) | rgb[0]) >>> 0;
  const named = colour(FEATURE);
  const unnamed = colour(UNNAMED);
  const last = features.size > 20_000 ? 0 : 1;
  let drawn = 0;
  for (let i = 0; i < features.size; i++) {
    const x = Math.round((cache.x[i]! - left) * ratio);
    const y = Math.round((cache.y[i]! - top) * ratio);
    // A feature on the view's edge may round a pixel outside it; it is still in view.
    if (x < -ratio || y < -ratio || x > width + ratio || y > height + ratio) continue;
    drawn += 1;
    const value = features.names[i] === '' ? unnamed : named;
    for (let dy = -1; dy <= last; dy++) {
      const row = y + dy;
      if (row < 0 || row >= height) continue;
      for (let dx = -1; dx <= last; dx++) {
        const column = x + dx;
        if (column >= 0 && column < width) pixels[row * width + column] = value;
      }
    }
  }
  context.putImageData(image, 0, 0);
  return drawn;
}

/** Few features: round markers with a white halo, unnamed ones grey. */
function drawMarkers(context: CanvasRenderingContext2D, features: FeatureSet, left: number, top: number, viewport: Viewport, ratio: number): number {
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  let drawn = 0;
  for (const unnamedPass of [true, false]) {
    context.beginPath();
    for (let i = 0; i < features.size; i++) {
      if ((features.names[i] === '') !== unnamedPass) continue;
      const x = cache.x[i]! - left;
      const y = cache.y[i]! - top;
      if (x < -1 || y < -1 || x > viewport.width + 1 || y > viewport.height + 1) continue;
      drawn += 1;
      context.moveTo(x + 5, y);
      context.arc(x, y, 5, 0, 2 * Math.PI);
    }
    context.fillStyle = unnamedPass ? `rgb(${UNNAMED.join(',')})` : `rgb(${FEATURE.join(',')})`;
    context.lineWidth = 1.5;
    context.strokeStyle = '#ffffff';
    context.stroke();
    context.fill();
  }
  return drawn;
}

function pin(context: CanvasRenderingContext2D, x: number, y: number, colour: string): void {
  context.beginPath();
  context.moveTo(x, y);
  context.bezierCurveTo(x - 9, y - 12, x - 9, y - 24, x, y - 24);
  context.bezierCurveTo(x + 9, y - 24, x + 9, y - 12, x, y);
  context.fillStyle = colour;
  context.lineWidth = 1.5;
  context.strokeStyle = '#ffffff';
  context.fill();
  context.stroke();
  context.beginPath();
  context.arc(x, y - 16, 3, 0, 2 * Math.PI);
  context.fillStyle = '#ffffff';
  context.fill();
}

/** The scale bar: the longest round distance (1, 2 or 5 x 10^n metres) that fits in `maxWidth` pixels at the view's centre. */
export function scaleBar(view: View, maxWidth: number): { width: number; label: string } {
  const metresPerPixel = (40_075_016.686 * Math.cos((view.latitude * Math.PI) / 180)) / (256 * 2 ** view.zoom);
  const most = metresPerPixel * maxWidth;
  const power = 10 ** Math.floor(Math.log10(most));
  const metres = [5, 2, 1].map((step) => step * power).find((candidate) => candidate <= most) ?? power;
  return { width: metres / metresPerPixel, label: metres >= 1000 ? `${metres / 1000} km` : `${metres} m` };
}
