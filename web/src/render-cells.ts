import { densityClass, shortCount, type DensityCells } from './density.js';
import { project, type View, type Viewport } from './view.js';

/** One colour per density class (density.ts), light to dark: ColorBrewer's YlGnBu, which tells each class apart. */
export const CLASS_COLOURS = ['#edf8b1', '#c7e9b4', '#7fcdbb', '#41b6c4', '#1d91c0', '#225ea8', '#253494', '#081d58'] as const;
/** Cells are translucent, so the coasts show through. */
const CELL_ALPHA = 0.78;

/**
 * Draws the density cells on `context` (already scaled to CSS pixels): a tinted rectangle per
 * non-empty cell and, where it fits, its count. Returns the sum of the counts drawn, which is every
 * feature counted (the cells tile the view).
 */
export function drawCells(context: CanvasRenderingContext2D, cells: DensityCells, view: View, viewport: Viewport): number {
  const centre = project(view.latitude, view.longitude, view.zoom);
  const left = centre.x - viewport.width / 2;
  const top = centre.y - viewport.height / 2;
  const xs = cells.longitudes.map((longitude) => project(0, longitude, view.zoom).x - left);
  const ys = cells.latitudes.map((latitude) => project(latitude, 0, view.zoom).y - top);
  const columns = xs.length - 1;
  const bands = ys.length - 1;
  let drawn = 0;
  context.globalAlpha = CELL_ALPHA;
  for (let band = 0; band < bands; band++) {
    for (let column = 0; column < columns; column++) {
      const count = cells.counts[band * columns + column]!;
      drawn += count;
      if (count === 0) continue;
      context.fillStyle = CLASS_COLOURS[Math.min(CLASS_COLOURS.length - 1, densityClass(count))]!;
      // Half a pixel of gap between cells, so that each reads as a cell.
      context.fillRect(xs[column]! + 0.5, ys[band + 1]! + 0.5, xs[column + 1]! - xs[column]! - 1, ys[band]! - ys[band + 1]! - 1);
    }
  }
  context.globalAlpha = 1;
  context.font = '600 11px system-ui, sans-serif';
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  for (let band = 0; band < bands; band++) {
    const height = ys[band]! - ys[band + 1]!;
    if (height < 14) continue;
    for (let column = 0; column < columns; column++) {
      const count = cells.counts[band * columns + column]!;
      const width = xs[column + 1]! - xs[column]!;
      if (count === 0) continue;
      const label = shortCount(count);
      if (context.measureText(label).width > width - 4) continue;
      context.fillStyle = densityClass(count) >= 4 ? '#ffffff' : '#0b2540';
      context.fillText(label, xs[column]! + width / 2, ys[band + 1]! + height / 2);
    }
  }
  return drawn;
}
