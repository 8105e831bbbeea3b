import { z } from 'zod';
import type { CountFeaturesResponse } from '../gen/messages/route_guide_extensions.js';
import { MAX_GRID_CELLS, MAX_GRID_SIDE } from '../service/extension-validation.js';
import type { ClientCommand } from './client-command.js';
import { point } from './client-input.js';
import { plural } from './plural.js';

/** The grid the command asks for unless --grid says otherwise: one that fits a terminal. */
const DEFAULT_GRID = '8x8';

/** `CxR`: columns by rows, each 1 to 1024, at most 65536 cells. */
const gridSetting = z
  .string()
  .optional()
  .transform((text) => text ?? DEFAULT_GRID)
  .refine(
    (text) => {
      const match = /^(\d+)x(\d+)$/.exec(text.trim());
      if (!match) return false;
      const [columns, rows] = [Number(match[1]), Number(match[2])];
      return columns >= 1 && rows >= 1 && columns <= MAX_GRID_SIDE && rows <= MAX_GRID_SIDE && columns * rows <= MAX_GRID_CELLS;
    },
    { error: `must be COLUMNSxROWS, each 1 to ${MAX_GRID_SIDE} and at most ${MAX_GRID_CELLS} cells in all, e.g. ${DEFAULT_GRID}` },
  )
  .transform((text) => {
    const [columns, rows] = text.trim().split('x').map(Number) as [number, number];
    return { columns, rows };
  });

/** Degrees of a cell's low edge, with as many decimals as tell cells `step` degrees wide apart. */
function edge(degrees: number, step: number): string {
  const decimals = Math.min(7, Math.max(0, Math.ceil(-Math.log10(step)) + 1));
  return String(Number(degrees.toFixed(decimals)));
}

/**
 * The counts as a table the way a map reads: north at the top, each row labelled with the latitude
 * where it starts and each column with the longitude where it starts (rounded to show the step).
 */
export function gridLines({ counts, columns, rows, total }: CountFeaturesResponse, lo: { latitude: number; longitude: number }, hi: { latitude: number; longitude: number }): string[] {
  const [south, north] = [Math.min(lo.latitude, hi.latitude) / 1e7, Math.max(lo.latitude, hi.latitude) / 1e7];
  const [west, east] = [Math.min(lo.longitude, hi.longitude) / 1e7, Math.max(lo.longitude, hi.longitude) / 1e7];
  const columnStep = (east - west) / columns || 1e-7;
  const rowStep = (north - south) / rows || 1e-7;
  const heads = Array.from({ length: columns }, (_, c) => edge(west + c * columnStep, columnStep));
  const labels = Array.from({ length: rows }, (_, r) => edge(south + r * rowStep, rowStep));
  const width = Math.max(...heads.map((head) => head.length), ...counts.map((count) => String(count).length));
  const labelWidth = Math.max('lat \\ lng'.length, ...labels.map((label) => label.length));
  const lines = [['lat \\ lng'.padEnd(labelWidth), ...heads.map((head) => head.padStart(width))].join(' ')];
  for (let row = rows - 1; row >= 0; row--) {
    const cells = counts.slice(row * columns, (row + 1) * columns).map((count) => String(count).padStart(width));
    lines.push([labels[row]!.padEnd(labelWidth), ...cells].join(' '));
  }
  lines.push(`${plural(total, 'feature')} in ${columns} x ${rows} cells`);
  return lines;
}

/** `client count`: how many features lie in each cell of a grid over a rectangle, and in all. */
export const countCommand: ClientCommand = {
  usage: 'routeguide client count LO_LAT LO_LNG HI_LAT HI_LNG [--grid CxR]',
  summary: 'CountFeatures: how many features lie in each cell of a grid over the rectangle (degrees, edges included), north at the top.',
  arity: 4,
  settings: {
    grid: { schema: gridSetting, description: 'columns (by longitude) x rows (by latitude), each 1 to 1024, at most 65536 cells', defaultText: DEFAULT_GRID, valueName: 'CxR' },
  },
  async run({ client, out, args: [loLat, loLng, hiLat, hiLng], call, options }) {
    const rectangle = { lo: point(loLat!, loLng!), hi: point(hiLat!, hiLng!) };
    const { columns, rows } = options['grid'] as { columns: number; rows: number };
    const response = await client.countFeatures({ rectangle, columns, rows }, call);
    if (options['json']) {
      // Output has no JSON shape for a grid: write it here, unless stdout has closed.
      if (!call.signal?.aborted) process.stdout.write(JSON.stringify(response) + '\n');
    } else {
      for (const line of gridLines(response, rectangle.lo, rectangle.hi)) out.text(line);
    }
    return 0;
  },
};
