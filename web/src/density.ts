import type { E7Rectangle } from './client.js';
import { project } from './view.js';

/**
 * Density cells: what the map draws when a view holds more features than it shows one by one. The
 * server counts a grid over the view (CountFeatures: exact, uniform in degrees); the page merges its
 * rows into bands about CELL_PIXELS tall on screen, since Web Mercator stretches latitudes towards
 * the poles, so that every cell drawn is about square. Pure arithmetic, so Node tests check it.
 */

/** About how wide and tall a drawn cell is, in CSS pixels. */
export const CELL_PIXELS = 40;
/** Grid rows asked for per band drawn: enough to cut bands close to CELL_PIXELS anywhere. */
const ROWS_PER_BAND = 8;
const MAX_SIDE = 1024;
const MAX_CELLS = 65536;

export interface DensityGrid {
  readonly columns: number;
  readonly rows: number;
}

/** The grid to ask CountFeatures for: columns about CELL_PIXELS wide, rows fine enough to band. */
export function densityGrid(rectangle: E7Rectangle, zoom: number): DensityGrid {
  const low = project(rectangle.lo.latitude / 1e7, rectangle.lo.longitude / 1e7, zoom);
  const high = project(rectangle.hi.latitude / 1e7, rectangle.hi.longitude / 1e7, zoom);
  const columns = Math.min(MAX_SIDE, Math.max(1, Math.round((high.x - low.x) / CELL_PIXELS)));
  const bands = Math.max(1, Math.round((low.y - high.y) / CELL_PIXELS));
  const rows = Math.min(MAX_SIDE, Math.floor(MAX_CELLS / columns), bands * ROWS_PER_BAND);
  return { columns, rows };
}

/** Where grid line k of n starts over [lo, hi] in E7, as CountFeatures cuts it: lo + ceil(k * (hi - lo + 1) / n). */
export function gridEdge(lo: number, hi: number, k: number, n: number): number {
  return lo + Math.ceil((k * (hi - lo + 1)) / n);
}

/** The counts as drawn: cells between consecutive edges (degrees), bands from the south, row-major. */
export interface DensityCells {
  readonly rectangle: E7Rectangle;
  /** columns + 1 longitudes, west to east. */
  readonly longitudes: readonly number[];
  /** bands + 1 latitudes, south to north. */
  readonly latitudes: readonly number[];
  /** bands x columns counts, row-major from the south-west cell. */
  readonly counts: readonly number[];
  readonly total: number;
}

/**
 * Merges a CountFeatures answer's rows into bands at least CELL_PIXELS tall at `zoom` (the last one
 * joins the band below when it would be shorter than half that). Every count lands in one cell.
 */
export function densityCells(rectangle: E7Rectangle, answer: { counts: readonly number[]; columns: number; rows: number }, zoom: number): DensityCells {
  const { columns, rows } = answer;
  const { lo, hi } = rectangle;
  const longitudes: number[] = [];
  for (let k = 0; k <= columns; k++) longitudes.push(gridEdge(lo.longitude, hi.longitude, k, columns) / 1e7);
  const rowEdge = (k: number): number => gridEdge(lo.latitude, hi.latitude, k, rows) / 1e7;
  const screenY = (latitude: number): number => project(latitude, 0, zoom).y;
  // The rows where bands start, then the end.
  const starts = [0];
  for (let row = 1; row < rows; row++) {
    if (screenY(rowEdge(starts.at(-1)!)) - screenY(rowEdge(row)) >= CELL_PIXELS) starts.push(row);
  }
  if (starts.length > 1 && screenY(rowEdge(starts.at(-1)!)) - screenY(rowEdge(rows)) < CELL_PIXELS / 2) starts.pop();
  starts.push(rows);
  const latitudes = starts.map(rowEdge);
  const bands = starts.length - 1;
  const counts = new Array<number>(bands * columns).fill(0);
  let total = 0;
  for (let band = 0; band < bands; band++) {
    for (let row = starts[band]!; row < starts[band + 1]!; row++) {
      for (let column = 0; column < columns; column++) {
        const count = answer.counts[row * columns + column] ?? 0;
        counts[band * columns + column]! += count;
        total += count;
      }
    }
  }
  return { rectangle, longitudes, latitudes, counts, total };
}

/** The legend's classes: a cell holding n features takes the class of the largest bound <= n. */
export const DENSITY_CLASSES = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000] as const;

/** The class of a count (-1 for an empty cell). */
export function densityClass(count: number): number {
  let found = -1;
  for (let i = 0; i < DENSITY_CLASSES.length; i++) if (count >= DENSITY_CLASSES[i]!) found = i;
  return found;
}

/** A count in at most four characters, never rounded up: 999, 1.2k, 34k, 1.2M. */
export function shortCount(count: number): string {
  const cut = (value: number, unit: string): string => {
    const shown = value < 10 ? Math.floor(value * 10) / 10 : Math.floor(value);
    return `${shown}${unit}`;
  };
  if (count < 1000) return String(count);
  if (count < 1_000_000) return cut(count / 1000, 'k');
  if (count < 1_000_000_000) return cut(count / 1_000_000, 'M');
  return cut(count / 1_000_000_000, 'G');
}

/** The legend's rows for the classes up to the one holding `largest`: `1-9`, `10-99`, ..., `10k+`. */
export function legendRows(largest: number): { readonly classIndex: number; readonly label: string }[] {
  const top = Math.max(0, densityClass(largest));
  const rows = [];
  for (let i = 0; i <= top; i++) {
    const from = DENSITY_CLASSES[i]!;
    const next = DENSITY_CLASSES[i + 1];
    const label = i === top || next === undefined ? `${shortCount(from)}+` : from === next - 1 ? shortCount(from) : `${shortCount(from)}–${shortCount(next - 1)}`;
    rows.push({ classIndex: i, label });
  }
  return rows;
}
